"""Shopee's returns and refunds (``/api/v2/returns/*``) and the buyers who ask.

MORE_API_FACTS section 1 and LED ``data/raw/shopee/apis/returns/``:

- ``GET get_return_list`` (``page_no`` from 0, ``page_size`` ≤ 100, ``create_time_*``
  / ``update_time_*`` windows of at most 15 days, ``status``,
  ``negotiation_status`` filters) answers ``{more, return: [...]}``;
- ``GET get_return_detail`` (``return_sn``): the same record with the negotiation,
  the seller proof and the reverse logistics;
- ``POST confirm`` (agree: the buyer is refunded ``refund_amount`` → ACCEPTED),
  ``POST accept_offer`` (accept the buyer's solution: a return & refund goes to
  PROCESSING, the buyer ships the parcel back), ``POST offer`` (the seller proposes
  ``proposed_solution`` RETURN_REFUND / REFUND with
  ``proposed_adjusted_refund_amount``: PENDING_BUYER_RESPOND), ``POST dispute``
  (``email``, ``dispute_reason_id``, ``dispute_text_reason``, ``image_list``; only in
  REQUESTED, PROCESSING and ACCEPTED → JUDGING).

A return on an order the buyer has not confirmed yet (TO_CONFIRM_RECEIVE, an RRBOC)
moves the order to TO_RETURN; on a COMPLETED order (RRAOC) the order stays. The
order's escrow waits for its open returns and is released with the refunds they
ended with (``return_order_sn_list``).

The buyers' side (control endpoints, not faulted) is in ``returns_control.py``.
"""

import copy

from ..core import route
from .common import DAY, MAX_WINDOW
from .finance import ADJUSTMENT_MINUS

RETURN_STATUSES = (
    "REQUESTED",
    "ACCEPTED",
    "CANCELLED",
    "JUDGING",
    "CLOSED",
    "PROCESSING",
    "SELLER_DISPUTE",
)
OPEN_RETURN_STATUSES = ("REQUESTED", "PROCESSING", "JUDGING", "SELLER_DISPUTE")
RETURN_SOLUTIONS = ("RETURN_REFUND", "REFUND")
NEGOTIATION_STATUSES = ("PENDING_RESPOND", "PENDING_BUYER_RESPOND", "TERMINATED")
RETURN_REASONS = (
    "NONE",
    "NOT_RECEIPT",
    "WRONG_ITEM",
    "ITEM_DAMAGED",
    "DIFFERENT_DESCRIPTION",
    "MUTUAL_AGREE",
    "OTHER",
    "CHANGE_MIND",
    "ITEM_MISSING",
    "EXPECTATION_FAILED",
    "ITEM_FAKE",
    "PHYSICAL_DMG",
    "FUNCTIONAL_DMG",
)
DISPUTE_STATUSES = ("REQUESTED", "PROCESSING", "ACCEPTED")
RETURNABLE_ORDER_STATUSES = ("TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN")
#: the seller's time to answer, the buyer's to ship, the seller's once shipped
SELLER_DUE = 3 * DAY
BUYER_SHIP_DUE = 7 * DAY
SELLER_RECEIPT_DUE = 3 * DAY
RETURN_MAX_PAGE = 100


