"""The order APIs (``orders/get``, ``order/items/get``...) and their shapes."""

import copy
import json
import re
from datetime import datetime

from .common import (
    AGGREGATES,
    DAY,
    EXTRA_STATUSES,
    MAX_ORDER_IDS,
    MAX_PAGE,
    PREVIOUS,
    STATUSES,
    ApiError,
    _int_or_none,
    _money,
)
from .stock import _sku_id


class LazadaOrders:
    """Order queries and the order/item shapes, faults included."""

    # ---- rendering -------------------------------------------------------------------
    def _iso(self, epoch):
        return datetime.fromtimestamp(epoch, self.tz).isoformat(timespec="seconds")

    def _item_time(self, epoch):
        return datetime.fromtimestamp(epoch, self.tz).strftime("%Y-%m-%d %H:%M:%S %z")

    def _render_order(self, order):
        items = self._order_items(order)
        price = sum(item["item_price"] for item in items)
        buyer = order["buyer"]
        voucher = order["voucher_seller"] + order["voucher_platform"]
        return {
            "order_id": order["order_id"],
            "order_number": str(order["order_id"]),
            "created_at": self._iso(order["created_at"]),
            "updated_at": self._iso(order["updated_at"]),
            "price": _money(price),
            # what the buyer pays for shipping: the original fee less the
            # shipping fee discounts of the seller and of Lazada
            "shipping_fee": _money(order["shipping_fee"]),
            "shipping_fee_original": _money(order["shipping_original"]),
            "shipping_fee_discount_seller": _money(order["shipping_discount_seller"]),
            "shipping_fee_discount_platform": _money(
                order["shipping_discount_platform"]
            ),
            "voucher": _money(voucher),
            "voucher_seller": _money(order["voucher_seller"]),
            "voucher_platform": _money(order["voucher_platform"]),
            "voucher_code": order["voucher_code"],
            "items_count": len(items),
            "statuses": sorted({item["status"] for item in items}),
            "payment_method": order["payment_method"],
            "customer_first_name": buyer["first_name"],
            "customer_last_name": buyer["last_name"],
            "address_billing": dict(order["address"]),
            "address_shipping": dict(order["address"]),
            "need_cancel_confirm": any(item["need_cancel_confirm"] for item in items),
            "is_cancel_pending": any(item["is_cancel_pending"] for item in items),
            "warehouse_code": "dropshipping",
            "gift_option": False,
            "gift_message": "",
            "buyer_note": order["buyer_note"],
            "remarks": "",
            "delivery_info": "",
            "promised_shipping_times": "",
            "extra_attributes": "",
            "national_registration_number": "",
            "tax_code": "",
            "branch_number": "",
            "address_updated_at": None,
        }

    def _render_item(self, item):
        order = self.orders[item["order_id"]]
        paid = round(
            item["item_price"] - item["voucher_seller"] - item["voucher_platform"], 2
        )
        sla = item["created_at"] + 2 * DAY
        return {
            "order_item_id": item["order_item_id"],
            "order_id": str(item["order_id"]),
            "purchase_order_id": "",
            "purchase_order_number": "",
            "sku": item["sku"],
            "shop_sku": f"{_sku_id(item['sku'])}_{self.country.upper()}-"
            f"{_sku_id(item['sku']) % 100000}",
            "sku_id": str(_sku_id(item["sku"])),
            "name": item["name"],
            "variation": item["variation"],
            "product_main_image": "",
            "product_detail_url": "",
            "item_price": round(item["item_price"], 2),
            "paid_price": paid,
            # the tax included in the paid price (prices include tax)
            "tax_amount": round(paid * self.tax_rate / (100 + self.tax_rate), 2),
            "voucher_amount": round(
                item["voucher_seller"] + item["voucher_platform"], 2
            ),
            "voucher_seller": round(item["voucher_seller"], 2),
            "voucher_platform": round(item["voucher_platform"], 2),
            "voucher_code": order["voucher_code"],
            "shipping_amount": round(item["shipping_amount"], 2),
            "shipping_fee_original": round(item["shipping_original"], 2),
            "shipping_fee_discount_seller": round(item["shipping_discount_seller"], 2),
            "shipping_fee_discount_platform": round(
                item["shipping_discount_platform"], 2
            ),
            "wallet_credits": 0.0,
            "currency": self.currency,
            "status": item["status"],
            "tracking_code": item["tracking_code"],
            "tracking_code_pre": "",
            "shipment_provider": item["shipment_provider"],
            "package_id": item["package_id"],
            "invoice_number": item["invoice_number"],
            "shipping_type": "Dropshipping",
            "shipping_provider_type": "standard",
            "order_type": "Normal",
            "is_digital": 0,
            "is_fbl": 0,
            "is_reroute": 0,
            "delivery_option_sof": 0,
            "warehouse_code": "dropshipping",
            "buyer_id": order["buyer"]["buyer_id"],
            "reason": item["reason"],
            "reason_detail": "",
            "cancel_return_initiator": item["cancel_return_initiator"],
            "need_cancel_confirm": item["need_cancel_confirm"],
            "is_cancel_pending": item["is_cancel_pending"],
            "cancel_trigger_time": self._item_time(item["cancel_trigger_time"])
            if item["cancel_trigger_time"]
            else "",
            "reverse_order_id": str(item["reverse_order_id"])
            if item["reverse_order_id"]
            else "",
            "return_status": "",
            "sla_time_stamp": self._iso(sla),
            "promised_shipping_time": self._item_time(sla),
            "created_at": self._item_time(item["created_at"]),
            "updated_at": self._item_time(item["updated_at"]),
            "digital_delivery_info": "",
            "extra_attributes": "",
        }

    def _stale_order(self, order):
        """An older snapshot of ``order``: the last one before its latest change, or a
        made-up one a step back in the flow, with an older ``updated_at``."""
        if order["stale"]:
            return copy.deepcopy(order["stale"])
        rendered = self._render_order(order)
        rendered["statuses"] = sorted(
            {PREVIOUS.get(status, status) for status in rendered["statuses"]}
        )
        rendered["updated_at"] = rendered["created_at"]
        return rendered

    def _malformed(self, rendered):
        broken = copy.deepcopy(rendered)
        kind = self.faults.rng.choice(("order_id", "price", "created_at", "statuses"))
        if kind == "order_id":
            broken["order_id"] = None
            broken["order_number"] = None
        elif kind == "price":
            broken["price"] = "abc"
        elif kind == "created_at":
            broken["created_at"] = "0000-00-00 00:00:00"
        else:
            broken.pop("statuses", None)
        return broken

    # ---- business helpers ------------------------------------------------------------
    def _order(self, order_id, code="16"):
        try:
            order = self.orders.get(int(str(order_id).strip()))
        except (TypeError, ValueError):
            order = None
        if order is None:
            raise ApiError(code, f'E0{code}: "{order_id}" Invalid Order ID')
        return order

    @staticmethod
    def _json_param(params, name, code="6"):
        raw = params.get(name)
        if raw in (None, ""):
            raise ApiError(
                "MissingParameter",
                f"The input parameter “{name}” that is mandatory for processing this "
                "request is not supplied",
            )
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(code, f"{name} is not valid JSON: {exc}") from exc

    def _parse_date(self, params, name):
        value = params.get(name)
        if value in (None, ""):
            return None
        value = value.strip()
        # an unencoded "+" arrives as a space
        value = re.sub(r" (\d\d:\d\d)$", r"+\1", value)
        if not re.match(
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$", value
        ):
            raise ApiError("17", f'E017: "{params.get(name)}" Invalid Date Format')
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError as exc:
            raise ApiError(
                "17", f'E017: "{params.get(name)}" Invalid Date Format'
            ) from exc

    # ---- orders ----------------------------------------------------------------------
    def _orders_query(self, params):
        query = {
            name: self._parse_date(params, name)
            for name in (
                "created_after",
                "created_before",
                "update_after",
                "update_before",
            )
        }
        if query["created_after"] is None and query["update_after"] is None:
            raise ApiError(
                "MissingParameter",
                "The input parameter “created_after” or “update_after” that is "
                "mandatory for processing this request is not supplied",
            )
        status = (params.get("status") or "").strip().lower()
        query["wanted"] = None
        if status in AGGREGATES:
            query["wanted"] = AGGREGATES[status]
        elif status in STATUSES or status in EXTRA_STATUSES:
            query["wanted"] = {status}
        elif status not in ("", "all"):
            raise ApiError("36", "E036: Invalid status filter")
        query["sort_by"] = (params.get("sort_by") or "created_at").strip().lower()
        if query["sort_by"] not in ("created_at", "updated_at"):
            raise ApiError("75", "E075: Invalid sort filter.")
        query["direction"] = (params.get("sort_direction") or "DESC").strip().upper()
        if query["direction"] not in ("ASC", "DESC"):
            raise ApiError("74", "E074: Invalid sort direction.")
        offset = _int_or_none(params.get("offset") or 0)
        if offset is None or offset < 0:
            raise ApiError("14", f'E014: "{params.get("offset")}" Invalid Offset')
        limit = _int_or_none(params.get("limit") or MAX_PAGE)
        if limit is None or not 1 <= limit <= MAX_PAGE:
            raise ApiError("19", f'E019: "{params.get("limit")}" Invalid Limit')
        query["offset"], query["limit"] = offset, limit
        return query

    def _order_matches(self, order, query):
        # compared in whole seconds, the precision clients see
        created, updated = int(order["created_at"]), int(order["updated_at"])
        bounds = (
            (query["created_after"], created, 1),
            (query["created_before"], created, -1),
            (query["update_after"], updated, 1),
            (query["update_before"], updated, -1),
        )
        for bound, value, sense in bounds:
            if bound is not None and (value - bound) * sense < 0:
                return False
        if query["wanted"] is not None:
            return bool(self._statuses(order) & query["wanted"])
        return True

    def api_orders_get(self, params):
        query = self._orders_query(params)
        field = query["sort_by"]
        matching = sorted(
            (o for o in self.orders.values() if self._order_matches(o, query)),
            # whole seconds as served, then order_id: a stable total order for paging
            key=lambda o: (int(o[field]), o["order_id"]),
            reverse=query["direction"] == "DESC",
        )
        page = []
        offset, limit = query["offset"], query["limit"]
        for order in matching[offset : offset + limit]:
            rendered = self._render_order(order)
            if self.faults.roll("malformed"):
                rendered = self._malformed(rendered)
            page.append(rendered)
            if self.faults.roll("duplicates"):
                page.append(copy.deepcopy(rendered))
            if self.faults.roll("out_of_order"):
                page.append(self._stale_order(order))
        return self._ok(
            data={"count": len(page), "countTotal": len(matching), "orders": page}
        )

    def api_order_get(self, params):
        order = self._order(params.get("order_id"))
        return self._ok(data=self._render_order(order))

    def api_order_items_get(self, params):
        order = self._order(params.get("order_id"))
        items = [self._render_item(item) for item in self._order_items(order)]
        return self._ok(data=items)

    def api_orders_items_get(self, params):
        raw = params.get("order_ids")
        try:
            ids = json.loads(raw or "")
            if not isinstance(ids, list):
                raise ValueError
            ids = [int(x) for x in ids]
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "56", "E056: Invalid OrdersIdList format. Must use array format [1,2]"
            ) from exc
        if len(ids) > MAX_ORDER_IDS:
            raise ApiError("38", "E038: Too many orders were requested")
        if not ids:
            raise ApiError("39", "E039: No orders were found")
        if any(order_id not in self.orders for order_id in ids):
            raise ApiError("37", "E037: One or more order id in the list are incorrect")
        result = []
        for order_id in ids:
            order = self.orders[order_id]
            result.append(
                {
                    "order_id": order_id,
                    "order_number": str(order_id),
                    "order_items": [
                        self._render_item(item) for item in self._order_items(order)
                    ],
                }
            )
        return self._ok(data=result)
