"""Generic REST/JSON order source (BigLedger "Ecomsync" sales-order hub job).

Protocol (see ``simulators/rest.py``, the only spec we have):

- headers ``Authorization: Bearer <token>`` and ``X-Tenant-Code: <tenant>``;
- ``GET /api/v1/sales-orders?limit=N&cursor=C&updated_since=T&<filters>`` ->
  ``{"data": [order..], "paging": {"next_cursor", "has_more", ..}}``;
- ``GET /api/v1/sales-orders/{id}``;
- ``POST /api/v1/sales-orders/{id}/status`` ``{"action": "confirm" |
  "prepare_shipment" | "delivered" | "cancel", "tracking_number"?,
  "shipping_provider"?, "remark"?}``;
- errors ``{"error": {"code", "message"}}``.

The job's parameters map to the connection dict: ``base_url`` (api_url),
``access_token`` (token; ``token`` is accepted too), ``tenant_code``, ``page_limit``
(limit, default 20), ``status_filter`` (filter). ``status_filter`` is either a query
string of conditions (``status__ne=DELETED&item_status=ready_to_ship``, operators
``__ne``, ``__in``, ``__nin``, ``filter=<expression>`` allowed) or a bare filter
expression (``hdr.status != 'DELETED' and item_status = 'ready_to_ship'``), sent as
``filter=``. The branch/item/customer mappings are the engine's: this adapter gives
the hub's external keys (``branch_key``, line ``item_ref`` = ``item_key`` with
``sku`` = ``item_code``, customer ``external_id`` = ``customer_key``).

Conventions: ``external_id`` is the hub's order ``id`` (what the API takes), the
document number is ``order_number``. Paging resumes from the connection's
``cursor`` when given, else from ``updated_since=since``; afterwards
``self.next_cursor`` is the cursor to store (it moves page by page once the caller
asks for the next page). ``until`` is not used (the hub pages by change order).
Within a run, repeated and stale (lower ``version``) copies are dropped. A record the
hub marks ``DELETED`` has ``status`` ``"DELETED"`` (its flow status stays in
``order_status``). ``updated_at`` is the hub's (whole seconds) with the record's
``version`` (its change sequence) in the microseconds, so that of two changes
within one second the later one wins.

The hub selects an order when ANY of its lines matches a line condition of the
filter (``item_status``, ``item_key``, ``item_code``); like the job, which takes only
the matching items, the adapter applies those conditions to the lines as well: the
others go to ``skipped_lines`` and ``amounts`` are recomputed from the kept lines
(the hub's own totals stay in ``hub_amounts``). An order left without a line has
``"importable": False``.

Money (the ``amounts`` contract in ``base``): ``items`` = ``amount_subtotal``, the
line ``discount`` s (``amount_discount``) are the seller's (``seller_discount`` =
``voucher``; ``platform_discount`` 0), ``shipping`` = ``amount_shipping``, ``tax`` =
``amount_tax`` (the tax the hub adds on top of the prices), ``total`` =
``amount_total``; each line has its ``tax_rate`` when the hub gives it. The hub
relays marketplace orders at the prices the buyer paid, tax included (its
``amount_tax`` is 0): give the channel *Prices include tax* (the default of a
marketplace channel) and Odoo's total is ``amount_total`` to the cent, its tax taken
out of the prices at each line's rate. On a channel whose prices exclude tax Odoo
adds its tax on top: the order's difference is exactly that tax (cause ``tax``).
"""

import datetime
import re
from urllib.parse import parse_qsl

from .base import AdapterError, ChannelAdapter, ParseError, register
from .rest_orders import RestOrderParser, _str
from .tools import iso_datetime as _datetime
from .tools import with_version as _with_version

ACTIONS = {
    "confirm": "confirm",
    "confirmed": "confirm",
    "prepare_shipment": "prepare_shipment",
    "ready_to_ship": "prepare_shipment",
    "ship": "prepare_shipment",
    "delivered": "delivered",
    "deliver": "delivered",
    "fulfilled": "delivered",
    "cancel": "cancel",
    "cancelled": "cancel",
    "canceled": "cancel",
}
QUERY_FILTER = re.compile(r"^(filter=|[\w.]+(__\w+)?=[^'\s])")
FILTER_TERM = re.compile(
    r"^\s*(?P<field>[\w.]+)\s*(?P<op>!=|<>|=|not\s+in|in)\s*"
    r"(?P<value>'[^']*'|\((?:\s*'[^']*'\s*,?)*\))\s*$",
    re.IGNORECASE,
)
EXPRESSION_OPS = {"=": "eq", "!=": "ne", "<>": "ne", "in": "in", "not in": "nin"}
LINE_FIELDS = {"item_status": "status", "item_key": "item_ref", "item_code": "sku"}
MAX_PAGES = 10000


