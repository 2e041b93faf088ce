"""Shopee Open Platform v2 adapter.

Protocol (API_FACTS section 2):

- common parameters in the query string: ``partner_id``, ``timestamp`` (epoch
  seconds), ``sign``, plus ``access_token`` and ``shop_id`` for shop APIs; GET business
  parameters in the query, POST ones as a JSON body (not signed);
- ``sign`` = lowercase hex HMAC-SHA256(partner_key, partner_id + path + timestamp
  [+ access_token + shop_id]);
- envelope ``{request_id, error, message, warning, response}`` (``error`` "" = OK); the
  auth endpoints answer with their fields at the top level.

Connection: ``app_key`` = partner_id, ``app_secret`` = partner_key, ``shop_id``,
``access_token``, ``refresh_token``, ``page_limit`` (≤ 100), ``timeout``,
``webhook_url`` (the push callback URL, part of the push signature).

Lines keep ``item_ref`` = ``"<item_id>:<model_id>"`` (``model_id`` 0 when the item has
no variants): :meth:`ShopeeAdapter.update_stock` needs it.

Money (MORE_API_FACTS section 5, SETTLEMENT_FACTS section 2): get_order_detail has
only ``total_amount`` and the item prices; who paid what is in the payment API's
escrow detail (``order_income``), which ``get_orders`` adds to each paid order
(``escrow_detail``, one ``get_escrow_detail_batch`` per page of orders). An unpaid
order has none yet: its ``amounts`` are guessed and say ``split_known`` False
(:meth:`~.shopee_orders.ShopeeOrderParser._order_amounts`). Once it is paid, the
next import reads the real split (the engine updates the order's channel amounts,
not the lines it made from the guess).
"""

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta

from .base import AdapterError, ChannelAdapter, TokenExpired, register
from .shopee_labels import ShopeeLabels
from .shopee_listings import ShopeeListings
from .shopee_orders import ShopeeOrderParser
from .tools import batches, from_epoch, parse_retry_after, signature_matches, to_epoch
from .tools import push_time as _push_time

_logger = logging.getLogger(__name__)

#: get_order_list: time_from..time_to at most 15 days apart
MAX_WINDOW = 15 * 24 * 3600
DETAIL_BATCH = 50
#: get_escrow_detail_batch takes 1 to 50 order_sn (SETTLEMENT_FACTS section 2)
ESCROW_BATCH = 50
#: orders without an escrow detail yet
UNPAID_STATUSES = ("UNPAID",)
STOCK_BATCH = 50
ACCESS_TOKEN_LIFE = 4 * 3600
REFRESH_TOKEN_LIFE = 30 * 24 * 3600
DETAIL_FIELDS = (
    "buyer_user_id,buyer_username,estimated_shipping_fee,recipient_address,"
    "actual_shipping_fee,note,item_list,pay_time,buyer_cancel_reason,cancel_by,"
    "cancel_reason,fulfillment_flag,pickup_done_time,package_list,shipping_carrier,"
    "payment_method,total_amount,invoice_data"
)
TOKEN_ERRORS = {
    "error_auth",
    "error_token",
    "invalid_access_token",
    "invalid_acceess_token",  # sic, as some Shopee endpoints spell it
    "error_invalid_access_token",
}
#: shipment arranged: get_order_detail is completed with get_tracking_number
TRACKED_STATUSES = ("PROCESSED", "RETRY_SHIP", "SHIPPED")


def split_ref(ref):
    """``"item_id:model_id"`` -> (int item_id, int model_id)."""
    parts = str(ref or "").split(":")
    if not parts[0].strip().isdigit():
        raise ValueError(f"bad Shopee item reference {ref!r}")
    model = parts[1].strip() if len(parts) > 1 and parts[1].strip() else "0"
    return int(parts[0]), int(model)


def _pickup_address(addresses, pickup, params):
    """The pickup address ``pickup["address"]`` names (an address id, or a dict
    with a ``zip``), else the pickup/default one, else the first."""
    wanted = pickup.get("address")
    address = None
    if wanted not in (None, ""):
        address = next(
            (a for a in addresses if str(a.get("address_id")) == str(wanted)), None
        )
    if address is None and isinstance(wanted, dict) and wanted.get("zip"):
        address = next(
            (a for a in addresses if a.get("zipcode") == wanted["zip"]), None
        )
    if address is None:
        address = next(
            (
                a
                for a in addresses
                if "pickup_address" in (a.get("address_flag") or [])
                or "default_address" in (a.get("address_flag") or [])
            ),
            addresses[0] if addresses else None,
        )
    if address is None:
        raise AdapterError("Shopee: no pickup address for this order", payload=params)
    return address


