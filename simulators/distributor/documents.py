"""Parsing of the purchase orders: UBL 2.1 Order, cXML OrderRequest, openTRANS 2.1."""

from .common import (
    NS_OT,
    NS_UBL_ORDER,
    OT_NS,
    PEPPOL_ORDER,
    UBL_NS,
    OrderError,
    _check_date,
    _currency,
    _line,
    _need,
    _need_attr,
    _need_text,
    _number,
    _quantity,
)


# ---- UBL 2.1 Order -------------------------------------------------------------------
def _ubl_party(node, label):
    """A party must be identifiable: a name, an ID or an account id."""
    paths = [
        "cac:Party/cac:PartyName/cbc:Name",
        "cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        "cac:Party/cac:PartyIdentification/cbc:ID",
        "cac:Party/cbc:EndpointID",
        "cbc:CustomerAssignedAccountID",
        "cbc:SupplierAssignedAccountID",
    ]
    for path in paths:
        text = (node.findtext(path, "", UBL_NS) or "").strip()
        if text:
            return {"name": text}
    raise OrderError(
        f"{label} has no cac:Party/cac:PartyName/cbc:Name, "
        "cac:PartyIdentification/cbc:ID or account id",
        f"{label}/cac:Party",
    )


def _ubl_delivery(root):
    delivery = root.find("cac:Delivery", UBL_NS)
    if delivery is None:
        return None
    address = delivery.find("cac:DeliveryLocation/cac:Address", UBL_NS)
    if address is None:
        address = delivery.find("cac:DeliveryAddress", UBL_NS)
    result = {
        "name": (
            delivery.findtext("cac:DeliveryParty/cac:PartyName/cbc:Name", "", UBL_NS)
        ).strip()
    }
    if address is not None:
        for key, path in (
            ("street", "cbc:StreetName"),
            ("city", "cbc:CityName"),
            ("zip", "cbc:PostalZone"),
            ("country", "cac:Country/cbc:IdentificationCode"),
        ):
            result[key] = (address.findtext(path, "", UBL_NS) or "").strip()
    return result


UBL_ITEM_IDS = [
    "cac:SellersItemIdentification/cbc:ID",
    "cac:ManufacturersItemIdentification/cbc:ID",
    "cac:StandardItemIdentification/cbc:ID",
    "cac:BuyersItemIdentification/cbc:ID",
]


def _ubl_line(order_line, index, peppol):
    where = f" in cac:OrderLine[{index}]"
    item_line = _need(order_line, "cac:LineItem", UBL_NS, "cac:LineItem", where)
    line_id = _need_text(item_line, "cbc:ID", UBL_NS, "cac:LineItem/cbc:ID", where)
    qty_el = _need(
        item_line, "cbc:Quantity", UBL_NS, "cac:LineItem/cbc:Quantity", where
    )
    if peppol and not qty_el.get("unitCode"):
        raise OrderError(
            f"missing required attribute cbc:Quantity@unitCode{where}",
            "cbc:Quantity@unitCode",
        )
    qty = _quantity(qty_el.text, "cac:LineItem/cbc:Quantity", where)
    item = _need(item_line, "cac:Item", UBL_NS, "cac:LineItem/cac:Item", where)
    part_ref = next(
        (
            text.strip()
            for text in (item.findtext(p, "", UBL_NS) for p in UBL_ITEM_IDS)
            if text and text.strip()
        ),
        None,
    )
    if not part_ref:
        raise OrderError(
            "missing required element cac:Item/cac:SellersItemIdentification/cbc:ID "
            f"(or another item identification){where}",
            "cac:Item/cac:SellersItemIdentification/cbc:ID",
        )
    price = currency = None
    price_el = item_line.find("cac:Price/cbc:PriceAmount", UBL_NS)
    if price_el is not None:
        price = _number(price_el.text, "cac:Price/cbc:PriceAmount", where)
        if price_el.get("currencyID"):
            currency = _currency(price_el.get("currencyID"), "@currencyID", where)
    desc = (item.findtext("cbc:Name", "", UBL_NS) or "").strip()
    unit = qty_el.get("unitCode") or "C62"
    return _line(line_id, part_ref, qty, price, currency, unit, desc)


