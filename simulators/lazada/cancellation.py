"""Seller cancellations and the seller's decision on buyer cancellations."""

import json

from .common import (
    CANCEL_REASONS,
    CANCELLABLE_BY_SELLER,
    ApiError,
    _as_bool,
    _int_or_none,
)


class LazadaCancellation:
    """The ``order/reverse/cancel/*`` APIs."""

    # ---- cancellation ----------------------------------------------------------------
    def _cancel_lines(self, params):
        if not params.get("order_id"):
            raise ApiError("115", "E0115: order id is null")
        order = self._order(params.get("order_id"), code="122")
        try:
            raw = json.loads(params.get("order_item_id_list") or "")
            item_ids = [int(x) for x in raw]
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "102", "E0102: trade order line id is empty or invalid"
            ) from exc
        if not item_ids:
            raise ApiError("102", "E0102: trade order line id is empty or invalid")
        bad = [i for i in item_ids if i not in order["item_ids"]]
        if bad:
            raise ApiError("123", f"E0123: invalid trade order lines {bad}")
        return order, [self.items[i] for i in item_ids]

    def api_cancel_validate(self, params):
        _order, items = self._cancel_lines(params)
        blocked = [i for i in items if i["status"] not in CANCELLABLE_BY_SELLER]
        if blocked:
            return self._ok(
                data={
                    "tip_type": "error",
                    "tip_content": "The order item status "
                    f"{blocked[0]['status']} cannot be canceled by the seller",
                    "reason_options": [],
                }
            )
        return self._ok(
            data={
                "tip_type": "warn",
                "tip_content": "Cancelling orders affects your seller rating",
                "reason_options": [dict(r) for r in CANCEL_REASONS],
            }
        )

    def api_cancel_create(self, params):
        _order, items = self._cancel_lines(params)
        reason = next(
            (
                r
                for r in CANCEL_REASONS
                if r["reason_id"] == str(params.get("reason_id"))
            ),
            None,
        )
        if reason is None:
            raise ApiError("104", "E0104: reason is empty or invalid")
        blocked = [
            i["order_item_id"]
            for i in items
            if i["status"] not in (CANCELLABLE_BY_SELLER)
        ]
        if blocked:
            raise ApiError("123", f"E0123: invalid trade order lines {blocked}")
        now = self.now()
        for item in items:
            item["reason"] = reason["reason_name"]
            item["cancel_return_initiator"] = "cancellation-seller"
            item["need_cancel_confirm"] = False
            item["cancel_decision"] = "seller_cancel"
            self._set_status(item, "canceled", now)
        self.decisions.append(
            {
                "kind": "seller_cancel",
                "order_id": items[0]["order_id"],
                "order_item_ids": [i["order_item_id"] for i in items],
                "reason_id": reason["reason_id"],
                "at": now,
            }
        )
        return self._ok(data={})

    def _decide_item(self, item, agree, when, decision):
        item["need_cancel_confirm"] = False
        item["cancel_trigger_time"] = None
        item["cancel_decision"] = decision
        item["updated_at"] = when
        order = self.orders[item["order_id"]]
        order["updated_at"] = max(order["updated_at"], when)
        if not agree:
            # the item stays where it was (the request never changed its status)
            return
        item["cancel_return_initiator"] = "cancellation-customer"
        if item["status"] in ("unpaid", "pending"):
            self._set_status(item, "canceled", when)
        else:
            # packed / ready_to_ship: logistics must confirm before it is canceled
            item["is_cancel_pending"] = True
            item["cancel_pending_since"] = when
            self._queue_push(order, item, when)

    def api_cancel_decide(self, params):
        raw = params.get("reverse_order_id")
        reverse = self.reverse_orders.get(_int_or_none(raw))
        if reverse is None:
            raise ApiError("105", "E0105: reverse order id is empty or invalid")
        if reverse["state"] != "requested":
            raise ApiError("131", "E0131: no decision for this reverse order")
        if "agree_cancel" not in params:
            raise ApiError(
                "MissingParameter",
                "The input parameter “agree_cancel” that is mandatory for processing "
                "this request is not supplied",
            )
        agree = _as_bool(params.get("agree_cancel"))
        now = self.now()
        reverse["state"] = "agreed" if agree else "rejected"
        for item_id in reverse["item_ids"]:
            item = self.items[item_id]
            if item["need_cancel_confirm"]:
                self._decide_item(item, agree, now, reverse["state"])
        self.decisions.append(
            {
                "kind": "buyer_cancel_decision",
                "reverse_order_id": reverse["reverse_order_id"],
                "order_id": reverse["order_id"],
                "agree": agree,
                "reason_code": params.get("reason_code"),
                "at": now,
            }
        )
        return self._ok(data=None)