def filter_params(spec):
    """The ``status_filter`` connection value -> a list of query parameters."""
    spec = (spec or "").strip().lstrip("?&").strip()
    if not spec:
        return []
    if QUERY_FILTER.match(spec):
        return parse_qsl(spec, keep_blank_values=True)
    # a bare expression, possibly written as the tail of a WHERE clause
    spec = re.sub(r"^(where|and)\s+", "", spec, flags=re.IGNORECASE)
    return [("filter", spec)]


def line_conditions(params):
    """The conditions of the filter that speak of lines: [(line key, op, values)].
    The hub selects an order when ANY line matches; the job imports only the
    matching lines, so the adapter applies them to the lines too."""
    terms = []
    for key, value in params:
        if key == "filter":
            for part in re.split(r"\s+and\s+", value.strip(), flags=re.IGNORECASE):
                match = FILTER_TERM.match(part)
                if match:
                    op = re.sub(r"\s+", " ", match["op"].lower())
                    values = re.findall(r"'([^']*)'", match["value"])
                    terms.append((match["field"], EXPRESSION_OPS[op], values))
            continue
        field, _sep, op = key.partition("__")
        op = op or "eq"
        terms.append((field, op, value.split(",") if op in ("in", "nin") else [value]))
    conditions = []
    for field, op, values in terms:
        name = field[len("lines.") :] if field.startswith("lines.") else field
        if name in LINE_FIELDS and op in ("eq", "ne", "in", "nin"):
            conditions.append((LINE_FIELDS[name], op, set(values)))
    return conditions


def _iso(moment):
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment.replace(microsecond=0).isoformat() + "Z"