def parse_ubl(root):
    if root.tag != f"{{{NS_UBL_ORDER}}}Order":
        raise OrderError(
            f"root element must be Order in namespace {NS_UBL_ORDER}, got {root.tag}",
            "Order",
        )
    customization = (root.findtext("cbc:CustomizationID", "", UBL_NS) or "").strip()
    peppol = customization.startswith(PEPPOL_ORDER)
    po_id = _need_text(root, "cbc:ID", UBL_NS)
    issue_date = _check_date(_need_text(root, "cbc:IssueDate", UBL_NS), "cbc:IssueDate")
    currency = None
    if peppol:
        _need_text(root, "cbc:ProfileID", UBL_NS, where=" (Peppol BIS Ordering 3)")
        _need(root, "cac:AnticipatedMonetaryTotal", UBL_NS, where=" (Peppol BIS 3)")
        currency = _need_text(root, "cbc:DocumentCurrencyCode", UBL_NS)
    elif root.find("cbc:DocumentCurrencyCode", UBL_NS) is not None:
        currency = root.findtext("cbc:DocumentCurrencyCode", "", UBL_NS)
    if currency is not None:
        currency = _currency(currency, "cbc:DocumentCurrencyCode")
    buyer = _ubl_party(
        _need(root, "cac:BuyerCustomerParty", UBL_NS), "cac:BuyerCustomerParty"
    )
    seller = _ubl_party(
        _need(root, "cac:SellerSupplierParty", UBL_NS), "cac:SellerSupplierParty"
    )
    order_lines = root.findall("cac:OrderLine", UBL_NS)
    if not order_lines:
        raise OrderError(
            "missing required element cac:OrderLine (at least one)", "cac:OrderLine"
        )
    lines = [_ubl_line(ol, i, peppol) for i, ol in enumerate(order_lines, 1)]
    return {
        "po_id": po_id,
        "type": "new",
        "order_date": issue_date,
        "currency": currency,
        "buyer": buyer,
        "seller": seller,
        "ship_to": _ubl_delivery(root),
        "lines": lines,
    }


# ---- cXML OrderRequest ---------------------------------------------------------------
def cxml_credentials(root):
    """Validate the cXML envelope and Header; return the header identities."""
    if root.tag != "cXML":
        raise OrderError(f"root element must be cXML, got {root.tag}", "cXML")
    _need_attr(root, "payloadID", "cXML@payloadID")
    _check_date(_need_attr(root, "timestamp", "cXML@timestamp"), "cXML@timestamp")
    header = _need(root, "Header")
    creds = {
        "from": _need_text(header, "From/Credential/Identity", label="Header/From"),
        "to": _need_text(header, "To/Credential/Identity", label="Header/To"),
        "sender": _need_text(
            header, "Sender/Credential/Identity", label="Header/Sender/Credential"
        ),
        "secret": (
            _need(
                header,
                "Sender/Credential/SharedSecret",
                label="Header/Sender/Credential/SharedSecret",
            ).text
            or ""
        ).strip(),
    }
    _need(header, "Sender/UserAgent", label="Header/Sender/UserAgent")
    return creds


def _cxml_address(node):
    if node is None:
        return None
    address = node.find("Address")
    if address is None:
        return {"name": ""}
    postal = address.find("PostalAddress")
    result = {"name": (address.findtext("Name") or "").strip()}
    if postal is not None:
        result.update(
            street=(postal.findtext("Street") or "").strip(),
            city=(postal.findtext("City") or "").strip(),
            zip=(postal.findtext("PostalCode") or "").strip(),
            country=(postal.find("Country").get("isoCountryCode", "") or "")
            if postal.find("Country") is not None
            else "",
        )
    return result


