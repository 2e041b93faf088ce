"""Lazada Open Platform ("lazop") adapter.

Signing: HMAC-SHA256(app_secret, api_path + sorted "keyvalue" pairs), uppercase hex,
timestamp in epoch milliseconds. Answers are ``{"code": "0", "data"|"result": ...}``
or the error envelope ``{"code", "type", "message", "request_id"}``.
"""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from .base import AdapterError, ChannelAdapter, ParseError, TokenExpired, register
from .lazada_listings import LazadaListings
from .lazada_orders import (
    STATUS_ORDER,  # noqa: F401 (re-exported)
    LazadaOrderParser,
    _parse_datetime,
    _truthy,
)

# error codes meaning "too many calls, try again in a second"
RATE_LIMIT_CODES = {"ApiCallLimit", "E901", "901", "AppCallLimit", "SellerCallLimit"}
TOKEN_CODES = {
    "IllegalAccessToken",
    "InvalidAccessToken",
    "AccessTokenExpired",
    "ExpiredAccessToken",
    "IllegalAccessTokenExpired",
}
ITEMS_BATCH = 50
PACK_BATCH = 20
STOCK_BATCH = 20


def sign(api_path, params, secret):
    """Lazada's signature: uppercase hex HMAC-SHA256 over the API path followed by
    the sorted ``keyvalue`` pairs of every parameter except ``sign``."""
    payload = api_path + "".join(
        f"{key}{params[key]}" for key in sorted(params) if key != "sign"
    )
    return (
        hmac.new(secret.encode(), payload.encode("utf-8"), hashlib.sha256)
        .hexdigest()
        .upper()
    )


def push_signature(app_key, app_secret, body):
    """The ``Authorization`` header of a push: lowercase hex
    HMAC-SHA256(app_secret, app_key + raw body)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return hmac.new(
        app_secret.encode(), app_key.encode() + body, hashlib.sha256
    ).hexdigest()


#: the item statuses of a package made ready to ship already (an order Lazada
#: shipped, or even delivered, before its delivery is validated in Odoo)
PAST_READY_TO_SHIP = frozenset(
    {"ready_to_ship", "shipped", "delivered", "returned", "failed"}
)


def _iso(moment):
    """Naive UTC datetime -> Lazada's ISO 8601 with offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")


