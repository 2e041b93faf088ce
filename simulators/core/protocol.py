"""Helpers of the platforms' protocols: HMAC signatures, constant-time comparison,
ISO timestamps and JSON request bodies."""

import datetime
import hashlib
import hmac


def hmac_sha256_hex(key, msg, upper=False):
    if isinstance(key, str):
        key = key.encode()
    if isinstance(msg, str):
        msg = msg.encode()
    digest = hmac.new(key, msg, hashlib.sha256).hexdigest()
    return digest.upper() if upper else digest


def constant_time_equal(a, b):
    return hmac.compare_digest((a or "").encode(), (b or "").encode())


def iso_utc(ts):
    """Epoch seconds -> ISO 8601 in UTC to the second, ``Z``-suffixed."""
    return (
        datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
        .replace(microsecond=0)
        .isoformat()
        .replace("+00:00", "Z")
    )


def json_object(req):
    """The JSON object in ``req``'s body; None when the body is not one (not JSON,
    not UTF-8, or another JSON type). An empty body is ``{}``."""
    try:
        body = req.json()
    except ValueError:  # UnicodeDecodeError included
        return None
    return body if isinstance(body, dict) else None