def _cxml_item(item, index):
    where = f" in ItemOut[{index}]"
    qty = _quantity(
        _need_attr(item, "quantity", "ItemOut@quantity", where),
        "ItemOut@quantity",
        where,
    )
    line_id = (item.get("lineNumber") or str(index)).strip()
    part_ref = _need_text(
        item, "ItemID/SupplierPartID", label="ItemID/SupplierPartID", where=where
    )
    price = currency = None
    money = item.find("ItemDetail/UnitPrice/Money")
    if money is not None:
        price = _number(money.text, "ItemDetail/UnitPrice/Money", where)
        currency = _currency(
            _need_attr(money, "currency", "UnitPrice/Money@currency", where),
            "UnitPrice/Money@currency",
            where,
        )
    unit = (item.findtext("ItemDetail/UnitOfMeasure") or "EA").strip()
    desc = (item.findtext("ItemDetail/Description") or "").strip()
    return _line(line_id, part_ref, qty, price, currency, unit, desc)


def parse_cxml(root):
    order = _need(root, "Request/OrderRequest", label="Request/OrderRequest")
    head = _need(order, "OrderRequestHeader", label="OrderRequest/OrderRequestHeader")
    po_id = _need_attr(head, "orderID", "OrderRequestHeader@orderID")
    order_date = _check_date(
        _need_attr(head, "orderDate", "OrderRequestHeader@orderDate"),
        "OrderRequestHeader@orderDate",
    )
    kind = (head.get("type") or "new").strip()
    if kind not in ("new", "update", "delete"):
        raise OrderError(
            f"OrderRequestHeader@type must be new, update or delete: {kind!r}",
            "OrderRequestHeader@type",
        )
    money = _need(head, "Total/Money", label="OrderRequestHeader/Total/Money")
    _number(money.text, "OrderRequestHeader/Total/Money")
    currency = _currency(
        _need_attr(money, "currency", "Total/Money@currency"), "Total/Money@currency"
    )
    bill_to = _need(head, "BillTo", label="OrderRequestHeader/BillTo")
    items = order.findall("ItemOut")
    if not items:
        raise OrderError("missing required element ItemOut (at least one)", "ItemOut")
    return {
        "po_id": po_id,
        "type": kind,
        "order_date": order_date,
        "currency": currency,
        "buyer": _cxml_address(bill_to),
        "seller": None,
        "ship_to": _cxml_address(head.find("ShipTo")),
        "lines": [_cxml_item(item, i) for i, item in enumerate(items, 1)],
        "payload_id": root.get("payloadID"),
    }


# ---- openTRANS 2.1 ORDER -------------------------------------------------------------
def _ot_parties(info):
    parties = _need(info, "ot:PARTIES", OT_NS, "ORDER_INFO/PARTIES").findall(
        "ot:PARTY", OT_NS
    )
    if not parties:
        raise OrderError("missing required element PARTIES/PARTY", "PARTIES/PARTY")
    result = {}
    for index, party in enumerate(parties, 1):
        party_id = _need_text(
            party, "bme:PARTY_ID", OT_NS, "PARTY/bme:PARTY_ID", f" in PARTY[{index}]"
        )
        address = party.find("ot:ADDRESS", OT_NS)
        result[party_id] = {
            "id": party_id,
            "role": (party.findtext("ot:PARTY_ROLE", "", OT_NS) or "").strip(),
            "name": (address.findtext("bme:NAME", "", OT_NS) or "").strip()
            if address is not None
            else "",
        }
    return result


def _ot_ref(refs, path, label, parties, required=True):
    if not required and refs.find(path, OT_NS) is None:
        return None
    ref = _need_text(refs, path, OT_NS, label)
    if ref not in parties:
        raise OrderError(
            f"{label} {ref!r} does not match any PARTY/bme:PARTY_ID", label
        )
    return parties[ref]


