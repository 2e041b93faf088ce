"""TikTok Shop Partner API (202309) adapter; migrated Tokopedia shops are TikTok
Shop shops and go through it too (API_FACTS sections 3 and 4).

Protocol:

- query parameters ``app_key``, ``timestamp`` (epoch seconds), ``sign``, and
  ``shop_cipher`` for shop APIs; the access token goes in the ``x-tts-access-token``
  header; JSON bodies;
- ``sign`` = lowercase hex HMAC-SHA256(app_secret, app_secret + path + sorted
  ``key+value`` of the query (without ``sign`` and ``access_token``) + raw body +
  app_secret);
- envelope ``{code, message, request_id, data}``, ``code`` 0 = OK;
- tokens: ``/api/v2/token/get`` and ``/api/v2/token/refresh`` on the auth host
  (the connection's ``auth_url`` when it differs from ``base_url``, else
  ``auth.tiktok-shops.com`` for the production API host, else ``base_url``),
  unsigned; ``*_expire_in`` are absolute Unix timestamps.

Connection: ``app_key``, ``app_secret``, ``access_token``, ``refresh_token``,
``shop_cipher``, ``page_limit`` (≤ 100), ``timeout``.

Lines keep ``item_ref`` = ``"<product_id>:<sku_id>"`` (optionally
``":<warehouse_id>"`` appended by the caller, or the stock item's ``location``):
:meth:`TikTokAdapter.update_stock` needs the product id, the API updates
inventory per product (every warehouse of a SKU in one call).
"""

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote, urlsplit

from .base import AdapterError, ChannelAdapter, TokenExpired, register
from .tiktok_listings import TikTokListings
from .tiktok_orders import TikTokOrderParser
from .tools import batches, from_epoch, parse_retry_after, signature_matches, to_epoch
from .tools import push_time as _push_time

_logger = logging.getLogger(__name__)

PRODUCTION_API_HOST = "open-api.tiktokglobalshop.com"
PRODUCTION_AUTH_URL = "https://auth.tiktok-shops.com"
DETAIL_BATCH = 50
CANCEL_PAGE = 50
MAX_STOCK = 99999
#: envelope codes
RATE_LIMITED = {36009002}
TOKEN_CODES = {105001, 105002}
RETRYABLE_CODES = {36009002, 36009003, 10000001}
DEFAULT_REJECT_REASON = "seller_reject_apply_product_has_been_packed"


def tts_sign(app_secret, path, query, body=b""):
    """TikTok Shop request signature (API_FACTS section 3)."""
    pairs = sorted(
        (k, v) for k, v in query.items() if k not in ("sign", "access_token")
    )
    text = path + "".join(f"{k}{v}" for k, v in pairs)
    if body:
        text += body.decode("utf-8") if isinstance(body, bytes) else body
    wrapped = f"{app_secret}{text}{app_secret}"
    return hmac.new(app_secret.encode(), wrapped.encode(), hashlib.sha256).hexdigest()


