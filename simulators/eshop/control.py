"""The e-shop's ``/_sim/*`` control routes (customer events) and its inspection."""

import copy

from .. import data
from ..core import json_response, route
from .common import MATRIX, NOT_IMPORTABLE, STATES, VOUCHERS, money


class EshopControl:
    """Test controls (new orders, customer confirmations, events) and ``inspect()``."""

    # ---- control ---------------------------------------------------------------------
    @route("POST", "/_sim/orders/new", api=False)
    def sim_new_order(self, req):
        body = req.json()
        rng = self.rng
        delivery = body.get("delivery") or "DPD"
        payment = body.get("payment") or "TRANSFER"
        if payment not in MATRIX.get(delivery, ()):
            return json_response(
                {
                    "error": f"{delivery}/{payment} is not in the delivery/payment "
                    "matrix"
                },
                400,
            )
        catalogue = {item["sku"] for item in data.catalogue()}
        lines = body.get("lines") or [
            {"sku": i["sku"], "qty": i["qty"]} for i in data.order_lines(rng)
        ]
        unknown = [
            line.get("sku") for line in lines if line.get("sku") not in catalogue
        ]
        if unknown:
            return json_response({"error": f"unknown SKU(s) {unknown}"}, 400)
        voucher = body.get("voucher")
        if voucher and voucher not in {v[0] for v in VOUCHERS}:
            return json_response({"error": f"unknown voucher {voucher!r}"}, 400)
        order = self._create_order(
            self.now(),
            data.buyer(rng),
            lines,
            delivery,
            payment,
            voucher,
            None,
            body.get("comment", ""),
        )
        if body.get("customer_confirmed"):
            self.customer_confirm(order)
        return json_response(self._order_state(order), 201)

    @route("POST", "/_sim/orders/{order_id}/customer_confirm", api=False)
    def sim_customer_confirm(self, req):
        order = self._sim_order(req)
        if order is None:
            return json_response({"error": "unknown order"}, 404)
        problem = self.customer_confirm(order)
        if problem:
            return json_response({"error": problem}, 409)
        return json_response(self._order_state(order))

    @route("POST", "/_sim/orders/{order_id}/event", api=False)
    def sim_event(self, req):
        order = self._sim_order(req)
        if order is None:
            return json_response({"error": "unknown order"}, 404)
        body = req.json()
        problem = self.customer_event(order, body.get("event"), body.get("amount"))
        if problem:
            return json_response({"error": problem}, 409)
        return json_response(self._order_state(order))

    def _sim_order(self, req):
        raw = req.params["order_id"]
        return self.orders.get(int(raw)) if raw.isdigit() else None

    def customer_event(self, order, event, amount=None):
        state = order["state"]
        expected = {
            "payment_received": "awaiting_payment",
            "payment_failed": "awaiting_payment",
            "instalment_approved": "awaiting_instalment",
            "instalment_rejected": "awaiting_instalment",
            "shipping_cost_approved": "awaiting_shipping_cost",
        }
        if event == "cancel":
            if state in ("fulfilled", "cancelled"):
                return f"order {order['id']} is {state} and cannot be cancelled"
            self._change(order, state="cancelled")
            return None
        if event not in expected:
            return f"unknown event {event!r}"
        if state != expected[event]:
            return f"order {order['id']} is {state}, not {expected[event]}"
        if event == "payment_received":
            self._change(order, state="awaiting_shop", payment_status="paid")
        elif event == "payment_failed":
            self._change(order, payment_status="failed")
        elif event == "instalment_approved":
            self._change(order, state="awaiting_shop")
        elif event == "instalment_rejected":
            self._change(order, state="cancelled", payment_status="rejected")
        else:
            fee = money(amount if amount is not None else "149.00")
            self._change(
                order,
                state=self._after_customer_step(order, "shipping_cost"),
                delivery_fee=fee,
            )
        return None

    # ---- inspection ------------------------------------------------------------------
    def _order_state(self, order):
        totals = self.totals(order)
        return {
            "id": order["id"],
            "number": order["number"],
            "state": order["state"],
            "state_label": STATES[order["state"]],
            "importable": order["state"] not in NOT_IMPORTABLE,
            "released": order["released"],
            "version": order["version"],
            "placed_at": order["placed_at"],
            "modified_at": order["modified_at"],
            "delivery": order["delivery"],
            "payment": order["payment"],
            "payment_status": order["payment_status"],
            "voucher": order["voucher"],
            "total": str(totals["total"]),
            "tax": str(totals["tax"]),
            "net": str(totals["net"]),
            "lines": [
                {"sku": line["sku"], "qty": line["qty"], "price": str(line["price"])}
                for line in order["lines"]
            ],
            "documents": [list(d) for d in order["documents"]],
            "tracking": order["tracking"],
        }

    def inspect(self):
        return {
            "orders": {
                str(oid): self._order_state(o) for oid, o in self.orders.items()
            },
            "cursor": self.seq,
            "status_updates": copy.deepcopy(self.status_updates),
            "errors": list(self.errors),
            "exports": copy.deepcopy(self.exports),
            "calls": list(self.calls),
        }
