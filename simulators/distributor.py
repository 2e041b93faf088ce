"""IT distributor simulator: drop-ship purchase orders received electronically, stock
and price feeds, real-time stock/price queries and dispatch notifications.

One server hosts several distributors (default ``ingram``, ``techdata``, ``exertis``).
Each has its own purchase-order format, credentials, currency, catalogue and whether it
answers real-time queries. See API_FACTS sections 6 (purchase-order standards) and 7
(distributor feeds).

Distributors (defaults; override with the ``distributors`` option, a list of codes or
of dicts merged over the defaults)::

    code      format     real-time  PO authentication
    ingram    cxml       yes        Header/Sender/Credential/Identity + SharedSecret
    techdata  ubl        yes        HTTP Basic (username/password) or X-Api-Key
    exertis   opentrans  no         HTTP Basic (username/password) or X-Api-Key

Default credentials (visible in ``GET /_sim/state`` under ``distributors``):
username ``reseller``, password ``{code}-password``, API key ``{code}-api-key``;
cXML: From/Sender identity ``RESELLER-001``, To identity ``{CODE}`` (upper case),
SharedSecret ``{code}-shared-secret``. Dispatch notifications are signed with
``{code}-webhook-secret``.

Routes (API routes are subject to fault injection):

- ``POST /{code}/orders``  the PO document in the distributor's format.
  * ``cxml``: cXML ``OrderRequest``; answer is a cXML ``Response/Status``: code 200
    (text ``OK``, content summarises the line results), 400 for a missing or invalid
    element (the text content names it), 401 for wrong credentials, 406 for
    ``type="update"`` (not supported: delete and resend), 409 when a ``delete`` comes
    after dispatch. The HTTP status equals the cXML status code.
    ``type="delete"`` cancels an accepted PO (stock is given back).
  * ``ubl``: UBL 2.1 ``Order``; answer is a UBL 2.1 ``OrderResponse`` with
    ``cbc:OrderResponseCode`` AP (all lines accepted), CA (some lines changed or
    rejected) or RE (nothing accepted), and per line ``cbc:LineStatusCode``
    5 accepted / 3 changed (quantity reduced) / 7 not accepted, ``cbc:Quantity`` the
    accepted quantity, ``cac:Price`` the distributor's price (the invoiced one) and a
    ``cbc:Note`` with the reason. Peppol BIS Ordering 3 documents
    (``cbc:CustomizationID`` urn:fdc:peppol.eu:poacc:trns:order:3) must also carry
    ``cbc:ProfileID``, ``cbc:DocumentCurrencyCode``, ``cac:AnticipatedMonetaryTotal``
    and ``cbc:Quantity@unitCode``.
  * ``opentrans``: openTRANS 2.1 ``ORDER``; answer is an openTRANS 2.1
    ``ORDERRESPONSE`` whose items carry the accepted ``QUANTITY``, the distributor's
    ``PRODUCT_PRICE_FIX/bme:PRICE_AMOUNT`` and ``REMARKS type="line_status"``
    (accepted / partial / rejected: reason).
  * UBL/openTRANS errors are HTTP 400 JSON ``{"error": "invalid_order", "message",
    "element"}``; bad credentials HTTP 401 JSON with ``WWW-Authenticate: Basic``.
  * Every acknowledgement also has the headers ``X-Order-Status``
    (accepted/partial/rejected/cancelled) and ``X-Distributor-Order-Id``.
  * Line policy: the line's part number (cXML ``SupplierPartID``, UBL Sellers/
    Manufacturers/Standard/Buyers item identification, openTRANS
    ``bme:SUPPLIER_PID``) is matched against the distributor part number, the
    manufacturer part number (the SKUs of ``data.catalogue()``) or the EAN. Unknown
    part: line rejected (``unknown_part``); no stock: rejected (``out_of_stock``);
    less stock than ordered: partially accepted, the rest is not backordered
    (``insufficient_stock``). A PO whose every line is rejected has status
    ``rejected`` (still acknowledged). The price charged is always the distributor's
    current price; a different requested price is recorded as ``price_mismatch``.
  * A PO id already received is acknowledged again with the stored acknowledgement
    (same body, header ``X-Duplicate: true``), never a second order.
- ``GET /{code}/orders/{po_id}``  JSON status of a PO (lines, carrier, tracking).
- ``DELETE /{code}/orders/{po_id}``  cancel a PO that is not dispatched yet.
- ``GET /{code}/feed.csv`` and ``GET /{code}/feed.xml``  the stock/price feed. Columns
  (CSV header / XML ``<product>`` children): part_number (distributor part no), mpn,
  brand, description, ean, category, stock, price (no currency symbol, 2 decimals),
  rrp, currency, lead_time_days, weight_kg. Distributors with ``stock_band`` (exertis:
  100) publish larger stock as ``>100``. Stock and prices drift deterministically every
  ``drift_period`` simulated seconds (default 3600: hourly feeds). Faults:
  ``malformed`` breaks rows (empty part number, non-numeric stock or price),
  ``duplicates`` repeats rows.
- ``GET /{code}/realtime?parts=A,B`` or ``POST /{code}/realtime`` with JSON
  ``{"parts": ["A", "B"]}`` (at most 50): exact stock, price, currency and lead time
  per part. Distributors without real-time answer HTTP 501 ``realtime_not_supported``.
- Feeds, real-time queries, order status and DELETE authenticate with HTTP Basic, the
  ``X-Api-Key`` header or the ``api_key`` query parameter.

Dispatch notifications: ``dispatch_after`` simulated seconds (default 3600) after a PO
was (partly) accepted, or at once on ``POST /_sim/{code}/orders/{po_id}/dispatch``,
the PO gets a carrier and tracking number and a JSON notification is POSTed to the
dispatch URL from a background thread::

    {"event": "order.dispatched", "event_id", "distributor", "po_id",
     "distributor_order_id", "dispatch_id", "dispatched_at" (ISO 8601 UTC),
     "carrier", "service", "tracking_number", "tracking_url", "weight_kg",
     "ship_to", "lines": [{"line_id", "part_number", "mpn", "quantity"}]}

with headers ``X-Distributor``, ``X-Event-Id`` and
``X-Signature: sha256=<hex HMAC-SHA256 of the body with the distributor's
webhook_secret>``. Failed deliveries (connection
error or 5xx) are retried twice. The ``duplicates`` fault sends a notification twice.

Control routes (never faulted):

- ``POST /_sim/dispatch_config`` ``{"url": ..., "code": optional}``  dispatch URL
  (for all distributors, or one).
- ``POST /_sim/{code}/orders/{po_id}/dispatch``  dispatch now.
- ``POST /_sim/{code}/parts/{part}`` ``{"stock", "price", "lead_time_days"}``  set a
  part's values (part = distributor part number or MPN).

Options: ``distributors``, ``dispatch_url``, ``dispatch_after``, ``drift_period``,
``dispatch_timeout`` (seconds, default 5), ``dispatch_retry_delay`` (seconds, default
0.2, multiplied by the attempt number).
"""

