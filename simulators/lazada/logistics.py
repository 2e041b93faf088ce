"""Fulfilment: providers, pack, ready-to-ship, shipping labels and invoice numbers."""

import base64

from ..core import a6_pdf, pdf_escape
from .common import (
    MAX_BATCH,
    PRINTABLE,
    SHIPMENT_PROVIDERS,
    ApiError,
    _BatchError,
    _int_or_none,
)


def _pdf_text(text):
    return pdf_escape(text.encode("latin-1", "replace").decode("latin-1"))


def minimal_pdf(lines):
    """A valid one-page PDF (A6) showing ``lines`` in Helvetica, built by hand."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "24 390 Td"]
    for line in lines:
        ops.append(f"({_pdf_text(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    return a6_pdf(stream, font=b" /Encoding /WinAnsiEncoding")


class LazadaLogistics:
    """The ``order/fulfill/*``, ``order/package/*`` and invoice-number APIs."""

    # ---- fulfilment ------------------------------------------------------------------
    def api_providers(self, params):
        return self._ok(
            result={
                "data": {
                    "platform_default": 0,
                    "shipment_providers": [dict(p) for p in SHIPMENT_PROVIDERS],
                    "shipping_allocate_type": "TFS",
                },
                "success": True,
                "error_code": "",
                "error_msg": "",
            }
        )

    @staticmethod
    def _batch_error(code, message):
        return {
            "success": False,
            "error_code": code,
            "error_msg": message,
            "errorCode": code,
            "errorMsg": message,
        }

    def api_pack(self, params):
        req = self._json_param(params, "packReq")
        orders = req.get("pack_order_list") if isinstance(req, dict) else None
        if not orders or not isinstance(orders, list):
            return self._ok(result=self._batch_error("700017", "param can't be null"))
        if len(orders) > MAX_BATCH:
            return self._ok(
                result=self._batch_error("700022", "batch size out of limit")
            )
        code = req.get("shipment_provider_code")
        provider = next(
            (p for p in SHIPMENT_PROVIDERS if p["provider_code"] == code),
            SHIPMENT_PROVIDERS[0],
        )
        if code and provider["provider_code"] != code:
            return self._ok(
                result=self._batch_error("700001", "shipment provider code not exits")
            )
        now = self.now()
        out = []
        for entry in orders:
            order_id = entry.get("order_id")
            order = self.orders.get(_int_or_none(order_id))
            item_ids = entry.get("order_item_list") or []
            results = []
            package = None
            for raw_id in item_ids:
                item = self.items.get(_int_or_none(raw_id))
                result = {
                    "order_item_id": raw_id,
                    "item_err_code": "0",
                    "msg": "success",
                    "tracking_number": "",
                    "shipment_provider": "",
                    "package_id": "",
                    "retry": False,
                }
                if order is None:
                    result.update(item_err_code="700021", msg="order not found")
                elif item is None or item["order_id"] != order["order_id"]:
                    result.update(item_err_code="700025", msg="order item not found")
                elif item["status"] != "pending":
                    result.update(
                        item_err_code="700026",
                        msg="item current status not allow to pack",
                    )
                else:
                    if package is None:
                        package = self._new_package(order["order_id"], provider)
                    self._attach(item, package)
                    self._set_status(item, "packed", now)
                    result.update(
                        tracking_number=package["tracking_number"],
                        shipment_provider=package["shipment_provider"],
                        package_id=package["package_id"],
                    )
                results.append(result)
            out.append({"order_id": order_id, "order_item_list": results})
        return self._ok(
            result={
                "data": {"pack_order_list": out},
                "success": True,
                "error_code": None,
                "error_msg": None,
            }
        )

    def _packages_param(self, params, name):
        req = self._json_param(params, name)
        packages = req.get("packages") if isinstance(req, dict) else None
        if not packages or not isinstance(packages, list):
            raise _BatchError("700017", "param can't be null")
        if len(packages) > MAX_BATCH:
            raise _BatchError("700022", "batch size out of limit")
        return req, [str(p.get("package_id", "")) for p in packages]

    def api_rts(self, params):
        try:
            _req, package_ids = self._packages_param(params, "readyToShipReq")
        except _BatchError as exc:
            return self._ok(result=self._batch_error(exc.code, exc.message))
        now = self.now()
        out = []
        for package_id in package_ids:
            result = {"package_id": package_id, "item_err_code": "0", "msg": "success"}
            package = self.packages.get(package_id)
            items = [self.items[i] for i in package["item_ids"]] if package else []
            live = [i for i in items if i["status"] != "canceled"]
            if not package:
                result.update(item_err_code="30012", msg="rts package not found")
            elif not live:
                result.update(item_err_code="600002", msg="package already cancelled")
            elif any(i["status"] != "packed" for i in live):
                result.update(
                    item_err_code="700000",
                    msg="current package status not allow to operation",
                )
            else:
                for item in live:
                    self._set_status(item, "ready_to_ship", now)
            result["retry"] = False
            out.append(result)
        return self._ok(
            result={
                "data": {"packages": out},
                "success": True,
                "error_code": "",
                "error_msg": "",
            }
        )

    def api_document(self, params):
        try:
            req, package_ids = self._packages_param(params, "getDocumentReq")
        except _BatchError as exc:
            return self._ok(result=self._batch_error(exc.code, exc.message))
        doc_type = str(req.get("doc_type") or "PDF").upper()
        if doc_type not in ("PDF", "HTML"):
            return self._ok(
                result=self._batch_error(
                    "32", f'E032: Document type "{doc_type}" is not valid'
                )
            )
        printable = []
        for package_id in package_ids:
            package = self.packages.get(package_id)
            if not package:
                continue
            items = [self.items[i] for i in package["item_ids"]]
            if any(item["status"] in PRINTABLE for item in items):
                printable.append((package, items))
        if not printable or len(printable) != len(package_ids):
            return self._ok(
                result=self._batch_error(
                    "700040", "There are no packages that support printing!"
                )
            )
        lines = ["LAZADA AIRWAY BILL"]
        for package, items in printable:
            order = self.orders[package["order_id"]]
            address = order["address"]
            lines += [
                "",
                f"Tracking number: {package['tracking_number']}",
                f"Package: {package['package_id']}",
                f"Provider: {package['shipment_provider']}",
                f"Order: {package['order_id']}",
                f"To: {address['first_name']} {address['last_name']}",
                f"{address['address1']}",
                f"{address['city']} {address['post_code']} {address['country']}",
            ]
            if req.get("print_item_list"):
                lines += [f"- {item['sku']} {item['name']}" for item in items]
        if doc_type == "PDF":
            content = minimal_pdf(lines)
        else:
            content = (
                "<html><body><pre>"
                + "\n".join(lines).replace("&", "&amp;").replace("<", "&lt;")
                + "</pre></body></html>"
            ).encode("utf-8")
        payload = {
            "file": base64.b64encode(content).decode("ascii"),
            "doc_type": doc_type,
        }
        if doc_type == "PDF":
            payload["pdf_url"] = (
                f"{self.url}/_sim/awb/{printable[0][0]['package_id']}.pdf"
            )
        return self._ok(
            result={"data": payload, "success": True, "error_code": "", "error_msg": ""}
        )

    def api_invoice_set(self, params):
        raw_id = params.get("order_item_id")
        item = self.items.get(_int_or_none(raw_id))
        if item is None:
            raise ApiError("20", f"E020: {raw_id} Invalid Order Item ID")
        invoice = (params.get("invoice_number") or "").strip()
        if not invoice:
            raise ApiError(
                "MissingParameter",
                "The input parameter “invoice_number” that is mandatory for "
                "processing this request is not supplied",
            )
        # SetInvoiceNumber's E034: "Canceled or pending orders are not allowed to
        # call this API" (a packed, shipped or delivered item takes its number)
        if item["status"] in ("unpaid", "pending", "canceled"):
            raise ApiError(
                "34",
                "E034: Order Item must be packed. Please call setStatusToReadyToShip "
                "before",
            )
        item["invoice_number"] = invoice
        return self._ok(
            data={"order_item_id": item["order_item_id"], "invoice_number": invoice}
        )
