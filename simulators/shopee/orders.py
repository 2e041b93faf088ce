"""The order APIs (list, detail, cancel, buyer cancellation) and the order shape."""

import base64
import copy
import json

from ..core import json_object, route
from .common import CANCEL_REASONS, FILTER_STATUSES, MAX_WINDOW, PICKUP_DELAY


class ShopeeOrders:
    """Order serialisation (optional fields, faults), paging and cancellation."""

    # ---- serialisation ---------------------------------------------------------------
    def _logistics_status(self, order, package):
        status = order["status"]
        if status == "IN_CANCEL":
            status = order["prev_status"] or "READY_TO_SHIP"
        if status == "CANCELLED":
            return (
                "LOGISTICS_REQUEST_CANCELED"
                if package["ship_mode"]
                else "LOGISTICS_INVALID"
            )
        return {
            "UNPAID": "LOGISTICS_NOT_START",
            "READY_TO_SHIP": "LOGISTICS_READY",
            "PROCESSED": "LOGISTICS_REQUEST_CREATED",
            "SHIPPED": "LOGISTICS_PICKUP_DONE",
        }.get(status, "LOGISTICS_DELIVERY_DONE")

    def _detail(self, order, optional):
        result = {
            "order_sn": order["order_sn"],
            "region": order["region"],
            "currency": order["currency"],
            "cod": order["cod"],
            "order_status": order["status"],
            "message_to_seller": order["message_to_seller"],
            "create_time": order["create_time"],
            "update_time": order["update_time"],
            "days_to_ship": order["days_to_ship"],
            "ship_by_date": order["ship_by_date"],
            "booking_sn": "",
        }
        channel = order["channel"]
        extra = {
            "buyer_user_id": order["buyer_user_id"],
            "buyer_username": order["buyer_username"],
            "estimated_shipping_fee": order["estimated_shipping_fee"],
            "recipient_address": dict(order["recipient_address"]),
            "actual_shipping_fee": order["estimated_shipping_fee"]
            if order["pickup_done_time"]
            else 0.0,
            "actual_shipping_fee_confirmed": bool(order["pickup_done_time"]),
            "goods_to_declare": False,
            "note": "",
            "note_update_time": 0,
            "pay_time": order["pay_time"] or 0,
            "dropshipper": "",
            "dropshipper_phone": "",
            "split_up": len(order["packages"]) > 1,
            "buyer_cancel_reason": order["buyer_cancel_reason"],
            "cancel_by": order["cancel_by"],
            "cancel_reason": order["cancel_reason"],
            "buyer_cpf_id": "",
            "fulfillment_flag": "fulfilled_by_local_seller",
            "pickup_done_time": order["pickup_done_time"],
            "shipping_carrier": channel["name"],
            "checkout_shipping_carrier": channel["name"],
            "payment_method": order["payment_method"],
            "total_amount": order["amounts"]["total_amount"],
            "reverse_shipping_fee": 0.0,
        }
        if "item_list" in optional:
            extra["item_list"] = [
                {
                    key: item[key]
                    for key in (
                        "item_id",
                        "item_name",
                        "item_sku",
                        "model_id",
                        "model_name",
                        "model_sku",
                        "model_quantity_purchased",
                        "model_original_price",
                        "model_discounted_price",
                        "weight",
                        "order_item_id",
                    )
                }
                | {
                    "wholesale": False,
                    "add_on_deal": False,
                    "main_item": False,
                    "add_on_deal_id": 0,
                    "promotion_type": "",
                    "promotion_id": 0,
                    "promotion_group_id": 0,
                    "image_info": {
                        "image_url": f"https://cf.shopee.example/file/{item['sku']}"
                    },
                    "product_location_id": [f"{order['region']}Z"],
                    "is_prescription_item": False,
                    "is_b2c_owned_item": False,
                }
                for item in order["items"]
            ]
        if "package_list" in optional:
            extra["package_list"] = []
            for package in order["packages"]:
                pitems = [order["items"][i] for i in package["item_index"]]
                extra["package_list"].append(
                    {
                        "package_number": package["package_number"],
                        "logistics_status": self._logistics_status(order, package),
                        "logistics_channel_id": channel["logistics_channel_id"],
                        "shipping_carrier": channel["name"],
                        "allow_self_design_awb": False,
                        "item_list": [
                            {
                                "item_id": item["item_id"],
                                "model_id": item["model_id"],
                                "model_quantity": item["model_quantity_purchased"],
                                "order_item_id": item["order_item_id"],
                                "promotion_group_id": 0,
                                "product_location_id": f"{order['region']}Z",
                            }
                            for item in pitems
                        ],
                        "parcel_chargeable_weight_gram": int(
                            sum(
                                i["weight"] * i["model_quantity_purchased"] * 1000
                                for i in pitems
                            )
                        ),
                        "group_shipment_id": None,
                        "sorting_group": "",
                    }
                )
        for key, value in extra.items():
            if key in optional:
                result[key] = value
        return result

    @staticmethod
    def _malform(record):
        broken = dict(record)
        broken["order_status"] = None
        broken["update_time"] = "not-a-timestamp"
        if "item_list" in broken:
            broken["item_list"] = None
        if "total_amount" in broken:
            broken["total_amount"] = "NaN"
        return broken

    def _stale(self, order):
        """An older snapshot of the order (previous status, older update_time)."""
        history = order["history"]
        if len(history) >= 2:
            previous = history[-2]
            return previous["status"], previous["update_time"]
        return order["status"], max(order["create_time"], order["update_time"] - 3600)

    # ---- orders ----------------------------------------------------------------------
    @staticmethod
    def _encode_cursor(key):
        raw = json.dumps(list(key), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor):
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, sn = json.loads(raw)
        return int(value), str(sn)

    @route("GET", "/api/v2/order/get_order_list")
    def get_order_list(self, req):
        error = self._check(req)
        if error:
            return error
        q = req.query
        field = q.get("time_range_field")
        if field not in ("create_time", "update_time"):
            return self._error(
                "error_param", "Wrong parameters, detail: time_range_field is invalid."
            )
        try:
            time_from, time_to = int(q["time_from"]), int(q["time_to"])
        except (KeyError, ValueError):
            return self._error(
                "error_param", "Wrong parameters, detail: time_from/time_to."
            )
        if time_from > time_to or time_to - time_from > MAX_WINDOW:
            return self._error(
                "order.order_list_invalid_time",
                "Start time must be earlier than end time and diff in 15days.",
            )
        try:
            page_size = int(q.get("page_size", ""))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= 100:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size should be [1,100]."
            )
        status = q.get("order_status")
        if status and status not in FILTER_STATUSES:
            return self._error(
                "error_param", "Wrong parameters, detail: order_status is invalid."
            )
        cursor = q.get("cursor", "").strip('"')
        after = None
        if cursor:
            try:
                after = self._decode_cursor(cursor)
            except (ValueError, TypeError):
                return self._error(
                    "error_param", "Wrong parameters, detail: cursor is invalid."
                )
        optional = {
            f.strip() for f in q.get("response_optional_fields", "").split(",") if f
        }
        matching = sorted(
            (
                o
                for o in self.orders.values()
                if time_from <= o[field] <= time_to
                and (not status or o["status"] == status)
            ),
            key=lambda o: (o[field], o["order_sn"]),
            reverse=True,
        )
        if after is not None:
            matching = [o for o in matching if (o[field], o["order_sn"]) < after]
        page, rest = matching[:page_size], matching[page_size:]
        order_list = []
        for order in page:
            record = {"order_sn": order["order_sn"], "booking_sn": ""}
            if "order_status" in optional:
                record["order_status"] = order["status"]
            if self.faults.roll("malformed"):
                record = {"order_sn": None, "order_status": None}
            if self.faults.roll("out_of_order") and "order_status" in optional:
                record = dict(record, order_status=self._stale(order)[0])
            order_list.append(record)
            if self.faults.roll("duplicates"):
                order_list.append(dict(record))
        return self._envelope(
            {
                "more": bool(rest),
                "next_cursor": self._encode_cursor(
                    (page[-1][field], page[-1]["order_sn"])
                )
                if rest
                else "",
                "order_list": order_list,
            }
        )

    @route("GET", "/api/v2/order/get_order_detail")
    def get_order_detail(self, req):
        error = self._check(req)
        if error:
            return error
        sns = [s.strip() for s in req.query.get("order_sn_list", "").split(",")]
        sns = [s for s in sns if s]
        if not 1 <= len(sns) <= 50:
            return self._error(
                "error_param", "Wrong parameters, detail: order_sn_list limit [1,50]."
            )
        optional = {
            f.strip()
            for f in req.query.get("response_optional_fields", "").split(",")
            if f.strip()
        }
        order_list, missing = [], []
        for sn in sns:
            order = self.orders.get(sn)
            if order is None:
                missing.append(sn)
                continue
            record = self._detail(order, optional)
            if self.faults.roll("malformed"):
                record = self._malform(record)
            elif self.faults.roll("out_of_order"):
                status, update_time = self._stale(order)
                record = copy.deepcopy(record)
                record["order_status"] = status
                record["update_time"] = update_time
            order_list.append(record)
            if self.faults.roll("duplicates"):
                order_list.append(copy.deepcopy(record))
        if not order_list:
            return self._error(
                "error_not_found", "Wrong parameters, detail: order not found."
            )
        warning = f"order_sn not found: {','.join(missing)}" if missing else ""
        return self._envelope({"order_list": order_list}, warning)

    def _checked_body(self, req):
        """(JSON object body, None) of a signed shop call, or (None, error)."""
        error = self._check(req)
        if error:
            return None, error
        body = json_object(req)
        if body is None:
            return None, self._error("error_param", "Wrong parameters, detail: body.")
        return body, None

    def _checked_order(self, req):
        """(body, order, None) of a signed shop call about the body's
        ``order_sn``, or an error third."""
        body, error = self._checked_body(req)
        if error:
            return None, None, error
        order, error = self._order_or_error(body.get("order_sn"))
        return body, order, error

    def _checked_query_order(self, req):
        """(order, None) of a signed shop call about the query's ``order_sn``, or
        (None, error)."""
        error = self._check(req)
        if error:
            return None, error
        return self._order_or_error(req.query.get("order_sn"))

    def _order_or_error(self, sn):
        order = self.orders.get(sn or "")
        if order is None:
            return None, self._error(
                "error_not_found", f"Wrong parameters, detail: order {sn} not found."
            )
        return order, None

    @route("POST", "/api/v2/order/cancel_order")
    def cancel_order(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        reason = body.get("cancel_reason")
        if reason not in CANCEL_REASONS:
            return self._error(
                "error_param", "Wrong parameters, detail: cancel_reason is invalid."
            )
        if reason == "OUT_OF_STOCK":
            item_list = body.get("item_list")
            if not item_list or not isinstance(item_list, list):
                return self._error(
                    "error_param",
                    "Wrong parameters, detail: item_list is required for OUT_OF_STOCK.",
                )
            known = {(i["item_id"], i["model_id"]) for i in order["items"]}
            for entry in item_list:
                if (
                    not isinstance(entry, dict)
                    or (
                        entry.get("item_id"),
                        entry.get("model_id", 0),
                    )
                    not in known
                ):
                    return self._error(
                        "error_param",
                        "Wrong parameters, detail: item_list item is not in the order.",
                    )
        if order["status"] not in ("UNPAID", "READY_TO_SHIP", "PROCESSED"):
            return self._error("order.error_limit", "Can not cancel this order.")
        order["cancel_by"] = "seller"
        order["cancel_reason"] = CANCEL_REASONS[reason]
        order["due_at"] = None
        order["decisions"].append(
            {
                "action": "cancel_order",
                "cancel_reason": reason,
                "item_list": body.get("item_list") or [],
                "at": int(self.now()),
            }
        )
        self._set_status(order, "CANCELLED")
        return self._envelope({"update_time": order["update_time"]})

    @route("POST", "/api/v2/order/handle_buyer_cancellation")
    def handle_buyer_cancellation(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        operation = body.get("operation")
        if operation not in ("ACCEPT", "REJECT"):
            return self._error(
                "error_param", "Wrong parameters, detail: operation is invalid."
            )
        if order["status"] != "IN_CANCEL":
            return self._error(
                "order.cancel_order_invalid_status",
                "Invalid order_status.The order status should be IN_CANCEL.",
            )
        order["decisions"].append(
            {"action": "handle_buyer_cancellation", "operation": operation}
            | {"at": int(self.now())}
        )
        if operation == "ACCEPT":
            order["cancel_by"] = "buyer"
            order["cancel_reason"] = order["buyer_cancel_reason"]
            order["due_at"] = None
            self._set_status(order, "CANCELLED")
        else:
            previous = order["prev_status"] or "READY_TO_SHIP"
            order["prev_status"] = None
            self._set_status(order, previous)
            if previous == "PROCESSED":
                order["due_at"] = self.now() + PICKUP_DELAY
        return self._envelope({"update_time": order["update_time"]})