@register
class TikTokAdapter(TikTokOrderParser, TikTokListings, ChannelAdapter):
    platform = "tiktok"
    #: orders/search answers full orders
    list_returns_details = True
    cancelled_statuses = frozenset({"CANCELLED"})
    hold_statuses = frozenset({"UNPAID", "ON_HOLD"})
    shipped_statuses = frozenset({"IN_TRANSIT", "DELIVERED", "COMPLETED"})
    #: TikTok Shop's order statuses (Tokopedia's orders on TikTok Shop alike)
    status_labels = {
        "UNPAID": "Unpaid",
        "ON_HOLD": "On Hold",
        "AWAITING_SHIPMENT": "Awaiting Shipment",
        "PARTIALLY_SHIPPING": "Partially Shipped",
        "AWAITING_COLLECTION": "Awaiting Collection",
        "IN_TRANSIT": "In Transit",
        "DELIVERED": "Delivered",
        "COMPLETED": "Completed",
        "CANCELLED": "Cancelled",
    }
    seller_shipping_needs_provider_id = True

    # ---- transport -------------------------------------------------------------------
    @property
    def base_url(self):
        return (self.connection.get("base_url") or "").rstrip("/")

    @property
    def auth_url(self):
        given = (self.connection.get("auth_url") or "").rstrip("/")
        if given and given != self.base_url:
            return given
        if urlsplit(self.base_url).hostname == PRODUCTION_API_HOST:
            return PRODUCTION_AUTH_URL
        return self.base_url

    @property
    def app_key(self):
        return str(self.connection.get("app_key") or "")

    @property
    def app_secret(self):
        return self.connection.get("app_secret") or ""

    def _request(self, method, url, what, **kwargs):
        resp = self._send(method, url, what, "TikTok", **kwargs)
        self._raise_if_overloaded(resp, f"TikTok {what}")
        return resp

    def _decode(self, what, resp, token_call=False):
        data = self._json_object(resp, f"TikTok {what}")
        code = data.get("code")
        try:
            code = int(code)
        except (TypeError, ValueError):
            code = -1
        if code != 0:
            message = data.get("message") or "error"
            text = f"TikTok {what}: {code} {message}"
            lowered = message.lower()
            if not token_call and (
                code in TOKEN_CODES
                or (
                    ("access token" in lowered or "access_token" in lowered)
                    and ("expire" in lowered or "invalid" in lowered)
                )
            ):
                raise TokenExpired(text, payload=data)
            if code in RETRYABLE_CODES:
                raise AdapterError(
                    text,
                    retryable=True,
                    retry_after=parse_retry_after(resp.headers.get("Retry-After"))
                    or (1.0 if code in RATE_LIMITED else None),
                    payload=data,
                )
            raise AdapterError(text, payload=data)
        if resp.status_code >= 400:
            raise AdapterError(f"TikTok {what}: HTTP {resp.status_code}", payload=data)
        return data.get("data") or {}

    def call(self, method, path, query=None, body=None, shop=True):
        """One signed API call; returns the envelope's ``data``."""
        params = {k: v for k, v in (query or {}).items() if v not in (None, "")}
        params["app_key"] = self.app_key
        params["timestamp"] = int(time.time())
        if shop and self.connection.get("shop_cipher"):
            params["shop_cipher"] = self.connection["shop_cipher"]
        params = {k: str(v) for k, v in params.items()}
        raw = b""
        if body is not None:
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        params["sign"] = tts_sign(self.app_secret, path, params, raw)
        headers = {
            "content-type": "application/json",
            "x-tts-access-token": self.connection.get("access_token") or "",
        }
        resp = self._request(
            method,
            self.base_url + path,
            path,
            params=params,
            data=raw if body is not None else None,
            headers=headers,
        )
        return self._decode(path, resp)

    # ---- orders ----------------------------------------------------------------------
    def list_orders(self, since, until=None):
        page_size = min(max(int(self.connection.get("page_limit") or 50), 1), 100)
        body = {}
        if since is not None:
            body["update_time_ge"] = to_epoch(since)
        if until is not None:
            body["update_time_lt"] = to_epoch(until)
        token = ""
        while True:
            data = self.call(
                "POST",
                "/order/202309/orders/search",
                {
                    "page_size": page_size,
                    "page_token": token,
                    "sort_field": "update_time",
                    "sort_order": "ASC",
                },
                body,
            )
            orders = data.get("orders") or []
            if orders:
                yield orders
            next_token = data.get("next_page_token") or ""
            if not next_token or not orders:
                break
            if next_token == token:
                raise AdapterError("TikTok orders/search: the page token does not move")
            token = next_token

    def external_id_of(self, raw):
        return str(raw.get("id") or "") if isinstance(raw, dict) else ""

    def updated_at_of(self, raw):
        try:
            return from_epoch(raw.get("update_time"))
        except (AttributeError, TypeError, ValueError):
            return None

    def get_orders(self, external_ids):
        ids = [str(x) for x in external_ids if x]
        result = []
        for batch in batches(ids, DETAIL_BATCH):
            data = self.call("GET", "/order/202309/orders", {"ids": ",".join(batch)})
            result.extend(data.get("orders") or [])
        return result

    # ---- fulfilment ------------------------------------------------------------------
    def _order_id(self, order):
        return self._order_ref(order, "TikTok: the order has no id")

    @staticmethod
    def _package_path(package_id):
        return f"/fulfillment/202309/packages/{quote(str(package_id), safe='')}"

    def _package_ids(self, order):
        ids = [p.get("id") for p in order.get("packages") or [] if p.get("id")]
        if not ids:
            ids = [
                str(p.get("id"))
                for p in (order.get("raw") or {}).get("packages") or []
                if p.get("id")
            ]
        if not ids:
            raise AdapterError(
                f"TikTok {self._order_id(order)}: the order has no package"
            )
        return ids

    def ship_order(self, order, method="dropoff", tracking_ref=None, pickup=None):
        order_id = self._order_id(order)
        method = (method or "dropoff").lower()
        pickup = pickup or {}
        raw = order.get("raw") or {}
        results = []
        for package_id in self._package_ids(order):
            path = self._package_path(package_id)
            if method == "pickup":
                body = {
                    "handover_method": "PICKUP",
                    "pickup_slot": self._pickup_slot(path, pickup),
                }
            elif method == "dropoff":
                body = {"handover_method": "DROP_OFF"}
            elif method in ("manual", "self_shipment"):
                provider = (
                    pickup.get("shipping_provider_id")
                    or order.get("shipping_provider_id")
                    or raw.get("shipping_provider_id")
                )
                if not tracking_ref or not provider:
                    raise AdapterError(
                        f"TikTok {order_id}: seller shipping needs a tracking number "
                        "and a shipping_provider_id"
                    )
                body = {
                    "self_shipment": {
                        "tracking_number": tracking_ref,
                        "shipping_provider_id": str(provider),
                    }
                }
            else:
                raise AdapterError(f"TikTok: unknown shipping method {method!r}")
            self.call("POST", f"{path}/ship", body=body)
            detail = self.call("GET", path)
            results.append(
                {
                    "package_id": package_id,
                    "tracking_ref": detail.get("tracking_number") or tracking_ref or "",
                    "courier": detail.get("shipping_provider_name") or "",
                }
            )
        return {
            "tracking_ref": results[0]["tracking_ref"],
            "courier": results[0]["courier"] or order.get("courier") or "",
            "package_id": results[0]["package_id"],
            "packages": results,
        }

    def _pickup_slot(self, path, pickup):
        data = self.call("GET", f"{path}/handover_time_slots")
        slots = [
            s
            for s in data.get("pickup_slots") or []
            if s.get("avaliable", s.get("available", True))  # sic in the API
        ]
        wanted = pickup.get("time_slot")
        if isinstance(wanted, dict) and wanted.get("start_time"):
            return {
                "start_time": int(wanted["start_time"]),
                "end_time": int(wanted["end_time"]),
            }
        slot = None
        if wanted not in (None, ""):
            slot = next(
                (s for s in slots if str(s.get("start_time")) == str(wanted)), None
            )
        if slot is None and pickup.get("date"):
            day = str(pickup["date"])[:10]
            slot = next(
                (
                    s
                    for s in slots
                    if from_epoch(s.get("start_time")).date().isoformat() == day
                ),
                None,
            )
        if slot is None and slots:
            slot = slots[0]
        if slot is None:
            raise AdapterError("TikTok: no pickup slot available", payload=data)
        return {
            "start_time": int(slot["start_time"]),
            "end_time": int(slot["end_time"]),
        }

    def get_tracking(self, order):
        """{package_id: tracking number} of a shipped order."""
        result = {}
        for package_id in self._package_ids(order):
            detail = self.call("GET", self._package_path(package_id))
            result[package_id] = detail.get("tracking_number") or ""
        return result

    def get_label(self, order):
        package_id = self._package_ids(order)[0]
        data = self.call(
            "GET",
            f"{self._package_path(package_id)}/shipping_documents",
            {
                "document_type": "SHIPPING_LABEL",
                "document_size": "A6",
                "document_format": "PDF",
            },
        )
        url = data.get("doc_url")
        if not url:
            raise AdapterError(f"TikTok package {package_id}: no doc_url", payload=data)
        resp = self._request("GET", url, "shipping document")
        if resp.status_code >= 400 or not resp.content.startswith(b"%PDF"):
            raise AdapterError(
                f"TikTok package {package_id}: the shipping document is not a PDF "
                f"(HTTP {resp.status_code})"
            )
        return resp.content

    def cancel_decision(self, order, approve, reason=None):
        order_id = self._order_id(order)
        cancellation = self._pending_cancellation(order_id)
        cancel_id = quote(str(cancellation["cancel_id"]), safe="")
        if approve:
            self.call(
                "POST",
                f"/return_refund/202309/cancellations/{cancel_id}/approve",
                body={},
            )
        else:
            self.call(
                "POST",
                f"/return_refund/202309/cancellations/{cancel_id}/reject",
                body={
                    "reject_reason": DEFAULT_REJECT_REASON,
                    "comment": (reason or "")[:500],
                },
            )
        return {"cancel_id": str(cancellation["cancel_id"])}

    def _pending_cancellation(self, order_id):
        token = ""
        found = []
        while True:
            data = self.call(
                "POST",
                "/return_refund/202309/cancellations/search",
                {"page_size": CANCEL_PAGE, "page_token": token},
                {"order_ids": [order_id]},
            )
            found.extend(data.get("cancellations") or [])
            next_token = data.get("next_page_token") or ""
            if not next_token or next_token == token:
                break
            token = next_token
        pending = [
            c
            for c in found
            if str(c.get("order_id")) == str(order_id)
            and c.get("cancel_status") == "CANCELLATION_REQUEST_PENDING"
        ]
        if not pending:
            raise AdapterError(f"TikTok {order_id}: no pending cancellation request")
        return pending[-1]

    # ---- stock -----------------------------------------------------------------------
    def update_stock(self, items):
        failures = []
        by_product = {}
        for item in items:
            parts = str(item.get("item_ref") or "").split(":")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                failures.append(
                    {
                        "sku": item.get("sku"),
                        "message": "bad TikTok item reference "
                        f"{item.get('item_ref')!r} (product_id:sku_id expected)",
                    }
                )
                continue
            warehouse = item.get("location") or (
                parts[2] if len(parts) > 2 and parts[2] else None
            )
            by_product.setdefault(parts[0], {}).setdefault(parts[1], []).append(
                (warehouse, item)
            )
        for product_id, skus in by_product.items():
            failures += self._update_product_stock(product_id, skus)
        return failures

    @staticmethod
    def _stock_body(skus):
        """The inventory update body of one product: ``skus`` is {sku id:
        [(warehouse id or None, item)]}."""
        return {
            "skus": [
                {
                    "id": sku_id,
                    "inventory": [
                        dict(
                            {
                                "quantity": min(
                                    max(int(item.get("quantity") or 0), 0), MAX_STOCK
                                )
                            },
                            **({"warehouse_id": warehouse} if warehouse else {}),
                        )
                        for warehouse, item in entries
                    ],
                }
                for sku_id, entries in skus.items()
            ]
        }

    def _update_product_stock(self, product_id, skus):
        """Push the stock of one product's SKUs: the failures."""
        names = {sku_id: entries[0][1].get("sku") for sku_id, entries in skus.items()}
        try:
            data = self.call(
                "POST",
                f"/product/202309/products/{quote(product_id, safe='')}"
                "/inventory/update",
                body=self._stock_body(skus),
            )
        except AdapterError as exc:
            if exc.retryable or isinstance(exc, TokenExpired):
                raise
            return [{"sku": sku, "message": str(exc)} for sku in names.values()]
        failures = []
        for error in data.get("errors") or []:
            detail = error.get("detail") or {}
            sku_id = str(detail.get("sku_id") or "")
            failures.append(
                {
                    "sku": names.get(sku_id, sku_id or product_id),
                    "message": (
                        f"{error.get('code') or ''} {error.get('message') or ''}"
                    ).strip(),
                }
            )
        return failures

    # ---- tokens ----------------------------------------------------------------------
    def _token_call(self, path, params):
        query = dict(params, app_key=self.app_key, app_secret=self.app_secret)
        resp = self._request("GET", self.auth_url + path, path, params=query)
        data = self._decode(path, resp, token_call=True)
        if not data.get("access_token"):
            raise AdapterError(f"TikTok {path}: no access_token")
        return self._keep_tokens(
            data,
            # absolute Unix timestamps, not durations
            from_epoch(data.get("access_token_expire_in")),
            from_epoch(data.get("refresh_token_expire_in")),
        )

    def create_access_token(self, code):
        return self._token_call(
            "/api/v2/token/get", {"auth_code": code, "grant_type": "authorized_code"}
        )

    def refresh_access_token(self):
        refresh_token = self._refresh_token("TikTok")
        return self._token_call(
            "/api/v2/token/refresh",
            {
                "refresh_token": refresh_token,
                "grant_type": "refresh_token",
            },
        )

    def get_shops(self):
        """The shops the token may act for ([{id, name, region, cipher, code}])."""
        return (
            self.call("GET", "/authorization/202309/shops", shop=False).get("shops")
            or []
        )

    # ---- webhooks --------------------------------------------------------------------
    def verify_webhook(self, headers, body, url=None):
        body = body.encode() if isinstance(body, str) else body or b""
        return signature_matches(headers, self.app_secret, self.app_key.encode() + body)

    def parse_webhook(self, body):
        data, payload = self._push_payload(body, "TikTok webhook")
        events = {
            1: "order_status",
            3: "address",
            4: "package",
            11: "cancellation",
        }
        code = data.get("type")
        event = events.get(code) if isinstance(code, int) else None
        order_id = payload.get("order_id")
        if not event or not order_id:
            return []
        when = (
            payload.get("update_time")
            or payload.get("create_time")
            or data.get("timestamp")
        )
        return [
            {
                "external_id": str(order_id),
                "event": event,
                "status": payload.get("order_status")
                or payload.get("cancel_status")
                or "",
                "updated_at": _push_time(when),
            }
        ]