import base64
import csv
import datetime as dt
import io
import json
import logging
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

import requests

from . import data
from .core import (
    Response,
    SimServer,
    constant_time_equal,
    hmac_sha256_hex,
    json_response,
    route,
)

_logger = logging.getLogger(__name__)

NS_UBL_ORDER = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
NS_UBL_RESPONSE = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NS_OT = "http://www.opentrans.org/XMLSchema/2.1"
NS_BME = "http://www.bmecat.org/bmecat/2005"
UBL_NS = {"ubl": NS_UBL_ORDER, "cac": NS_CAC, "cbc": NS_CBC}
OT_NS = {"ot": NS_OT, "bme": NS_BME}
PEPPOL_ORDER = "urn:fdc:peppol.eu:poacc:trns:order:3"

FORMATS = ("cxml", "ubl", "opentrans")
DEFAULT_DISTRIBUTORS = [
    {
        "code": "ingram",
        "name": "Ingram Micro UK (simulated)",
        "format": "cxml",
        "realtime": True,
        "currency": "GBP",
        "prefix": "IM",
    },
    {
        "code": "techdata",
        "name": "TD SYNNEX UK (simulated)",
        "format": "ubl",
        "realtime": True,
        "currency": "GBP",
        "prefix": "TD",
    },
    {
        "code": "exertis",
        "name": "Exertis UK (simulated)",
        "format": "opentrans",
        "realtime": False,
        "currency": "GBP",
        "prefix": "EX",
        "stock_band": 100,
    },
]
EXTRA_PARTS = [
    # (mpn, brand, description, category, base price, weight kg)
    (
        "21JK0083UK",
        "Lenovo",
        "ThinkPad E14 Gen 5 14in i5 16GB 512GB",
        "Laptops",
        689.0,
        1.6,
    ),
    ("9M4X3EA#ABU", "HP", "ProBook 450 G10 15.6in i7 16GB", "Laptops", 845.0, 1.8),
    ("P2723DE", "Dell", "27in QHD USB-C hub monitor", "Monitors", 289.0, 6.9),
    ("MZ-V8V1T0BW", "Samsung", "980 NVMe M.2 SSD 1TB", "Storage", 54.0, 0.05),
    ("CT16G4SFRA32A", "Crucial", "16GB DDR4-3200 SODIMM", "Memory", 29.5, 0.02),
    (
        "920-009295",
        "Logitech",
        "MX Keys wireless keyboard UK",
        "Peripherals",
        79.0,
        0.8,
    ),
    ("40AY0090UK", "Lenovo", "ThinkPad Universal USB-C Dock", "Docking", 139.0, 0.5),
    ("RB-4B-8GB", "Raspberry Pi", "Raspberry Pi 4 Model B 8GB", "Boards", 68.0, 0.05),
    ("UAP-AC-LITE", "Ubiquiti", "UniFi AP AC Lite", "Networking", 72.0, 0.2),
    ("APC-BX750MI-GR", "APC", "Back-UPS 750VA", "Power", 95.0, 5.9),
    ("TL-SG108", "TP-Link", "8-port gigabit desktop switch", "Networking", 16.5, 0.4),
    ("WDBU6Y0040BBK", "WD", "My Passport 4TB USB 3.0", "Storage", 88.0, 0.23),
]
DATA_BRANDS = ["Generic", "Acme", "Northwind", "Contoso"]
CARRIERS = [
    ("DPD", "Next Day", "https://track.dpd.example/{}"),
    ("UPS", "Standard", "https://www.ups.example/track?tracknum={}"),
    ("FedEx", "Economy", "https://www.fedex.example/fedextrack/?trknbr={}"),
    ("Royal Mail", "Tracked 24", "https://www.royalmail.example/track/{}"),
    ("DHL", "Parcel UK", "https://www.dhl.example/track?id={}"),
]
FEED_COLUMNS = [
    "part_number",
    "mpn",
    "brand",
    "description",
    "ean",
    "category",
    "stock",
    "price",
    "rrp",
    "currency",
    "lead_time_days",
    "weight_kg",
]
REALTIME_MAX_PARTS = 50