def _pickup_slot(slots, pickup):
    """The time slot ``pickup["time_slot"]`` (id or text) or ``pickup["date"]``
    names, else the first (None when there is none)."""
    slot = None
    wanted_slot, wanted_date = pickup.get("time_slot"), pickup.get("date")
    if wanted_slot not in (None, ""):
        slot = next(
            (
                s
                for s in slots
                if str(wanted_slot)
                in (str(s.get("pickup_time_id")), s.get("time_text"))
            ),
            None,
        )
    if slot is None and wanted_date not in (None, ""):
        day = wanted_date if isinstance(wanted_date, str) else str(wanted_date)[:10]
        slot = next(
            (
                s
                for s in slots
                if from_epoch(s.get("date"))
                and from_epoch(s["date"]).date().isoformat() == day[:10]
            ),
            None,
        )
    if slot is None:
        slot = slots[0] if slots else None
    return slot


@register
class ShopeeAdapter(ShopeeOrderParser, ShopeeLabels, ShopeeListings, ChannelAdapter):
    platform = "shopee"
    list_returns_details = False
    cancelled_statuses = frozenset({"CANCELLED"})
    hold_statuses = frozenset({"UNPAID", "INVOICE_PENDING"})
    shipped_statuses = frozenset(
        {"SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED", "TO_RETURN"}
    )
    #: Shopee's OrderStatus values (v2 data definitions)
    status_labels = {
        "UNPAID": "Unpaid",
        "READY_TO_SHIP": "Ready to Ship",
        "PROCESSED": "Shipment Arranged",
        "RETRY_SHIP": "Pickup Failed, to Retry",
        "SHIPPED": "Shipped",
        "TO_CONFIRM_RECEIVE": "Delivered, to Confirm by the Buyer",
        "IN_CANCEL": "Cancellation in Progress",
        "CANCELLED": "Cancelled",
        "TO_RETURN": "Return Requested",
        "COMPLETED": "Completed",
        "INVOICE_PENDING": "Invoice Pending",
    }

    # ---- transport -------------------------------------------------------------------
    @property
    def base_url(self):
        return (self.connection.get("base_url") or "").rstrip("/")

    @property
    def partner_id(self):
        return int(self.connection.get("app_key") or 0)

    @property
    def partner_key(self):
        return self.connection.get("app_secret") or ""

    @property
    def shop_id(self):
        return int(self.connection.get("shop_id") or 0)

    def sign(self, path, timestamp, shop=True):
        base = f"{self.partner_id}{path}{timestamp}"
        if shop:
            base += f"{self.connection.get('access_token') or ''}{self.shop_id}"
        return hmac.new(
            self.partner_key.encode(), base.encode(), hashlib.sha256
        ).hexdigest()

    def _common(self, path, shop=True):
        timestamp = int(time.time())
        params = {
            "partner_id": self.partner_id,
            "timestamp": timestamp,
            "sign": self.sign(path, timestamp, shop),
        }
        if shop:
            params["access_token"] = self.connection.get("access_token") or ""
            params["shop_id"] = self.shop_id
        return params

    def _request(self, method, path, params=None, body=None, shop=True):
        query = self._common(path, shop)
        if method == "GET":
            query.update(
                {k: v for k, v in (params or {}).items() if v not in (None, "")}
            )
        return self._send(
            method,
            self.base_url + path,
            path,
            "Shopee",
            params=query,
            json=body if method != "GET" else None,
        )

    def _check_http(self, path, resp):
        self._raise_if_overloaded(resp, f"Shopee {path}", ("message", "error"))

    def _decode(self, path, resp):
        self._check_http(path, resp)
        data = self._json_object(resp, f"Shopee {path}")
        error = data.get("error") or ""
        if error:
            message = data.get("message") or error
            response = data.get("response")
            rows = response.get("result_list") if isinstance(response, dict) else None
            details = [
                f"{r.get('fail_error')}: {r.get('fail_message') or ''}".strip()
                for r in rows or []
                if isinstance(r, dict) and r.get("fail_error")
            ]
            if details:
                message = f"{message} ({'; '.join(details)})"
            text = f"Shopee {path}: {error}: {message}"
            lowered = f"{error} {message}".lower()
            if (error in TOKEN_ERRORS and "access_token" in lowered) or (
                "access_token" in lowered
                and ("expire" in lowered or "invalid" in lowered)
            ):
                raise TokenExpired(text, payload=data)
            if error == "error_server" and "too many" in lowered:
                raise AdapterError(
                    text,
                    retryable=True,
                    retry_after=parse_retry_after(resp.headers.get("Retry-After")),
                    payload=data,
                )
            if error in ("error_server", "error_busy", "error_inner_error"):
                raise AdapterError(text, retryable=True, payload=data)
            raise AdapterError(text, payload=data)
        if resp.status_code >= 400:
            raise AdapterError(f"Shopee {path}: HTTP {resp.status_code}", payload=data)
        return data

    def call(self, method, path, params=None, body=None, shop=True):
        """One API call; returns the envelope's ``response`` (or the whole answer
        for the auth endpoints, which have no ``response``)."""
        data = self._decode(path, self._request(method, path, params, body, shop))
        return data["response"] if "response" in data else data

    # ---- orders ----------------------------------------------------------------------
    def list_orders(self, since, until=None):
        end = to_epoch(until) if until is not None else int(time.time()) + 1
        start = to_epoch(since) if since is not None else end - MAX_WINDOW
        page_size = min(max(int(self.connection.get("page_limit") or 100), 1), 100)
        while start < end:
            chunk_end = min(start + MAX_WINDOW, end)
            cursor = ""
            while True:
                response = self.call(
                    "GET",
                    "/api/v2/order/get_order_list",
                    {
                        "time_range_field": "update_time",
                        "time_from": start,
                        # [since, until): time_to is inclusive on Shopee
                        "time_to": chunk_end - 1,
                        "page_size": page_size,
                        "cursor": cursor,
                        "response_optional_fields": "order_status",
                    },
                )
                orders = response.get("order_list") or []
                if orders:
                    yield orders
                next_cursor = response.get("next_cursor") or ""
                if not response.get("more") or not next_cursor:
                    break
                if next_cursor == cursor:
                    raise AdapterError(
                        "Shopee get_order_list: the cursor does not move",
                        payload=response,
                    )
                cursor = next_cursor
            start = chunk_end

    def external_id_of(self, raw):
        return str(raw.get("order_sn") or raw.get("ordersn") or "")

    def get_orders(self, external_ids):
        ids = [str(x) for x in external_ids if x]
        result = []
        for batch in batches(ids, DETAIL_BATCH):
            response = self.call(
                "GET",
                "/api/v2/order/get_order_detail",
                {
                    "order_sn_list": ",".join(batch),
                    "response_optional_fields": DETAIL_FIELDS,
                },
            )
            page = response.get("order_list") or []
            self._add_escrow_details(page)
            result.extend(page)
        for raw in result:
            self._add_tracking_numbers(raw)
        return result

    def _add_escrow_details(self, orders):
        """The money split of an order is in its escrow detail (order_income), not
        in get_order_detail: one ``get_escrow_detail_batch`` per page of orders (the
        paid ones), kept in each order's ``escrow_detail`` (what parse_order reads).
        An order without one (unpaid, or the call refused) keeps none: its split is
        then guessed (``amounts["split_known"]`` False)."""
        paid = {
            raw["order_sn"]: raw
            for raw in orders
            if isinstance(raw, dict)
            and isinstance(raw.get("order_sn"), str)
            and raw.get("order_status") not in UNPAID_STATUSES
        }
        for batch in batches(sorted(paid), ESCROW_BATCH):
            try:
                response = self.call(
                    "POST",
                    "/api/v2/payment/get_escrow_detail_batch",
                    body={"order_sn_list": batch},
                )
            except TokenExpired:
                raise
            except AdapterError as exc:
                if exc.retryable:
                    raise
                _logger.info("Shopee escrow details refused, split guessed: %s", exc)
                continue
            for entry in response if isinstance(response, list) else []:
                detail = entry.get("escrow_detail") if isinstance(entry, dict) else None
                if isinstance(detail, dict) and detail.get("order_sn") in paid:
                    paid[detail["order_sn"]]["escrow_detail"] = detail

    def _add_tracking_numbers(self, raw):
        """get_order_detail has no tracking numbers: once the shipment is arranged,
        ask get_tracking_number per package and keep it in the package's
        ``tracking_number`` (what parse_order reads)."""
        if not isinstance(raw, dict) or raw.get("order_status") not in TRACKED_STATUSES:
            return
        for package in raw.get("package_list") or []:
            if not isinstance(package, dict) or package.get("tracking_number"):
                continue
            try:
                package["tracking_number"] = self.get_tracking_number(
                    raw.get("order_sn"), package.get("package_number")
                )
            except TokenExpired:
                raise
            except AdapterError as exc:
                if exc.retryable:
                    raise
                _logger.info(
                    "Shopee %s: no tracking number: %s", raw.get("order_sn"), exc
                )

    # ---- fulfilment ------------------------------------------------------------------
    def _order_sn(self, order):
        return self._order_ref(order, "Shopee: the order has no order_sn")

    def _package_numbers(self, order):
        numbers = [p.get("id") for p in order.get("packages") or [] if p.get("id")]
        if not numbers:
            raw = order.get("raw") or {}
            numbers = [
                p.get("package_number")
                for p in raw.get("package_list") or []
                if p.get("package_number")
            ]
        return numbers or [None]

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        order_sn = self._order_sn(order)
        method = (method or "dropoff").lower()
        if method not in ("pickup", "dropoff", "manual", "non_integrated"):
            raise AdapterError(f"Shopee: unknown shipping method {method!r}")
        if method in ("manual", "non_integrated") and not tracking_ref:
            raise AdapterError("Shopee: a seller-shipped order needs a tracking number")
        results = []
        for package_number in self._package_numbers(order):
            params = self.call(
                "GET",
                "/api/v2/logistics/get_shipping_parameter",
                {"order_sn": order_sn, "package_number": package_number},
            )
            offered = params.get("info_needed") or {}
            wanted = "non_integrated" if method == "manual" else method
            if wanted not in offered:
                raise AdapterError(
                    f"Shopee {order_sn}: its logistics channel does not offer {wanted} "
                    f"(offers: {', '.join(sorted(offered)) or 'nothing'})",
                    payload=params,
                )
            body = {"order_sn": order_sn}
            if package_number:
                body["package_number"] = package_number
            if method == "pickup":
                body["pickup"] = self._pickup_params(params, pickup or {}, tracking_ref)
            elif method == "dropoff":
                body["dropoff"] = self._dropoff_params(
                    params, pickup or {}, tracking_ref
                )
            else:
                body["non_integrated"] = {"tracking_number": tracking_ref}
            self.call("POST", "/api/v2/logistics/ship_order", body=body)
            tracking = tracking_ref if method in ("manual", "non_integrated") else ""
            if not tracking:
                tracking = self.get_tracking_number(order_sn, package_number)
            results.append(
                {"package_id": package_number or "", "tracking_ref": tracking or ""}
            )
        courier = (
            order.get("courier")
            or (order.get("raw") or {}).get("shipping_carrier")
            or ""
        )
        return {
            "tracking_ref": results[0]["tracking_ref"],
            "courier": courier,
            "package_id": results[0]["package_id"],
            "packages": results,
        }

    @staticmethod
    def _pickup_params(params, pickup, tracking_ref):
        needed = (params.get("info_needed") or {}).get("pickup")
        info = params.get("pickup") or {}
        address = _pickup_address(info.get("address_list") or [], pickup, params)
        slot = _pickup_slot(address.get("time_slot_list") or [], pickup)
        result = {"address_id": address.get("address_id")}
        if slot is not None:
            result["pickup_time_id"] = slot.get("pickup_time_id")
        elif needed and "pickup_time_id" in needed:
            raise AdapterError("Shopee: no pickup time slot available", payload=params)
        if tracking_ref and needed and "tracking_no" in needed:
            result["tracking_number"] = tracking_ref
        return result

    @staticmethod
    def _dropoff_params(params, dropoff, tracking_ref):
        needed = (params.get("info_needed") or {}).get("dropoff") or []
        info = params.get("dropoff") or {}
        result = {}
        if "branch_id" in needed:
            branch = dropoff.get("branch_id") or next(
                (b.get("branch_id") for b in info.get("branch_list") or []), None
            )
            if branch is None:
                raise AdapterError(
                    "Shopee: no drop-off branch available", payload=params
                )
            result["branch_id"] = branch
        if "sender_real_name" in needed:
            result["sender_real_name"] = dropoff.get("sender_real_name") or ""
        if "tracking_no" in needed:
            result["tracking_number"] = tracking_ref or ""
        if "slug" in needed:
            result["slug"] = dropoff.get("slug") or next(
                (s.get("slug") for s in info.get("slug_list") or []), ""
            )
        return result

    def get_tracking_number(self, order_sn, package_number=None):
        """The tracking number of a shipped order/package ("" while the logistics
        partner has not given one yet)."""
        response = self.call(
            "GET",
            "/api/v2/logistics/get_tracking_number",
            {"order_sn": order_sn, "package_number": package_number},
        )
        return response.get("tracking_number") or ""

    def cancel_decision(self, order, approve, reason=None):
        response = self.call(
            "POST",
            "/api/v2/order/handle_buyer_cancellation",
            body={
                "order_sn": self._order_sn(order),
                "operation": "ACCEPT" if approve else "REJECT",
            },
        )
        return {"updated_at": from_epoch(response.get("update_time"))}

    # ---- stock -----------------------------------------------------------------------
    @staticmethod
    def _seller_stock(entries):
        """``seller_stock`` of one model: per ``location_id`` where the items
        carry a ``location``, else one stock."""
        located = [item for item in entries if item.get("location")]
        if not located:
            return [{"stock": max(int(entries[-1].get("quantity") or 0), 0)}]
        return [
            {
                "location_id": str(item["location"]),
                "stock": max(int(item.get("quantity") or 0), 0),
            }
            for item in located
        ]

    def update_stock(self, items):
        failures = []
        by_item = {}
        for item in items:
            try:
                item_id, model_id = split_ref(item.get("item_ref"))
            except ValueError as exc:
                failures.append({"sku": item.get("sku"), "message": str(exc)})
                continue
            # items of the same model with a ``location``: one seller_stock each
            by_item.setdefault(item_id, {}).setdefault(model_id, []).append(item)
        for item_id, by_model in by_item.items():
            models = list(by_model.items())
            for index in range(0, len(models), STOCK_BATCH):
                batch = models[index : index + STOCK_BATCH]
                skus = {model_id: entries[0].get("sku") for model_id, entries in batch}
                body = {
                    "item_id": item_id,
                    "stock_list": [
                        {
                            "model_id": model_id,
                            "seller_stock": self._seller_stock(entries),
                        }
                        for model_id, entries in batch
                    ],
                }
                try:
                    response = self.call(
                        "POST", "/api/v2/product/update_stock", body=body
                    )
                except AdapterError as exc:
                    if exc.retryable or isinstance(exc, TokenExpired):
                        raise
                    failures.extend(
                        {"sku": sku, "message": str(exc)} for sku in skus.values()
                    )
                    continue
                for failure in response.get("failure_list") or []:
                    model_id = int(failure.get("model_id") or 0)
                    failures.append(
                        {
                            "sku": skus.get(model_id, f"{item_id}:{model_id}"),
                            "message": failure.get("failed_reason") or "failed",
                        }
                    )
        return failures

    # ---- tokens ----------------------------------------------------------------------
    def _token_call(self, path, body):
        try:
            data = self.call("POST", path, body=body, shop=False)
        except TokenExpired as exc:  # an auth failure here is not an expired access
            raise AdapterError(str(exc), payload=exc.payload) from exc
        if not data.get("access_token"):
            raise AdapterError(f"Shopee {path}: no access_token in {data!r:.200}")
        now = datetime.now(UTC).replace(tzinfo=None)
        return self._keep_tokens(
            data,
            now + timedelta(seconds=int(data.get("expire_in") or ACCESS_TOKEN_LIFE)),
            now + timedelta(seconds=REFRESH_TOKEN_LIFE),
        )

    def create_access_token(self, code):
        return self._token_call(
            "/api/v2/auth/token/get",
            {"code": code, "partner_id": self.partner_id, "shop_id": self.shop_id},
        )

    def refresh_access_token(self):
        refresh_token = self._refresh_token("Shopee")
        return self._token_call(
            "/api/v2/auth/access_token/get",
            {
                "refresh_token": refresh_token,
                "partner_id": self.partner_id,
                "shop_id": self.shop_id,
            },
        )

    def authorize_url(self, redirect_uri, state=None):
        """The shop authorisation page (``auth_partner``, public signature); Shopee
        redirects to ``redirect_uri`` with ``?code=&shop_id=``."""
        from urllib.parse import urlencode

        path = "/api/v2/shop/auth_partner"
        query = self._common(path, shop=False)
        query["redirect"] = redirect_uri
        return f"{self.base_url}{path}?{urlencode(query)}"

    # ---- webhooks --------------------------------------------------------------------
    def verify_webhook(self, headers, body, url=None):
        url = url or self.connection.get("webhook_url") or ""
        body = body.encode() if isinstance(body, str) else body or b""
        return signature_matches(headers, self.partner_key, url.encode() + b"|" + body)

    def parse_webhook(self, body):
        data, payload = self._push_payload(body, "Shopee push")
        events = {3: "order_status", 4: "tracking_number", 15: "shipping_document"}
        code = data.get("code")
        event = events.get(code) if isinstance(code, int) else None
        order_sn = payload.get("ordersn") or payload.get("order_sn")
        if not event or not order_sn:
            return []
        when = payload.get("update_time") or data.get("timestamp")
        return [
            {
                "external_id": str(order_sn),
                "event": event,
                "status": payload.get("status") or "",
                "updated_at": _push_time(when),
            }
        ]