@register
class LazadaAdapter(LazadaOrderParser, LazadaListings, ChannelAdapter):
    platform = "lazada"
    #: list_orders() fetches the items of each page (/orders/items/get, 50 a call)
    list_returns_details = True
    cancelled_statuses = frozenset({"canceled"})
    hold_statuses = frozenset({"unpaid"})
    shipped_statuses = frozenset(
        {"packed", "ready_to_ship", "shipped", "delivered", "returned", "failed"}
    )
    #: the order and item statuses of Lazada's status filter and error list
    status_labels = {
        "unpaid": "Unpaid",
        "pending": "Pending",
        "packed": "Packed",
        "ready_to_ship": "Ready to Ship",
        "shipped": "Shipped",
        "delivered": "Delivered",
        "canceled": "Cancelled",
        "returned": "Returned",
        "failed": "Delivery Failed",
        "lost": "Lost",
        "lost_by_3pl": "Lost by the Carrier",
        "damaged_by_3pl": "Damaged by the Carrier",
        "failed_delivery": "Delivery Failed",
        "shipped_back": "Shipped Back",
        "shipped_back_success": "Returned to the Seller",
        "shipped_back_failed": "Return to the Seller Failed",
        "package_scrapped": "Package Scrapped",
    }

    # ---- transport ---------------------------------------------------------------
    def _call(self, api_path, params=None, method="GET", auth=True, base_url=None):
        conn = self.connection
        base = (base_url or conn.get("base_url") or "").rstrip("/")
        if not base:
            raise AdapterError("Lazada: no API base URL configured.")
        sys_params = {
            "app_key": str(conn.get("app_key") or ""),
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
        }
        if auth:
            sys_params["access_token"] = str(conn.get("access_token") or "")
        for key, value in (params or {}).items():
            if value is None:
                continue
            if isinstance(value, dict | list):
                value = json.dumps(value, separators=(",", ":"))
            elif isinstance(value, bool):
                value = "true" if value else "false"
            sys_params[key] = str(value)
        sys_params["sign"] = sign(api_path, sys_params, str(conn.get("app_secret")))
        url = base + api_path
        try:
            if method == "GET":
                resp = self.session.get(url, params=sys_params, timeout=self.timeout)
            else:
                resp = self.session.post(url, data=sys_params, timeout=self.timeout)
        except Exception as exc:  # requests' ConnectionError, Timeout...
            raise AdapterError(
                f"Lazada {api_path}: {exc.__class__.__name__}: {exc}", retryable=True
            ) from exc
        return self._answer(api_path, resp)

    def _answer(self, api_path, resp):
        retry_after = resp.headers.get("Retry-After")
        try:
            retry_after = float(retry_after) if retry_after is not None else None
        except ValueError:
            retry_after = None
        try:
            payload = resp.json()
        except ValueError:
            payload = None
        if resp.status_code == 429:
            raise AdapterError(
                f"Lazada {api_path}: too many requests (HTTP 429)",
                retryable=True,
                retry_after=retry_after if retry_after is not None else 1.0,
                payload=resp.text[:2000],
            )
        if resp.status_code >= 500:
            raise AdapterError(
                f"Lazada {api_path}: server error (HTTP {resp.status_code})",
                retryable=True,
                retry_after=retry_after,
                payload=resp.text[:2000],
            )
        if not isinstance(payload, dict):
            raise AdapterError(
                f"Lazada {api_path}: unreadable answer (HTTP {resp.status_code})",
                payload=resp.text[:2000],
            )
        code = str(payload.get("code", "0"))
        if code == "0":
            return payload
        message = f"Lazada {api_path}: {code} {payload.get('message') or ''}".strip()
        if code in RATE_LIMIT_CODES:
            raise AdapterError(
                message, retryable=True, retry_after=retry_after or 1.0, payload=payload
            )
        if code in TOKEN_CODES and not api_path.startswith("/auth/"):
            raise TokenExpired(message, payload=payload)
        raise AdapterError(message, payload=payload)

    # ---- orders ------------------------------------------------------------------
    def list_orders(self, since, until=None):
        limit = max(1, min(int(self.connection.get("page_limit") or 20), 100))
        offset = 0
        while True:
            params = {
                "update_after": _iso(since),
                "sort_by": "updated_at",
                "sort_direction": "ASC",
                "offset": offset,
                "limit": limit,
            }
            if until:
                params["update_before"] = _iso(until)
            if self.connection.get("status_filter"):
                params["status"] = self.connection["status_filter"]
            data = self._call("/orders/get", params).get("data") or {}
            orders = data.get("orders") or []
            if not orders:
                return
            self._attach_items(orders)
            yield orders
            offset += len(orders)
            total = data.get("countTotal", data.get("count"))
            if len(orders) < limit or (
                isinstance(total, int) and total and offset >= total
            ):
                return

    def _attach_items(self, orders):
        """Give each raw order its ``items`` (/orders/items/get, 50 orders a call)."""
        by_id = {}
        for order in orders:
            if isinstance(order, dict) and order.get("order_id") not in (None, ""):
                by_id[str(order["order_id"])] = order
        ids = list(by_id)
        for start in range(0, len(ids), ITEMS_BATCH):
            chunk = ids[start : start + ITEMS_BATCH]
            data = self._call(
                "/orders/items/get",
                {"order_ids": "[" + ",".join(chunk) + "]"},
            ).get("data")
            for entry in data or []:
                order = by_id.get(str(entry.get("order_id")))
                if order is not None:
                    order["items"] = entry.get("order_items") or []

    def external_id_of(self, raw):
        try:
            value = raw["order_id"]
        except (KeyError, TypeError) as exc:
            raise ParseError("Lazada order without order_id", payload=raw) from exc
        if value in (None, "") or not str(value).strip().isdigit():
            raise ParseError(f"Lazada order id {value!r} is not valid", payload=raw)
        return str(value)

    def updated_at_of(self, raw):
        try:
            return _parse_datetime(raw["updated_at"])
        except (KeyError, TypeError, ValueError):
            return None

    def get_orders(self, external_ids):
        orders = []
        for external_id in external_ids:
            data = self._call("/order/get", {"order_id": external_id}).get("data")
            if data:
                orders.append(data)
        self._attach_items(orders)
        return orders

    # ---- fulfilment --------------------------------------------------------------
    @staticmethod
    def _raw_items(order, open_only=True):
        items = (order.get("raw") or {}).get("items") or []
        if open_only:
            items = [
                i for i in items if i.get("status") not in ("canceled", "returned")
            ]
        return items

    def _shipment_provider(self):
        code = self.connection.get("shipment_provider")
        if code:
            return code
        data = self._call("/order/shipment/providers/get").get("data") or {}
        providers = data.get("shipment_providers") or data.get("providers") or []
        if isinstance(data, list):
            providers = data
        for provider in providers:
            code = provider.get("provider_code") or provider.get("name")
            if code:
                return code
        return None

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        external_id = order["external_id"]
        items = self._raw_items(order)
        package_id = next(
            (p.get("id") for p in order.get("packages") or [] if p.get("id")), None
        ) or next((i["package_id"] for i in items if i.get("package_id")), None)
        tracking = tracking_ref or ""
        courier = ""
        if not package_id:
            package_id, tracking, courier = self._pack_order(
                external_id, items, tracking
            )
        if not any(i.get("status") in PAST_READY_TO_SHIP for i in items):
            self._ready_to_ship(package_id)
        if not tracking:
            tracking = next(
                (i.get("tracking_code") for i in items if i.get("tracking_code")), ""
            )
        return {"tracking_ref": tracking, "courier": courier, "package_id": package_id}

    def _pack_order(self, external_id, items, tracking):
        """Pack the open ``items`` of the order: (package id, tracking number,
        courier), ``tracking`` kept when the pack gives none."""
        if not items:
            raise AdapterError(f"Lazada order {external_id} has no open item.")
        pack_req = {
            "pack_order_list": [
                {
                    "order_id": int(external_id),
                    "order_item_list": [int(i["order_item_id"]) for i in items],
                }
            ],
            "delivery_type": "dropship",
            "shipping_allocate_type": "TFS",
        }
        provider = self._shipment_provider()
        if provider:
            pack_req["shipment_provider_code"] = provider
        result = (
            self._call("/order/fulfill/pack", {"packReq": pack_req}, method="POST").get(
                "result"
            )
            or {}
        )
        package_id = None
        courier = ""
        packed = (result.get("data") or {}).get("pack_order_list") or []
        for packed_order in packed:
            for item in packed_order.get("order_item_list") or []:
                if str(item.get("item_err_code", "0")) != "0":
                    raise AdapterError(
                        f"Lazada pack of order {external_id}: "
                        f"{item.get('msg') or item.get('item_err_code')}",
                        payload=result,
                    )
                package_id = package_id or item.get("package_id")
                tracking = item.get("tracking_number") or tracking
                courier = item.get("shipment_provider") or courier
        if not package_id:
            raise AdapterError(
                f"Lazada pack of order {external_id} returned no package",
                payload=result,
            )
        return package_id, tracking, courier

    def _ready_to_ship(self, package_id):
        result = (
            self._call(
                "/order/package/rts",
                {"readyToShipReq": {"packages": [{"package_id": package_id}]}},
                method="POST",
            ).get("result")
            or {}
        )
        for package in (result.get("data") or {}).get("packages") or []:
            if str(package.get("item_err_code", "0")) != "0":
                raise AdapterError(
                    f"Lazada ready-to-ship of {package_id}: "
                    f"{package.get('msg') or package.get('item_err_code')}",
                    payload=result,
                )

    def get_label(self, order):
        package_ids = [p["id"] for p in order.get("packages") or [] if p.get("id")]
        if not package_ids:
            package_ids = sorted(
                {i["package_id"] for i in self._raw_items(order) if i.get("package_id")}
            )
        if not package_ids:
            raise AdapterError(
                f"Lazada order {order['external_id']} is not packed: no label yet."
            )
        result = (
            self._call(
                "/order/package/document/get",
                {
                    "getDocumentReq": {
                        "doc_type": "PDF",
                        "packages": [{"package_id": p} for p in package_ids],
                        "print_item_list": False,
                    }
                },
                method="POST",
            ).get("result")
            or {}
        )
        data = result.get("data") or {}
        if data.get("file"):
            return base64.b64decode(data["file"])
        if data.get("pdf_url"):
            resp = self.session.get(data["pdf_url"], timeout=self.timeout)
            if resp.status_code == 200:
                return resp.content
        raise AdapterError(
            f"Lazada returned no label for order {order['external_id']}",
            payload=result,
        )

    def set_invoice_number(self, order, invoice_number):
        for item in self._raw_items(order):
            self._call(
                "/order/invoice_number/set",
                {
                    "order_item_id": item["order_item_id"],
                    "invoice_number": invoice_number,
                },
                method="POST",
            )
        return True

    def cancel_decision(self, order, approve, reason=None):
        items = self._raw_items(order, open_only=False)
        reverse_ids = sorted(
            {
                str(i["reverse_order_id"])
                for i in items
                if i.get("reverse_order_id") and _truthy(i.get("need_cancel_confirm"))
            }
        ) or sorted(
            {str(i["reverse_order_id"]) for i in items if i.get("reverse_order_id")}
        )
        if not reverse_ids:
            raise AdapterError(
                f"Lazada order {order['external_id']} has no cancellation request."
            )
        for reverse_id in reverse_ids:
            params = {"reverse_order_id": reverse_id, "agree_cancel": bool(approve)}
            if not approve:
                params["reason_code"] = reason or "seller_reject"
            self._call("/order/reverse/cancel/seller/decide", params, method="POST")
        return True

    # ---- stock -------------------------------------------------------------------
    @staticmethod
    def _stock_sku_xml(sku, entries):
        """One ``<Sku>``: its quantity, or with items carrying a ``location``
        (a multi-warehouse seller's ``WarehouseCode``), its
        ``MultiWarehouseInventories``."""
        located = [item for item in entries if item.get("location")]
        if not located:
            return "<Sku><SellerSku>{}</SellerSku><Quantity>{}</Quantity></Sku>".format(
                escape(str(sku)), max(int(entries[-1]["quantity"]), 0)
            )
        inventories = "".join(
            "<MultiWarehouseInventory><WarehouseCode>{}</WarehouseCode>"
            "<Quantity>{}</Quantity></MultiWarehouseInventory>".format(
                escape(str(item["location"])), max(int(item["quantity"]), 0)
            )
            for item in located
        )
        return (
            f"<Sku><SellerSku>{escape(str(sku))}</SellerSku>"
            f"<MultiWarehouseInventories>{inventories}</MultiWarehouseInventories></Sku>"
        )

    def update_stock(self, items):
        failures = []
        by_sku = {}
        for item in items:
            by_sku.setdefault(item["sku"], []).append(item)
        skus_todo = list(by_sku.items())
        for start in range(0, len(skus_todo), STOCK_BATCH):
            batch = skus_todo[start : start + STOCK_BATCH]
            chunk = [item for _sku, entries in batch for item in entries[:1]]
            skus = "".join(self._stock_sku_xml(sku, entries) for sku, entries in batch)
            payload = f"<Request><Product><Skus>{skus}</Skus></Product></Request>"
            try:
                answer = self._call(
                    "/product/price_quantity/update",
                    {"payload": payload},
                    method="POST",
                )
            except TokenExpired:
                raise
            except AdapterError as exc:
                if exc.retryable:
                    raise
                details = (
                    exc.payload.get("detail") if isinstance(exc.payload, dict) else None
                )
                if not details:
                    failures += [
                        {"sku": item["sku"], "message": str(exc)} for item in chunk
                    ]
                    continue
                answer = exc.payload
            for detail in answer.get("detail") or []:
                failures.append(
                    {
                        "sku": detail.get("seller_sku"),
                        "message": detail.get("message") or "",
                    }
                )
        return failures

    # ---- tokens ------------------------------------------------------------------
    def _tokens(self, payload):
        data = payload.get("data") if isinstance(payload.get("data"), dict) else payload
        now = time.time()

        def moment(seconds):
            if not seconds:
                return None
            return datetime.fromtimestamp(now + int(seconds), UTC).replace(tzinfo=None)

        return {
            "access_token": data.get("access_token"),
            "refresh_token": data.get("refresh_token"),
            "expires_at": moment(data.get("expires_in")),
            "refresh_expires_at": moment(data.get("refresh_expires_in")),
        }

    def _auth_url(self):
        return self.connection.get("auth_url") or self.connection.get("base_url")

    def refresh_access_token(self):
        payload = self._call(
            "/auth/token/refresh",
            {"refresh_token": self.connection.get("refresh_token")},
            auth=False,
            base_url=self._auth_url(),
        )
        return self._tokens(payload)

    def create_access_token(self, code):
        payload = self._call(
            "/auth/token/create", {"code": code}, auth=False, base_url=self._auth_url()
        )
        return self._tokens(payload)

    def authorize_url(self, redirect_uri, state=None):
        from urllib.parse import urlencode

        query = {
            "response_type": "code",
            "force_auth": "true",
            "redirect_uri": redirect_uri,
            "client_id": self.connection.get("app_key"),
        }
        if state:
            query["state"] = state
        return "https://auth.lazada.com/oauth/authorize?" + urlencode(query)

    # ---- webhooks ----------------------------------------------------------------
    def verify_webhook(self, headers, body, url=None):
        received = ""
        for key, value in (headers or {}).items():
            if key.lower() == "authorization":
                received = value or ""
                break
        expected = push_signature(
            str(self.connection.get("app_key") or ""),
            str(self.connection.get("app_secret") or ""),
            body or b"",
        )
        return hmac.compare_digest(received.strip().lower().encode(), expected.encode())

    def parse_webhook(self, body):
        message = json.loads(body)
        if not isinstance(message, dict) or message.get("message_type", 0) not in (
            0,
            "0",
        ):
            return []
        data = message.get("data") or {}
        if not isinstance(data, dict):
            return []
        order_id = data.get("trade_order_id")
        if not order_id or isinstance(order_id, dict | list):
            return []
        stamp = data.get("status_update_time") or message.get("timestamp")
        try:
            updated_at = _parse_datetime(stamp) if stamp else None
        except (TypeError, ValueError, OverflowError, OSError):
            updated_at = None
        return [
            {
                "external_id": str(order_id),
                "event": str(data.get("order_status") or ""),
                "updated_at": updated_at,
            }
        ]