class OrderError(Exception):
    """A PO document that cannot be accepted: ``element`` names the culprit."""

    def __init__(self, message, element=None, status=400):
        super().__init__(message)
        self.message = message
        self.element = element
        self.status = status


# ---- XML helpers ---------------------------------------------------------------------
def _need(node, path, ns=None, label=None, where=""):
    found = node.find(path, ns or {})
    if found is None:
        label = label or path
        raise OrderError(f"missing required element {label}{where}", label)
    return found


def _need_text(node, path, ns=None, label=None, where=""):
    label = label or path
    text = (_need(node, path, ns, label, where).text or "").strip()
    if not text:
        raise OrderError(f"required element {label}{where} is empty", label)
    return text


def _need_attr(node, attr, label, where=""):
    value = (node.get(attr) or "").strip()
    if not value:
        raise OrderError(f"missing required attribute {label}{where}", label)
    return value


def _check_date(value, label, where=""):
    try:
        if "T" in value:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            dt.date.fromisoformat(value)
    except ValueError as exc:
        raise OrderError(
            f"{label}{where} is not an ISO 8601 date/time: {value!r}", label
        ) from exc
    return value


def _number(value, label, where="", positive=False):
    try:
        number = float((value or "").strip())
    except ValueError as exc:
        raise OrderError(f"{label}{where} is not a number: {value!r}", label) from exc
    if number < 0 or (positive and number <= 0):
        raise OrderError(f"{label}{where} must be positive: {value!r}", label)
    return number


def _quantity(value, label, where=""):
    number = _number(value, label, where, positive=True)
    if number != int(number):
        raise OrderError(f"{label}{where} must be a whole quantity: {value!r}", label)
    return int(number)


def _currency(value, label, where=""):
    value = (value or "").strip()
    if not re.fullmatch(r"[A-Z]{3}", value):
        raise OrderError(f"{label}{where} is not an ISO 4217 code: {value!r}", label)
    return value


def _line(line_id, part_ref, qty, price=None, currency=None, unit="C62", desc=""):
    return {
        "line_id": line_id,
        "part_ref": part_ref,
        "quantity": qty,
        "requested_price": price,
        "requested_currency": currency,
        "unit": unit,
        "description": desc,
    }


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


# ---- acknowledgements ----------------------------------------------------------------
def _iso(ts):
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value):
    return f"{value:.2f}"


def cxml_response(code, text, message="", payload_id=""):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">\n'
        f"<cXML payloadID={quoteattr(payload_id)} "
        f'timestamp="{_iso(time.time())}" xml:lang="en-GB">\n'
        f'  <Response>\n    <Status code="{code}" text={quoteattr(text)}>'
        f"{escape(message)}</Status>\n  </Response>\n</cXML>\n"
    )


UBL_LINE_CODES = {"accepted": "5", "partial": "3", "rejected": "7"}
UBL_ORDER_CODES = {"accepted": "AP", "partial": "CA", "rejected": "RE"}


