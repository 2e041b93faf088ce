"""What every finance client answers: plain data, no ORM.

``fetch(date_from, date_to)`` returns ``{"settlements": [...], "payouts": [...]}``.
A **settlement** (a statement, or a day of released escrows)::

    {"external_id", "name", "date_from", "date_to", "date" (datetime.date),
     "currency": "MYR" | None, "payout_ref": "..." | None,
     "lines": [{"key", "order_ref", "fee_code", "name", "category", "amount"}],
     "raw": {...}}

``amount`` is signed from the seller's side (a fee is negative). ``category`` is one
of :data:`CATEGORIES` (``unknown`` when the platform sent a fee type we do not know).
A **payout** (the money that leaves the platform for the seller's bank)::

    {"external_id", "date", "amount", "currency", "state": "paid" | "pending",
     "bank_ref", "settlements": [settlement external ids], "raw": {...}}

A client is built on the channel's order adapter (``channel_connectors.adapters``):
it calls the platform through the adapter's signed request method, so it has the
same HTTP session (the channel's rate limit, quick retries of a 429 or a 5xx) and
raises the same errors: a retryable ``AdapterError`` for a network error, an HTTP 429
or 5xx and the platform's busy / rate limit codes, ``TokenExpired`` for an expired
access token (``omni.channel._connector_call`` refreshes it and calls again).
"""

from odoo.addons.channel_connectors.adapters import AdapterError

CATEGORIES = [
    ("sale", "Sales (paid by the buyer)"),
    ("refund", "Refund"),
    ("commission", "Commission"),
    ("payment_fee", "Payment / transaction fee"),
    ("shipping", "Shipping borne by the seller"),
    ("voucher", "Seller-funded voucher"),
    ("ads", "Ads / marketing"),
    ("withholding_tax", "Withholding tax"),
    ("adjustment", "Adjustment"),
    ("unknown", "Unknown fee type"),
]
FEE_CATEGORIES = (
    "commission",
    "payment_fee",
    "shipping",
    "voucher",
    "ads",
    "withholding_tax",
    "unknown",
)
CLIENTS = {}


class FinanceError(AdapterError):
    """An error of the settlement import (an adapter error like the others)."""


def register(cls):
    CLIENTS[cls.platform] = cls
    return cls


def get_client_class(platform):
    try:
        return CLIENTS[platform]
    except KeyError as exc:
        raise FinanceError(f"No settlement import for platform {platform!r}") from exc


def to_float(value):
    if value in (None, ""):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    return float(str(value).replace(",", "").split()[0])


class FinanceClient:
    """Base class: ``adapter`` is the channel's platform adapter (its
    ``connection`` is the channel's connection dict)."""

    platform = None
    #: fee code -> (category, label)
    FEE_TYPES = {}

    def __init__(self, adapter):
        self.adapter = adapter

    @property
    def connection(self):
        return self.adapter.connection

    def fetch(self, date_from, date_to):
        raise NotImplementedError

    def category(self, code):
        return self.FEE_TYPES.get(str(code), ("unknown", str(code)))[0]

    def line(self, key, order_ref, code, amount, name=None):
        category, label = self.FEE_TYPES.get(str(code), ("unknown", str(code)))
        return {
            "key": str(key),
            "order_ref": str(order_ref or ""),
            "fee_code": str(code),
            "name": name or label,
            "category": category,
            "amount": round(to_float(amount), 2),
        }

    def residual(self, lines, key, order_ref, expected):
        """A line for what the known fields do not explain (flagged unknown)."""
        missing = round(to_float(expected) - sum(x["amount"] for x in lines), 2)
        if abs(missing) >= 0.01:
            lines.append(
                {
                    "key": f"{key}:residual",
                    "order_ref": str(order_ref or ""),
                    "fee_code": "residual",
                    "name": "Unexplained difference",
                    "category": "unknown",
                    "amount": missing,
                }
            )
        return lines