@register
class RestAdapter(RestOrderParser, ChannelAdapter):
    platform = "rest"
    list_returns_details = True
    cancelled_statuses = frozenset(("CANCELLED", "DELETED"))
    shipped_statuses = frozenset(("SHIPPED", "DELIVERED"))
    #: the hub's order flow statuses; DELETED: the record the hub deleted
    status_labels = {
        "NEW": "New",
        "CONFIRMED": "Confirmed",
        "READY_TO_SHIP": "Ready to Ship",
        "SHIPPED": "Shipped",
        "DELIVERED": "Delivered",
        "CANCELLED": "Cancelled",
        "DELETED": "Deleted in the Hub",
    }

    def __init__(self, connection, session=None):
        super().__init__(connection, session=session)
        self.base_url = (self.connection.get("base_url") or "").rstrip("/")
        self.token = (
            self.connection.get("access_token") or self.connection.get("token") or ""
        )
        self.tenant_code = self.connection.get("tenant_code") or ""
        self.page_limit = min(max(int(self.connection.get("page_limit") or 20), 1), 100)
        self.filters = filter_params(self.connection.get("status_filter"))
        self.line_conditions = line_conditions(self.filters)
        self.cursor = self.connection.get("cursor") or None
        self.next_cursor = self.cursor

    # ---- HTTP ------------------------------------------------------------------------
    def _request(self, method, path, params=None, json=None, what=None):
        what = what or f"{method} {path}"
        if not self.base_url:
            raise AdapterError("The REST source has no API URL.")
        if not self.token:
            raise AdapterError("The REST source has no access token.")
        if not self.tenant_code:
            raise AdapterError("The REST source has no tenant code.")
        headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Tenant-Code": self.tenant_code,
            "Accept": "application/json",
        }
        response = self._send(
            method,
            self.base_url + path,
            what,
            "REST source",
            params=params,
            json=json,
            headers=headers,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            raise self._http_error(response, body, what)
        if not isinstance(body, dict):
            raise AdapterError(
                f"REST source: {what} answered with a body that is not a JSON object",
                retryable=True,
                payload=response.text[:2000],
            )
        return body

    def _http_error(self, response, body, what):
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {"message": response.text[:300] or response.reason or ""}
        code = _str(error.get("code"))
        message = _str(error.get("message"))
        detail = f"{message} ({code})" if code else message
        payload = response.text[:2000]
        if status == 401:
            return AdapterError(
                f"REST source rejected the access token (wrong token): {detail}",
                payload=payload,
            )
        if status == 403:
            return AdapterError(
                f"REST source refused tenant {self.tenant_code!r} "
                f"(wrong tenant code): {detail}",
                payload=payload,
            )
        if status == 429 or status >= 500:
            retry = response.headers.get("Retry-After") or error.get("retry_after")
            try:
                retry_after = float(retry) if retry not in (None, "") else None
            except (TypeError, ValueError):
                retry_after = None
            return AdapterError(
                f"REST source: {what} answered HTTP {status}, retry later: {detail}",
                retryable=True,
                retry_after=retry_after,
                payload=payload,
            )
        return AdapterError(
            f"REST source: {what} answered HTTP {status}: {detail}", payload=payload
        )

    # ---- orders ----------------------------------------------------------------------
    def list_orders(self, since=None, until=None):
        """Pages of raw sales orders (dicts) matching ``status_filter``, from the
        stored ``cursor`` or else changed since ``since``."""
        cursor = self.cursor
        seen = {}
        for _page in range(MAX_PAGES):
            params = [("limit", self.page_limit)]
            if cursor:
                params.append(("cursor", cursor))
            elif since:
                params.append(("updated_since", _iso(since)))
            params += self.filters
            body = self._request(
                "GET", "/api/v1/sales-orders", params=params, what="listing orders"
            )
            records = body.get("data")
            paging = body.get("paging")
            if not isinstance(records, list) or not isinstance(paging, dict):
                raise AdapterError(
                    "REST source: the order list has no data list or paging",
                    payload=body,
                )
            page = []
            for raw in records:
                key = raw.get("id") if isinstance(raw, dict) else None
                version = raw.get("version") if isinstance(raw, dict) else None
                if not isinstance(version, int):
                    version = -1
                if key and key in seen and version <= seen[key]:
                    continue  # a repeated or stale copy
                if key:
                    seen[key] = max(version, seen.get(key, -1))
                page.append(raw)
            if page:
                yield page
            next_cursor = paging.get("next_cursor") or cursor
            self.next_cursor = next_cursor
            if not paging.get("has_more"):
                return
            if next_cursor == cursor:
                raise AdapterError(
                    f"REST source: the list says has_more but its cursor stays at "
                    f"{cursor!r}"
                )
            cursor = next_cursor
        raise AdapterError(f"REST source: the list did not end after {MAX_PAGES} pages")

    def external_id_of(self, raw):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise ParseError("REST source: a sales order without an id", payload=raw)
        return str(raw["id"])

    def updated_at_of(self, raw):
        try:
            return _with_version(
                _datetime(raw.get("updated_at"), "updated_at"), raw.get("version")
            )
        except (ValueError, AttributeError) as exc:
            raise ParseError(f"REST source: {exc}", payload=raw) from exc

    def get_orders(self, external_ids):
        orders = []
        for external_id in external_ids:
            body = self._request(
                "GET",
                f"/api/v1/sales-orders/{external_id}",
                what=f"reading sales order {external_id}",
            )
            orders.append(body.get("data"))
        return orders

    # ---- status ----------------------------------------------------------------------
    @staticmethod
    def _order_id(order):
        if isinstance(order, dict):
            order_id = order.get("external_id") or (order.get("raw") or {}).get("id")
        else:
            order_id = order
        if not order_id:
            raise AdapterError("REST source: the order has no hub id")
        return str(order_id)

    def update_status(self, order, status, **values):
        """Push ``status`` (an action ``confirm``/``prepare_shipment``/``delivered``/
        ``cancel``, or a status ``CONFIRMED``/``READY_TO_SHIP``/``DELIVERED``/
        ``CANCELLED``) with optional ``tracking_ref``, ``courier`` and ``remark``.
        Returns the order as the hub has it now, normalised, with ``unchanged``."""
        action = ACTIONS.get(_str(status).lower())
        if not action:
            raise AdapterError(
                f"REST source: cannot send status {status!r}; use confirm, "
                "prepare_shipment, delivered or cancel"
            )
        order_id = self._order_id(order)
        payload = {"action": action}
        tracking = values.get("tracking_ref") or values.get("tracking_number")
        if tracking:
            payload["tracking_number"] = str(tracking)
        courier = values.get("courier") or values.get("shipping_provider")
        if courier:
            payload["shipping_provider"] = str(courier)
        if values.get("remark"):
            payload["remark"] = str(values["remark"])
        body = self._request(
            "POST",
            f"/api/v1/sales-orders/{order_id}/status",
            json=payload,
            what=f"{action} of sales order {order_id}",
        )
        result = self.parse_order(body.get("data"))
        result["unchanged"] = bool(body.get("unchanged"))
        return result

    def accept_order(self, order):
        return self.update_status(order, "confirm")

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        result = self.update_status(
            order, "prepare_shipment", tracking_ref=tracking_ref
        )
        return {
            "tracking_ref": result["tracking_ref"] or tracking_ref or "",
            "courier": result["courier"],
            "package_id": None,
        }

    def cancel_order(self, order, reason=None):
        return self.update_status(order, "cancel", remark=reason)
