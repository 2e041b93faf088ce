"""The one small interface every platform adapter implements.

An adapter is built from a *connection* dict (what the channel stores)::

    {
        "base_url": "https://api.lazada.com.my/rest",  # or a simulator's URL
        "app_key": "...", "app_secret": "...",
        "access_token": "...", "refresh_token": "...",
        "shop_id": "...", "shop_cipher": "...", "tenant_code": "...",
        "page_limit": 20, "status_filter": "...", "timeout": 10.0,
        "cursor": "...",   # cursor-paged sources (e-shop, REST): where to resume
        "webhook_url": "https://odoo.example.com/channel_connectors/webhook/<id>",
    }

and answers with plain data. A **normalised order** is a dict
(:class:`NormalisedOrder`)::

    {
        "external_id": "LZ-1001",            # the channel's order number
        "status": "ready_to_ship",           # the channel's status, as it says it
        "updated_at": datetime,              # naive UTC; newer wins
        "created_at": datetime,              # naive UTC
        "currency": "MYR",
        "customer": {"external_id", "name", "email", "phone", "street", "street2",
                     "city", "zip", "state", "country_code", "vat", "is_company"},
        "shipping": {... same keys, the delivery address ...},
        "lines": [{"external_id", "sku", "name", "quantity", "price_unit",
                   "item_ref", "tax_rate", "cancelled"}],
                                          # item_ref: the channel's item/variant id
                                          # tax_rate: % where the platform says it
        "amounts": {"items", "shipping", "seller_discount", "platform_discount",
                    "voucher", "cancelled", "fees", "tax", "total"},
        "payment_method": "COD", "cod": True,
        "courier": "...", "tracking_ref": "...",
        "cancel_requested": False, "cancel_reason": "",
        "branch_key": "...",                 # generic REST sources only
        "importable": True,                  # False: listed, not to import yet
        "not_importable_reason": "",         # e.g. awaiting_customer_confirmation
        "packages": [{"id", "tracking_ref", "status"}],
        "raw": {...},                        # what the platform sent
    }

**Money** (``amounts``, in the order's ``currency``, tax included where the
platform's prices are): ``items`` is the lines' ``quantity × price_unit`` (the
lines that are not ``cancelled``; ``cancelled`` is the value of those that are),
at the price the seller sells at before vouchers; ``shipping`` the shipping fee the
buyer paid; ``seller_discount`` the vouchers and discounts the seller funds and
``platform_discount`` those the platform funds (vouchers, coins; not its shipping
subsidies, which are settlement items); ``voucher`` both together; ``fees`` other
charges the buyer paid (payment or COD fees of an e-shop); ``tax`` the tax the
platform adds on top of the prices, if any; ``total`` what the buyer paid::

    total = items + shipping + fees + tax - seller_discount - platform_discount

The engine books ``items``, ``shipping`` (a delivery line), ``fees`` (a charges
line) and the ``seller_discount`` (discount lines); Odoo computes the tax. The
order's total is what the buyer paid plus what the platform pays for the buyer.
An adapter that does not give the split reports every voucher as the seller's.

The engine only calls the methods an adapter overrides (``accept_order`` only when
the platform needs an acceptance step, ``set_invoice_number`` only where the platform
takes invoice numbers...), see ``ChannelAdapter.supports``.

Cursor-paged sources (e-shop, REST) start ``list_orders`` at the connection's
``cursor`` and leave the cursor to store for the next run in ``adapter.next_cursor``.

Errors: :class:`AdapterError` (``retryable`` for network errors, 5xx and 429,
``retry_after`` seconds when the platform says so), :class:`TokenExpired` (the engine
refreshes the token once and calls again), :class:`ParseError` (one record that cannot
be read: logged with its payload and skipped).
"""

import json
from datetime import UTC, datetime
from typing import Any, TypedDict

from .tools import parse_retry_after


class _NormalisedOrderKeys(TypedDict):
    """The keys every adapter's ``_parse_order`` answers (see the module doc)."""

    external_id: str
    status: str
    updated_at: datetime | None
    created_at: datetime | None
    currency: str | None
    customer: dict[str, Any]
    shipping: dict[str, Any]
    lines: list[dict[str, Any]]
    amounts: dict[str, float | None]
    payment_method: str
    cod: bool
    courier: str
    tracking_ref: str
    cancel_requested: bool
    cancel_reason: str
    packages: list[dict[str, Any]]
    raw: Any


