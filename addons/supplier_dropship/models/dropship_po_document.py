import uuid

from lxml import etree

from odoo import fields, models

NS_UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_OT = "http://www.opentrans.org/XMLSchema/2.1"
NS_BME = "http://www.bmecat.org/bmecat/2005"
CXML_DOCTYPE = (
    '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">'
)
UBL_ORDER_CODES = {"AP": "accepted", "CA": "partial", "RE": "rejected"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _sub(parent, tag, text=None, **attrib):
    node = etree.SubElement(parent, tag, {k: str(v) for k, v in attrib.items()})
    if text is not None:
        node.text = str(text)
    return node


def _qty(value):
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _money(value):
    return f"{value:.2f}"


class DropshipPoDocument(models.AbstractModel):
    """Purchase-order documents in the distributors' formats, and the reading of
    their acknowledgements. UBL comes from Odoo's own Peppol BIS Ordering 3
    builder (``purchase_edi_ubl_bis3``); cXML and openTRANS are built here."""

    _name = "dropship.po.document"
    _description = "Drop-ship PO Documents"

    # ------------------------------------------------------------------ build
    def _build(self, order, distributor):
        """(body bytes, content type) of ``order`` in ``distributor``'s format."""
        builder = getattr(self, f"_build_{distributor.po_format}")
        return builder(order, distributor.sudo())

    def _build_ubl(self, order, distributor):
        body = self.env["purchase.edi.xml.ubl_bis3"]._export_order(order)
        return body, "application/xml; charset=utf-8"

    def _lines(self, order):
        """(line number, purchase line) as in every document (same numbering as
        Odoo's UBL builder)."""
        lines = order.order_line.filtered(
            lambda line: line.display_type not in ("line_note", "line_section")
        )
        return list(enumerate(lines, 1))

    def _cxml_address(self, parent, tag, partner, address_id):
        node = _sub(parent, tag)
        address = _sub(node, "Address", addressID=address_id)
        _sub(address, "Name", partner.display_name or partner.name or "").set(
            XML_LANG, "en"
        )
        postal = _sub(address, "PostalAddress")
        _sub(postal, "DeliverTo", partner.name or "")
        _sub(
            postal, "Street", " ".join(filter(None, [partner.street, partner.street2]))
        )
        _sub(postal, "City", partner.city or "")
        _sub(postal, "PostalCode", partner.zip or "")
        _sub(
            postal,
            "Country",
            partner.country_id.name or "",
            isoCountryCode=partner.country_id.code or "",
        )
        if partner.email:
            _sub(address, "Email", partner.email)
        return node

    def _build_cxml(self, order, distributor):
        now = fields.Datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        root = etree.Element(
            "cXML",
            payloadID=f"{uuid.uuid4()}@{order.company_id.name or 'odoo'}",
            timestamp=now,
        )
        root.set(XML_LANG, "en-GB")
        self._cxml_header(root, distributor)
        request = _sub(root, "Request", deploymentMode="production")
        order_request = _sub(request, "OrderRequest")
        self._cxml_order_header(order_request, order, distributor)
        for number, line in self._lines(order):
            self._cxml_item(order_request, number, line, order.currency_id.name)
        body = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", doctype=CXML_DOCTYPE
        )
        return body, "text/xml; charset=utf-8"

    def _cxml_header(self, root, distributor):
        """The cXML Header: From, To and Sender (with the shared secret)."""
        header = _sub(root, "Header")
        for tag, identity in (
            ("From", distributor.buyer_identity),
            ("To", distributor.supplier_identity),
        ):
            credential = _sub(_sub(header, tag), "Credential", domain="NetworkID")
            _sub(credential, "Identity", identity or "")
        sender = _sub(header, "Sender")
        credential = _sub(sender, "Credential", domain="NetworkID")
        _sub(credential, "Identity", distributor.buyer_identity or "")
        _sub(credential, "SharedSecret", distributor.shared_secret or "")
        _sub(sender, "UserAgent", "Odoo supplier_dropship")
        return header

    def _cxml_order_header(self, order_request, order, distributor):
        """The OrderRequestHeader: order, total, ship-to, bill-to, comments."""
        head = _sub(
            order_request,
            "OrderRequestHeader",
            orderID=order.name,
            orderDate=(order.date_approve or order.date_order).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            type="new",
        )
        _sub(
            _sub(head, "Total"),
            "Money",
            _money(order.amount_untaxed),
            currency=order.currency_id.name,
        )
        ship_to = order.dest_address_id or order.company_id.partner_id
        self._cxml_address(head, "ShipTo", ship_to, f"SHIP-{ship_to.id}")
        self._cxml_address(
            head,
            "BillTo",
            order.company_id.partner_id,
            distributor.buyer_identity or "",
        )
        if order.origin:
            _sub(head, "Comments", order.origin)
        return head

    def _cxml_item(self, order_request, number, line, currency):
        """The ItemOut of the purchase ``line`` numbered ``number``."""
        item = _sub(
            order_request,
            "ItemOut",
            quantity=_qty(line.product_qty),
            lineNumber=number,
        )
        _sub(_sub(item, "ItemID"), "SupplierPartID", line._dropship_part_number())
        detail = _sub(item, "ItemDetail")
        _sub(
            _sub(detail, "UnitPrice"),
            "Money",
            _money(line.price_unit),
            currency=currency,
        )
        _sub(detail, "Description", line.name or line.product_id.name).set(
            XML_LANG, "en"
        )
        _sub(detail, "UnitOfMeasure", "EA")
        _sub(
            detail,
            "Classification",
            line.product_id.categ_id.name or "",
            domain="ProductCategory",
        )
        if line.product_id.default_code:
            _sub(
                detail,
                "ManufacturerPartID",
                line.product_id.default_code,
            )
        return item

    def _ot_party(self, parent, party_id, id_type, role, partner):
        party = _sub(parent, f"{{{NS_OT}}}PARTY")
        _sub(party, f"{{{NS_BME}}}PARTY_ID", party_id, type=id_type)
        _sub(party, f"{{{NS_OT}}}PARTY_ROLE", role)
        address = _sub(party, f"{{{NS_OT}}}ADDRESS")
        _sub(address, f"{{{NS_BME}}}NAME", partner.display_name or partner.name or "")
        for tag, value in (
            ("STREET", " ".join(filter(None, [partner.street, partner.street2]))),
            ("ZIP", partner.zip),
            ("CITY", partner.city),
            ("COUNTRY", partner.country_id.name),
            ("COUNTRY_CODED", partner.country_id.code),
            ("EMAIL", partner.email),
        ):
            if value:
                _sub(address, f"{{{NS_BME}}}{tag}", value)
        return party

    def _build_opentrans(self, order, distributor):
        ot, bme = f"{{{NS_OT}}}", f"{{{NS_BME}}}"
        root = etree.Element(
            f"{ot}ORDER",
            nsmap={None: NS_OT, "bme": NS_BME},
            version="2.1",
            type="standard",
        )
        info = _sub(_sub(root, f"{ot}ORDER_HEADER"), f"{ot}ORDER_INFO")
        _sub(info, f"{ot}ORDER_ID", order.name)
        _sub(
            info,
            f"{ot}ORDER_DATE",
            (order.date_approve or order.date_order).strftime("%Y-%m-%dT%H:%M:%S"),
        )
        parties = _sub(info, f"{ot}PARTIES")
        buyer_id = (
            distributor.buyer_identity
            or order.company_id.partner_id.ref
            or (f"BUYER-{order.company_id.id}")
        )
        supplier_id = distributor.supplier_identity or distributor.code or "SUPPLIER"
        ship_to = order.dest_address_id or order.company_id.partner_id
        delivery_id = f"DELIVERY-{ship_to.id}"
        self._ot_party(
            parties, buyer_id, "buyer_specific", "buyer", order.company_id.partner_id
        )
        self._ot_party(
            parties, supplier_id, "supplier_specific", "supplier", order.partner_id
        )
        self._ot_party(parties, delivery_id, "buyer_specific", "delivery", ship_to)
        refs = _sub(info, f"{ot}ORDER_PARTIES_REFERENCE")
        _sub(refs, f"{bme}BUYER_IDREF", buyer_id, type="buyer_specific")
        _sub(refs, f"{bme}SUPPLIER_IDREF", supplier_id, type="supplier_specific")
        shipment = _sub(refs, f"{ot}SHIPMENT_PARTIES_REFERENCE")
        _sub(shipment, f"{ot}DELIVERY_IDREF", delivery_id, type="buyer_specific")
        _sub(info, f"{bme}CURRENCY", order.currency_id.name)
        items = _sub(root, f"{ot}ORDER_ITEM_LIST")
        lines = self._lines(order)
        for number, line in lines:
            item = _sub(items, f"{ot}ORDER_ITEM")
            _sub(item, f"{ot}LINE_ITEM_ID", number)
            product = _sub(item, f"{ot}PRODUCT_ID")
            _sub(product, f"{bme}SUPPLIER_PID", line._dropship_part_number())
            _sub(
                product,
                f"{bme}DESCRIPTION_SHORT",
                (line.product_id.name or line.name or "")[:150],
            )
            _sub(item, f"{ot}QUANTITY", _qty(line.product_qty))
            _sub(item, f"{bme}ORDER_UNIT", "C62")
            price = _sub(item, f"{ot}PRODUCT_PRICE_FIX")
            _sub(price, f"{bme}PRICE_AMOUNT", _money(line.price_unit))
            _sub(item, f"{ot}PRICE_LINE_AMOUNT", _money(line.price_subtotal))
        summary = _sub(root, f"{ot}ORDER_SUMMARY")
        _sub(summary, f"{ot}TOTAL_ITEM_NUM", len(lines))
        _sub(summary, f"{ot}TOTAL_AMOUNT", _money(order.amount_untaxed))
        body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return body, "application/xml; charset=utf-8"

    # ------------------------------------------------------------------ read
    def _parse_ack(self, po_format, body, headers):
        """``{"status": accepted|partial|rejected|False, "reference", "message"}``
        of a distributor's acknowledgement (HTTP 200)."""
        status = (headers.get("X-Order-Status") or "").lower() or False
        result = {
            "status": status,
            "reference": headers.get("X-Distributor-Order-Id") or False,
            "message": "",
        }
        try:
            root = etree.fromstring(
                body, parser=etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError:
            return result
        if po_format == "cxml":
            node = root.find("Response/Status")
            if node is not None:
                result["message"] = (node.text or node.get("text") or "").strip()
                if not status and node.get("code") != "200":
                    result["status"] = "rejected"
        elif po_format == "ubl":
            code = root.findtext(f"{{{NS_UBL_CBC}}}OrderResponseCode")
            result["status"] = status or UBL_ORDER_CODES.get(code, False)
            result["message"] = (root.findtext(f"{{{NS_UBL_CBC}}}Note") or "").strip()
            result["reference"] = result["reference"] or root.findtext(
                f"{{{NS_UBL_CBC}}}SalesOrderID"
            )
        elif po_format == "opentrans":
            for remark in root.iter(f"{{{NS_OT}}}REMARKS"):
                if remark.get("type") == "order_status":
                    text = (remark.text or "").strip()
                    result["message"] = text
                    if not status:
                        result["status"] = text.split(":", 1)[0].strip() or False
        return result