def _ot_item(item, index):
    where = f" in ORDER_ITEM[{index}]"
    line_id = _need_text(item, "ot:LINE_ITEM_ID", OT_NS, "LINE_ITEM_ID", where)
    part_ref = _need_text(
        item,
        "ot:PRODUCT_ID/bme:SUPPLIER_PID",
        OT_NS,
        "PRODUCT_ID/bme:SUPPLIER_PID",
        where,
    )
    qty = _quantity(
        _need_text(item, "ot:QUANTITY", OT_NS, "QUANTITY", where), "QUANTITY", where
    )
    unit = _need_text(item, "bme:ORDER_UNIT", OT_NS, "bme:ORDER_UNIT", where)
    price = None
    amount = item.find("ot:PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT", OT_NS)
    if amount is not None:
        price = _number(amount.text, "PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT", where)
    desc = (item.findtext("ot:PRODUCT_ID/bme:DESCRIPTION_SHORT", "", OT_NS)).strip()
    return _line(line_id, part_ref, qty, price, None, unit, desc)


def parse_opentrans(root):
    if root.tag != f"{{{NS_OT}}}ORDER":
        raise OrderError(
            f"root element must be ORDER in namespace {NS_OT}, got {root.tag}", "ORDER"
        )
    if root.get("version") != "2.1":
        raise OrderError(
            f"ORDER@version must be 2.1, got {root.get('version')!r}", "ORDER@version"
        )
    kind = _need_attr(root, "type", "ORDER@type")
    if kind not in ("standard", "express", "release", "consignment"):
        raise OrderError(f"ORDER@type is invalid: {kind!r}", "ORDER@type")
    info = _need(
        root, "ot:ORDER_HEADER/ot:ORDER_INFO", OT_NS, "ORDER_HEADER/ORDER_INFO"
    )
    po_id = _need_text(info, "ot:ORDER_ID", OT_NS, "ORDER_INFO/ORDER_ID")
    order_date = _check_date(
        _need_text(info, "ot:ORDER_DATE", OT_NS, "ORDER_INFO/ORDER_DATE"),
        "ORDER_INFO/ORDER_DATE",
    )
    parties = _ot_parties(info)
    refs = _need(info, "ot:ORDER_PARTIES_REFERENCE", OT_NS, "ORDER_PARTIES_REFERENCE")
    buyer = _ot_ref(refs, "bme:BUYER_IDREF", "bme:BUYER_IDREF", parties)
    seller = _ot_ref(refs, "bme:SUPPLIER_IDREF", "bme:SUPPLIER_IDREF", parties)
    ship_to = _ot_ref(
        refs,
        "ot:SHIPMENT_PARTIES_REFERENCE/ot:DELIVERY_IDREF",
        "SHIPMENT_PARTIES_REFERENCE/DELIVERY_IDREF",
        parties,
        required=False,
    )
    currency = None
    if info.find("bme:CURRENCY", OT_NS) is not None:
        currency = _currency(info.findtext("bme:CURRENCY", "", OT_NS), "bme:CURRENCY")
    item_list = _need(root, "ot:ORDER_ITEM_LIST", OT_NS, "ORDER_ITEM_LIST")
    items = item_list.findall("ot:ORDER_ITEM", OT_NS)
    if not items:
        raise OrderError(
            "missing required element ORDER_ITEM_LIST/ORDER_ITEM", "ORDER_ITEM"
        )
    lines = [_ot_item(item, i) for i, item in enumerate(items, 1)]
    total = _need_text(
        root,
        "ot:ORDER_SUMMARY/ot:TOTAL_ITEM_NUM",
        OT_NS,
        "ORDER_SUMMARY/TOTAL_ITEM_NUM",
    )
    if not total.isdigit() or int(total) != len(items):
        raise OrderError(
            f"ORDER_SUMMARY/TOTAL_ITEM_NUM is {total!r} but the order has "
            f"{len(items)} ORDER_ITEM",
            "ORDER_SUMMARY/TOTAL_ITEM_NUM",
        )
    return {
        "po_id": po_id,
        "type": "new",
        "order_date": order_date,
        "currency": currency,
        "buyer": buyer,
        "seller": seller,
        "ship_to": ship_to,
        "lines": lines,
    }
