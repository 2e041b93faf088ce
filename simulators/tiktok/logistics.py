"""Fulfilment: handover slots, shipping packages, tracking and shipping documents."""

import hashlib

from ..core import Response, a6_pdf, pdf_escape, route
from .common import (
    DAY,
    DOC_URL_LIFE,
    DOCUMENT_TYPES,
    DROP_OFF_COLLECT_AFTER,
    E_CREDENTIALS,
    E_DOC_NOT_TIKTOK,
    E_DOC_STATUS,
    E_ORDER_NOT_FOUND,
    E_PACKAGE_NOT_FOUND,
    E_PACKAGE_STATUS,
    E_SHIP_PARAM,
    HOUR,
    ON_HOLD,
    PICKUP_COLLECT_AFTER,
    PKG_CANCELLED,
    PROCESSING,
    SELF_SHIP_COLLECT_AFTER,
    SELLER_PROVIDERS,
    SHIPPABLE,
    TO_FULFILL,
    UNPAID,
    ApiError,
    _clean,
    api,
)


def _pdf_text(text):
    return pdf_escape("".join(ch if 32 <= ord(ch) < 127 else "?" for ch in str(text)))


def build_pdf(lines, title="Shipping label"):
    """A minimal but valid one-page PDF (A6) with ``lines`` of Helvetica text."""
    ops = ["BT", "/F1 14 Tf", "20 390 Td", f"({_pdf_text(title)}) Tj", "/F1 9 Tf"]
    for line in lines:
        ops += ["0 -16 Td", f"({_pdf_text(line)}) Tj"]
    ops.append("ET")
    return a6_pdf("\n".join(ops).encode("ascii"))


