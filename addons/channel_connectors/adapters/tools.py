"""Small conversions shared by the adapters: epoch and ISO 8601 times (naive UTC),
Retry-After headers, batches, headers and HMAC signatures."""

import hashlib
import hmac
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def to_epoch(value):
    """naive UTC (or aware) datetime or epoch -> epoch seconds (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)


def from_epoch(value):
    """epoch seconds -> naive UTC datetime (None for empty values)."""
    if value in (None, "", 0):
        return None
    return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)


def epoch_stamps(raw):
    """``updated_at`` and ``created_at`` (naive UTC) of a payload that gives them
    as epoch seconds in ``update_time`` and ``create_time``."""
    return {
        "updated_at": from_epoch(raw["update_time"]),
        "created_at": from_epoch(raw["create_time"]),
    }


def recipient_partners(raw, address_of):
    """(customer, shipping): the partner dict ``address_of`` reads from the
    order's ``recipient_address`` object, and a copy of it for the customer."""
    address = raw.get("recipient_address") or {}
    if not isinstance(address, dict):
        raise ValueError("recipient_address is not an object")
    shipping = address_of(address)
    return dict(shipping), shipping


def push_time(value):
    """The update time a push announces, None when it is not a timestamp."""
    try:
        return from_epoch(value) if value else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_retry_after(value):
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
        return max((when - datetime.now(when.tzinfo)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def iso_datetime(value, what):
    """An ISO 8601 string -> naive UTC datetime; ValueError naming ``what``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is missing")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{what} {value!r} is not an ISO 8601 date") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def with_version(moment, version):
    """Sources that stamp changes to the second only: two changes within one second
    would look alike to "newer wins". The change sequence number (``version``) goes
    into the microseconds as the tie-break (a timestamp with sub-seconds is kept)."""
    if isinstance(version, int) and version > 0 and not moment.microsecond:
        return moment.replace(microsecond=version % 1000000)
    return moment


def money(value, what):
    """A platform amount -> float (0.0 when empty); ValueError naming ``what``."""
    if value in (None, ""):
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not a number: {value!r}") from exc


def order_amounts(items, shipping, seller, platform, total, **others):
    """The ``amounts`` of a normalised order (see ``base``): the vouchers split by
    who funds them, ``voucher`` their sum, ``fees``/``tax``/``cancelled`` 0 unless
    given in ``others``."""
    return {
        "items": items,
        "shipping": shipping,
        "voucher": round(seller + platform, 2),
        "seller_discount": seller,
        "platform_discount": platform,
        "cancelled": 0.0,
        "fees": 0.0,
        "tax": 0.0,
        "total": total,
        **others,
    }


def batches(values, size):
    """``values`` (a list) in consecutive slices of at most ``size``."""
    for index in range(0, len(values), size):
        yield values[index : index + size]


def signature_matches(headers, secret, message):
    """Constant-time check that the ``Authorization`` header (any case; blanks and
    case of its value ignored) is the hex HMAC-SHA256 of ``message`` (bytes) under
    ``secret``; False when the header or the secret is missing."""
    given = next(
        (
            value or ""
            for key, value in (headers or {}).items()
            if key.lower() == "authorization"
        ),
        "",
    )
    if not given or not secret:
        return False
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())