def _ubl_ack_line(line, currency):
    note = line["reason"] or line["status"]
    return f"""  <cac:OrderLine>
    <cac:LineItem>
      <cbc:ID>{escape(line["line_id"])}</cbc:ID>
      <cbc:Note>{escape(note)}</cbc:Note>
      <cbc:LineStatusCode>{UBL_LINE_CODES[line["status"]]}</cbc:LineStatusCode>
      <cbc:Quantity unitCode={quoteattr(line["unit"])}>{line["accepted_qty"]}</cbc:Quantity>
      <cac:Price>
        <cbc:PriceAmount currencyID="{currency}">{_money(line["unit_price"] or 0)}</cbc:PriceAmount>
      </cac:Price>
      <cac:Item>
        <cbc:Name>{escape(line["description"] or "")}</cbc:Name>
        <cac:SellersItemIdentification>
          <cbc:ID>{escape(line["part_number"] or line["part_ref"])}</cbc:ID>
        </cac:SellersItemIdentification>
      </cac:Item>
    </cac:LineItem>
    <cac:OrderLineReference>
      <cbc:LineID>{escape(line["line_id"])}</cbc:LineID>
    </cac:OrderLineReference>
  </cac:OrderLine>
"""  # noqa: E501


def ubl_ack(po, dist, now):
    day, clock = _iso(now)[:10], _iso(now)[11:19]
    lines = "".join(_ubl_ack_line(line, dist["currency"]) for line in po["lines"])
    buyer = escape((po["buyer"] or {}).get("name") or "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OrderResponse xmlns="{NS_UBL_RESPONSE}" xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order_response:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
  <cbc:ID>{escape(po["distributor_order_id"])}-R</cbc:ID>
  <cbc:SalesOrderID>{escape(po["distributor_order_id"])}</cbc:SalesOrderID>
  <cbc:IssueDate>{day}</cbc:IssueDate>
  <cbc:IssueTime>{clock}</cbc:IssueTime>
  <cbc:OrderResponseCode>{UBL_ORDER_CODES[po["status"]]}</cbc:OrderResponseCode>
  <cbc:Note>{escape(po["summary"])}</cbc:Note>
  <cbc:DocumentCurrencyCode>{dist["currency"]}</cbc:DocumentCurrencyCode>
  <cac:OrderReference>
    <cbc:ID>{escape(po["po_id"])}</cbc:ID>
  </cac:OrderReference>
  <cac:SellerSupplierParty>
    <cac:Party>
      <cac:PartyName>
        <cbc:Name>{escape(dist["name"])}</cbc:Name>
      </cac:PartyName>
    </cac:Party>
  </cac:SellerSupplierParty>
  <cac:BuyerCustomerParty>
    <cac:Party>
      <cac:PartyName>
        <cbc:Name>{buyer}</cbc:Name>
      </cac:PartyName>
    </cac:Party>
  </cac:BuyerCustomerParty>
{lines}</OrderResponse>
"""  # noqa: E501


def _ot_ack_line(line):
    remark = line["status"] + (f": {line['reason']}" if line["reason"] else "")
    return f"""    <ORDERRESPONSE_ITEM>
      <LINE_ITEM_ID>{escape(line["line_id"])}</LINE_ITEM_ID>
      <PRODUCT_ID>
        <bme:SUPPLIER_PID>{escape(line["part_number"] or line["part_ref"])}</bme:SUPPLIER_PID>
      </PRODUCT_ID>
      <QUANTITY>{line["accepted_qty"]}</QUANTITY>
      <bme:ORDER_UNIT>{escape(line["unit"])}</bme:ORDER_UNIT>
      <PRODUCT_PRICE_FIX>
        <bme:PRICE_AMOUNT>{_money(line["unit_price"] or 0)}</bme:PRICE_AMOUNT>
      </PRODUCT_PRICE_FIX>
      <REMARKS type="line_status">{escape(remark)}</REMARKS>
    </ORDERRESPONSE_ITEM>
"""  # noqa: E501


def opentrans_ack(po, dist, now):
    buyer = escape((po["buyer"] or {}).get("id") or "buyer")
    seller = escape((po["seller"] or {}).get("id") or dist["code"])
    items = "".join(_ot_ack_line(line) for line in po["lines"])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ORDERRESPONSE xmlns="{NS_OT}" xmlns:bme="{NS_BME}" version="2.1">
  <ORDERRESPONSE_HEADER>
    <ORDERRESPONSE_INFO>
      <ORDER_ID>{escape(po["po_id"])}</ORDER_ID>
      <ORDERRESPONSE_DATE>{_iso(now)}</ORDERRESPONSE_DATE>
      <SUPPLIER_ORDER_ID>{escape(po["distributor_order_id"])}</SUPPLIER_ORDER_ID>
      <PARTIES>
        <PARTY>
          <bme:PARTY_ID type="buyer_specific">{buyer}</bme:PARTY_ID>
          <PARTY_ROLE>buyer</PARTY_ROLE>
        </PARTY>
        <PARTY>
          <bme:PARTY_ID type="supplier_specific">{seller}</bme:PARTY_ID>
          <PARTY_ROLE>supplier</PARTY_ROLE>
        </PARTY>
      </PARTIES>
      <ORDER_PARTIES_REFERENCE>
        <bme:BUYER_IDREF type="buyer_specific">{buyer}</bme:BUYER_IDREF>
        <bme:SUPPLIER_IDREF type="supplier_specific">{seller}</bme:SUPPLIER_IDREF>
      </ORDER_PARTIES_REFERENCE>
      <bme:CURRENCY>{dist["currency"]}</bme:CURRENCY>
      <REMARKS type="order_status">{po["status"]}: {escape(po["summary"])}</REMARKS>
    </ORDERRESPONSE_INFO>
  </ORDERRESPONSE_HEADER>
  <ORDERRESPONSE_ITEM_LIST>
{items}  </ORDERRESPONSE_ITEM_LIST>
  <ORDERRESPONSE_SUMMARY>
    <TOTAL_ITEM_NUM>{len(po["lines"])}</TOTAL_ITEM_NUM>
  </ORDERRESPONSE_SUMMARY>
</ORDERRESPONSE>
"""


def _ean13(rng):
    digits = [5] + [rng.randint(0, 9) for _ in range(11)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def _tracking(rng, carrier):
    digits = "".join(str(rng.randint(0, 9)) for _ in range(16))
    if carrier == "UPS":
        return "1Z" + "".join(
            rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(16)
        )
    if carrier == "Royal Mail":
        return f"{rng.choice('ABCDEFGHJK')}{rng.choice('BDFHJ')}{digits[:9]}GB"
    return {"DPD": digits[:14], "FedEx": digits[:12], "DHL": digits[:10]}[carrier]


# ---- the simulator -------------------------------------------------------------------
class DistributorSimulator(SimServer):
    name = "distributor"

    def start(self):
        super().start()
        # core writes headers and body in two send() calls: without TCP_NODELAY a
        # keep-alive client waits ~40 ms (Nagle + delayed ACK) on every request.
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        return self

    # ---- configuration and state ----------------------------------------------------
    def _distributor_configs(self):
        wanted = self.options.get("distributors")
        defaults = {d["code"]: d for d in DEFAULT_DISTRIBUTORS}
        if not wanted:
            wanted = [dict(d) for d in DEFAULT_DISTRIBUTORS]
        configs = []
        for index, item in enumerate(wanted):
            item = {"code": item} if isinstance(item, str) else dict(item)
            code = item["code"]
            base = dict(
                defaults.get(code)
                or {
                    "name": f"{code.title()} (simulated)",
                    "format": FORMATS[index % len(FORMATS)],
                    "realtime": index % 2 == 0,
                    "currency": "GBP",
                    "prefix": code[:2].upper(),
                }
            )
            base.update(
                username="reseller",
                password=f"{code}-password",
                api_key=f"{code}-api-key",
                buyer_identity="RESELLER-001",
                supplier_identity=code.upper(),
                shared_secret=f"{code}-shared-secret",
                webhook_secret=f"{code}-webhook-secret",
                stock_band=base.get("stock_band"),
                dispatch_url=None,
            )
            base.update(item)
            if base["format"] not in FORMATS:
                raise ValueError(f"distributor {code}: unknown format {base['format']}")
            configs.append(base)
        return configs

    def _make_parts(self, dist):
        rng = self.rng
        parts = {}
        entries = [
            (
                p["sku"],
                rng.choice(DATA_BRANDS),
                p["name"],
                "Lifestyle",
                p["price"],
                p["weight"],
            )
            for p in data.catalogue()
        ]
        entries += rng.sample(EXTRA_PARTS, rng.randint(7, len(EXTRA_PARTS)))
        for mpn, brand, desc, category, base_price, weight in entries:
            number = f"{dist['prefix']}{rng.randint(100000, 999999)}"
            while number in parts:
                number = f"{dist['prefix']}{rng.randint(100000, 999999)}"
            stock = 0 if rng.random() < 0.12 else rng.randint(1, 250)
            parts[number] = {
                "part_number": number,
                "mpn": mpn,
                "brand": brand,
                "description": desc,
                "ean": _ean13(rng),
                "category": category,
                "stock": stock,
                "price": round(base_price * rng.uniform(0.55, 0.85), 2),
                "rrp": round(base_price * 1.2, 2),
                "lead_time_days": 1 if stock else rng.randint(5, 21),
                "weight_kg": weight,
            }
        return parts

    def setup_state(self):
        self.t0 = self.now()
        self.period = 0
        self.drift_period = float(self.options.get("drift_period", 3600))
        self.dispatch_after = float(self.options.get("dispatch_after", 3600))
        self.dispatch_url = self.options.get("dispatch_url")
        self.distributors = {d["code"]: d for d in self._distributor_configs()}
        self.parts = {
            code: self._make_parts(d) for code, d in self.distributors.items()
        }
        self.pos = {code: {} for code in self.distributors}
        self.rejected_documents = {code: [] for code in self.distributors}
        self.dispatches = []
        self.order_seq = 0
        self.event_seq = 0
        self._threads = []

    # ---- time ---------------------------------------------------------------------
    def tick(self):
        period = int((self.now() - self.t0) // self.drift_period)
        if period - self.period > 1000:  # a huge jump: drift the last 1000 periods
            self.period = period - 1000
        while self.period < period:
            self.period += 1
            for code in self.distributors:
                self._drift(code, self.period)
        now = self.now()
        for code, pos in self.pos.items():
            for po in pos.values():
                due = po.get("dispatch_due")
                if (
                    due is not None
                    and now >= due
                    and po["status"]
                    in (
                        "accepted",
                        "partial",
                    )
                ):
                    self._dispatch_po(code, po)

    def _drift(self, code, period):
        rng = random.Random(f"drift-{self.seed}-{code}-{period}")
        for part in self.parts[code].values():
            if rng.random() < 0.6:
                if part["stock"] == 0 and rng.random() < 0.4:
                    part["stock"] = rng.randint(10, 80)
                else:
                    part["stock"] = max(0, part["stock"] + rng.randint(-12, 10))
            if rng.random() < 0.3:
                part["price"] = round(part["price"] * (1 + rng.uniform(-0.04, 0.04)), 2)
            part["lead_time_days"] = (
                1 if part["stock"] else max(part["lead_time_days"], rng.randint(5, 21))
            )

    # ---- lookups and auth -----------------------------------------------------------
    def _find_part(self, code, ref):
        parts = self.parts[code]
        ref = (ref or "").strip()
        if ref in parts:
            return parts[ref]
        for part in parts.values():
            if ref and ref.upper() in (part["mpn"].upper(), part["ean"]):
                return part
        return None

    def _http_authorized(self, dist, req):
        key = req.headers.get("X-Api-Key") or req.query.get("api_key")
        if key:
            return constant_time_equal(key, dist["api_key"])
        auth = req.headers.get("Authorization") or ""
        if auth[:6].lower() != "basic ":
            return False
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        user_ok = constant_time_equal(user, dist["username"])
        return constant_time_equal(password, dist["password"]) and user_ok

    def _distributor(self, req):
        """(dist, None) or (None, error response) for API routes authenticated over
        HTTP."""
        dist = self.distributors.get(req.params["code"])
        if dist is None:
            return None, json_response(
                {
                    "error": "unknown_distributor",
                    "message": f"no distributor {req.params['code']!r}; known: "
                    + ", ".join(sorted(self.distributors)),
                },
                404,
            )
        if not self._http_authorized(dist, req):
            return None, self._unauthorized(dist)
        return dist, None

    def _unauthorized(self, dist):
        return json_response(
            {
                "error": "unauthorized",
                "message": "HTTP Basic credentials or X-Api-Key header required",
            },
            401,
            {"WWW-Authenticate": f'Basic realm="{dist["code"]}"'},
        )

    # ---- faults in the distributor's shape ------------------------------------------
    def fault_response_429(self):
        retry = int(self.faults.get("retry_after"))
        return json_response(
            {
                "error": "too_many_requests",
                "message": f"request quota exceeded, retry after {retry} s",
                "retry_after": retry,
            },
            429,
            {"Retry-After": str(retry)},
        )

    def fault_response_5xx(self):
        if self.faults.fired.get("rate_5xx", 0) % 2:
            return json_response(
                {"error": "service_unavailable", "message": "gateway maintenance"},
                503,
                {"Retry-After": "1"},
            )
        return json_response(
            {"error": "internal_error", "message": "order gateway failure"}, 500
        )

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

    # ---- feeds ----------------------------------------------------------------------
    def _feed_rows(self, dist):
        rows = []
        band = dist.get("stock_band")
        for part in self.parts[dist["code"]].values():
            stock = part["stock"]
            row = {
                "part_number": part["part_number"],
                "mpn": part["mpn"],
                "brand": part["brand"],
                "description": part["description"],
                "ean": part["ean"],
                "category": part["category"],
                "stock": f">{band}" if band and stock > band else str(stock),
                "price": _money(part["price"]),
                "rrp": _money(part["rrp"]),
                "currency": dist["currency"],
                "lead_time_days": str(part["lead_time_days"]),
                "weight_kg": f"{part['weight_kg']:.3f}",
            }
            if self.faults.roll("malformed"):
                self._corrupt(row)
            rows.append(row)
            if self.faults.roll("duplicates"):
                rows.append(dict(row))
        return rows

    def _corrupt(self, row):
        kind = self.faults.rng.randrange(5)
        if kind == 0:
            row["part_number"] = ""
        elif kind == 1:
            row["stock"] = "n/a"
        elif kind == 2:
            row["price"] = row["price"].replace(".", ",") + ".00"
        elif kind == 3:
            row["price"] = ""
        else:
            row["stock"] = "twelve"

    def _feed_headers(self):
        generated = self.t0 + self.period * self.drift_period
        return {"X-Feed-Generated": _iso(generated), "Cache-Control": "no-cache"}

    @route("GET", "/{code}/feed.csv")
    def feed_csv(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        out = io.StringIO()
        writer = csv.DictWriter(out, FEED_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(self._feed_rows(dist))
        return Response(
            200, out.getvalue(), "text/csv; charset=utf-8", self._feed_headers()
        )

    @route("GET", "/{code}/feed.xml")
    def feed_xml(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        generated = self._feed_headers()["X-Feed-Generated"]
        chunks = [
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<feed distributor="{escape(dist["code"])}" generated="{generated}" '
            f'currency="{dist["currency"]}">\n'
        ]
        for row in self._feed_rows(dist):
            fields = "".join(
                f"<{col}>{escape(row[col])}</{col}>" for col in FEED_COLUMNS
            )
            chunks.append(f"  <product>{fields}</product>\n")
        chunks.append("</feed>\n")
        return Response(
            200, "".join(chunks), "application/xml; charset=utf-8", self._feed_headers()
        )

    # ---- real-time ------------------------------------------------------------------
    @route("GET", "/{code}/realtime")
    def realtime_get(self, req):
        return self._realtime(req)

    @route("POST", "/{code}/realtime")
    def realtime_post(self, req):
        return self._realtime(req)

    def _realtime_parts(self, req):
        if req.body:
            try:
                payload = req.json()
            except ValueError:
                return None
            parts = payload.get("parts") if isinstance(payload, dict) else None
            if isinstance(parts, list) and all(isinstance(p, str) for p in parts):
                return [p.strip() for p in parts if p.strip()]
            return None
        return [p.strip() for p in req.query.get("parts", "").split(",") if p.strip()]

    def _realtime(self, req):
        dist, error = self._distributor(req)
        if error:
            return error
        if not dist["realtime"]:
            return json_response(
                {
                    "error": "realtime_not_supported",
                    "message": f"{dist['code']} does not answer real-time stock/price "
                    f"queries; use the hourly feed /{dist['code']}/feed.csv",
                },
                501,
            )
        parts = self._realtime_parts(req)
        if not parts or len(parts) > REALTIME_MAX_PARTS:
            return json_response(
                {
                    "error": "invalid_request",
                    "message": "give 1 to 50 part numbers: ?parts=A,B or JSON "
                    '{"parts": ["A", "B"]}',
                },
                400,
            )
        results = []
        for ref in parts:
            part = self._find_part(dist["code"], ref)
            if part is None:
                results.append(
                    {"requested": ref, "found": False, "status": "unknown_part"}
                )
                continue
            results.append(
                {
                    "requested": ref,
                    "found": True,
                    "status": "in_stock" if part["stock"] else "out_of_stock",
                    "part_number": part["part_number"],
                    "mpn": part["mpn"],
                    "stock": part["stock"],
                    "price": part["price"],
                    "currency": dist["currency"],
                    "lead_time_days": part["lead_time_days"],
                    "weight_kg": part["weight_kg"],
                }
            )
        return json_response(
            {"distributor": dist["code"], "as_of": _iso(self.now()), "results": results}
        )

    # ---- dispatch -------------------------------------------------------------------
    def _dispatch_po(self, code, po):
        """Mark ``po`` dispatched and send the notification in the background.
        Called with self.lock held; the HTTP call happens in another thread."""
        dist = self.distributors[code]
        carrier, service, url_tpl = self.rng.choice(CARRIERS)
        tracking = _tracking(self.rng, carrier)
        now = self.now()
        po.update(
            status="dispatched",
            carrier=carrier,
            tracking_number=tracking,
            dispatched_at=_iso(now),
            dispatch_due=None,
        )
        self.event_seq += 1
        shipped = [line for line in po["lines"] if line["accepted_qty"]]
        payload = {
            "event": "order.dispatched",
            "event_id": f"{code}-evt-{self.event_seq:06d}",
            "distributor": code,
            "po_id": po["po_id"],
            "distributor_order_id": po["distributor_order_id"],
            "dispatch_id": f"{dist['prefix']}-DN-{self.event_seq:06d}",
            "dispatched_at": _iso(now),
            "carrier": carrier,
            "service": service,
            "tracking_number": tracking,
            "tracking_url": url_tpl.format(tracking),
            "weight_kg": round(
                sum(
                    line.get("weight_kg", 0) * line["accepted_qty"] for line in shipped
                ),
                3,
            ),
            "ship_to": po.get("ship_to"),
            "lines": [
                {
                    "line_id": line["line_id"],
                    "part_number": line["part_number"],
                    "mpn": line["mpn"],
                    "quantity": line["accepted_qty"],
                }
                for line in shipped
            ],
        }
        url = dist.get("dispatch_url") or self.dispatch_url
        record = {
            "distributor": code,
            "po_id": po["po_id"],
            "url": url,
            "payload": payload,
            "copies": 2 if self.faults.roll("duplicates") else 1,
            "attempts": [],
            "delivered": 0,
            "status": "pending" if url else "no_url",
        }
        self.dispatches.append(record)
        if url:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-Distributor": code,
                "X-Event-Id": payload["event_id"],
                "X-Signature": "sha256="
                + hmac_sha256_hex(dist["webhook_secret"], body),
            }
            thread = threading.Thread(
                target=self._deliver,
                args=(record, url, body, headers),
                name=f"sim-distributor-dispatch-{self.event_seq}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()
        return record

    def _deliver(self, record, url, body, headers):
        """Background thread: POST the notification (never holding self.lock)."""
        timeout = float(self.options.get("dispatch_timeout", 5))
        retry_delay = float(self.options.get("dispatch_retry_delay", 0.2))
        for _copy in range(record["copies"]):
            for attempt in range(3):
                try:
                    resp = requests.post(
                        url, data=body, headers=headers, timeout=timeout
                    )
                    result = {"status": resp.status_code}
                except requests.RequestException as exc:
                    result = {"error": f"{type(exc).__name__}: {exc}"}
                ok = 200 <= result.get("status", 0) < 300
                with self.lock:
                    record["attempts"].append(dict(result, at=time.time()))
                    if ok:
                        record["delivered"] += 1
                if ok or 400 <= result.get("status", 0) < 500:
                    break
                time.sleep(retry_delay * (attempt + 1))
        with self.lock:
            record["status"] = "delivered" if record["delivered"] else "failed"

    def flush_dispatches(self, timeout=10):
        """Wait for the background dispatch notifications (tests; lock not held)."""
        deadline = time.time() + timeout
        with self.lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.time()))
        with self.lock:
            self._threads = [t for t in self._threads if t.is_alive()]

    # ---- control --------------------------------------------------------------------
    @route("POST", "/_sim/dispatch_config", api=False)
    def control_dispatch_config(self, req):
        payload = req.json()
        code = payload.get("code")
        if code:
            if code not in self.distributors:
                return json_response({"error": f"unknown distributor {code!r}"}, 404)
            self.distributors[code]["dispatch_url"] = payload.get("url")
        else:
            self.dispatch_url = payload.get("url")
        return json_response({"url": payload.get("url"), "code": code})

    @route("POST", "/_sim/{code}/orders/{po_id}/dispatch", api=False)
    def control_dispatch(self, req):
        code = req.params["code"]
        po = self.pos.get(code, {}).get(unquote(req.params["po_id"]))
        if po is None:
            return json_response({"error": "not_found"}, 404)
        if po["status"] not in ("accepted", "partial"):
            return json_response(
                {"error": "not_dispatchable", "status": po["status"]}, 409
            )
        record = self._dispatch_po(code, po)
        return json_response({"payload": record["payload"], "url": record["url"]})

    @route("POST", "/_sim/{code}/parts/{part}", api=False)
    def control_part(self, req):
        code = req.params["code"]
        if code not in self.parts:
            return json_response({"error": "not_found"}, 404)
        part = self._find_part(code, unquote(req.params["part"]))
        if part is None:
            return json_response({"error": "unknown part"}, 404)
        for key, value in req.json().items():
            if key in ("stock", "lead_time_days"):
                part[key] = int(value)
            elif key == "price":
                part[key] = round(float(value), 2)
        return json_response(dict(part))

    def inspect(self):
        with self.lock:
            return {
                "distributors": {
                    code: dict(dist, parts_count=len(self.parts[code]))
                    for code, dist in self.distributors.items()
                },
                "orders": {
                    code: {
                        po_id: self._po_view(po, raw=True) for po_id, po in pos.items()
                    }
                    for code, pos in self.pos.items()
                },
                "rejected_documents": {
                    code: list(docs) for code, docs in self.rejected_documents.items()
                },
                "stock": {
                    code: {number: dict(part) for number, part in parts.items()}
                    for code, parts in self.parts.items()
                },
                "dispatches": [
                    dict(record, attempts=list(record["attempts"]))
                    for record in self.dispatches
                ],
                "dispatch_url": self.dispatch_url,
                "period": self.period,
                "dispatch_after": self.dispatch_after,
                "drift_period": self.drift_period,
            }
