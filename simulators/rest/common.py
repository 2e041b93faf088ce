"""The REST source's statuses, cursor and filter grammar, shared by the modules."""

import base64
import datetime
import re

from ..core import json_response

BRANCHES = [
    ("EMP-BR-1001", "KL", "Kuala Lumpur HQ"),
    ("EMP-BR-1002", "PG", "Pulau Pinang – Bayan Lepas"),
    ("EMP-BR-1003", "JB", "Johor Bahru"),
]


#: the SST rate (%) of the hub's items (by product code, else the 10 % sales tax):
#: the 5 % rate for the kettle, the notebook exempt; included in the marketplace
#: prices the buyer paid
TAX_RATES = {"KETTLE": 5.0, "NOTEBOOK": 0.0}
STANDARD_TAX_RATE = 10.0


def tax_rate(sku):
    """The SST rate (%) of the item ``sku``."""
    for code, rate in TAX_RATES.items():
        if sku == code or sku.startswith(code + "-"):
            return rate
    return STANDARD_TAX_RATE


MARKETPLACES = {"LAZADA": "Lazada MY – Ecomsync Store", "SHOPEE": "Shopee MY – 官方店"}


ORDER_STATUSES = (
    "NEW",
    "CONFIRMED",
    "READY_TO_SHIP",
    "SHIPPED",
    "DELIVERED",
    "CANCELLED",
)


ACTIONS = {
    # action -> (target, allowed from, line status after)
    "confirm": ("CONFIRMED", ("NEW",), None),
    "prepare_shipment": ("READY_TO_SHIP", ("CONFIRMED",), "ready_to_ship"),
    "delivered": ("DELIVERED", ("READY_TO_SHIP", "SHIPPED"), "delivered"),
    "cancel": ("CANCELLED", ("NEW", "CONFIRMED"), "canceled"),
}


STATUS_TO_ACTION = {target: action for action, (target, _f, _l) in ACTIONS.items()}


ITEM_STATUSES = ("pending", "ready_to_ship", "shipped", "delivered", "canceled")


HEADER_FIELDS = (
    "id",
    "doc_number",
    "status",
    "order_status",
    "marketplace",
    "branch_key",
    "customer_key",
    "currency",
)


LINE_FIELDS = ("item_status", "item_key", "item_code")


RESERVED_PARAMS = ("limit", "cursor", "updated_since", "filter")


OPS = ("eq", "ne", "in", "nin")


def error(code, message, status, headers=None):
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def encode_cursor(version):
    return base64.urlsafe_b64encode(f"v1:{version}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, version = raw.split(":")
        if prefix != "v1" or not version.isdigit():
            raise ValueError
        return int(version)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def parse_time(value):
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"updated_since {value!r} is neither ISO 8601 nor epoch seconds"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


FILTER_TERM = re.compile(
    r"^\s*(?P<field>[\w.]+)\s*(?P<op>!=|<>|=|not\s+in|in)\s*"
    r"(?P<value>'[^']*'|\((?:\s*'[^']*'\s*,?)*\))\s*$",
    re.IGNORECASE,
)


def parse_filter_expression(expression):
    """``a = 'x' and b != 'y' and c in ('p','q')`` -> [(field, op, values)]."""
    terms = []
    for part in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        if not part.strip():
            continue
        match = FILTER_TERM.match(part)
        if not match:
            raise ValueError(f"cannot parse filter term {part.strip()!r}")
        op = re.sub(r"\s+", " ", match["op"].lower())
        op = {"=": "eq", "!=": "ne", "<>": "ne", "in": "in", "not in": "nin"}[op]
        values = re.findall(r"'([^']*)'", match["value"])
        terms.append((match["field"], op, values))
    return terms


def resolve_field(field):
    """-> ("header"|"ext"|"line", name) or ValueError."""
    name = field[4:] if field.startswith("hdr.") else field
    if name in HEADER_FIELDS:
        return "header", name
    for prefix in ("extension.", "ext."):
        if name.startswith(prefix) and len(name) > len(prefix):
            return "ext", name[len(prefix) :]
    if name.startswith("lines."):
        name = name[len("lines.") :]
    if name in LINE_FIELDS:
        return "line", name
    raise ValueError(
        f"unknown filter field {field!r}; use one of {', '.join(HEADER_FIELDS)}, "
        f"extension.<name>, {', '.join(LINE_FIELDS)}"
    )


def matches(order, kind, name, op, values):
    if kind == "line":
        found = any(str(line.get(name)) in values for line in order["lines"])
        return found if op in ("eq", "in") else not found
    source = order if kind == "header" else order["extension"]
    value = source.get(name)
    hit = value is not None and str(value) in values
    return hit if op in ("eq", "in") else not hit


def marketplace_status(lines):
    statuses = {line["item_status"] for line in lines}
    for status in ("canceled", "delivered", "shipped"):
        if statuses == {status}:
            return status
    if statuses <= {"shipped", "delivered"}:
        return "shipped"
    if "ready_to_ship" in statuses or "shipped" in statuses:
        return "ready_to_ship"
    return "pending"