class TikTokLogistics:
    """The ``/fulfillment/202309/*`` APIs and the label PDFs."""

    # ==== fulfilment API ====
    def _pickup_slots(self):
        base = (int(self.now()) // DAY + 1) * DAY
        slots = []
        for day in range(3):
            start = base + day * DAY
            slots.append((start + 2 * HOUR, start + 6 * HOUR))
            slots.append((start + 6 * HOUR, start + 10 * HOUR))
        return slots

    def _fulfil_package(self, package_id):
        package = self._package(package_id)
        if package is None:
            raise ApiError(E_PACKAGE_NOT_FOUND, "Package does not exist.")
        return self.orders[package["order_id"]], package

    @api("GET", "/fulfillment/202309/packages/{package_id}/handover_time_slots")
    def handover_time_slots(self, req):
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        tiktok = order["shipping_type"] == "TIKTOK" and package["status"] == TO_FULFILL
        slots = self._pickup_slots() if tiktok else []
        return self._ok(
            {
                "can_pickup": tiktok,
                "can_drop_off": tiktok,
                "can_van_collection": False,
                "drop_off_point_url": f"{self.url}/_sim/drop_off_points"
                if tiktok
                else "",
                "pickup_slots": [
                    {"start_time": s, "end_time": e, "avaliable": True}
                    for s, e in slots
                ],
            }
        )

    @api("POST", "/fulfillment/202309/packages/{package_id}/ship")
    def ship_package(self, req):
        try:
            body = self._body(req)
            order, package = self._fulfil_package(req.params["package_id"])
            if package["status"] != TO_FULFILL or order["status"] not in SHIPPABLE:
                raise ApiError(
                    E_PACKAGE_STATUS,
                    f"Package status {package['status']} (order {order['status']}) "
                    "does not allow shipping.",
                )
            before = self._render(order)
            if order["shipping_type"] == "TIKTOK":
                self._ship_tiktok(package, body)
            else:
                self._ship_self(package, body)
        except ApiError as exc:
            return self._api_error(exc)
        now = int(self.now())
        package["shipped_at"] = now
        package["update_time"] = now
        order["rts_time"] = order["rts_time"] or now
        package["events"].append(
            (now, "Seller has arranged shipment, waiting for courier to collect")
        )
        self._set_status(order, self._derive_status(order), now, before=before)
        return self._ok({})

    def _ship_tiktok(self, package, body):
        now = int(self.now())
        if body.get("self_shipment"):
            raise ApiError(
                E_SHIP_PARAM, "self_shipment is only allowed for seller shipping."
            )
        method = body.get("handover_method") or "PICKUP"
        slot = body.get("pickup_slot")
        if method == "PICKUP":
            slots = self._pickup_slots()
            if slot is None:  # SEA: handover_method/pickup_slot may be omitted
                slot = {"start_time": slots[0][0], "end_time": slots[0][1]}
            try:
                wanted = (int(slot["start_time"]), int(slot["end_time"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ApiError(E_SHIP_PARAM, "Invalid pickup_slot.") from exc
            if wanted not in slots:
                raise ApiError(E_SHIP_PARAM, "The pickup_slot is not available.")
            collect_at = max(wanted[0] + PICKUP_COLLECT_AFTER, now + 60)
            package["pickup_slot"] = {"start_time": wanted[0], "end_time": wanted[1]}
        elif method == "DROP_OFF":
            collect_at = now + DROP_OFF_COLLECT_AFTER
        else:
            raise ApiError(E_SHIP_PARAM, f"Invalid handover_method {method!r}.")
        package.update(
            status=PROCESSING,
            handover_method=method,
            tracking_number=self._tracking_number(),
            collect_at=collect_at,
        )

    def _ship_self(self, package, body):
        shipment = body.get("self_shipment") or {}
        tracking = str(shipment.get("tracking_number") or "").strip()
        provider = str(shipment.get("shipping_provider_id") or "")
        if not tracking or not provider:
            raise ApiError(
                E_SHIP_PARAM,
                "self_shipment.tracking_number and shipping_provider_id are required "
                "for seller shipping.",
            )
        if provider not in SELLER_PROVIDERS:
            raise ApiError(E_SHIP_PARAM, "Invalid shipping_provider_id.")
        package.update(
            status=PROCESSING,
            handover_method="DROP_OFF",
            tracking_number=tracking,
            shipping_provider_id=provider,
            shipping_provider_name=SELLER_PROVIDERS[provider],
            collect_at=int(self.now()) + SELF_SHIP_COLLECT_AFTER,
        )

    @api("GET", "/fulfillment/202309/packages/{package_id}")
    def package_detail(self, req):
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        lines = [x for x in order["lines"] if x["id"] in package["line_ids"]]
        skus = {}
        for line in lines:
            entry = skus.setdefault(
                line["sku_id"],
                {"id": line["sku_id"], "name": line["sku_name"], "quantity": 0},
            )
            entry["quantity"] += 1
        detail = {
            "package_id": package["id"],
            "orders": [{"id": order["id"], "skus": list(skus.values())}],
            "package_status": package["status"],
            "split_and_combine_tag": "SPLIT" if len(order["packages"]) > 1 else None,
            "has_multi_skus": len(skus) > 1,
            "shipping_type": order["shipping_type"],
            "shipping_provider_id": package["shipping_provider_id"],
            "shipping_provider_name": package["shipping_provider_name"],
            "tracking_number": package["tracking_number"],
            "delivery_option_id": "7091146663229654785",
            "delivery_option_name": "Standard Shipping",
            "handover_method": package["handover_method"],
            "pickup_slot": package["pickup_slot"],
            "create_time": package["create_time"],
            "update_time": package["update_time"],
            "order_line_item_ids": list(package["line_ids"]),
            "weight": {
                "value": f"{sum(x['weight'] for x in lines) * 1000:.0f}",
                "unit": "GRAM",
            },
        }
        if order["status"] not in (UNPAID, ON_HOLD):
            detail["recipient_address"] = self._address(order["buyer"])
        return self._ok(_clean(detail))

    @api("GET", "/fulfillment/202309/orders/{order_id}/tracking")
    def order_tracking(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return self._error(E_ORDER_NOT_FOUND, "Order does not exist.")
        events = sorted(
            (e for p in order["packages"] for e in p["events"]), reverse=True
        )
        return self._ok(
            {
                "tracking": [
                    {"description": text, "update_time_millis": when * 1000}
                    for when, text in events
                ]
            }
        )

    @api("GET", "/fulfillment/202309/packages/{package_id}/shipping_documents")
    def shipping_documents(self, req):
        query = req.query
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        doc_type = query.get("document_type")
        if doc_type not in DOCUMENT_TYPES:
            return self._error(E_CREDENTIALS, "Invalid document_type.")
        if (query.get("document_format") or "PDF") != "PDF":
            return self._error(E_CREDENTIALS, "document_format ZPL is only for BR.")
        if order["shipping_type"] != "TIKTOK":
            return self._error(
                E_DOC_NOT_TIKTOK,
                "This API is only applicable to TikTok Shipping orders. For seller "
                "shipping, please obtain the shipping label offline.",
            )
        if package["status"] in (TO_FULFILL, PKG_CANCELLED):
            return self._error(
                E_DOC_STATUS, "Internal package status error, please try again later."
            )
        doc_id = hashlib.sha1(
            f"{package['id']}-{doc_type}-{self.now()}".encode()
        ).hexdigest()[:24]
        self.docs[doc_id] = {
            "expire": self.now() + DOC_URL_LIFE,
            "pdf": self._label_pdf(order, package, doc_type),
        }
        return self._ok(
            {
                "doc_url": f"{self.url}/_sim/docs/{doc_id}.pdf",
                "tracking_number": package["tracking_number"],
            }
        )

    def _label_pdf(self, order, package, doc_type):
        buyer = order["buyer"]
        lines = [
            f"Document: {doc_type}",
            f"Carrier: {package['shipping_provider_name']}",
            f"Tracking: {package['tracking_number']}",
            f"Handover: {package['handover_method']}",
            f"Order: {order['id']}",
            f"Package: {package['id']}",
            f"To: {buyer['name']}",
            buyer["address1"],
            f"{buyer['city']} {buyer['zip']}",
            "COD: " + (order["payment"]["currency"] if order["is_cod"] else "no"),
        ]
        return build_pdf(lines, title="TikTok Shop shipping label")

    @route("GET", "/_sim/docs/{name}", api=False)
    def serve_doc(self, req):
        doc = self.docs.get(req.params["name"].rsplit(".", 1)[0])
        if doc is None or doc["expire"] <= self.now():
            return Response(404, b"document not found or expired", "text/plain")
        return Response(200, doc["pdf"], "application/pdf")
