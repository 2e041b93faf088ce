"""Shopee returns and refunds (``/api/v2/returns/*``; MORE_API_FACTS section 1 and
LED ``data/raw/shopee/apis/returns/``).

- ``GET get_return_list``: ``page_no`` (from 0), ``page_size`` ≤ 100, an
  ``update_time_from`` / ``update_time_to`` window of at most 15 days; ``{more,
  return: [...]}``, each record complete enough to import (no detail call needed);
- ``GET get_return_detail`` (``return_sn``): the same record, with the negotiation
  and the reverse logistics;
- decisions: ``accept_offer`` (agree with the buyer's solution: a return & refund
  waits for the parcel), ``confirm`` (agree to refund now: refund only, or once the
  parcel arrived), ``offer`` (``proposed_solution`` and
  ``proposed_adjusted_refund_amount``),
  ``dispute`` (``email``, ``dispute_reason_id``, ``dispute_text_reason``,
  ``image_list``) to Shopee's Dispute Center.

The seller's deadline is ``due_date`` ("the last time seller deal with this
return"); the refund is ``refund_amount``; once ACCEPTED, the buyer has it back.
"""

import time

from odoo.addons.channel_connectors.adapters import ParseError
from odoo.addons.channel_connectors.adapters.tools import (
    from_epoch,
    money,
    to_epoch,
)

from .base import ReturnsClient, ReturnsError, register

#: get_return_list: update_time_from..update_time_to at most 15 days apart
MAX_WINDOW = 15 * 24 * 3600
PAGE_SIZE = 100
OPEN_STATUSES = {"REQUESTED", "PROCESSING", "JUDGING", "SELLER_DISPUTE"}
#: reverse logistics statuses meaning the parcel reached the seller
ARRIVED = {"LOGISTICS_DELIVERY_DONE"}


