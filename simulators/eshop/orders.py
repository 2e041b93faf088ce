"""The XML API: order export, one order, matrix, status updates from the ERP."""

import xml.etree.ElementTree as ET

from ..core import iso_utc, route
from .common import (
    COST_VAT_RATE,
    DELIVERIES,
    ERP_STATUS_NAMES,
    ERP_TRANSITIONS,
    MATRIX,
    NOT_IMPORTABLE,
    PAYMENTS,
    SHOP_STATUS,
    STATES,
    money,
    split_sku,
    sub,
    vat_rate,
    xml_response,
)


class EshopOrders:
    """The ``/api/*`` routes and the XML order element."""

    # ---- XML -------------------------------------------------------------------------
    def _address(self, parent, tag, order):
        buyer = order["customer"]
        addr = sub(parent, tag)
        company = order["company"]
        sub(addr, "Name", buyer["name"])
        if company and tag == "InvoiceAddress":
            sub(addr, "Company", company[0])
            sub(addr, "TaxId", company[1])
        sub(addr, "Street", buyer["address1"])
        sub(addr, "Street2", buyer["address2"])
        sub(addr, "PostalCode", buyer["zip"])
        sub(addr, "City", buyer["city"])
        sub(addr, "CountryCode", buyer["country"])
        sub(addr, "Phone", buyer["phone"])
        return addr

    def order_element(self, order, malformed=False):
        state = order["state"]
        importable = state not in NOT_IMPORTABLE
        elem = ET.Element(
            "Order",
            {
                "Id": str(order["id"]),
                "Version": str(order["version"] or 0),
                "Importable": "true" if importable else "false",
            },
        )
        if malformed:
            elem.set("Malformed", "true")
            sub(elem, "Number", order["number"])
            sub(elem, "TotalPrice", "12,3.4.5 zł")
            return elem
        sub(elem, "Number", order["number"])
        sub(elem, "State", STATES[state], Code=state)
        sub(elem, "Status", SHOP_STATUS.get(state, "Nowe"))
        if not importable:
            sub(elem, "NotImportableReason", NOT_IMPORTABLE[state])
        sub(elem, "PlacedAt", iso_utc(order["placed_at"]))
        sub(elem, "ModifiedAt", iso_utc(order["modified_at"]))
        sub(elem, "Currency", self.currency)
        buyer = order["customer"]
        cust = sub(elem, "Customer", Id=f"K{buyer['buyer_id']}")
        sub(cust, "Name", buyer["name"])
        sub(cust, "Email", buyer["email"])
        sub(cust, "Phone", buyer["phone"])
        sub(cust, "InvoiceRequested", "true" if order["company"] else "false")
        self._address(elem, "InvoiceAddress", order)
        self._address(elem, "DeliveryAddress", order)
        delivery = self.deliveries[order["delivery"]]
        sub(elem, "DeliveryMethod", delivery[1], Id=delivery[0])
        payment = self.payments[order["payment"]]
        sub(elem, "PaymentMethod", payment[2], Id=payment[0], Type=payment[1])
        sub(elem, "PaymentStatus", order["payment_status"])
        lines = sub(elem, "Lines")
        for number, line in enumerate(order["lines"], 1):
            code, variant = split_sku(line["sku"])
            el = sub(lines, "Line", No=number)
            sub(el, "Sku", line["sku"])
            sub(el, "ProductCode", code)
            if variant:
                sub(el, "Variant", variant)
            sub(el, "Name", line["name"])
            sub(el, "Quantity", line["qty"])
            sub(el, "UnitPriceGross", line["price"])
            sub(el, "TaxRate", vat_rate(line["sku"]))
            sub(el, "LineTotalGross", money(line["price"] * line["qty"]))
        totals = self.totals(order)
        cost_lines = sub(elem, "CostLines")
        for kind, name, code, amount in totals["costs"]:
            cl = sub(cost_lines, "CostLine", Type=kind)
            if code:
                sub(cl, "Code", code)
            sub(cl, "Name", name)
            sub(cl, "AmountGross", amount)
            if kind != "voucher":
                sub(cl, "TaxRate", COST_VAT_RATE)
        sub(elem, "TotalNet", totals["net"])
        sub(elem, "TotalTax", totals["tax"])
        sub(elem, "TotalPrice", totals["total"])
        if order["comment"]:
            sub(elem, "Comment", order["comment"])
        if order["documents"] or order["tracking"]:
            docs = sub(elem, "ErpDocuments")
            for kind, number in order["documents"]:
                sub(docs, "Document", number, Type=kind)
            if order["tracking"]:
                sub(
                    elem,
                    "TrackingNumber",
                    order["tracking"],
                    Carrier=order["carrier"] or "",
                )
        return elem

    @route("GET", "/api/matrix")
    def api_matrix(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        root = ET.Element("DeliveryPaymentMatrix", Currency=self.currency)
        dels = sub(root, "DeliveryMethods")
        for code, name, fee, to_agree in DELIVERIES:
            sub(
                dels,
                "DeliveryMethod",
                name,
                Id=code,
                Fee=fee,
                CostToAgree="true" if to_agree else "false",
            )
        pays = sub(root, "PaymentMethods")
        for code, ptype, name, fee in PAYMENTS:
            sub(pays, "PaymentMethod", name, Id=code, Type=ptype, Fee=fee)
        combos = sub(root, "Combinations")
        for delivery, payments in MATRIX.items():
            for payment in payments:
                sub(combos, "Combination", Delivery=delivery, Payment=payment)
        return xml_response(root)

    def _int_param(self, req, name, default, low, high):
        raw = req.query.get(name, "")
        if raw == "":
            return default, None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            return None, self._bad(
                req,
                "invalid_parameter",
                f"{name} must be an integer between {low} and {high}, got {raw!r}",
            )
        return value, None

    @route("GET", "/api/orders/export")
    def api_export(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        since, bad = self._int_param(req, "since", 0, 0, 10**12)
        if bad:
            return bad
        limit, bad = self._int_param(req, "limit", 20, 1, 500)
        if bad:
            return bad
        changed = sorted(
            (o for o in self.orders.values() if o["released"] and o["version"] > since),
            key=lambda o: o["version"],
        )
        page = changed[:limit]
        next_cursor = page[-1]["version"] if page else max(since, 0)
        root = ET.Element(
            "OrderExport",
            Since=str(since),
            NextCursor=str(next_cursor),
            HasMore="true" if len(changed) > limit else "false",
            GeneratedAt=iso_utc(self.now()),
        )
        served = {"malformed": [], "duplicates": [], "stale": []}
        requeue = []
        for order in page:
            if self.faults.roll("malformed"):
                root.append(self.order_element(order, malformed=True))
                served["malformed"].append(order["id"])
                requeue.append(order)
                continue
            self._serve_versions(
                order, self.order_element(order), self.order_element, root, served
            )
        for order in requeue:  # the good copy follows at a later cursor position
            self._requeue(order)
            root.set("HasMore", "true")
        root.set("Count", str(len(root)))
        self.exports.append(
            {
                "at": self.now(),
                "since": since,
                "next_cursor": next_cursor,
                "order_ids": [o["id"] for o in page],
                **served,
            }
        )
        return xml_response(root)

    def _find(self, req):
        raw_id = req.params["order_id"]
        try:
            order = self.orders.get(int(raw_id))
        except (TypeError, ValueError):
            order = None
        if order is None:
            return None, self._bad(
                req, "unknown_order", f"order {raw_id!r} does not exist", 404
            )
        return order, None

    @route("GET", "/api/orders/{order_id}")
    def api_order(self, req):
        order, bad = self._authorised_order(req)
        if bad:
            return bad
        if not order["released"]:
            return self._bad(
                req,
                "not_yet_exported",
                f"order {order['id']} is exported no sooner than "
                f"{int(self.export_delay)} s after placement",
                404,
                order["id"],
            )
        return xml_response(self.order_element(order))

    @route("POST", "/api/orders/{order_id}/confirm_for_customer")
    def api_confirm_for_customer(self, req):
        order, bad = self._authorised_order(req)
        if bad:
            return bad
        problem = self.customer_confirm(order)
        if problem:
            return self._bad(req, "illegal_transition", problem, 409, order["id"])
        return xml_response(self.order_element(order))

    @route("POST", "/api/orders/status")
    def api_status(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        try:
            root = ET.fromstring(req.body)
        except ET.ParseError as exc:
            return self._bad(req, "invalid_xml", f"request body is not XML: {exc}")
        if root.tag == "StatusUpdate":
            updates = [root]
        elif root.tag == "StatusUpdates":
            updates = root.findall("StatusUpdate")
        else:
            return self._bad(
                req,
                "invalid_xml",
                f"root element must be <StatusUpdates>, got <{root.tag}>",
            )
        result = ET.Element("StatusUpdateResults")
        accepted = rejected = 0
        for update in updates:
            order_id, code, message, unchanged = self._apply_update(update)
            res = sub(result, "Result", OrderId=order_id or "")
            if code:
                rejected += 1
                res.set("Success", "false")
                sub(res, "Error", message, Code=code)
                self._log_error(req.path, code, message, order_id)
            else:
                accepted += 1
                res.set("Success", "true")
                if unchanged:
                    res.set("Unchanged", "true")
                order = self.orders[int(order_id)]
                sub(res, "State", STATES[order["state"]], Code=order["state"])
                sub(res, "Version", order["version"] or 0)
        result.set("Accepted", str(accepted))
        result.set("Rejected", str(rejected))
        return xml_response(result)

    def _apply_update(self, update):
        """Returns (order_id, error_code, message, unchanged)."""
        order_id = (update.findtext("OrderId") or "").strip()
        status = (update.findtext("Status") or "").strip()
        record = {"at": self.now(), "order_id": order_id, "status": status}
        self.status_updates.append(record)
        documents = [
            ((d.get("Type") or "").strip(), (d.text or "").strip())
            for d in update.findall("Document")
        ]
        tracking = (update.findtext("TrackingNumber") or "").strip() or None
        carrier = (update.findtext("Carrier") or "").strip() or None
        record.update(documents=documents, tracking=tracking, carrier=carrier)
        code, message, unchanged = self._check_update(order_id, status, documents)
        record.update(result="error" if code else "ok", error=code, message=message)
        if code or unchanged:
            return order_id, code, message, unchanged
        order = self.orders[int(order_id)]
        target = ERP_STATUS_NAMES[status.lower()]
        docs = list(order["documents"])
        docs += [d for d in documents if d not in docs]
        fields = {"documents": docs}
        if tracking:
            fields.update(tracking=tracking, carrier=carrier or order["carrier"])
        self._change(order, state=target, **fields)
        record["state"] = target
        return order_id, None, None, False

    def _check_update(self, order_id, status, documents):
        if not order_id:
            return "missing_field", "<OrderId> is missing or empty", False
        if not order_id.isdigit() or int(order_id) not in self.orders:
            return "unknown_order", f"order {order_id!r} does not exist", False
        if not status:
            return "missing_field", f"order {order_id}: <Status> is missing", False
        target = ERP_STATUS_NAMES.get(status.lower())
        if target is None:
            return (
                "unknown_status",
                f"order {order_id}: unknown status {status!r}; expected one of "
                "Potwierdzone (Confirmed), Zrealizowane (Fulfilled), "
                "Anulowane (Cancelled)",
                False,
            )
        for kind, number in documents:
            if not kind or not number:
                return (
                    "invalid_document",
                    f"order {order_id}: <Document> needs a Type attribute and a number",
                    False,
                )
        order = self.orders[int(order_id)]
        current = order["state"]
        if current == target:
            return None, None, True
        allowed = ERP_TRANSITIONS[target]
        if current not in allowed:
            why = ""
            if current in NOT_IMPORTABLE:
                why = f" and is not importable ({NOT_IMPORTABLE[current]})"
            return (
                "illegal_transition",
                f"order {order_id} is '{STATES[current]}' ({current}){why}; "
                f"it cannot become '{STATES[target]}' ({target}): allowed only from "
                + ", ".join(allowed),
                False,
            )
        return None, None, False
