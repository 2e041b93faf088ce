"""Lazada's statuses, limits and the small helpers every module uses."""

from email.parser import BytesParser
from email.policy import HTTP as email_policy

HOUR = 3600


DAY = 86400


STATUSES = (
    "unpaid",
    "pending",
    "packed",
    "ready_to_ship",
    "shipped",
    "delivered",
    "canceled",
    "returned",
    "failed",
)


# every value GetOrders accepts as a status filter (order-api.md GetOrders error 6)
EXTRA_STATUSES = (
    "lost",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
)


AGGREGATES = {
    "topack": {"pending"},
    "toship": {"packed", "ready_to_ship"},
    "shipping": {"shipped"},
}


# the previous state in the normal flow, used for stale (out_of_order) snapshots
PREVIOUS = {
    "pending": "unpaid",
    "packed": "pending",
    "ready_to_ship": "packed",
    "shipped": "ready_to_ship",
    "delivered": "shipped",
    "canceled": "pending",
    "returned": "delivered",
    "failed": "shipped",
}


CANCELLABLE_BY_SELLER = {"unpaid", "pending", "packed"}


CANCELLABLE_BY_BUYER = {"unpaid", "pending", "packed", "ready_to_ship"}


PRINTABLE = {"packed", "ready_to_ship", "shipped", "delivered"}


CANCEL_REASONS = [
    {"reason_id": "10000021", "reason_name": "Out of stock"},
    {"reason_id": "10000022", "reason_name": "Wrong price or pricing error"},
    {"reason_id": "10000023", "reason_name": "Unable to ship the item on time"},
]


BUYER_CANCEL_REASONS = [
    "Change of mind",
    "Found cheaper elsewhere",
    "Duplicate order",
    "Change payment method",
]


SHIPMENT_PROVIDERS = [
    {"name": "LEX", "provider_code": "FM40"},
    {"name": "Ninja Van", "provider_code": "FM50"},
    {"name": "J&T Express", "provider_code": "FM61"},
]


COUNTRY = {
    # code: (country name, currency, utc offset hours)
    "sg": ("Singapore", "SGD", 8),
    "my": ("Malaysia", "MYR", 8),
    "ph": ("Philippines", "PHP", 8),
    "th": ("Thailand", "THB", 7),
    "vn": ("Vietnam", "VND", 7),
    "id": ("Indonesia", "IDR", 7),
}


# the standard rate (%) of the tax included in the item prices, per country: what an
# item's ``tax_amount`` is the part of (GetOrderItems' sample, tax_amount 6.48 of a
# paid_price of 99.00, is Thailand's 7 %; the other rates are the countries' VAT /
# GST / sales tax standard rates, UNVERIFIED as Lazada's)
TAX_RATES = {"sg": 9.0, "my": 10.0, "ph": 12.0, "th": 7.0, "vn": 10.0, "id": 11.0}


PAYMENT_METHODS = ["MIXEDCARD", "LAZADA_WALLET", "BANK_TRANSFER", "PAYPAL"]


MAX_PAGE = 100


MAX_BATCH = 20


MAX_ORDER_IDS = 50


MAX_SKUS = 50


TIMESTAMP_WINDOW = 7200


def _money(value):
    return f"{value:.2f}"


def _as_bool(value):
    return str(value).strip().lower() in ("true", "1", "yes")


class ApiError(Exception):
    def __init__(self, code, message, type_="ISV", **extra):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.type = type_
        self.extra = extra


class _BatchError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _multipart_fields(req):
    header = req.headers.get("Content-Type") or ""
    message = BytesParser(policy=email_policy).parsebytes(
        b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + req.body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and not part.get_filename():
            fields[name] = part.get_payload(decode=True).decode("utf-8")
    return fields


def _int_or_none(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