class NormalisedOrder(_NormalisedOrderKeys, total=False):
    """A normalised order: the common keys, plus those only some platforms give."""

    # generic REST sources and Lazada
    branch_key: str
    # cursor-paged sources (e-shop, REST)
    order_number: str
    version: int
    importable: bool
    not_importable_reason: str
    # generic REST sources
    order_status: str
    record_status: str
    deleted: bool
    skipped_lines: list[dict[str, Any]]
    hub_amounts: dict[str, Any]
    branch_code: str
    marketplace: str
    marketplace_order_id: str
    marketplace_status: str
    marketplace_shop: str
    # e-shop
    status_label: str
    shop_status: str
    prices_include_tax: bool
    cost_lines: list[dict[str, Any]]
    voucher_codes: list[str]
    delivery_method: str
    delivery_method_name: str
    payment_method_name: str
    payment_type: str
    payment_status: str
    documents: list[dict[str, str]]
    note: str


class NormalisedListing(TypedDict):
    """One SKU the seller lists on the channel (see ``ChannelAdapter.parse_listing``):

    ``item_ref`` the channel's item / product id; ``sku_ref`` the SKU's own reference
    as the channel's order lines carry it in ``item_ref`` and ``update_stock`` takes
    it (Lazada ShopSku, Shopee ``item_id:model_id``, TikTok ``product_id:sku_id``):
    unique per channel; ``seller_sku`` the seller's SKU (the orders' ``sku``);
    ``price`` the seller's price (tax included where the platform's prices are) in
    ``currency`` (None: the channel's); ``quantity`` the stock the channel shows;
    ``barcode`` the GTIN/EAN the listing gives, else ""; ``status`` the channel's."""

    item_ref: str
    sku_ref: str
    seller_sku: str
    name: str
    price: float | None
    currency: str | None
    quantity: float | None
    barcode: str
    status: str


