"""The buyers of Shopee's returns (control endpoints, not faulted).

``POST /_sim/returns/new`` (a buyer asks for a return of a delivered order:
``order_sn``, ``reason``, ``text_reason``, ``amount``, ``images``, ``due_date``,
``solution``, ``items`` [{"sku", "qty"}]), ``POST /_sim/returns/{return_sn}/parcel``
(the buyer's parcel arrives at the seller), ``POST
/_sim/returns/{return_sn}/buyer_offer`` (the buyer accepts or refuses the seller's
offer: ``{"accept": bool}``), ``POST /_sim/returns/{return_sn}/judge`` (Shopee
decides a dispute: ``{"winner": "seller" | "buyer"}``). The API side is in
``returns.py``.
"""

from ..core import json_object, json_response, route
from .returns import (
    BUYER_SHIP_DUE,
    RETURN_REASONS,
    RETURN_SOLUTIONS,
    RETURNABLE_ORDER_STATUSES,
    SELLER_DUE,
    SELLER_RECEIPT_DUE,
)


class ShopeeReturnsControl:
    """The buyer's side of a return, and Shopee's judgement of a dispute."""

    @route("POST", "/_sim/returns/new", api=False)
    def sim_returns_new(self, req):
        body = json_object(req) or {}
        order = self.orders.get(body.get("order_sn") or "")
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] not in RETURNABLE_ORDER_STATUSES:
            return json_response(
                {"error": f"cannot ask for a return in {order['status']}"}, 409
            )
        solution = body.get("solution") or "RETURN_REFUND"
        reason = body.get("reason") or "ITEM_DAMAGED"
        if solution not in RETURN_SOLUTIONS or reason not in RETURN_REASONS:
            return json_response({"error": "unknown solution or reason"}, 400)
        by_sku = {item["sku"]: index for index, item in enumerate(order["items"])}
        wanted = body.get("items") or [
            {"sku": i["sku"], "qty": i["model_quantity_purchased"]}
            for i in order["items"]
        ]
        lines = []
        for entry in wanted:
            index = by_sku.get(entry.get("sku"))
            qty = int(entry.get("qty") or 0)
            if index is None or not (
                0 < qty <= order["items"][index]["model_quantity_purchased"]
            ):
                return json_response({"error": f"bad return line {entry}"}, 400)
            lines.append((index, qty))
        goods = sum(order["items"][i]["model_discounted_price"] * q for i, q in lines)
        paid = self._money(order, order["amounts"]["total_amount"])
        # the buyer gets back what they paid for those items, vouchers deducted
        amount = self._money(order, body.get("amount", min(goods, paid)))
        if not 0 < amount <= paid:
            return json_response({"error": "amount beyond what the buyer paid"}, 400)
        now = int(self.now())
        sn = self._new_return_sn()
        ret = {
            "return_sn": sn,
            "order_sn": order["order_sn"],
            "status": "REQUESTED",
            "solution": solution,
            "reason": reason,
            "text_reason": str(body.get("text_reason") or ""),
            "images": [str(u) for u in body.get("images") or []],
            "lines": lines,
            "refund_amount": amount,
            "refunded_amount": 0.0,
            "amount_before_discount": self._money(
                order,
                sum(order["items"][i]["model_original_price"] * q for i, q in lines),
            ),
            "create_time": now,
            "update_time": now,
            "due_date": int(body.get("due_date") or now + SELLER_DUE),
            "return_ship_due_date": 0,
            "return_seller_due_date": 0,
            "tracking_number": "",
            "logistics_status": "",
            "seller_proof_status": "PENDING",
            "return_refund_type": "RRAOC"
            if order["status"] == "COMPLETED"
            else "RRBOC",
            "negotiation": {
                "negotiation_status": "PENDING_RESPOND",
                "latest_solution": solution,
                "latest_offer_amount": amount,
                "latest_offer_creator": order["buyer_username"],
                "counter_limit": 1,
                "offer_due_date": int(body.get("due_date") or now + SELLER_DUE),
            },
            "dispute": None,
            "decisions": [],
            "history": [{"status": "REQUESTED", "update_time": now}],
        }
        self.returns[sn] = ret
        if order["status"] == "TO_CONFIRM_RECEIVE":
            order["due_at"] = None  # the guarantee waits for the return
            self._set_status(order, "TO_RETURN", now)
        return json_response(self._return_record(ret, detail=True))

    def _sim_return(self, req):
        ret = self.returns.get(req.params["return_sn"])
        if ret is None:
            return None, json_response({"error": "return not found"}, 404)
        return ret, None

    @route("POST", "/_sim/returns/{return_sn}/parcel", api=False)
    def sim_return_parcel(self, req):
        """The buyer ships the parcel back and it arrives at the seller."""
        ret, error = self._sim_return(req)
        if error:
            return error
        if ret["status"] != "PROCESSING" or ret["solution"] != "RETURN_REFUND":
            return json_response({"error": f"no parcel due in {ret['status']}"}, 409)
        now = int(self.now())
        ret["tracking_number"] = ret["tracking_number"] or (
            f"RNSPX{self.rng.randint(10**9, 10**10 - 1)}"
        )
        ret["logistics_status"] = "LOGISTICS_DELIVERY_DONE"
        ret["return_seller_due_date"] = now + SELLER_RECEIPT_DUE
        ret["due_date"] = ret["return_seller_due_date"]
        self._return_touch(ret, at=now)
        return json_response(self._return_record(ret, detail=True))

    @route("POST", "/_sim/returns/{return_sn}/buyer_offer", api=False)
    def sim_return_buyer_offer(self, req):
        """The buyer answers the seller's offer."""
        ret, error = self._sim_return(req)
        if error:
            return error
        negotiation = ret["negotiation"]
        if negotiation["negotiation_status"] != "PENDING_BUYER_RESPOND":
            return json_response({"error": "no offer to answer"}, 409)
        body = json_object(req) or {}
        negotiation["negotiation_status"] = "TERMINATED"
        if body.get("accept", True):
            ret["solution"] = negotiation["latest_solution"]
            ret["refund_amount"] = negotiation["latest_offer_amount"]
            if ret["solution"] == "REFUND":
                ret["refunded_amount"] = ret["refund_amount"]
                self._return_touch(ret, "ACCEPTED")
            else:
                ret["return_ship_due_date"] = int(self.now()) + BUYER_SHIP_DUE
                ret["logistics_status"] = "LOGISTICS_PENDING_ARRANGE"
                self._return_touch(ret, "PROCESSING")
        else:
            negotiation["negotiation_status"] = "PENDING_RESPOND"
            self._return_touch(ret)
        return json_response(self._return_record(ret, detail=True))

    @route("POST", "/_sim/returns/{return_sn}/judge", api=False)
    def sim_return_judge(self, req):
        """Shopee decides a disputed return: the seller wins (CLOSED, no refund)
        or the buyer (ACCEPTED, refunded)."""
        ret, error = self._sim_return(req)
        if error:
            return error
        if ret["status"] != "JUDGING":
            return json_response({"error": "the return is not disputed"}, 409)
        body = json_object(req) or {}
        if body.get("winner", "seller") == "seller":
            self._return_touch(ret, "CLOSED")
        else:
            ret["refunded_amount"] = ret["refund_amount"]
            self._return_touch(ret, "ACCEPTED")
        return json_response(self._return_record(ret, detail=True))
