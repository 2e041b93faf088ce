"""The distributors' namespaces, formats, catalogue extras and XML helpers."""

import datetime as dt
import re

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
