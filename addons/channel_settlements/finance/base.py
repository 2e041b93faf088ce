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
"""

import logging

_logger = logging.getLogger(__name__)

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
DEFAULT_TIMEOUT = 20.0


class FinanceError(Exception):
    def __init__(self, message, retryable=False, retry_after=None, payload=None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.payload = payload


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
    """Base class: ``connection`` is the channel's connection dict (``base_url``,
    ``app_key``, ``app_secret``, ``access_token``, ``shop_id``, ``shop_cipher``,
    ``timeout``)."""

    platform = None
    #: fee code -> (category, label)
    FEE_TYPES = {}

    def __init__(self, connection, session=None):
        import requests

        self.connection = dict(connection)
        self.session = session or requests.Session()
        self.timeout = float(self.connection.get("timeout") or DEFAULT_TIMEOUT)

    @property
    def base_url(self):
        return (self.connection.get("base_url") or "").rstrip("/")

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

    def _request(self, method, url, what, **kwargs):
        import requests

        kwargs.setdefault("timeout", self.timeout)
        try:
            resp = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise FinanceError(
                f"{what}: {exc.__class__.__name__}: {exc}", retryable=True
            ) from exc
        if resp.status_code == 429 or resp.status_code >= 500:
            retry_after = resp.headers.get("Retry-After")
            try:
                retry_after = float(retry_after) if retry_after else None
            except ValueError:
                retry_after = None
            raise FinanceError(
                f"{what}: HTTP {resp.status_code}",
                retryable=True,
                retry_after=retry_after,
                payload=resp.text[:2000],
            )
        try:
            return resp.json()
        except ValueError as exc:
            raise FinanceError(
                f"{what}: HTTP {resp.status_code}, not JSON", payload=resp.text[:2000]
            ) from exc