class ShopeeReturns:
    """Return and refund applications: ``self.returns`` (return_sn -> return)."""

    def setup_state(self):
        self.returns = {}
        super().setup_state()

    # ---- helpers -------------------------------------------------------------------
    def _new_return_sn(self):
        alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            sn = self._new_sn(int(self.now()))[:6] + "".join(
                self.rng.choice(alphabet) for _ in range(9)
            )
            if sn not in self.returns:
                return sn

    def _money(self, order, value):
        whole = order["currency"] in ("VND", "IDR")
        return float(round(value)) if whole else round(float(value), 2)

    def _return_touch(self, ret, status=None, at=None):
        at = int(self.now() if at is None else at)
        ret["update_time"] = max(at, ret["update_time"])
        if status:
            ret["status"] = status
            ret["history"].append({"status": status, "update_time": ret["update_time"]})
        if status == "ACCEPTED":
            self._return_refunded(ret, at)
        if status and status not in OPEN_RETURN_STATUSES:
            self._return_ended(ret)

    def _return_refunded(self, ret, at):
        """The buyer is refunded: an escrow already released (a return after the
        order completed) is adjusted, the wallet debited."""
        escrow = self.escrows.get(ret["order_sn"])
        if escrow is None or not ret["refunded_amount"]:
            return
        amount = -ret["refunded_amount"]
        escrow["adjustments"].append(
            {
                "amount": amount,
                "date": at,
                "currency": self.orders[ret["order_sn"]]["currency"],
                "adjustment_reason": f"Return refund {ret['return_sn']}",
            }
        )
        self._wallet_add(
            at,
            ADJUSTMENT_MINUS,
            amount,
            ret["order_sn"],
            reason=f"Return refund {ret['return_sn']}",
        )

    def _return_ended(self, ret):
        """A return is over: an order waiting for it (TO_RETURN) completes when
        no other return of it is open."""
        order = self.orders[ret["order_sn"]]
        still_open = any(
            r["status"] in OPEN_RETURN_STATUSES
            for r in self.returns.values()
            if r["order_sn"] == order["order_sn"]
        )
        if order["status"] == "TO_RETURN" and not still_open:
            self._set_status(order, "COMPLETED")
            self._finance_tick(self.now())

    def _return_record(self, ret, detail=False):
        order = self.orders[ret["order_sn"]]
        record = {
            "image": list(ret["images"]),
            "buyer_videos": [],
            "reason": ret["reason"],
            "text_reason": ret["text_reason"],
            "return_sn": ret["return_sn"],
            "refund_amount": ret["refund_amount"],
            "currency": order["currency"],
            "create_time": ret["create_time"],
            "update_time": ret["update_time"],
            "status": ret["status"],
            "due_date": ret["due_date"],
            "tracking_number": ret["tracking_number"],
            "needs_logistics": ret["solution"] == "RETURN_REFUND",
            "amount_before_discount": ret["amount_before_discount"],
            "user": {
                "username": order["buyer_username"],
                "email": f"****{order['buyer_username'][-2:]}@example.com",
                "portrait": "",
            },
            "item": [
                {
                    "model_id": item["model_id"],
                    "name": item["item_name"],
                    "images": [f"https://cf.shopee.example/file/{item['sku']}"],
                    "amount": qty,
                    "item_price": item["model_discounted_price"],
                    "is_add_on_deal": False,
                    "is_main_item": False,
                    "add_on_deal_id": 0,
                    "item_id": item["item_id"],
                    "item_sku": item["item_sku"],
                    "variation_sku": item["model_sku"],
                    "refund_amount": self._money(
                        order, item["model_discounted_price"] * qty
                    ),
                }
                for item, qty in (
                    (order["items"][index], qty) for index, qty in ret["lines"]
                )
            ],
            "order_sn": ret["order_sn"],
            "return_ship_due_date": ret["return_ship_due_date"],
            "return_seller_due_date": ret["return_seller_due_date"],
            "negotiation_status": ret["negotiation"]["negotiation_status"],
            "seller_proof_status": ret["seller_proof_status"],
            "seller_compensation_status": "NOT_REQUIRED",
            "return_refund_type": ret["return_refund_type"],
            "return_solution": 0 if ret["solution"] == "RETURN_REFUND" else 1,
            "is_seller_arrange": False,
            "is_shipping_proof_mandatory": False,
            "return_refund_request_type": 0,
            "validation_type": "seller_validation",
        }
        if ret["dispute"]:
            record["dispute_reason"] = [ret["dispute"]["dispute_reason_id"]]
            record["dispute_text_reason"] = [ret["dispute"]["dispute_text_reason"]]
        else:
            record["dispute_reason"] = []
            record["dispute_text_reason"] = []
        if detail:
            record["dispute_reason"] = (
                ret["dispute"]["dispute_reason_id"] if ret["dispute"] else 0
            )
            record["dispute_text_reason"] = (
                ret["dispute"]["dispute_text_reason"] if ret["dispute"] else ""
            )
            record["activity"] = []
            record["seller_proof"] = {
                "seller_proof_status": ret["seller_proof_status"],
                "seller_evidence_deadline": ret["due_date"],
            }
            record["seller_compensation"] = {
                "seller_compensation_status": "NOT_REQUIRED",
                "seller_compensation_due_date": 0,
                "compensation_amount": 0.0,
            }
            record["negotiation"] = dict(ret["negotiation"])
            record["logistics_status"] = ret["logistics_status"]
            record["reverse_logistic_status"] = ret["logistics_status"]
            record["return_pickup_address"] = {
                key: order["recipient_address"].get(key, "")
                for key in (
                    "name",
                    "phone",
                    "town",
                    "district",
                    "city",
                    "state",
                    "region",
                    "zipcode",
                )
            } | {"address": order["recipient_address"].get("full_address", "")}
            record["return_address"] = {"whs_id": ""}
        return record

    @staticmethod
    def _malform_return(record):
        broken = dict(record)
        broken["status"] = None
        broken["update_time"] = "not-a-timestamp"
        broken["refund_amount"] = "NaN"
        broken["item"] = None
        return broken

    def _stale_return(self, ret, record):
        """An older copy of the return (its previous status and update time)."""
        if len(ret["history"]) < 2:
            return record
        previous = ret["history"][-2]
        return dict(
            record, status=previous["status"], update_time=previous["update_time"]
        )

    def _return_or_error(self, return_sn):
        ret = self.returns.get(str(return_sn or ""))
        if ret is None:
            return None, self._error(
                "error_data", "The return you queried doesn't exist."
            )
        return ret, None

    def _checked_return(self, req):
        body, error = self._checked_body(req)
        if error:
            return None, None, error
        ret, error = self._return_or_error(body.get("return_sn"))
        return body, ret, error

    def _status_error(self, ret):
        return self._error("error_data", f"Invalid return status: {ret['status']}")

    # ---- API -----------------------------------------------------------------------
    @route("GET", "/api/v2/returns/get_return_list")
    def get_return_list(self, req):
        error = self._check(req)
        if error:
            return error
        q = req.query
        try:
            page_no = int(q.get("page_no", ""))
            page_size = int(q.get("page_size", ""))
        except ValueError:
            return self._error(
                "error_param", "Wrong parameters, detail: page_no/page_size."
            )
        if page_no < 0 or not 1 <= page_size <= RETURN_MAX_PAGE:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size should be [1,100]."
            )
        windows = {}
        for field in ("create_time", "update_time"):
            raw = (q.get(f"{field}_from"), q.get(f"{field}_to"))
            if raw == (None, None):
                continue
            try:
                start, end = int(raw[0]), int(raw[1])
            except (TypeError, ValueError):
                return self._error(
                    "error_param",
                    f"Wrong parameters, detail: {field}_from/{field}_to.",
                )
            if start > end or end - start > MAX_WINDOW:
                return self._error(
                    "error_param",
                    f"Wrong parameters, detail: {field} range must be within 15 days.",
                )
            windows[field] = (start, end)
        status = q.get("status")
        if status and status not in RETURN_STATUSES:
            return self._error("error_param", "Wrong parameters, detail: status.")
        negotiation = q.get("negotiation_status")
        if negotiation and negotiation not in NEGOTIATION_STATUSES:
            return self._error(
                "error_param", "Wrong parameters, detail: negotiation_status."
            )
        matching = sorted(
            (
                r
                for r in self.returns.values()
                if all(a <= r[field] <= b for field, (a, b) in windows.items())
                and (not status or r["status"] == status)
                and (
                    not negotiation
                    or r["negotiation"]["negotiation_status"] == negotiation
                )
            ),
            key=lambda r: (r["update_time"], r["return_sn"]),
            reverse=True,
        )
        page = matching[page_no * page_size : (page_no + 1) * page_size]
        records = []
        for ret in page:
            record = self._return_record(ret)
            if self.faults.roll("malformed"):
                record = self._malform_return(record)
            elif self.faults.roll("out_of_order"):
                record = self._stale_return(ret, record)
            records.append(record)
            if self.faults.roll("duplicates"):
                records.append(copy.deepcopy(record))
        return self._envelope(
            {"more": len(matching) > (page_no + 1) * page_size, "return": records}
        )

    @route("GET", "/api/v2/returns/get_return_detail")
    def get_return_detail(self, req):
        error = self._check(req)
        if error:
            return error
        ret, error = self._return_or_error(req.query.get("return_sn"))
        if error:
            return error
        record = self._return_record(ret, detail=True)
        if self.faults.roll("malformed"):
            record = self._malform_return(record)
        elif self.faults.roll("out_of_order"):
            record = self._stale_return(ret, record)
        return self._envelope(record)

    @route("POST", "/api/v2/returns/confirm")
    def returns_confirm(self, req):
        """The seller agrees: the buyer is refunded (a return & refund whose parcel
        is due back: once it arrived)."""
        body, ret, error = self._checked_return(req)
        if error:
            return error
        if ret["status"] not in ("REQUESTED", "PROCESSING"):
            return self._status_error(ret)
        ret["decisions"].append({"action": "confirm", "at": int(self.now())})
        ret["negotiation"]["negotiation_status"] = "TERMINATED"
        ret["refunded_amount"] = ret["refund_amount"]
        self._return_touch(ret, "ACCEPTED")
        return self._envelope({"return_sn": ret["return_sn"]})

    @route("POST", "/api/v2/returns/accept_offer")
    def returns_accept_offer(self, req):
        """The seller accepts the buyer's solution: a return & refund waits for
        the parcel (PROCESSING), a refund only is refunded (ACCEPTED)."""
        body, ret, error = self._checked_return(req)
        if error:
            return error
        if (
            ret["status"] != "REQUESTED"
            or ret["negotiation"]["negotiation_status"] != "PENDING_RESPOND"
        ):
            return self._status_error(ret)
        now = int(self.now())
        ret["decisions"].append({"action": "accept_offer", "at": now})
        ret["negotiation"]["negotiation_status"] = "TERMINATED"
        if ret["solution"] == "RETURN_REFUND":
            ret["return_ship_due_date"] = now + BUYER_SHIP_DUE
            ret["logistics_status"] = "LOGISTICS_PENDING_ARRANGE"
            self._return_touch(ret, "PROCESSING")
        else:
            ret["refunded_amount"] = ret["refund_amount"]
            self._return_touch(ret, "ACCEPTED")
        return self._envelope({"return_sn": ret["return_sn"]})

    @route("POST", "/api/v2/returns/offer")
    def returns_offer(self, req):
        """The seller proposes a solution and an amount: the buyer answers."""
        body, ret, error = self._checked_return(req)
        if error:
            return error
        solution = body.get("proposed_solution")
        if solution not in RETURN_SOLUTIONS:
            return self._error(
                "error_param", "Wrong parameters, detail: proposed_solution."
            )
        try:
            amount = float(body.get("proposed_adjusted_refund_amount"))
        except (TypeError, ValueError):
            return self._error(
                "error_param",
                "Wrong parameters, detail: proposed_adjusted_refund_amount.",
            )
        if ret["status"] != "REQUESTED" or ret["negotiation"][
            "negotiation_status"
        ] not in ("PENDING_RESPOND",):
            return self._status_error(ret)
        if not 0 < amount <= ret["refund_amount"]:
            return self._error(
                "error_param",
                "Wrong parameters, detail: the offer must be above 0 and at most "
                "the refund amount.",
            )
        if ret["negotiation"]["counter_limit"] <= 0:
            return self._error("error_data", "Query offer info failed. No offer left.")
        now = int(self.now())
        negotiation = ret["negotiation"]
        negotiation.update(
            negotiation_status="PENDING_BUYER_RESPOND",
            latest_solution=solution,
            latest_offer_amount=self._money(self.orders[ret["order_sn"]], amount),
            latest_offer_creator="seller",
            counter_limit=negotiation["counter_limit"] - 1,
            offer_due_date=now + SELLER_DUE,
        )
        ret["decisions"].append(
            {"action": "offer", "solution": solution, "amount": amount, "at": now}
        )
        self._return_touch(ret)
        return self._envelope({"return_sn": ret["return_sn"]})

    @route("POST", "/api/v2/returns/dispute")
    def returns_dispute(self, req):
        """The seller refuses and takes the case to Shopee (JUDGING)."""
        body, ret, error = self._checked_return(req)
        if error:
            return error
        if not body.get("email"):
            return self._error(
                "dispute.request.param.error",
                "Key: 'email' Error:Field validation for 'email' failed on the "
                "'required' tag",
            )
        reason_id = body.get("dispute_reason_id")
        if (
            not isinstance(reason_id, int)
            or isinstance(reason_id, bool)
            or reason_id < 1
        ):
            return self._error(
                "dispute.request.param.error",
                "Key: 'dispute_reason_id' Error:Field validation for "
                "'dispute_reason_id' failed on the 'required' tag",
            )
        images = body.get("image_list") or []
        if not isinstance(images, list) or any(
            not isinstance(m, dict) or len(m.get("image_url") or []) > 3 for m in images
        ):
            return self._error(
                "dispute.request.param.error",
                "Invalid images, images max size is 3 per module",
            )
        if ret["status"] not in DISPUTE_STATUSES:
            return self._error(
                "error_return_status",
                "Cannot raise dispute because return SN is not in REQUESTED, "
                "RETURN_PROCESSING, or RETURN_ACCEPTED",
            )
        now = int(self.now())
        ret["dispute"] = {
            "dispute_reason_id": reason_id,
            "dispute_text_reason": str(body.get("dispute_text_reason") or ""),
            "email": body["email"],
            "image_list": images,
        }
        ret["seller_proof_status"] = "UPLOADED" if images else "PENDING"
        ret["negotiation"]["negotiation_status"] = "TERMINATED"
        ret["decisions"].append(
            {"action": "dispute", "dispute_reason_id": reason_id, "at": now}
        )
        self._return_touch(ret, "JUDGING")
        return self._envelope(
            {"return_sn": ret["return_sn"], "msg": "dispute return success"}
        )

    # ---- escrow and inspection -------------------------------------------------------
    def _order_returns(self, order):
        return [r for r in self.returns.values() if r["order_sn"] == order["order_sn"]]

    def _release_time(self, order):
        returns = self._order_returns(order)
        if not returns:
            return super()._release_time(order)
        if any(r["status"] in OPEN_RETURN_STATUSES for r in returns):
            return None
        if order["status"] != "COMPLETED":
            return None
        return max(
            [r["update_time"] for r in returns] + [super()._release_time(order) or 0]
        )

    def _release(self, order, when, refund=None):
        returns = [r for r in self._order_returns(order) if r["refunded_amount"]]
        if refund is None and self._order_returns(order):
            refund = sum(r["refunded_amount"] for r in returns)
        super()._release(order, when, refund)
        escrow = self.escrows[order["order_sn"]]
        if returns:
            escrow["return_sn"] = returns[0]["return_sn"]
            escrow["return_sn_list"] = [r["return_sn"] for r in returns]

    def inspect(self):
        result = super().inspect()
        result["returns"] = {
            sn: {
                "order_sn": r["order_sn"],
                "status": r["status"],
                "solution": r["solution"],
                "reason": r["reason"],
                "refund_amount": r["refund_amount"],
                "refunded_amount": r["refunded_amount"],
                "due_date": r["due_date"],
                "negotiation": dict(r["negotiation"]),
                "logistics_status": r["logistics_status"],
                "dispute": copy.deepcopy(r["dispute"]),
                "decisions": list(r["decisions"]),
                "history": list(r["history"]),
            }
            for sn, r in self.returns.items()
        }
        return result
