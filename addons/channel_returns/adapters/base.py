"""What every returns client answers: plain data, no ORM.

A client is built on the channel's order adapter (``channel_connectors.adapters``):
it calls the platform through the adapter's signed request method, so it has the
channel's HTTP session and rate limit and raises the same errors (a retryable
``AdapterError`` for a network error, a 429 or a 5xx, ``TokenExpired`` for an
expired token, ``ParseError`` for one record that cannot be read).

``fetch_returns(since, until)`` yields pages of **normalised returns**::

    {
        "external_id": "2206150VT13E3MQ",   # the platform's return number
        "order_ref": "220614T9XV8JTN",      # the channel order it is about
        "status": "REQUESTED",              # the platform's status, as it says it
        "stage": "to_answer",               # one of STAGES
        "solution": "return_refund" | "refund",
        "reason": "ITEM_DAMAGED", "reason_text": "...",
        "refund_amount": 13.97,             # what the refund is (or is offered) now
        "refunded_amount": 0.0,             # what the platform refunded the buyer
        "currency": "MYR",
        "deadline": datetime,               # the seller must answer by (naive UTC)
        "created_at": datetime, "updated_at": datetime,
        "images": ["https://..."],          # the buyer's evidence
        "tracking_ref": "...", "parcel_arrived": False,
        "lines": [{"item_ref", "sku", "name", "quantity", "refund_amount"}],
        "raw": {...},
    }

``decide_return(external_id, decision, **params)`` pushes one of DECISIONS and
returns the platform's answer.
"""

from odoo.addons.channel_connectors.adapters import AdapterError

#: where a return stands, whatever the platform
STAGES = [
    ("to_answer", "To answer"),
    ("offered", "Offer sent, the buyer answers"),
    ("awaiting_parcel", "Awaiting the parcel"),
    ("parcel_arrived", "Parcel arrived"),
    ("refunded", "Refunded"),
    ("disputed", "Disputed"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
#: the seller's decisions: approve (the buyer returns the goods, or is refunded
#: when they keep them), refund (agree to refund now: without return, or once the
#: parcel arrived), offer (a partial refund), reject (with the platform's reason)
DECISIONS = ("approve", "refund", "offer", "reject")
CLIENTS = {}


class ReturnsError(AdapterError):
    """An error of the returns exchange (an adapter error like the others)."""


def register(cls):
    CLIENTS[cls.platform] = cls
    return cls


def get_client_class(platform):
    try:
        return CLIENTS[platform]
    except KeyError as exc:
        raise ReturnsError(f"No returns connector for platform {platform!r}") from exc


class ReturnsClient:
    """Base class: ``adapter`` is the channel's platform adapter."""

    platform = None
    #: the platform's reasons to refuse a return (code -> label), for the desk
    reject_reasons = {}
    #: the platform's return reasons (code -> label)
    reasons = {}
    #: the platform's return statuses (code -> label)
    status_labels = {}

    def __init__(self, adapter):
        self.adapter = adapter

    def fetch_returns(self, since, until=None):
        raise ReturnsError(f"{self.platform}: cannot list returns")

    def get_return(self, external_id):
        raise ReturnsError(f"{self.platform}: cannot read a return")

    def decide_return(self, external_id, decision, **params):
        raise ReturnsError(f"{self.platform}: cannot decide on a return")
