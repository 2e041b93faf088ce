"""Lazada's ``/_sim/*`` control routes and its inspection view."""

import copy

from ..core import Response, json_object, json_response, route
from .common import SHIPMENT_PROVIDERS, STATUSES, _int_or_none
from .logistics import minimal_pdf


class LazadaControl:
    """Test controls (auth codes, pushes, orders, buyer actions), ``inspect()``."""

    # ---- control endpoints -----------------------------------------------------------
    def _body(self, req):
        """A control call's JSON object; ``{}`` when its body is not one."""
        return json_object(req) or {}

    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        code = f"0_{self.app_key}_{self.rng.getrandbits(128):032x}"
        self.codes.issue(code, self.now() + 1800)
        return json_response({"code": code, "expires_in": 1800})

    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        self.push_url = self._body(req).get("url") or None
        return json_response({"url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = self._body(req)
        order = self.orders.get(_int_or_none(body.get("order_id")))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        if not self.push_url:
            return json_response({"error": "no push url configured"}, 409)
        wanted = _int_or_none(body.get("order_item_id"))
        items = self._order_items(order)
        item = next((i for i in items if i["order_item_id"] == wanted), items[0])
        self._queue_push(order, item, item["updated_at"])
        return json_response({"queued": True, "order_item_id": item["order_item_id"]})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_orders_new(self, req):
        body = self._body(req)
        count = int(body.get("count", 1))
        status = body.get("status") or "pending"
        if status not in STATUSES:
            return json_response({"error": f"unknown status {status}"}, 400)
        lines, error = self._requested_lines(body)
        if error:
            return json_response({"error": error}, 400)
        force = bool(body.get("force"))
        now = self.now()
        created = []
        for _ in range(count):
            order = self._new_order(
                status, now, now, cancel_requests=False, lines=lines, force=force
            )
            if order is None:  # nothing left that the buyer wants
                continue
            order["updated_at"] = now
            for item in self._order_items(order):
                item["status_since"] = item["updated_at"] = now
                self._queue_push(order, item, now)
            created.append(order["order_id"])
        return json_response(
            {"order_ids": created, "not_created": count - len(created)}
        )

    @route("POST", "/_sim/orders/{order_id}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        ids = self._body(req).get("order_item_ids")
        ids = {int(i) for i in ids} if ids else None
        now = self.now()
        reverse_id = self._buyer_cancel(order, ids, now)
        if reverse_id is None:
            return json_response({"error": "no item can be cancelled"}, 409)
        for item_id in self.reverse_orders[reverse_id]["item_ids"]:
            self._queue_push(order, self.items[item_id], now)
        return json_response({"reverse_order_id": reverse_id})

    @route("POST", "/_sim/orders/{order_id}/pay", api=False)
    def sim_pay(self, req):
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        now = self.now()
        for item in self._order_items(order):
            if item["status"] == "unpaid":
                self._set_status(item, "pending", now)
        return json_response({"statuses": sorted(self._statuses(order))})

    @route("POST", "/_sim/finance/transaction", api=False)
    def sim_finance_transaction(self, req):
        """Add one finance row now: {"fee_type", "amount"[, "fee_name", "order_id"]}
        (an adjustment, or a fee type the seller's books do not know yet)."""
        body = self._body(req)
        order = self.orders.get(_int_or_none(body.get("order_id")))
        try:
            fee_type = int(body.get("fee_type"))
            amount = float(body.get("amount"))
        except (TypeError, ValueError):
            return json_response({"error": "fee_type and amount are required"}, 400)
        items = self._order_items(order) if order else []
        row = self._txn(
            self.now(),
            fee_type,
            amount,
            order,
            items[0] if items else None,
            body.get("fee_name"),
        )
        return json_response({"transaction_number": row["number"]})

    @route("POST", "/_sim/orders/{order_id}/deliver", api=False)
    def sim_deliver(self, req):
        """Deliver (or, with {"return": true}, deliver and return) every open item."""
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        body = self._body(req)
        now = self.now()
        returned = {int(i) for i in body.get("return_item_ids") or []}
        for item in self._order_items(order):
            if item["status"] in ("canceled", "failed", "delivered", "returned"):
                continue
            if not item["package_id"]:
                self._attach(
                    item, self._new_package(order["order_id"], SHIPMENT_PROVIDERS[0])
                )
            item["need_cancel_confirm"] = item["is_cancel_pending"] = False
            item["cancel_trigger_time"] = None
            self._set_status(item, "delivered", now)
            if item["order_item_id"] in returned:
                item["reason"] = "Item damaged"
                item["cancel_return_initiator"] = "return-customer"
                self._set_status(item, "returned", now)
        return json_response({"statuses": sorted(self._statuses(order))})

    @route("GET", "/_sim/awb/{name}", api=False)
    def sim_awb(self, req):
        package = self.packages.get(req.params["name"].removesuffix(".pdf"))
        if package is None:
            return json_response({"error": "unknown package"}, 404)
        pdf = minimal_pdf([f"Tracking number: {package['tracking_number']}"])
        return Response(200, pdf, "application/pdf")

    # ---- inspection ------------------------------------------------------------------
    @staticmethod
    def _sold_or_all(items):
        return [i for i in items if i["status"] != "canceled"] or items

    def _buyer_paid(self, order, items):
        """What the buyer pays for ``order``: the items' paid price (item price
        less both vouchers) of the items that are not cancelled (all of them
        when every one is), and the shipping fee."""
        paid = sum(
            i["item_price"] - i["voucher_seller"] - i["voucher_platform"]
            for i in self._sold_or_all(items)
        )
        return round(paid + order["shipping_fee"], 2)

    def _money_split(self, order, items):
        sold = self._sold_or_all(items)
        return {
            "voucher_seller": round(sum(i["voucher_seller"] for i in sold), 2),
            "voucher_platform": round(sum(i["voucher_platform"] for i in sold), 2),
            "shipping_fee": order["shipping_fee"],
            "shipping_fee_original": order["shipping_original"],
            "shipping_fee_discount_seller": order["shipping_discount_seller"],
            "shipping_fee_discount_platform": order["shipping_discount_platform"],
        }

    def _statuses(self, order):
        return {item["status"] for item in self._order_items(order)}

    def inspect(self):
        with self.lock:
            self._sync_faults()
            now = self.now()
            orders = {}
            for order_id, order in self.orders.items():
                items = self._order_items(order)
                orders[str(order_id)] = {
                    "statuses": sorted(self._statuses(order)),
                    "updated_at": self._iso(order["updated_at"]),
                    # what the buyer pays: the paid price of the items that are
                    # not cancelled (of all when every one is) + shipping
                    "total": self._buyer_paid(order, items),
                    "order_value": round(
                        self._buyer_paid(order, items)
                        + sum(i["voucher_platform"] for i in self._sold_or_all(items)),
                        2,
                    ),
                    # who pays what (the vouchers of the items not cancelled)
                    "money": self._money_split(order, items),
                    "items": {
                        str(item["order_item_id"]): {
                            "sku": item["sku"],
                            "price": round(item["item_price"], 2),
                            "status": item["status"],
                            "package_id": item["package_id"],
                            "tracking_number": item["tracking_code"],
                            "invoice_number": item["invoice_number"],
                            "need_cancel_confirm": item["need_cancel_confirm"],
                            "is_cancel_pending": item["is_cancel_pending"],
                            "reverse_order_id": item["reverse_order_id"],
                            "cancel_decision": item["cancel_decision"],
                        }
                        for item in items
                    },
                    "package_ids": sorted({i["package_id"] for i in items} - {""}),
                    "tracking_numbers": sorted(
                        {i["tracking_code"] for i in items} - {""}
                    ),
                }
            return {
                "currency": self.currency,
                "orders": orders,
                "stock": copy.deepcopy(self.stock),
                "seller_stock": self.seller_stock.report(),
                "decisions": copy.deepcopy(self.decisions),
                "reverse_orders": {
                    str(k): dict(v, item_ids=list(v["item_ids"]))
                    for k, v in self.reverse_orders.items()
                },
                "pushes": copy.deepcopy(self.pushes),
                "push_url": self.push_url,
                "tokens": {
                    "codes_issued": len(self.codes),
                    "codes_used": self.codes.used(),
                    "access_tokens": len(self.access_tokens),
                    "access_tokens_valid": sum(
                        1 for t in self.access_tokens.values() if t["expires_at"] > now
                    ),
                    "refresh_tokens": len(self.refresh_tokens),
                    "refreshes": sum(
                        r["refreshes"] for r in self.refresh_tokens.values()
                    ),
                },
                "calls": len(self.calls),
                "finance": self.finance_inspect(now),
            }