@register
class ShopeeReturns(ReturnsClient):
    platform = "shopee"
    #: ReturnStatus (v2 data definitions)
    status_labels = {
        "REQUESTED": "Requested",
        "ACCEPTED": "Accepted",
        "CANCELLED": "Cancelled",
        "JUDGING": "Judging",
        "CLOSED": "Closed",
        "PROCESSING": "Processing",
        "SELLER_DISPUTE": "Seller Dispute",
    }
    #: ReturnReason
    reasons = {
        "NONE": "None",
        "NOT_RECEIPT": "Not received",
        "WRONG_ITEM": "Wrong item",
        "ITEM_DAMAGED": "Item damaged",
        "DIFFERENT_DESCRIPTION": "Different from the description",
        "MUTUAL_AGREE": "Mutual agreement",
        "OTHER": "Other",
        "CHANGE_MIND": "Change of mind",
        "ITEM_MISSING": "Item missing",
        "EXPECTATION_FAILED": "Below expectations",
        "ITEM_FAKE": "Counterfeit item",
        "PHYSICAL_DMG": "Physical damage",
        "FUNCTIONAL_DMG": "Functional damage",
    }

    # ---- reading -------------------------------------------------------------------
    def fetch_returns(self, since, until=None):
        end = to_epoch(until) if until is not None else int(time.time()) + 1
        start = to_epoch(since)
        if start is None:
            start = end - MAX_WINDOW
        while start < end:
            chunk_end = min(start + MAX_WINDOW, end)
            page_no = 0
            while True:
                response = self.adapter.call(
                    "GET",
                    "/api/v2/returns/get_return_list",
                    {
                        "page_no": page_no,
                        "page_size": PAGE_SIZE,
                        "update_time_from": start,
                        # [since, until): update_time_to is inclusive
                        "update_time_to": chunk_end - 1,
                    },
                )
                records = [
                    self._with_detail(raw) for raw in response.get("return") or []
                ]
                if records:
                    yield records
                if not response.get("more"):
                    break
                page_no += 1
            start = chunk_end

    def _with_detail(self, raw):
        """A listed return, or its detail when the list does not say enough: the
        list has no reverse logistics status (has the parcel arrived?)."""
        if (
            isinstance(raw, dict)
            and raw.get("status") == "PROCESSING"
            and isinstance(raw.get("return_sn"), str)
        ):
            return self.get_return(raw["return_sn"])
        return raw

    def get_return(self, external_id):
        return self.adapter.call(
            "GET", "/api/v2/returns/get_return_detail", {"return_sn": external_id}
        )

    def external_id_of(self, raw):
        if isinstance(raw, dict) and raw.get("return_sn"):
            return str(raw["return_sn"])
        return False

    def parse_return(self, raw):
        """A normalised return (see :mod:`.base`), or :class:`ParseError`."""
        ref = self.external_id_of(raw) or "?"
        try:
            return self._parse_return(raw)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(
                f"Shopee return {ref}: cannot be read ({exc})", payload=raw
            ) from exc

    def _parse_return(self, raw):
        status = raw["status"]
        if status not in self.status_labels:
            raise ValueError(f"unknown status {status!r}")
        items = raw["item"]
        if not isinstance(items, list):
            raise ValueError("no item list")
        negotiation = raw.get("negotiation") or {}
        negotiation_status = negotiation.get("negotiation_status") or raw.get(
            "negotiation_status"
        )
        solution = "refund" if raw.get("return_solution") == 1 else "return_refund"
        logistics = raw.get("reverse_logistic_status") or raw.get("logistics_status")
        arrived = logistics in ARRIVED
        refund_amount = money(raw.get("refund_amount"), "refund_amount")
        return {
            "external_id": str(raw["return_sn"]),
            "order_ref": str(raw["order_sn"]),
            "status": status,
            "status_label": self.status_labels[status],
            "stage": self._stage(status, negotiation_status, solution, arrived),
            "solution": solution,
            "reason": raw.get("reason") or "",
            "reason_text": raw.get("text_reason") or "",
            "refund_amount": refund_amount,
            "refunded_amount": refund_amount if status == "ACCEPTED" else 0.0,
            "offer_amount": money(
                negotiation.get("latest_offer_amount"), "latest_offer_amount"
            ),
            "currency": raw.get("currency") or None,
            "deadline": from_epoch(raw.get("due_date"))
            if status in OPEN_STATUSES
            else None,
            "created_at": from_epoch(raw["create_time"]),
            "updated_at": from_epoch(int(raw["update_time"])),
            "images": [str(url) for url in raw.get("image") or [] if url],
            "tracking_ref": raw.get("tracking_number") or "",
            "parcel_arrived": arrived,
            "lines": [self._parse_line(item) for item in items],
            "raw": raw,
        }

    @staticmethod
    def _stage(status, negotiation_status, solution, arrived):
        if status == "REQUESTED":
            if negotiation_status == "PENDING_BUYER_RESPOND":
                return "offered"
            return "to_answer"
        if status == "PROCESSING":
            return "parcel_arrived" if arrived else "awaiting_parcel"
        return {
            "ACCEPTED": "refunded",
            "JUDGING": "disputed",
            "SELLER_DISPUTE": "disputed",
            "CLOSED": "rejected",
            "CANCELLED": "cancelled",
        }[status]

    @staticmethod
    def _parse_line(item):
        quantity = item["amount"]
        if not isinstance(quantity, int) or quantity <= 0:
            raise ValueError(f"bad item amount {quantity!r}")
        price = money(item.get("item_price"), "item_price")
        return {
            "item_ref": f"{int(item['item_id'])}:{int(item.get('model_id') or 0)}",
            "sku": item.get("variation_sku") or item.get("item_sku") or "",
            "name": item.get("name") or "",
            "quantity": quantity,
            "refund_amount": money(item.get("refund_amount"), "refund_amount")
            or price * quantity,
        }

    # ---- decisions -----------------------------------------------------------------
    def decide_return(self, external_id, decision, **params):
        """Push the seller's ``decision`` on return ``external_id``:

        - ``approve``: accept the buyer's solution (``accept_offer``);
        - ``refund``: agree to refund now (``confirm``);
        - ``offer``: ``amount`` (and ``solution``, default a refund without
          return) offered instead (``offer``);
        - ``reject``: ``reason_code`` (a dispute reason id), ``reason_text``,
          ``email`` and ``images`` (URLs) to Shopee's Dispute Center
          (``dispute``)."""
        body = {"return_sn": external_id}
        if decision == "approve":
            path = "/api/v2/returns/accept_offer"
        elif decision == "refund":
            path = "/api/v2/returns/confirm"
        elif decision == "offer":
            path = "/api/v2/returns/offer"
            body["proposed_solution"] = (
                "RETURN_REFUND"
                if params.get("solution") == "return_refund"
                else "REFUND"
            )
            body["proposed_adjusted_refund_amount"] = float(params["amount"])
        elif decision == "reject":
            path = "/api/v2/returns/dispute"
            try:
                reason_id = int(params.get("reason_code"))
            except (TypeError, ValueError) as exc:
                raise ReturnsError(
                    f"Shopee: a dispute needs a numeric reason id, not "
                    f"{params.get('reason_code')!r}"
                ) from exc
            body.update(
                email=params.get("email") or "",
                dispute_reason_id=reason_id,
                dispute_text_reason=params.get("reason_text") or "",
                image_list=[
                    {
                        "module_index": 1,
                        "requirement": "Seller evidence",
                        "image_url": list(params["images"])[:3],
                    }
                ]
                if params.get("images")
                else [],
            )
        else:
            raise ReturnsError(f"Shopee: unknown return decision {decision!r}")
        return self.adapter.call("POST", path, body=body)
