"""Logistics: shipping parameters, ship_order, tracking numbers, shipping documents."""

import copy
import json

from ..core import Response, json_object, pdf_escape, pdf_file, route
from .common import (
    BRANCHES,
    DAY,
    DOC_DELAY,
    DOC_TYPES,
    PICKUP_DELAY,
    SHOP_ADDRESSES,
    TRACKING_DELAY,
    _ascii,
)


def build_pdf(pages):
    """A minimal valid PDF (one page per list of text lines), built by hand."""

    def esc(line):
        return pdf_escape(_ascii(line))

    objects = []  # object bodies, numbered from 1
    kids = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then page/content pairs
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(None)  # pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, lines in enumerate(pages):
        page_no = 4 + 2 * index
        kids.append(f"{page_no} 0 R")
        stream = ["BT", "/F1 11 Tf", "14 TL", "40 800 Td"]
        for line in lines:
            stream.append(f"({esc(line)}) Tj T*")
        stream.append("ET")
        content = "\n".join(stream).encode("latin-1")
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_no + 1} 0 R >>"
            ).encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode()
            + content
            + b"\nendstream"
        )
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {n_pages} >>".encode()
    )
    return pdf_file(objects)


class ShopeeLogistics:
    """The ``/api/v2/logistics/*`` APIs and the label PDFs."""

    # ---- logistics -------------------------------------------------------------------
    def _time_slots(self, now=None):
        day0 = int((self.now() if now is None else now) // DAY) * DAY
        slots = []
        for days in (1, 2, 3):
            date = day0 + days * DAY
            for hour, text in ((9, "09:00 - 12:00"), (14, "14:00 - 18:00")):
                slots.append(
                    {
                        "date": date,
                        "time_text": text,
                        "pickup_time_id": str(date + hour * 3600),
                        "flags": ["recommended"] if not slots else [],
                    }
                )
        return slots

    def _package(self, order, package_number):
        """(package, error Response)."""
        packages = order["packages"]
        if package_number:
            for package in packages:
                if package["package_number"] == str(package_number):
                    return package, None
            return None, self._error(
                "logistics.package_not_exist", "The package is not exist."
            )
        if len(packages) > 1:
            return None, self._error(
                "logistics.package_number_not_exist",
                "Please request with package_number for this split order.",
            )
        return packages[0], None

    @route("GET", "/api/v2/logistics/get_shipping_parameter")
    def get_shipping_parameter(self, req):
        order, error = self._checked_query_order(req)
        if error:
            return error
        if order["status"] not in ("READY_TO_SHIP", "RETRY_SHIP"):
            return self._error(
                "logistics.error_param", "The order status is not ready to ship."
            )
        package_number = req.query.get("package_number")
        if package_number:
            _package, error = self._package(order, package_number)
            if error:
                return error
        info = order["channel"]["info_needed"]
        response = {"info_needed": copy.deepcopy(info), "dropoff": None, "pickup": None}
        if "pickup" in info:
            slots = self._time_slots()
            response["pickup"] = {
                "address_list": [
                    dict(address, time_slot_list=copy.deepcopy(slots))
                    for address in SHOP_ADDRESSES
                ]
            }
        if "dropoff" in info:
            response["dropoff"] = {
                "branch_list": copy.deepcopy(BRANCHES)
                if "branch_id" in info["dropoff"]
                else [],
                "slug_list": [],
            }
        return self._envelope(response)

    def _check_ship_params(self, info, mode, params):
        """Validate the parameters of one ship_order mode: (tracking, error)."""
        tracking = ""
        if mode == "pickup":
            address = next(
                (
                    a
                    for a in SHOP_ADDRESSES
                    if str(a["address_id"]) == str(params.get("address_id"))
                ),
                None,
            )
            if not params.get("address_id") or not params.get("pickup_time_id"):
                return "", self._error(
                    "logistics.ship_order_need_address_pickup_time",
                    "Parameter address_id and pickup_time_id are required.",
                )
            if address is None:
                return "", self._error(
                    "logistics.address_not_found", "Address is not found."
                )
            # slots offered until the last day boundary stay valid (midnight rollover)
            slot_ids = {
                s["pickup_time_id"]
                for now in (self.now(), self.now() - DAY)
                for s in self._time_slots(now)
            }
            if str(params["pickup_time_id"]) not in slot_ids:
                return "", self._error(
                    "logistics.ship_order_pickup_time_invalid",
                    "Invalid pickup time id. Please check the pick up time id.",
                )
        elif mode == "dropoff":
            if "branch_id" in info["dropoff"]:
                if not params.get("branch_id"):
                    return "", self._error(
                        "logistics.ship_order_need_branch_id",
                        "Parameter branch_id is required.",
                    )
                if str(params["branch_id"]) not in {
                    str(b["branch_id"]) for b in BRANCHES
                }:
                    return "", self._error(
                        "logistics.error_store_not_found", "Store is not found."
                    )
        else:
            tracking = str(params.get("tracking_number") or "")
            if not tracking:
                return "", self._error(
                    "logistics.ship_order_need_tracking_number",
                    "Parameter tracking_number can not be null.",
                )
            if len(tracking) > 64:
                return "", self._error(
                    "logistics.ship_order_long_tracking_number",
                    "Parameter tracking_number can not be longer than 64.",
                )
        return tracking, None

    @route("POST", "/api/v2/logistics/ship_order")
    def ship_order(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        modes = [m for m in ("pickup", "dropoff", "non_integrated") if m in body]
        if len(modes) != 1:
            return self._error(
                "error_param",
                "Please select just one way to ship order: pickup or dropoff or "
                "non_integrated.",
            )
        mode = modes[0]
        params = body.get(mode) or {}
        if not isinstance(params, dict):
            return self._error("error_param", f"Wrong parameters, detail: {mode}.")
        info = order["channel"]["info_needed"]
        if mode not in info:
            return self._error(
                f"logistics.ship_order_unsupport_{mode}",
                f"This order does not support ship with {mode}.",
            )
        if order["status"] not in ("READY_TO_SHIP", "RETRY_SHIP"):
            return self._error(
                "logistics.ship_order_not_ready_to_ship",
                "The order is not ready to ship.",
            )
        package_number = body.get("package_number")
        if len(order["packages"]) == 1 and package_number:
            if package_number != order["packages"][0]["package_number"]:
                return self._error(
                    "logistics.ship_order_not_need_pacakge_number",
                    "Please don’t request with package_number for this unsplit order.",
                )
        if len(order["packages"]) > 1 and not package_number:
            return self._error(
                "logistics.ship_order_need_pacakge_number",
                "Please request with package_number for this split order.",
            )
        package, error = self._package(order, package_number)
        if error:
            return error
        if package["ship_mode"]:
            return self._error(
                "logistics.package_already_shipped",
                "This package has already been arranged shipment and you can't call "
                "this API again.",
            )
        tracking, error = self._check_ship_params(info, mode, params)
        if error:
            return error
        now = self.now()
        package.update(
            ship_mode=mode,
            ship_params=dict(params),
            arranged_at=int(now),
            tracking_number=tracking,
            tracking_at=None if tracking else now + TRACKING_DELAY,
        )
        order["decisions"].append(
            {
                "action": "ship_order",
                "package_number": package["package_number"],
                "mode": mode,
                "params": dict(params),
                "at": int(now),
            }
        )
        if all(p["ship_mode"] for p in order["packages"]):
            self._set_status(order, "PROCESSED")
            order["due_at"] = now + PICKUP_DELAY
        if tracking:
            self._push_tracking(order, package, int(now))
        return self._envelope({})

    @route("GET", "/api/v2/logistics/get_tracking_number")
    def get_tracking_number(self, req):
        order, error = self._checked_query_order(req)
        if error:
            return error
        package, error = self._package(order, req.query.get("package_number"))
        if error:
            return error
        if not package["ship_mode"]:
            return self._error(
                "logistics.error_status",
                "Operation is not supported with current logistics record status.",
            )
        tracking = package["tracking_number"]
        return self._envelope(
            {
                "tracking_number": tracking,
                "plp_number": "",
                "first_mile_tracking_number": "",
                "last_mile_tracking_number": "",
                "hint": "" if tracking else "Tracking number is being generated.",
                "pickup_code": "",
            }
        )

    def _checked_doc_targets(self, req):
        """(body, order_list entries, None) of a signed shipping-document call, or
        an error third."""
        error = self._check(req)
        if error:
            return None, None, error
        body = json_object(req)
        targets = self._doc_targets(body)
        if targets is None:
            return (
                body,
                None,
                self._error(
                    "error_param", "Wrong parameters, detail: order_list limit [1,50]."
                ),
            )
        return body, targets, None

    def _doc_targets(self, body, limit=50):
        order_list = body.get("order_list") if body else None
        if not isinstance(order_list, list) or not 1 <= len(order_list) <= limit:
            return None
        return [e for e in order_list if isinstance(e, dict)]

    def _doc_rows(self, targets):
        """(entry, order, package, fail_error, fail_message, result row) of each
        order_list entry; the row has its ``order_sn`` and, when the package is
        found, its ``package_number``."""
        for entry in targets:
            order, package, fail, message = self._resolve_doc_package(entry)
            result = {"order_sn": entry.get("order_sn")}
            if package:
                result["package_number"] = package["package_number"]
            yield entry, order, package, fail, message, result

    def _resolve_doc_package(self, entry):
        """(order, package, fail_error, fail_message)."""
        order = self.orders.get(entry.get("order_sn") or "")
        if order is None:
            return (
                None,
                None,
                "logistics.order_not_exist",
                (f"The order_sn {entry.get('order_sn')} is not exist."),
            )
        package, error = self._package(order, entry.get("package_number"))
        if error:
            answer = json.loads(error.body)
            return order, None, answer["error"], answer["message"]
        return order, package, None, None

    @route("POST", "/api/v2/logistics/get_shipping_document_parameter")
    def get_shipping_document_parameter(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        for _entry, _order, _package, fail, message, result in self._doc_rows(targets):
            if fail:
                result.update(fail_error=fail, fail_message=message)
            else:
                result.update(
                    suggest_shipping_document_type="THERMAL_AIR_WAYBILL",
                    selectable_shipping_document_type=[
                        "NORMAL_AIR_WAYBILL",
                        "THERMAL_AIR_WAYBILL",
                    ],
                )
            results.append(result)
        return self._batch_answer(results)

    def _batch_answer(self, results):
        if results and all("fail_error" in r for r in results):
            return self._error(
                "common.batch_api_all_failed",
                "Failed, please check result_list for more details.",
                response={"result_list": results},
            )
        warning = [
            {"order_sn": r["order_sn"], "package_number": r.get("package_number", "")}
            for r in results
            if "fail_error" in r
        ]
        return self._envelope({"result_list": results}, warning or "")

    @route("POST", "/api/v2/logistics/create_shipping_document")
    def create_shipping_document(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        now = self.now()
        for entry, order, package, fail, message, result in self._doc_rows(targets):
            doc_type = entry.get("shipping_document_type") or "THERMAL_AIR_WAYBILL"
            if not fail and doc_type not in DOC_TYPES:
                fail = "logistics.shipping_document_type_invalid"
                message = "The shipping_document_type is not invalid."
            if not fail and (
                order["status"]
                not in ("PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED")
                or package["ship_mode"] is None
            ):
                fail = "logistics.order_status_error"
                message = "Order status does not support awb printing."
            if not fail and package["ship_mode"] == "non_integrated":
                fail, message = (
                    "logistics.package_can_not_print",
                    "The package can not print now. ",
                )
            if not fail and (
                not package["tracking_number"]
                or (
                    entry.get("tracking_number")
                    and entry["tracking_number"] != package["tracking_number"]
                )
            ):
                fail = "logistics.tracking_number_invalid"
                message = (
                    "The tracking number is invalid. Please check the tracking number."
                )
            if fail:
                result.update(fail_error=fail, fail_message=message)
            else:
                key = f"{order['order_sn']}/{package['package_number']}"
                self.docs[key] = {
                    "order_sn": order["order_sn"],
                    "package_number": package["package_number"],
                    "tracking_number": package["tracking_number"],
                    "shipping_document_type": doc_type,
                    "status": "PROCESSING",
                    "created_at": int(now),
                    "ready_at": now + DOC_DELAY,
                    "downloads": 0,
                }
            results.append(result)
        return self._batch_answer(results)

    @route("POST", "/api/v2/logistics/get_shipping_document_result")
    def get_shipping_document_result(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        for _entry, order, package, fail, message, result in self._doc_rows(targets):
            if package:
                doc = self.docs.get(f"{order['order_sn']}/{package['package_number']}")
                if doc is None:
                    fail = "logistics.shipping_document_should_print_first"
                    message = (
                        "The package can not print now, please create shipping "
                        f"document first.Detail: {order['order_sn']}"
                    )
                else:
                    result["status"] = doc["status"]
            if fail:
                result.update(fail_error=fail, fail_message=message)
            results.append(result)
        return self._batch_answer(results)

    @route("POST", "/api/v2/logistics/download_shipping_document")
    def download_shipping_document(self, req):
        body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        pages = []
        docs = []
        for entry in targets:
            order, package, fail, message = self._resolve_doc_package(entry)
            if fail:
                return self._error(fail, message)
            doc = self.docs.get(f"{order['order_sn']}/{package['package_number']}")
            if doc is None or doc["status"] != "READY":
                return self._error(
                    "logistics.shipping_document_should_print_first",
                    "The package can not print now, please create shipping document "
                    f"first.Detail: {order['order_sn']}",
                )
            docs.append(doc)
            address = order["recipient_address"]
            pages.append(
                [
                    "Shopee - "
                    + (
                        body.get("shipping_document_type")
                        or doc["shipping_document_type"]
                    ),
                    f"Carrier: {order['channel']['name']}",
                    f"Tracking number: {package['tracking_number']}",
                    f"Order: {order['order_sn']}",
                    f"Package: {package['package_number']}",
                    "COD: "
                    + (
                        f"YES {order['amounts']['total_amount']}"
                        if order["cod"]
                        else "NO"
                    ),
                    f"To: {address['name']}",
                    f"{address['full_address'][:90]}",
                    f"Phone: {address['phone']}",
                ]
            )
        for doc in docs:
            doc["downloads"] += 1
        return Response(200, build_pdf(pages), "application/pdf")
