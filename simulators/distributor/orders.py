"""Purchase order reception, acknowledgement, reading and cancellation."""

import xml.etree.ElementTree as ET
from urllib.parse import unquote

from ..core import Response, constant_time_equal, json_response, route
from .acks import cxml_response, opentrans_ack, ubl_ack
from .common import OrderError
from .documents import cxml_credentials, parse_cxml, parse_opentrans, parse_ubl


class DistributorOrders:
    """``POST`` of a PO in any format, its answer, ``GET`` and ``DELETE``."""

    # ---- PO reception ---------------------------------------------------------------
    @route("POST", "/{code}/orders")
    def post_order(self, req):
        dist = self.distributors.get(req.params["code"])
        if dist is None:
            return self._distributor(req)[1]
        body = req.body
        try:
            if b"<!ENTITY" in body:
                raise OrderError("XML entity declarations are not accepted", "DOCTYPE")
            try:
                root = ET.fromstring(body)
            except ET.ParseError as exc:
                raise OrderError(f"malformed XML: {exc}", "XML") from exc
            if dist["format"] == "cxml":
                return self._receive_cxml(dist, req, root)
            if not self._http_authorized(dist, req):
                return self._unauthorized(dist)
            parser = parse_ubl if dist["format"] == "ubl" else parse_opentrans
            parsed = parser(root)
            self._check_currency(dist, parsed)
            return self._receive(dist, req, parsed)
        except OrderError as exc:
            return self._order_error(dist, req, exc)

    def _order_error(self, dist, req, exc):
        self.rejected_documents[dist["code"]].append(
            {
                "received_at": self.now(),
                "status": exc.status,
                "message": exc.message,
                "element": exc.element,
                "raw": req.body.decode("utf-8", "replace"),
            }
        )
        if dist["format"] == "cxml":
            text = {401: "Unauthorized", 406: "Not Acceptable", 409: "Conflict"}.get(
                exc.status, "Bad Request"
            )
            return Response(
                exc.status,
                cxml_response(exc.status, text, exc.message),
                "text/xml; charset=utf-8",
            )
        if exc.status == 401:
            return self._unauthorized(dist)
        return json_response(
            {"error": "invalid_order", "message": exc.message, "element": exc.element},
            exc.status,
        )

    def _check_currency(self, dist, parsed):
        wanted = dist["currency"]
        if parsed["currency"] and parsed["currency"] != wanted:
            raise OrderError(
                f"currency {parsed['currency']} is not accepted by {dist['code']} "
                f"(orders in {wanted})",
                "currency",
            )
        for line in parsed["lines"]:
            if line["requested_currency"] and line["requested_currency"] != wanted:
                raise OrderError(
                    f"line {line['line_id']}: price currency "
                    f"{line['requested_currency']} is not {wanted}",
                    "currency",
                )

    def _receive_cxml(self, dist, req, root):
        creds = cxml_credentials(root)
        if not (
            constant_time_equal(creds["sender"], dist["buyer_identity"])
            and constant_time_equal(creds["secret"], dist["shared_secret"])
        ):
            raise OrderError(
                "Header/Sender/Credential Identity or SharedSecret is wrong", status=401
            )
        if creds["to"] != dist["supplier_identity"]:
            raise OrderError(
                f"Header/To/Credential/Identity {creds['to']!r} is not this supplier "
                f"({dist['supplier_identity']})",
                "Header/To/Credential/Identity",
            )
        parsed = parse_cxml(root)
        self._check_currency(dist, parsed)
        if parsed["type"] == "update":
            raise OrderError(
                "OrderRequest type=update is not supported: delete and resend",
                "OrderRequestHeader@type",
                status=406,
            )
        if parsed["type"] == "delete":
            return self._cancel(dist, parsed["po_id"], parsed.get("payload_id"))
        return self._receive(dist, req, parsed)

    def _receive(self, dist, req, parsed):
        code = dist["code"]
        existing = self.pos[code].get(parsed["po_id"])
        if existing is not None:
            existing["duplicates_received"] += 1
            if req.body.decode("utf-8", "replace") != existing["raw"]:
                existing["conflicting_duplicates"] += 1
            return self._ack_response(existing, duplicate=True)
        self.order_seq += 1
        po = dict(
            parsed,
            distributor=code,
            format=dist["format"],
            received_at=self.now(),
            raw=req.body.decode("utf-8", "replace"),
            distributor_order_id=f"{dist['prefix']}-SO-{self.order_seq:06d}",
            lines=[self._fulfil_line(code, line) for line in parsed["lines"]],
            duplicates_received=0,
            conflicting_duplicates=0,
            dispatch_due=None,
            carrier=None,
            tracking_number=None,
            dispatched_at=None,
        )
        accepted = sum(1 for line in po["lines"] if line["status"] == "accepted")
        if accepted == len(po["lines"]):
            po["status"] = "accepted"
        elif any(line["accepted_qty"] for line in po["lines"]):
            po["status"] = "partial"
        else:
            po["status"] = "rejected"
        if po["status"] != "rejected":
            po["dispatch_due"] = po["received_at"] + self.dispatch_after
        po["summary"] = self._summary(po)
        po["ack"] = self._build_ack(dist, po)
        self.pos[code][po["po_id"]] = po
        return self._ack_response(po)

    def _fulfil_line(self, code, line):
        part = self._find_part(code, line["part_ref"])
        result = dict(line, part_number=None, mpn=None, unit_price=None)
        if part is None:
            return dict(
                result, status="rejected", reason="unknown_part", accepted_qty=0
            )
        result.update(
            part_number=part["part_number"],
            mpn=part["mpn"],
            unit_price=part["price"],
            description=line["description"] or part["description"],
            weight_kg=part["weight_kg"],
            price_mismatch=line["requested_price"] is not None
            and abs(line["requested_price"] - part["price"]) > 0.005,
        )
        qty = min(line["quantity"], part["stock"])
        part["stock"] -= qty
        if qty == line["quantity"]:
            return dict(result, status="accepted", reason=None, accepted_qty=qty)
        if qty:
            return dict(
                result, status="partial", reason="insufficient_stock", accepted_qty=qty
            )
        return dict(result, status="rejected", reason="out_of_stock", accepted_qty=0)

    @staticmethod
    def _summary(po):
        parts = [f"{po['status']}: {len(po['lines'])} line(s)"]
        for line in po["lines"]:
            if line["status"] != "accepted":
                parts.append(
                    f"line {line['line_id']} {line['part_ref']} {line['status']} "
                    f"({line['reason']}, {line['accepted_qty']}/{line['quantity']})"
                )
        return "; ".join(parts)

    def _build_ack(self, dist, po):
        if dist["format"] == "cxml":
            return cxml_response(200, "OK", po["summary"], po.get("payload_id") or "")
        if dist["format"] == "ubl":
            return ubl_ack(po, dist, self.now())
        return opentrans_ack(po, dist, self.now())

    @staticmethod
    def _ack_response(po, duplicate=False):
        headers = {
            "X-Order-Status": po["status"],
            "X-Distributor-Order-Id": po["distributor_order_id"],
        }
        if duplicate:
            headers["X-Duplicate"] = "true"
        kind = "text/xml" if po["format"] == "cxml" else "application/xml"
        return Response(200, po["ack"], f"{kind}; charset=utf-8", headers)

    def _cancel(self, dist, po_id, payload_id=None):
        po = self.pos[dist["code"]].get(po_id)
        if po is None:
            raise OrderError(f"unknown order {po_id!r}", "orderID", status=400)
        if po["status"] == "dispatched":
            raise OrderError(f"order {po_id!r} is already dispatched", status=409)
        if po["status"] != "cancelled":
            for line in po["lines"]:
                part = self._find_part(dist["code"], line["part_number"])
                if part is not None:
                    part["stock"] += line["accepted_qty"]
            po["status"] = "cancelled"
            po["dispatch_due"] = None
        headers = {
            "X-Order-Status": "cancelled",
            "X-Distributor-Order-Id": po["distributor_order_id"],
        }
        if dist["format"] == "cxml":
            body = cxml_response(
                200, "OK", f"order {po_id} cancelled", payload_id or ""
            )
            return Response(200, body, "text/xml; charset=utf-8", headers)
        return json_response(self._po_view(po), 200, headers)

    @staticmethod
    def _po_view(po, raw=False):
        keys = [
            "po_id",
            "distributor",
            "distributor_order_id",
            "format",
            "type",
            "status",
            "summary",
            "order_date",
            "currency",
            "buyer",
            "ship_to",
            "received_at",
            "carrier",
            "tracking_number",
            "dispatched_at",
            "duplicates_received",
            "conflicting_duplicates",
        ]
        view = {key: po.get(key) for key in keys}
        view["lines"] = [dict(line) for line in po["lines"]]
        if raw:
            view["raw"] = po["raw"]
            view["ack"] = po["ack"]
        return view

    @route("GET", "/{code}/orders/{po_id}")
    def get_order(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        po = self.pos[dist["code"]].get(unquote(req.params["po_id"]))
        if po is None:
            return json_response({"error": "not_found", "message": "unknown PO"}, 404)
        return json_response(self._po_view(po))

    @route("DELETE", "/{code}/orders/{po_id}")
    def delete_order(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        try:
            return self._cancel(dist, unquote(req.params["po_id"]))
        except OrderError as exc:
            status = 404 if exc.status == 400 else exc.status
            return json_response(
                {"error": "cannot_cancel", "message": exc.message}, status
            )
