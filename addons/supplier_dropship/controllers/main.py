import hashlib
import hmac
import json
import logging
import threading
import time

from odoo import SUPERUSER_ID, http
from odoo.exceptions import AccessError
from odoo.http import request

_logger = logging.getLogger(__name__)

MAX_ITEMS = 50
MAX_QUANTITY = 100000
RATE_WINDOW = 60.0
DEFAULT_RATE_LIMIT = 60


class _RateLimiter:
    """Sliding-window request counter per client address (per worker process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.hits = {}

    def allow(self, key, limit, window=RATE_WINDOW):
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.hits.get(key, []) if now - t < window]
            if len(recent) >= limit:
                self.hits[key] = recent
                return False, max(1, int(window - (now - recent[0])) + 1)
            recent.append(now)
            self.hits[key] = recent
            if len(self.hits) > 10000:  # forget idle clients
                self.hits = {k: v for k, v in self.hits.items() if v[-1] > now - window}
            return True, 0


RATE_LIMITER = _RateLimiter()


def _json(data, status=200, headers=None):
    return request.make_json_response(data, headers=headers, status=status)


#: the routes the distributors and the web store call: no session, no CSRF token
PUBLIC_POST = {
    "type": "http",
    "auth": "public",
    "methods": ["POST"],
    "csrf": False,
    "save_session": False,
}


class SupplierDropshipController(http.Controller):
    # ------------------------------------------------------------------ basket
    @http.route("/supplier_dropship/availability", **PUBLIC_POST)
    def availability(self, **_kwargs):
        """The web store basket's real-time check. Body: ``{"items": [{"sku":
        "ABC", "quantity": 2}, {"product_id": 7}]}`` (1 to 50 items). Answer: per
        item ``available``, ``stock``, ``price`` (best price across distributors,
        company currency), ``lead_time_days`` - nothing else."""
        limited = self._rate_limited()
        if limited is not None:
            return limited
        items, error = self._parse_items(request.httprequest.get_data())
        if error:
            return _json({"error": "invalid_request", "message": error}, 400)
        products = self._basket_products(items)
        wanted = [
            (product, item["quantity"])
            for item, product in zip(items, products, strict=True)
            if product
        ]
        figures = iter(
            request.env["dropship.distributor"].sudo()._dropship_availability(wanted)
            if wanted
            else []
        )
        answer = []
        for item, product in zip(items, products, strict=True):
            if not product:
                answer.append(
                    {
                        "sku": item.get("sku"),
                        "product_id": item.get("product_id"),
                        "quantity": item["quantity"],
                        "available": False,
                        "error": "unknown_product",
                    }
                )
                continue
            answer.append(next(figures))
        return _json({"items": answer})

    @staticmethod
    def _rate_limited():
        """The 429 answer when the client asked too often, else ``None``."""
        limit = int(
            request.env["ir.config_parameter"]
            .sudo()
            .get_param("supplier_dropship.basket_rate_limit", DEFAULT_RATE_LIMIT)
        )
        allowed, retry = RATE_LIMITER.allow(request.httprequest.remote_addr, limit)
        if allowed:
            return None
        return _json(
            {"error": "rate_limited", "retry_after": retry},
            429,
            {"Retry-After": str(retry)},
        )

    @staticmethod
    def _basket_products(items):
        """The product (sold) of each item, by its sku or its product id, or
        ``None`` when there is none."""
        Product = request.env["product.product"].sudo()
        skus = [i["sku"] for i in items if i.get("sku")]
        ids = [i["product_id"] for i in items if i.get("product_id")]
        products = Product.search(
            [
                ("sale_ok", "=", True),
                "|",
                ("default_code", "in", skus),
                ("id", "in", ids),
            ]
        )
        by_sku = {p.default_code: p for p in products if p.default_code}
        by_id = {p.id: p for p in products}
        return [
            by_sku.get(item["sku"])
            if item.get("sku")
            else by_id.get(item["product_id"])
            for item in items
        ]

    @staticmethod
    def _parse_items(body):
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return None, "the body is not JSON"
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
            return (
                None,
                f"give 1 to {MAX_ITEMS} items: {{'items': [{{'sku', 'quantity'}}]}}",
            )
        clean = []
        for item in items:
            if not isinstance(item, dict):
                return None, "every item is an object"
            sku, product_id = item.get("sku"), item.get("product_id")
            quantity = item.get("quantity", 1)
            if sku is not None and (not isinstance(sku, str) or not 0 < len(sku) <= 64):
                return None, "sku must be a string of 1 to 64 characters"
            if product_id is not None and (
                not isinstance(product_id, int) or isinstance(product_id, bool)
            ):
                return None, "product_id must be an integer"
            if not sku and not product_id:
                return None, "every item needs a sku or a product_id"
            if (
                not isinstance(quantity, int | float)
                or isinstance(quantity, bool)
                or not 0 < quantity <= MAX_QUANTITY
            ):
                return None, f"quantity must be a number between 0 and {MAX_QUANTITY}"
            clean.append({"sku": sku, "product_id": product_id, "quantity": quantity})
        return clean, None

    # ------------------------------------------------------------------ planner
    @http.route(
        "/supplier_dropship/plan/<int:order_id>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def plan(self, order_id, realtime="1", **_kwargs):
        """The auto-fulfil plan of a sale order, as JSON."""
        if not request.env.user._is_internal():
            # portal customers may read their own orders, never our costs
            return _json({"error": "not_found"}, 404)
        order = request.env["sale.order"].browse(order_id).exists()
        try:
            order.check_access("read")
        except AccessError:
            order = order.browse()
        if not order:
            return _json({"error": "not_found"}, 404)
        return _json(order._dropship_plan(realtime=realtime not in ("0", "false")))

    # ------------------------------------------------------------------ dispatch
    @http.route("/supplier_dropship/dispatch/<string:code>", **PUBLIC_POST)
    def dispatch(self, code, **_kwargs):
        """A distributor's signed dispatch notification (``X-Signature:
        sha256=<hex HMAC-SHA256 of the body>`` with its webhook secret)."""
        body = request.httprequest.get_data()
        signature = request.httprequest.headers.get("X-Signature", "")
        distributor = self._verified_distributor(code, body, signature)
        if not distributor:
            _logger.warning(
                "Dispatch notification for %r from %s: bad signature",
                code,
                request.httprequest.remote_addr,
            )
            return _json({"error": "invalid_signature"}, 401)
        try:
            payload = json.loads(body)
        except ValueError:
            return _json({"error": "invalid_json"}, 400)
        if not isinstance(payload, dict) or not payload.get("event_id"):
            return _json({"error": "invalid_payload"}, 400)
        env = request.env(user=SUPERUSER_ID)
        record, duplicate = (
            env["dropship.dispatch"]
            .with_company(distributor.company_id)
            ._process(env["dropship.distributor"].browse(distributor.id), payload)
        )
        return _json(
            {"status": "duplicate" if duplicate else record.state, "id": record.id}
        )

    @staticmethod
    def _verified_distributor(code, body, signature):
        if not signature.startswith("sha256="):
            return None
        given = signature[len("sha256=") :].strip().lower()
        distributors = (
            request.env["dropship.distributor"].sudo().search([("code", "=", code)])
        )
        for distributor in distributors:
            secret = distributor.webhook_secret
            if not secret:
                continue
            expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, given):
                return distributor
        return None
