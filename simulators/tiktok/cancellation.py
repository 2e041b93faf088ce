"""Cancellations and the seller's approval or rejection (``/return_refund/*``)."""

from ..core import json_response, route
from .common import (
    AWAITING_COLLECTION,
    C_CANCELLED,
    C_COMPLETE,
    C_PENDING,
    C_SUCCESS,
    CANCEL_RESPONSE_WINDOW,
    CANCEL_STATUS_ALIASES,
    CANCELLED,
    E_RR_CANNOT_APPROVE,
    E_RR_CANNOT_REJECT,
    E_RR_NOT_FOUND,
    E_RR_ORDER_STATUS,
    E_RR_PARAM,
    ON_HOLD,
    PKG_CANCELLED,
    REFUND_AFTER,
    SHIPPABLE,
    UNPAID,
    ApiError,
    api,
)


class TikTokCancellation:
    """Buyer and seller cancellations, their search, decisions and timeouts."""

    # ==== cancellations ====
    def _new_cancellation(self, order, ctype, role, reason, when, status):
        cancel = {
            "cancel_id": self._new_id("4035"),
            "order_id": order["id"],
            "cancel_type": ctype,
            "cancel_status": status,
            "role": role,
            "cancel_reason": reason,
            "create_time": when,
            "update_time": when,
            "deadline": when + CANCEL_RESPONSE_WINDOW if status == C_PENDING else None,
            "complete_at": None,
            "reject_reason": None,
            "decisions": [],
        }
        self.cancellations[cancel["cancel_id"]] = cancel
        self._push_cancellation(cancel)
        return cancel

    def _open_buyer_cancel(self, order, reason, when, seeded=False):
        order["buyer_cancel_pending"] = True
        order["request_cancel_time"] = when
        if not seeded:
            order["update_time"] = max(order["update_time"], when)
        return self._new_cancellation(
            order, "BUYER_CANCEL", "BUYER", reason, when, C_PENDING
        )

    def _cancel_order(self, order, initiator, reason, when):
        order["cancel"] = {"initiator": initiator, "reason": reason, "time": when}
        order["buyer_cancel_pending"] = False
        for package in order["packages"]:
            package["status"] = PKG_CANCELLED
            package["update_time"] = when
        self._set_status(order, CANCELLED, when)

    def _render_cancellation(self, cancel):
        order = self.orders[cancel["order_id"]]
        refund = {
            "currency": self.currency,
            "refund_total": self._money(order["payment"]["total_amount"]),
            "refund_subtotal": self._money(order["payment"]["sub_total"]),
            "refund_shipping_fee": self._money(order["payment"]["shipping_fee"]),
            "refund_tax": self._money(0),
        }
        record = {
            "cancel_id": cancel["cancel_id"],
            "order_id": cancel["order_id"],
            "cancel_type": cancel["cancel_type"],
            "cancel_status": cancel["cancel_status"],
            "role": cancel["role"],
            "cancel_reason": cancel["cancel_reason"],
            "cancel_reason_text": cancel["cancel_reason"],
            "create_time": cancel["create_time"],
            "update_time": cancel["update_time"],
            "refund_amount": refund,
            "cancel_line_items": [
                {
                    "cancel_line_item_id": f"9{line['id'][1:]}",
                    "order_line_item_id": line["id"],
                    "sku_id": line["sku_id"],
                    "sku_name": line["sku_name"],
                    "product_name": line["product_name"],
                    "seller_sku": line["seller_sku"],
                }
                for line in order["lines"]
            ],
        }
        if cancel["cancel_status"] == C_PENDING:
            record["seller_next_action_response"] = [
                {"action": "SELLER_RESPOND_CANCEL", "deadline": cancel["deadline"]}
            ]
        return record

    def _cancel_matches(self, cancel, body):
        order = self.orders[cancel["order_id"]]
        filters = (
            ("cancel_ids", cancel["cancel_id"]),
            ("order_ids", cancel["order_id"]),
            ("buyer_user_ids", order["buyer"]["buyer_id"]),
            ("cancel_types", cancel["cancel_type"]),
        )
        for name, value in filters:
            if body.get(name) and value not in [str(x) for x in body[name]]:
                return False
        if body.get("cancel_status"):
            wanted = {CANCEL_STATUS_ALIASES.get(s, s) for s in body["cancel_status"]}
            if cancel["cancel_status"] not in wanted:
                return False
        return self._in_range(cancel["create_time"], body, "create_time") and (
            self._in_range(cancel["update_time"], body, "update_time")
        )

    @api("POST", "/return_refund/202309/cancellations/search")
    def cancellations_search(self, req):
        try:
            query = dict(req.query)
            query.setdefault("page_size", "10")
            size = self._page_size(query, 50)
            body = self._body(req)
            matches = [
                self._render_cancellation(c)
                for c in self.cancellations.values()
                if self._cancel_matches(c, body)
            ]
            page, token = self._paginate(matches, query, size)
        except (ApiError, ValueError, TypeError) as exc:
            error = self._api_error(exc)
            return error
        return self._ok(
            {
                "cancellations": page,
                "total_count": len(matches),
                "next_page_token": token,
            }
        )

    def _decide(self, req, action):
        key = req.query.get("idempotency_key")
        cancel_id = req.params["cancel_id"]
        if key and (action, cancel_id, key) in self.idempotency:
            return self.idempotency[(action, cancel_id, key)]
        try:
            body = self._body(req)
            cancel = self.cancellations.get(cancel_id)
            if cancel is None:
                raise ApiError(E_RR_NOT_FOUND, "Order not found.")
            if action == "approve":
                self._approve(cancel, key, "SELLER_APPROVED")
            else:
                self._reject(cancel, key, body)
        except ApiError as exc:
            return self._api_error(exc)
        response = self._ok({})
        if key:
            self.idempotency[(action, cancel_id, key)] = response
        return response

    def _approve(self, cancel, key, decision):
        order = self.orders[cancel["order_id"]]
        if cancel["cancel_status"] != C_PENDING:
            raise ApiError(
                E_RR_CANNOT_APPROVE, "reverse status cannot approve application"
            )
        if order["status"] not in SHIPPABLE + (AWAITING_COLLECTION,):
            raise ApiError(E_RR_ORDER_STATUS, "Invalid order status.")
        now = int(self.now())
        cancel.update(cancel_status=C_SUCCESS, update_time=now)
        cancel["complete_at"] = now + REFUND_AFTER
        cancel["decisions"].append(
            {"decision": decision, "time": now, "idempotency_key": key}
        )
        self._cancel_order(order, "BUYER", cancel["cancel_reason"], now)
        self._push_cancellation(cancel)

    def _reject(self, cancel, key, body):
        reason = body.get("reject_reason")
        if not reason:
            raise ApiError(E_RR_PARAM, "reject_reason is required.")
        if cancel["cancel_status"] != C_PENDING:
            raise ApiError(
                E_RR_CANNOT_REJECT, "reverse status cannot reject application"
            )
        order = self.orders[cancel["order_id"]]
        now = int(self.now())
        cancel.update(cancel_status=C_CANCELLED, update_time=now, reject_reason=reason)
        cancel["decisions"].append(
            {
                "decision": "SELLER_REJECTED",
                "time": now,
                "reject_reason": reason,
                "comment": body.get("comment"),
                "idempotency_key": key,
            }
        )
        self._snapshot(order)
        order["buyer_cancel_pending"] = False
        order["update_time"] = now
        self._push_cancellation(cancel)

    def _tick_cancellation(self, cancel, now):
        status = cancel["cancel_status"]
        if status == C_SUCCESS and cancel["complete_at"] <= now:
            cancel.update(cancel_status=C_COMPLETE, update_time=cancel["complete_at"])
            self._push_cancellation(cancel)
        elif status == C_PENDING and cancel["deadline"] <= now:
            order = self.orders[cancel["order_id"]]
            if order["status"] in SHIPPABLE + (AWAITING_COLLECTION,):
                self._approve(cancel, None, "AUTO_APPROVED")  # seller did not answer

    @api("POST", "/return_refund/202309/cancellations/{cancel_id}/approve")
    def cancellation_approve(self, req):
        return self._decide(req, "approve")

    @api("POST", "/return_refund/202309/cancellations/{cancel_id}/reject")
    def cancellation_reject(self, req):
        return self._decide(req, "reject")

    @route("POST", "/_sim/orders/{order_id}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        reason = (req.json() or {}).get("reason") or "Change of mind"
        now = int(self.now())
        if order["status"] in (UNPAID, ON_HOLD):
            # ON_HOLD buyer cancel needs no approval: stored as type CANCEL
            cancel = self._new_cancellation(
                order, "CANCEL", "BUYER", reason, now, C_COMPLETE
            )
            self._cancel_order(order, "BUYER", reason, now)
        elif order["status"] in SHIPPABLE + (AWAITING_COLLECTION,):
            if order["buyer_cancel_pending"]:
                return json_response({"error": "a cancel request is pending"}, 409)
            self._snapshot(order)
            cancel = self._open_buyer_cancel(order, reason, now)
        else:
            return json_response(
                {"error": f"order in status {order['status']} cannot be cancelled"}, 409
            )
        return json_response(self._render_cancellation(cancel))