class AdapterError(Exception):
    def __init__(self, message, retryable=False, retry_after=None, payload=None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.payload = payload


class TokenExpired(AdapterError):
    pass


class ParseError(AdapterError):
    pass


class _Offline:
    """The session of an adapter that only checks signatures: no call leaves."""

    def __getattr__(self, name):
        raise AdapterError("This adapter only checks webhook signatures.")


ADAPTERS = {}


def register(cls):
    ADAPTERS[cls.platform] = cls
    return cls


def get_adapter_class(platform):
    try:
        return ADAPTERS[platform]
    except KeyError as exc:
        raise AdapterError(f"No connector for platform {platform!r}") from exc


class ChannelAdapter:
    """Base class. Subclasses set ``platform`` and implement what their platform
    offers; anything else raises :class:`AdapterError` with a clear message."""

    platform = None
    #: does list_orders() return full orders (True) or only ids to fetch (False)?
    list_returns_details = False
    #: channel statuses meaning: the order is cancelled / not yet to be processed
    #: (unpaid) / already handed over to shipping (the engine uses them, all optional)
    cancelled_statuses = frozenset()
    hold_statuses = frozenset()
    shipped_statuses = frozenset()
    #: does a shipment the seller arranges (``manual``) need the id of the seller's
    #: own carrier (``pickup["shipping_provider_id"]``)? The ship wizard and the
    #: channel form ask for it (``omni.channel.connector_needs_provider_id``).
    seller_shipping_needs_provider_id = False
    #: readable labels of the platform's order statuses (status code -> label),
    #: shown on the order desk; the code itself stays what Odoo stores and searches
    status_labels = {}

    def __init__(self, connection, session=None):
        import requests  # imported here so that the module loads without it

        self.connection = dict(connection)
        self.session = session or requests.Session()
        self.timeout = float(self.connection.get("timeout") or 10.0)

    # ---- orders --------------------------------------------------------------------
    def list_orders(self, since, until=None):
        """Yield pages of orders updated in [since, until): each page is a list of
        raw order payloads (full when ``list_returns_details``, else summaries that
        ``external_id_of`` understands)."""
        raise self._unsupported("list orders")

    def external_id_of(self, raw):
        raise self._unsupported("read an order number")

    def updated_at_of(self, raw):
        """The update time (naive UTC) of a raw order or summary, or None when the
        summary does not say (optional: lets the engine skip what it already has)."""
        return None

    def get_orders(self, external_ids):
        """Full raw payloads of these orders (platform batch limits respected)."""
        raise self._unsupported("read orders")

    def parse_order(self, raw) -> NormalisedOrder:
        """A normalised order (see module doc) or :class:`ParseError`."""
        raise self._unsupported("parse orders")

    # ---- fulfilment ------------------------------------------------------------------
    def accept_order(self, order):
        """Accept/confirm the order on the channel (``order``: normalised dict or
        {"external_id", "raw"})."""
        raise self._unsupported("accept orders")

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        """Pack / ready to ship / arrange shipment. ``method``: pickup (with
        ``pickup`` = {"date", "time_slot", "address"}), dropoff, or manual (with
        ``tracking_ref``). Returns {"tracking_ref", "courier", "package_id"}."""
        raise self._unsupported("ship orders")

    def get_label(self, order):
        """The AWB / shipping label as PDF bytes."""
        raise self._unsupported("print labels")

    def set_invoice_number(self, order, invoice_number):
        raise self._unsupported("receive invoice numbers")

    def cancel_decision(self, order, approve, reason=None):
        """Approve or reject a buyer's cancellation request."""
        raise self._unsupported("handle cancellation requests")

    def update_status(self, order, status, **values):
        """Push an Odoo-side status (e-shop and REST sources)."""
        raise self._unsupported("receive status updates")

    # ---- stock -----------------------------------------------------------------------
    def update_stock(self, items):
        """``items``: list of {"sku", "quantity", "item_ref"}, optionally with
        ``location`` (the platform's code of one of the seller's warehouses: then
        one item per warehouse of the SKU). Returns the list of SKUs that failed
        with their reasons: [{"sku", "message"}]."""
        raise self._unsupported("receive stock levels")

    # ---- listings (the seller's catalogue on the channel) -------------------------
    def fetch_listings(self, cursor=None):
        """One page of the seller's products: (raw products, the cursor of the next
        page or None after the last one). ``cursor`` is None for the first page,
        else what the previous page answered (a string)."""
        raise self._unsupported("list the seller's products")

    def parse_listing(self, raw) -> list[NormalisedListing]:
        """The SKUs of one raw product (:class:`NormalisedListing`), or
        :class:`ParseError`."""
        raise self._unsupported("read the seller's products")

    # ---- tokens ----------------------------------------------------------------------
    def refresh_access_token(self):
        """Returns {"access_token", "refresh_token", "expires_at" (naive UTC),
        "refresh_expires_at"}."""
        raise self._unsupported("refresh tokens")

    def create_access_token(self, code):
        """Exchange an authorisation code for tokens (same shape as refresh)."""
        raise self._unsupported("exchange authorisation codes")

    def authorize_url(self, redirect_uri, state=None):
        """The platform page where the seller authorises the app (the redirect
        receives ``?code=``)."""
        raise self._unsupported("authorise through a web page")

    # ---- webhooks --------------------------------------------------------------------
    def verify_webhook(self, headers, body, url=None):
        """True when the platform's signature over ``body`` (bytes) is valid.
        Must use a constant-time compare."""
        raise self._unsupported("receive webhooks")

    def parse_webhook(self, body):
        """A list of {"external_id", "event", "updated_at"} the push speaks of."""
        raise self._unsupported("receive webhooks")

    @classmethod
    def check_webhook(cls, credentials, headers, body, url=None):
        """``verify_webhook`` from the channel's credentials alone (``app_key``,
        ``app_secret``, ``webhook_url``...): no HTTP session, no token, no
        mappings; the webhook's acknowledgement only checks the signature."""
        return cls(credentials, session=_Offline()).verify_webhook(headers, body, url)

    @classmethod
    def push_sent_at(cls, body):
        """When the platform says it sent the push ``body`` (bytes), naive UTC, or
        None when it does not say: a ``timestamp`` in seconds or milliseconds, at
        the top or in ``data`` (the webhook refuses a push older than a day)."""
        try:
            message = json.loads(body)
        except ValueError:
            return None
        if not isinstance(message, dict):
            return None
        data = message.get("data")
        stamp = message.get("timestamp")
        if stamp is None and isinstance(data, dict):
            stamp = data.get("timestamp")
        if isinstance(stamp, str) and stamp.isdigit():
            stamp = int(stamp)
        if not isinstance(stamp, int | float) or isinstance(stamp, bool) or stamp <= 0:
            return None
        try:
            seconds = stamp / 1000.0 if stamp > 10**11 else stamp
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None

    @classmethod
    def status_label(cls, status):
        """The readable label of the platform's order status ``status`` (the code
        itself when the adapter does not know it; "" for no status)."""
        if not status:
            return ""
        return cls.status_labels.get(status) or str(status)

    @classmethod
    def supports(cls, method_name):
        """True when this adapter implements ``method_name`` of the interface."""
        return getattr(cls, method_name, None) is not getattr(
            ChannelAdapter, method_name, None
        )

    def _send(self, method, url, what, label, **kwargs):
        """``self.session.request`` with the adapter's timeout; a timeout or an
        unreachable host is a retryable :class:`AdapterError` naming ``label``
        (the platform) and ``what`` (the call)."""
        import requests

        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise AdapterError(
                f"{label}: {what} timed out after {self.timeout:g} s", retryable=True
            ) from exc
        except requests.RequestException as exc:
            raise AdapterError(
                f"{label}: {what} failed, it cannot be reached: {exc}", retryable=True
            ) from exc

    def _raise_if_overloaded(self, resp, text, message_keys=("message",)):
        """HTTP 429 or 5xx: a retryable :class:`AdapterError` ``"<text>: HTTP <code>
        <message>"`` (the first of ``message_keys`` the JSON answer fills, else the
        start of the body), waiting what the Retry-After header says."""
        if resp.status_code != 429 and resp.status_code < 500:
            return
        try:
            data = resp.json()
            message = next((data[key] for key in message_keys if data.get(key)), "")
        except ValueError:
            message = resp.text[:200]
        raise AdapterError(
            f"{text}: HTTP {resp.status_code} {message}".strip(),
            retryable=True,
            retry_after=parse_retry_after(resp.headers.get("Retry-After")),
        )

    @staticmethod
    def _json_object(resp, text):
        """The JSON object a response carries; :class:`AdapterError` naming ``text``
        when it is not JSON or not an object."""
        try:
            data = resp.json()
        except ValueError as exc:
            raise AdapterError(
                f"{text}: HTTP {resp.status_code}, not JSON: {resp.text[:200]}"
            ) from exc
        if not isinstance(data, dict):
            raise AdapterError(f"{text}: unexpected answer {data!r:.200}")
        return data

    def _parse_guarded(self, raw, label, id_key):
        """``self._parse_order(raw)``, any reading error of the payload turned into
        a :class:`ParseError` naming the ``label`` order by its ``id_key``."""
        if not isinstance(raw, dict):
            raise ParseError(
                f"{label} order is not an object: {raw!r:.200}", payload=raw
            )
        try:
            return self._parse_order(raw)
        except ParseError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(
                f"{label} order {raw.get(id_key) or '?'} cannot be read: "
                f"{exc.__class__.__name__}: {exc}",
                payload=raw,
            ) from exc

    @staticmethod
    def _require_times(raw, what, fields=("create_time", "update_time")):
        """:class:`ParseError` unless every one of ``fields`` is a positive epoch."""
        for field in fields:
            if not isinstance(raw.get(field), int) or raw[field] <= 0:
                raise ParseError(
                    f"{what}: bad {field} {raw.get(field)!r}",
                    payload=raw,
                )

    def _order_ref(self, order, missing):
        """The channel's number of ``order`` (normalised dict or {"external_id",
        "raw"}); :class:`AdapterError` ``missing`` when it has none."""
        ref = order.get("external_id") or self.external_id_of(order.get("raw") or {})
        if not ref:
            raise AdapterError(missing)
        return ref

    def _refresh_token(self, label):
        """The connection's refresh token, or an :class:`AdapterError` asking to
        authorise the shop again."""
        if not self.connection.get("refresh_token"):
            raise AdapterError(f"{label}: no refresh token, authorise the shop again")
        return self.connection["refresh_token"]

    def _keep_tokens(self, data, expires_at, refresh_expires_at):
        """Store the tokens of a token answer on the connection; returns them in
        the shape of :meth:`refresh_access_token`."""
        self.connection["access_token"] = data["access_token"]
        self.connection["refresh_token"] = data.get("refresh_token") or ""
        return {
            "access_token": data["access_token"],
            "refresh_token": data.get("refresh_token") or "",
            "expires_at": expires_at,
            "refresh_expires_at": refresh_expires_at,
        }

    @staticmethod
    def _push_payload(body, noun):
        """A push's JSON object and its ``data`` object; :class:`ParseError` naming
        ``noun`` (e.g. "Shopee push") otherwise."""
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise ParseError(f"{noun} is not JSON: {body!r:.200}") from exc
        if not isinstance(data, dict):
            raise ParseError(f"{noun} is not an object: {body!r:.200}")
        payload = data.get("data") or {}
        if not isinstance(payload, dict):
            raise ParseError(f"push data is not an object: {body!r:.200}")
        return data, payload

    def _unsupported(self, what):
        return AdapterError(f"{self.platform or 'This channel'} cannot {what}.")
