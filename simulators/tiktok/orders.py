"""The order APIs (``/order/202309/orders/search``...) and the order shape."""

import base64
import copy
import json

from .common import (
    CANCELLED,
    COMPLETED,
    DAY,
    E_CREDENTIALS,
    E_ORDER_NOT_FOUND,
    ON_HOLD,
    PKG_DISPLAY,
    PREVIOUS_STATUS,
    STATUSES,
    UNPAID,
    WAREHOUSE_MAIN,
    ApiError,
    _clean,
    api,
)


class TikTokOrders:
    """Order rendering (faults included), paging and search filters."""

    # ==== rendering ====
    def _render(self, order):
        status = order["status"]
        payment = {
            k: (v if k == "currency" else self._money(v))
            for k, v in order["payment"].items()
        }
        first_pkg = order["packages"][0] if order["packages"] else None
        cancel = order["cancel"] or {}
        hidden = status in (UNPAID, ON_HOLD)
        record = {
            "id": order["id"],
            "status": status,
            "create_time": order["create_time"],
            "update_time": order["update_time"],
            "paid_time": order["paid_time"],
            "rts_sla_time": (order["paid_time"] or order["create_time"]) + 2 * DAY,
            "tts_sla_time": (order["paid_time"] or order["create_time"]) + 5 * DAY,
            "rts_time": order["rts_time"],
            "collection_time": order["collection_time"],
            "delivery_time": order["delivery_time"],
            "cancel_time": cancel.get("time"),
            "cancel_reason": cancel.get("reason"),
            "cancellation_initiator": cancel.get("initiator"),
            "request_cancel_time": order["request_cancel_time"],
            "is_buyer_request_cancel": order["buyer_cancel_pending"],
            "is_on_hold_order": status == ON_HOLD,
            "is_cod": order["is_cod"],
            "is_sample_order": False,
            "is_replacement_order": False,
            "payment_method_name": self._payment_method(order),
            "shipping_type": order["shipping_type"],
            "fulfillment_type": "FULFILLMENT_BY_SELLER",
            "delivery_type": "HOME_DELIVERY",
            "delivery_option_id": "7091146663229654785",
            "delivery_option_name": "Standard Shipping",
            "shipping_provider": first_pkg and first_pkg["shipping_provider_name"],
            "shipping_provider_id": first_pkg and first_pkg["shipping_provider_id"],
            "tracking_number": (first_pkg and first_pkg["tracking_number"]) or None,
            "split_or_combine_tag": "SPLIT" if len(order["packages"]) > 1 else None,
            "warehouse_id": WAREHOUSE_MAIN,
            "user_id": order["buyer"]["buyer_id"],
            "buyer_email": f"{order['buyer']['buyer_id']}@chat.seller.tiktok.com",
            "buyer_message": order["buyer_message"],
            "commerce_platform": order["commerce_platform"],
            "payment": payment,
            "packages": [] if hidden else [{"id": p["id"]} for p in order["packages"]],
            "line_items": [self._render_line(order, x) for x in order["lines"]],
        }
        if not hidden:
            record["recipient_address"] = self._address(order["buyer"])
        return _clean(record)

    def _payment_method(self, order):
        if order["is_cod"]:
            return "Cash on delivery"
        if order["status"] == UNPAID:
            return None
        return "Bank transfer" if self.tokopedia else "CCDC"

    def _render_line(self, order, line):
        package = self._package(line["package_id"])
        cancel = order["cancel"] or {}
        if order["status"] in (UNPAID, ON_HOLD, CANCELLED):
            display = order["status"]
        elif order["status"] == COMPLETED:
            display = COMPLETED
        else:
            display = PKG_DISPLAY[package["status"]]
        return _clean(
            {
                "id": line["id"],
                "sku_id": line["sku_id"],
                "product_id": line["product_id"],
                "product_name": line["product_name"],
                "sku_name": line["sku_name"],
                "seller_sku": line["seller_sku"],
                "sku_image": f"https://p16-oec-sg.ibyteimg.com/sim/{line['sku_id']}",
                "sku_type": "NORMAL",
                "original_price": self._money(line["original_price"]),
                "sale_price": self._money(line["sale_price"]),
                "seller_discount": self._money(line["seller_discount"]),
                "platform_discount": self._money(line["platform_discount"]),
                "currency": self.currency,
                "is_gift": False,
                "package_id": package["id"],
                "package_status": package["status"],
                "display_status": display,
                "tracking_number": package["tracking_number"],
                "shipping_provider_id": package["shipping_provider_id"],
                "shipping_provider_name": package["shipping_provider_name"],
                "rts_time": package["shipped_at"],
                "cancel_reason": cancel.get("reason"),
                "cancel_user": cancel.get("initiator"),
            }
        )

    def _address(self, buyer):
        region = "ID" if self.tokopedia else buyer["country"]
        city = "Jakarta Selatan" if self.tokopedia else buyer["city"]
        zipcode = "12190" if self.tokopedia else buyer["zip"]
        phone = (
            buyer["phone"].replace("+60", "+62") if self.tokopedia else buyer["phone"]
        )
        masked = f"({phone[:3]}){phone[3:5]}******{phone[-2:]}"
        return {
            "name": buyer["name"],
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "phone_number": masked,
            "address_detail": buyer["address2"],
            "address_line1": buyer["address1"],
            "address_line2": buyer["address2"],
            "address_line3": "",
            "address_line4": "",
            "full_address": f"{buyer['address1']}, {buyer['address2']}, {city} "
            f"{zipcode}",
            "postal_code": zipcode,
            "region_code": region,
            "district_info": [
                {"address_level_name": "Country", "address_name": region},
                {"address_level_name": "City", "address_name": city},
            ],
        }

    def _package(self, package_id):
        order = self.orders.get(self.packages.get(package_id))
        for package in order["packages"] if order else []:
            if package["id"] == package_id:
                return package
        return None

    # ==== faults on served records ====
    def _serve(self, orders):
        out = []
        for order in orders:
            if self.faults.roll("out_of_order"):
                record = self._stale_view(order)
            else:
                record = self._render(order)
            if self.faults.roll("malformed"):
                record = self._malform(record)
            out.append(record)
            if self.faults.roll("duplicates"):
                out.append(copy.deepcopy(record))
        return out

    def _stale_view(self, order):
        if order["history"]:
            return copy.deepcopy(order["history"][-1])
        record = self._render(order)
        record["status"] = PREVIOUS_STATUS.get(order["status"], order["status"])
        record["update_time"] = max(
            order["create_time"], order["update_time"] - 15 * 60
        )
        return record

    def _malform(self, record):
        record = copy.deepcopy(record)
        kind = self.faults.rng.randrange(4)
        if kind == 0:
            record.pop("line_items", None)
        elif kind == 1:
            record["payment"] = {"currency": record.get("payment", {}).get("currency")}
        elif kind == 2:
            record["create_time"] = "not-a-timestamp"
        else:
            record["status"] = None
        return record

    # ==== orders API ====
    def _page_size(self, query, high):
        raw = query.get("page_size")
        if raw is None:
            raise ApiError(E_CREDENTIALS, "Missing required parameter: page_size")
        try:
            size = int(raw)
        except ValueError as exc:
            raise ApiError(E_CREDENTIALS, "Invalid page_size") from exc
        if not 1 <= size <= high:
            raise ApiError(E_CREDENTIALS, f"page_size must be between 1 and {high}")
        return size

    @staticmethod
    def _encode_token(key):
        raw = json.dumps(list(key), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def _decode_token(token):
        try:
            value, ident = json.loads(base64.urlsafe_b64decode(token.encode()))
            return (int(value), str(ident))
        except (ValueError, TypeError) as exc:
            raise ApiError(E_CREDENTIALS, "Invalid page_token") from exc

    def _paginate(self, records, query, size, default_order="DESC"):
        sort_field = query.get("sort_field") or "create_time"
        if sort_field not in ("create_time", "update_time"):
            raise ApiError(E_CREDENTIALS, "Invalid sort_field")
        sort_order = (query.get("sort_order") or default_order).upper()
        if sort_order not in ("ASC", "DESC"):
            raise ApiError(E_CREDENTIALS, "Invalid sort_order")
        ident = "cancel_id" if records and "cancel_id" in records[0] else "id"

        def key(record):
            return (record[sort_field], record[ident])

        desc = sort_order == "DESC"
        records = sorted(records, key=key, reverse=desc)
        if query.get("page_token"):
            last = self._decode_token(query["page_token"])
            records = [r for r in records if (key(r) < last if desc else key(r) > last)]
        page = records[:size]
        token = self._encode_token(key(page[-1])) if len(records) > size else ""
        return page, token

    @staticmethod
    def _in_range(value, body, prefix):
        low = body.get(f"{prefix}_ge")
        high = body.get(f"{prefix}_lt")
        if low is not None and value < int(low):
            return False
        return high is None or value < int(high)

    def _order_matches(self, order, body):
        if body.get("order_status") and order["status"] != body["order_status"]:
            return False
        if (
            body.get("shipping_type")
            and order["shipping_type"] != body["shipping_type"]
        ):
            return False
        if body.get("buyer_user_id") and order["buyer"]["buyer_id"] != str(
            body["buyer_user_id"]
        ):
            return False
        wanted = body.get("is_buyer_request_cancel")
        if wanted is not None and order["buyer_cancel_pending"] != bool(wanted):
            return False
        return self._in_range(order["create_time"], body, "create_time") and (
            self._in_range(order["update_time"], body, "update_time")
        )

    @api("POST", "/order/202309/orders/search")
    def orders_search(self, req):
        try:
            size = self._page_size(req.query, 100)
            body = self._body(req)
            if body.get("order_status") and body["order_status"] not in STATUSES:
                raise ApiError(E_CREDENTIALS, "Invalid order_status")
            matches = [o for o in self.orders.values() if self._order_matches(o, body)]
            page, token = self._paginate(matches, req.query, size)
        except (ApiError, ValueError, TypeError) as exc:
            return self._api_error(exc)
        return self._ok(
            {
                "next_page_token": token,
                "total_count": len(matches),
                "orders": self._serve(page),
            }
        )

    def _api_error(self, exc):
        if isinstance(exc, ApiError):
            return self._error(exc.code, exc.message, payload=exc.data)
        return self._error(E_CREDENTIALS, f"Invalid parameter: {exc}")

    @api("GET", "/order/202309/orders")
    def orders_detail(self, req):
        ids = [x for x in (req.query.get("ids") or "").split(",") if x]
        if not ids:
            return self._error(E_CREDENTIALS, "Missing required parameter: ids")
        if len(ids) > 50:
            return self._error(E_CREDENTIALS, "ids supports at most 50 order IDs")
        found = [self.orders[i] for i in ids if i in self.orders]
        if not found:
            return self._error(E_ORDER_NOT_FOUND, "Order does not exist.")
        return self._ok({"orders": self._serve(found)})
