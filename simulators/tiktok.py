"""TikTok Shop Partner API (202309) simulator.

Tokopedia shops now live on TikTok Shop: with ``tokopedia=True`` the simulated shop is
a migrated Tokopedia shop (region ID, IDR, part of the orders placed on Tokopedia),
served through exactly the same TikTok Shop API (see API_FACTS section 4).

API surface (every API call is signed, see :func:`tts_sign`):

- ``GET  /authorization/202309/shops``
- ``GET|POST /api/v2/token/get`` and ``/api/v2/token/refresh`` (unsigned)
- ``POST /order/202309/orders/search``, ``GET /order/202309/orders?ids=``
- ``GET  /fulfillment/202309/packages/{id}/handover_time_slots``
- ``POST /fulfillment/202309/packages/{id}/ship``
- ``GET  /fulfillment/202309/packages/{id}``
- ``GET  /fulfillment/202309/packages/{id}/shipping_documents``
- ``GET  /fulfillment/202309/orders/{order_id}/tracking``
- ``POST /return_refund/202309/cancellations/search``
- ``POST /return_refund/202309/cancellations/{cancel_id}/approve|reject``
- ``POST /product/202309/products/{product_id}/inventory/update``
- ``GET  /finance/202309/statements``, ``GET /finance/202309/withdrawals``,
  ``GET  /finance/202501/statements/{id}/statement_transactions`` (see
  :class:`TikTokFinance`)

Control API (besides the core ``/_sim/state|faults|clock|reset``):

- ``POST /_sim/auth/code``                      single-use auth_code, valid 30 min
- ``POST /_sim/push_config {"url": ...}``       webhook target
- ``POST /_sim/push {"order_id": ..., "type": 1|11}``  push on demand
- ``POST /_sim/orders/new {"count": N, "status"?, "shipping_type"?}`` new orders
- ``POST /_sim/orders/{order_id}/buyer_cancel {"reason": ...}``
- ``GET  /_sim/docs/{name}``                    shipping documents (doc_url)
- ``POST /_sim/orders/{order_id}/deliver {"refund"?}``  deliver now
- ``POST /_sim/finance/adjustment {"type", "amount"[, "order_id"]}``

HTTP status codes: TikTok documents HTTP 429 for rate limiting and 503 for overload
(rate-limits.md). For sign/credential/token/parameter errors the docs only give the
``code`` in the body, so the simulator answers them with HTTP 200 and the error code
in the envelope (``ERROR_HTTP_STATUS``); clients must always check ``code``.
Error codes not listed in the docs we read are marked "UNVERIFIED".
"""

import base64
import copy
import functools
import hashlib
import itertools
import json
import logging
import queue
import random
import threading
import time

import requests

from . import data
from .core import (
    Response,
    SimServer,
    a6_pdf,
    constant_time_equal,
    hmac_sha256_hex,
    json_response,
    pdf_escape,
    route,
)

_logger = logging.getLogger(__name__)

UNPAID = "UNPAID"
ON_HOLD = "ON_HOLD"
AWAITING_SHIPMENT = "AWAITING_SHIPMENT"
PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING"
AWAITING_COLLECTION = "AWAITING_COLLECTION"
IN_TRANSIT = "IN_TRANSIT"
DELIVERED = "DELIVERED"
COMPLETED = "COMPLETED"
CANCELLED = "CANCELLED"
STATUSES = [
    UNPAID,
    ON_HOLD,
    AWAITING_SHIPMENT,
    PARTIALLY_SHIPPING,
    AWAITING_COLLECTION,
    IN_TRANSIT,
    DELIVERED,
    COMPLETED,
    CANCELLED,
]
SHIPPABLE = (AWAITING_SHIPMENT, PARTIALLY_SHIPPING)
# a stale snapshot (fault ``out_of_order``) shows the status an order had before
PREVIOUS_STATUS = {
    ON_HOLD: UNPAID,
    AWAITING_SHIPMENT: ON_HOLD,
    PARTIALLY_SHIPPING: AWAITING_SHIPMENT,
    AWAITING_COLLECTION: AWAITING_SHIPMENT,
    IN_TRANSIT: AWAITING_COLLECTION,
    DELIVERED: IN_TRANSIT,
    COMPLETED: DELIVERED,
    CANCELLED: AWAITING_SHIPMENT,
}

# package statuses
TO_FULFILL = "TO_FULFILL"
PROCESSING = "PROCESSING"
FULFILLING = "FULFILLING"
PKG_COMPLETED = "COMPLETED"
PKG_CANCELLED = "CANCELLED"
PKG_DISPLAY = {
    TO_FULFILL: AWAITING_SHIPMENT,
    PROCESSING: AWAITING_COLLECTION,
    FULFILLING: IN_TRANSIT,
    PKG_COMPLETED: DELIVERED,
    PKG_CANCELLED: CANCELLED,
}

# cancellation statuses (the search *filter* spells the third one ..._CANCEL)
C_PENDING = "CANCELLATION_REQUEST_PENDING"
C_SUCCESS = "CANCELLATION_REQUEST_SUCCESS"
C_CANCELLED = "CANCELLATION_REQUEST_CANCELLED"
C_COMPLETE = "CANCELLATION_REQUEST_COMPLETE"
CANCEL_STATUS_ALIASES = {"CANCELLATION_REQUEST_CANCEL": C_CANCELLED}

DOCUMENT_TYPES = (
    "SHIPPING_LABEL",
    "PACKING_SLIP",
    "SHIPPING_LABEL_AND_PACKING_SLIP",
    "SHIPPING_LABEL_PICTURE",
    "HAZMAT_LABEL",
)

# simulated durations (seconds)
HOUR = 3600
DAY = 86400
ACCESS_TOKEN_LIFE = 7 * DAY
REFRESH_TOKEN_LIFE = 365 * DAY  # UNVERIFIED: docs only say it is an absolute time
AUTH_CODE_LIFE = 30 * 60
ON_HOLD_WINDOW = HOUR
DROP_OFF_COLLECT_AFTER = 6 * HOUR
SELF_SHIP_COLLECT_AFTER = 4 * HOUR
PICKUP_COLLECT_AFTER = 2 * HOUR  # after the start of the booked pickup slot
DELIVER_AFTER = 36 * HOUR  # after collection
COMPLETE_AFTER = 72 * HOUR  # after delivery
CANCEL_RESPONSE_WINDOW = 48 * HOUR
REFUND_AFTER = HOUR  # CANCELLATION_REQUEST_SUCCESS -> _COMPLETE
DOC_URL_LIFE = DAY
PUSH_RETRY_DELAYS = (2 * 60, 30 * 60, 3 * HOUR, 12 * HOUR)
PUSH_TIMEOUT = 3

# error codes
E_TOO_MANY = 36009002
E_INTERNAL = 36009003
E_CREDENTIALS = 36009004
E_SIGN = 106001
E_TOKEN_EXPIRED = 105002
E_CIPHER_REQUIRED = 106013
E_AUTH_GRANT = 36004004  # UNVERIFIED: invalid/used/expired auth_code, refresh_token
E_ORDER_NOT_FOUND = 21011001  # UNVERIFIED
E_PACKAGE_NOT_FOUND = 21001001  # UNVERIFIED
E_PACKAGE_STATUS = 21001003  # UNVERIFIED
E_SHIP_PARAM = 21001004  # UNVERIFIED
E_DOC_STATUS = 11006010
E_DOC_NOT_TIKTOK = 21008017
E_RR_PARAM = 25001001
E_RR_ORDER_STATUS = 25001003
E_RR_NOT_FOUND = 25007006
E_RR_CANNOT_APPROVE = 25011012
E_RR_CANNOT_REJECT = 25011011
E_INV_CHECK = 12052990
E_INV_WAREHOUSE_REQUIRED = 12019022
E_INV_QUANTITY = 12019024
E_INV_ALL_WAREHOUSES = 12019028
E_INV_NO_PRODUCT = 12052032
E_INV_SKU_REQUIRED = 12052036
E_INV_NO_WAREHOUSE = 12052097
E_INV_NOT_IN_PRODUCT = 12052213  # UNVERIFIED

TIKTOK_PROVIDERS = {
    "MY": ("6617675021119438849", "J&T Express"),
    "ID": ("7117858858072016645", "J&T Express Indonesia"),
}
SELLER_PROVIDERS = {
    "7129736286421747458": "Ninja Van",
    "7129736286421747459": "Pos Laju",
    "7129736286421747460": "SiCepat",
    "7129736286421747461": "JNE",
}
WAREHOUSE_MAIN = "7068517275539719942"
WAREHOUSE_SECOND = "7068517275539719943"
MULTI_WAREHOUSE_PRODUCTS = ("BACKPACK",)


def tts_sign(app_secret, path, query, body=b"", multipart=False):
    """TikTok Shop 202309 request signature (sign-your-api-request.md)."""
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    text = path + "".join(f"{k}{query[k]}" for k in keys)
    if isinstance(body, str):
        body = body.encode("utf-8")
    payload = text.encode("utf-8") + (b"" if multipart else (body or b""))
    wrapped = app_secret.encode("utf-8") + payload + app_secret.encode("utf-8")
    return hmac_sha256_hex(app_secret, wrapped)


def webhook_signature(app_key, app_secret, raw_body):
    """Header ``Authorization`` of a webhook: hex HMAC-SHA256(app_secret,
    app_key + raw body)."""
    return hmac_sha256_hex(app_secret, app_key.encode("utf-8") + raw_body)


def api(method, pattern, shop=True):
    """A signed TikTok API route; ``shop`` APIs also need ``shop_cipher``."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, req):
            error = self._authenticate(req, shop)
            if error is not None:
                return error
            return func(self, req)

        return route(method, pattern)(wrapper)

    return decorator


class ApiError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


def _pdf_text(text):
    return pdf_escape("".join(ch if 32 <= ord(ch) < 127 else "?" for ch in str(text)))


def build_pdf(lines, title="Shipping label"):
    """A minimal but valid one-page PDF (A6) with ``lines`` of Helvetica text."""
    ops = ["BT", "/F1 14 Tf", "20 390 Td", f"({_pdf_text(title)}) Tj", "/F1 9 Tf"]
    for line in lines:
        ops += ["0 -16 Td", f"({_pdf_text(line)}) Tj"]
    ops.append("ET")
    return a6_pdf("\n".join(ops).encode("ascii"))


def _clean(record):
    return {k: v for k, v in record.items() if v is not None}


# ==== finance ====
COMMISSION_RATE = 0.06
TRANSACTION_RATE = 0.02
REFUND_RATE = 0.2  # share of settled orders with a partial refund
SETTLE_AFTER = 5 * DAY
PAYMENT_AFTER = DAY
FEE_KEYS = (
    "platform_commission_amount",
    "referral_fee_amount",
    "transaction_fee_amount",
    "affiliate_commission_amount",
    "mall_service_fee_amount",
)
TAX_KEYS = ("vat_amount", "sst_amount", "pit_amount")


class TikTokFinance:
    """Statements of the TikTok Shop simulator (SETTLEMENT_FACTS section 3).

    An order is settled ``settle_after`` seconds (5 days) after delivery; orders
    settled during one UTC day make the statement generated at the next 00:00 UTC
    (``statement_time``), with its payment (``payment_id``) PROCESSING for a day and
    then PAID; a paid payment shows as a SUCCESS withdrawal whose ``id`` is the
    payment id (UNVERIFIED: the real withdrawal API does not name statements). One
    settled order in five had a partial refund. Statement transactions follow the
    202501 shape (``revenue_breakdown``, ``shipping_cost_breakdown``,
    ``fee_tax_breakdown{fee, tax}``); adjustments (``POST /_sim/finance/adjustment``)
    are transactions of their own type.
    """

    def _finance_setup(self):
        self.finance_rng = random.Random(f"tiktok-finance-{self.seed}")
        self.settlements = {}  # order_id -> settlement transaction
        self.adjustments = []
        self._fin_seq = 0

    def _fin_id(self, prefix):
        self._fin_seq += 1
        return f"{prefix}{self._fin_seq:010d}"

    def _settle(self, order, when, refund=None):
        payment = order["payment"]
        if refund is None:
            refund = 0.0
            if self.finance_rng.random() < REFUND_RATE:
                refund = order["lines"][0]["sale_price"]
        revenue = {
            "subtotal_before_discount_amount": payment["original_total_product_price"],
            "seller_discount_amount": -payment["seller_discount"],
            "refund_subtotal_after_seller_discounts_amount": -refund,
            "seller_discount_refund_amount": 0,
            "cod_service_fee_amount": 0,
        }
        shipping = {
            "customer_paid_shipping_fee_amount": payment["shipping_fee"],
            "actual_shipping_fee_amount": -payment["original_shipping_fee"],
            "platform_shipping_fee_discount_amount": payment[
                "shipping_fee_platform_discount"
            ],
            "shipping_fee_subsidy_amount": 0,
            "return_shipping_fee_amount": 0,
        }
        base = max(payment["sub_total"] + payment["platform_discount"] - refund, 0)
        fees = dict.fromkeys(FEE_KEYS, 0)
        fees["platform_commission_amount"] = -self._unit_round(base * COMMISSION_RATE)
        fees["transaction_fee_amount"] = -self._unit_round(
            max(payment["total_amount"] - refund, 0) * TRANSACTION_RATE
        )
        taxes = dict.fromkeys(TAX_KEYS, 0)
        self.settlements[order["id"]] = {
            "id": self._fin_id("7491"),
            "type": "ORDER",
            "order_id": order["id"],
            "when": int(when),
            "refund": refund,
            "revenue": revenue,
            "shipping": shipping,
            "fees": fees,
            "taxes": taxes,
        }

    def _unit_round(self, value):
        return round(value, 0 if self.currency == "IDR" else 2)

    def _txn_amounts(self, txn):
        if txn["type"] != "ORDER":
            return 0, 0, 0, txn["amount"]
        revenue = sum(txn["revenue"].values())
        shipping = sum(txn["shipping"].values())
        fee_tax = sum(txn["fees"].values()) + sum(txn["taxes"].values())
        return revenue, shipping, fee_tax, 0

    def _finance_tick(self, now):
        for order in self.orders.values():
            if order["id"] in self.settlements or not order.get("delivery_time"):
                continue
            if order["status"] not in (DELIVERED, COMPLETED):
                continue
            when = order["delivery_time"] + self.settle_after
            if when <= now:
                self._settle(order, when, order.get("finance_refund"))

    def _statements(self, now):
        """Generated statements: {statement_id: statement}, by UTC day."""
        days = {}
        for txn in list(self.settlements.values()) + self.adjustments:
            days.setdefault(txn["when"] // DAY, []).append(txn)
        statements = {}
        for day, txns in sorted(days.items()):
            statement_time = (day + 1) * DAY
            if statement_time > now:
                continue
            totals = [self._txn_amounts(t) for t in txns]
            revenue, shipping, fee_tax, adjustment = (
                self._unit_round(sum(x[i] for x in totals)) for i in range(4)
            )
            settlement = self._unit_round(revenue + shipping + fee_tax + adjustment)
            statement_id = f"{self.shop_id[-6:]}{day:06d}"
            paid = now >= statement_time + self.payment_after
            statements[statement_id] = {
                "id": statement_id,
                "statement_time": statement_time,
                "txns": sorted(txns, key=lambda t: (t["when"], t["id"])),
                "revenue": revenue,
                "shipping": shipping,
                "fee_tax": fee_tax,
                "adjustment": adjustment,
                "settlement": settlement,
                "payment_id": f"PAY{statement_id}",
                "payment_status": "PAID" if paid else "PROCESSING",
                "paid_time": statement_time + self.payment_after if paid else None,
            }
        return statements

    def _render_statement(self, st):
        money = self._money
        return {
            "id": st["id"],
            "statement_time": st["statement_time"],
            "settlement_amount": money(st["settlement"]),
            "currency": self.currency,
            "revenue_amount": money(st["revenue"]),
            "fee_amount": money(st["fee_tax"]),
            "adjustment_amount": money(st["adjustment"]),
            "shipping_cost_amount": money(st["shipping"]),
            "net_sales_amount": money(st["revenue"]),
            "payment_status": st["payment_status"],
            "payment_id": st["payment_id"],
        }

    def _render_fin_txn(self, txn):
        money = self._money
        revenue, shipping, fee_tax, adjustment = self._txn_amounts(txn)
        record = {
            "id": txn["id"],
            "type": txn["type"],
            "currency": self.currency,
            "settlement_amount": money(revenue + shipping + fee_tax + adjustment),
            "reserve_amount": money(0),
            "revenue_amount": money(revenue),
            "shipping_cost_amount": money(shipping),
            "fee_tax_amount": money(fee_tax),
            "adjustment_amount": money(adjustment),
        }
        if txn["type"] == "ORDER":
            order = self.orders[txn["order_id"]]
            record.update(
                {
                    "order_id": txn["order_id"],
                    "order_create_time": order["create_time"],
                    "revenue_breakdown": {
                        k: money(v) for k, v in txn["revenue"].items()
                    },
                    "shipping_cost_breakdown": {
                        k: money(v) for k, v in txn["shipping"].items()
                    },
                    "fee_tax_breakdown": {
                        "fee": {k: money(v) for k, v in txn["fees"].items()},
                        "tax": {k: money(v) for k, v in txn["taxes"].items()},
                    },
                }
            )
        else:
            record.update(
                {
                    "adjustment_id": txn["id"],
                    "adjustment_order_id": txn.get("order_id") or "",
                    "order_create_time": txn["when"],
                }
            )
        return record

    @staticmethod
    def _offset_page(records, query, size):
        try:
            offset = int(
                base64.urlsafe_b64decode((query.get("page_token") or "MA==").encode())
            )
        except (ValueError, TypeError) as exc:
            raise ApiError(E_CREDENTIALS, "Invalid page_token") from exc
        page = records[offset : offset + size]
        more = offset + size < len(records)
        token = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return page, token if more else ""

    @api("GET", "/finance/202309/statements")
    def fin_statements(self, req):
        query = req.query
        try:
            if query.get("sort_field") != "statement_time":
                raise ApiError(
                    E_CREDENTIALS, "sort_field is required and must be statement_time"
                )
            size = self._page_size(
                dict(query, page_size=query.get("page_size", 20)), 100
            )
            status = query.get("payment_status")
            if status and status not in ("PAID", "FAILED", "PROCESSING"):
                raise ApiError(E_CREDENTIALS, "Invalid payment_status")
            records = [
                st
                for st in self._statements(int(self.now())).values()
                if self._in_range(st["statement_time"], query, "statement_time")
                and status in (None, "", st["payment_status"])
            ]
            desc = (query.get("sort_order") or "ASC").upper() == "DESC"
            records.sort(key=lambda st: (st["statement_time"], st["id"]), reverse=desc)
            page, token = self._offset_page(records, query, size)
        except (ApiError, ValueError, TypeError) as exc:
            return self._api_error(exc)
        return self._ok(
            {
                "next_page_token": token,
                "statements": [self._render_statement(st) for st in page],
            }
        )

    @api("GET", "/finance/202501/statements/{statement_id}/statement_transactions")
    def fin_statement_transactions(self, req):
        statement = self._statements(int(self.now())).get(req.params["statement_id"])
        if statement is None:
            return self._error(E_ORDER_NOT_FOUND, "Statement does not exist.")
        try:
            size = self._page_size(
                dict(req.query, page_size=req.query.get("page_size", 20)), 100
            )
            page, token = self._offset_page(statement["txns"], req.query, size)
        except (ApiError, ValueError, TypeError) as exc:
            return self._api_error(exc)
        money = self._money
        return self._ok(
            {
                "statement_id": statement["id"],
                "statement_time": statement["statement_time"],
                "currency": self.currency,
                "payable_amount": money(statement["settlement"]),
                "total_settlement_amount": money(statement["settlement"]),
                "total_reserve_amount": money(0),
                "total_settlement_breakdown": {
                    "revenue": money(statement["revenue"]),
                    "shipping_cost": money(statement["shipping"]),
                    "fee_tax": money(statement["fee_tax"]),
                    "adjustment": money(statement["adjustment"]),
                },
                "transactions": [self._render_fin_txn(t) for t in page],
                "next_page_token": token,
            }
        )

    @api("GET", "/finance/202309/withdrawals")
    def fin_withdrawals(self, req):
        query = req.query
        try:
            types = [t for t in (query.get("types") or "").split(",") if t]
            if not types or set(types) - {"WITHDRAW", "SETTLE", "TRANSFER", "REVERSE"}:
                raise ApiError(E_CREDENTIALS, "types is required")
            size = self._page_size(
                dict(query, page_size=query.get("page_size", 20)), 100
            )
            records = []
            if "WITHDRAW" in types:
                for st in self._statements(int(self.now())).values():
                    if st["paid_time"] and self._in_range(
                        st["paid_time"], query, "create_time"
                    ):
                        records.append(st)
            records.sort(key=lambda st: st["paid_time"])
            page, token = self._offset_page(records, query, size)
        except (ApiError, ValueError, TypeError) as exc:
            return self._api_error(exc)
        return self._ok(
            {
                "total_count": len(records),
                "next_page_token": token,
                "withdrawals": [
                    {
                        "id": st["payment_id"],
                        "type": "WITHDRAW",
                        "amount": self._money(st["settlement"]),
                        "currency": self.currency,
                        "status": "SUCCESS",
                        "create_time": st["paid_time"],
                    }
                    for st in page
                ],
            }
        )

    @route("POST", "/_sim/orders/{order_id}/deliver", api=False)
    def sim_order_deliver(self, req):
        """Deliver an order now ({"refund": amount}: its later settlement carries a
        partial refund)."""
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] in (UNPAID, CANCELLED):
            return json_response({"error": f"order is {order['status']}"}, 409)
        body = req.json() or {}
        now = int(self.now())
        for package in order["packages"]:
            if package["status"] not in (PKG_COMPLETED, PKG_CANCELLED):
                if not package["tracking_number"]:
                    package["tracking_number"] = self._tracking_number()
                self._package_event(package, PKG_COMPLETED, now, "Delivered")
        order["delivery_time"] = now
        order["complete_at"] = now + COMPLETE_AFTER
        self._set_status(order, DELIVERED, now)
        if "refund" in body:
            order["finance_refund"] = float(body["refund"] or 0)
        return json_response({"status": order["status"]})

    @route("POST", "/_sim/finance/adjustment", api=False)
    def sim_finance_adjustment(self, req):
        """Add an adjustment now: {"type", "amount"[, "order_id"]}."""
        body = req.json() or {}
        try:
            amount = float(body["amount"])
        except (KeyError, TypeError, ValueError):
            return json_response({"error": "amount is required"}, 400)
        txn = {
            "id": self._fin_id("7492"),
            "type": body.get("type") or "PLATFORM_PENALTY",
            "order_id": body.get("order_id") or "",
            "when": int(self.now()),
            "amount": amount,
        }
        self.adjustments.append(txn)
        return json_response({"id": txn["id"]})

    def finance_inspect(self):
        now = int(self.now())
        statements = self._statements(now)
        by_order = {}
        for st in statements.values():
            for txn in st["txns"]:
                if txn["type"] == "ORDER":
                    by_order[txn["order_id"]] = st["id"]
        orders = {}
        for order_id, txn in self.settlements.items():
            revenue, shipping, fee_tax, _adj = self._txn_amounts(txn)
            orders[order_id] = {
                "settled_at": txn["when"],
                "statement_id": by_order.get(order_id),
                "invoice_amount": self._unit_round(
                    txn["revenue"]["subtotal_before_discount_amount"]
                    + txn["shipping"]["customer_paid_shipping_fee_amount"]
                ),
                "refund_amount": txn["refund"],
                "net": self._unit_round(revenue + shipping + fee_tax),
            }
        return {
            "orders": orders,
            "statements": {
                sid: {
                    "statement_time": st["statement_time"],
                    "settlement_amount": st["settlement"],
                    "payment_id": st["payment_id"],
                    "payment_status": st["payment_status"],
                    "order_ids": [
                        t["order_id"] for t in st["txns"] if t["type"] == "ORDER"
                    ],
                }
                for sid, st in statements.items()
            },
            "currency": self.currency,
        }


class TikTokSimulator(TikTokFinance, SimServer):
    name = "tiktok"
    # see the module docstring: envelope errors other than 429/503 use HTTP 200
    ERROR_HTTP_STATUS = 200

    def __init__(
        self, port=0, orders=50, seed=1, faults=None, host="127.0.0.1", **options
    ):
        self.app_key = options.get("app_key", "29a39d")
        self.app_secret = options.get("app_secret", "tiktok-app-secret")
        self.shop_cipher = options.get("shop_cipher", "ROW_sim_cipher")
        self.tokopedia = bool(options.get("tokopedia", False))
        self.region = "ID" if self.tokopedia else "MY"
        self.currency = "IDR" if self.tokopedia else "MYR"
        self.shop_id = str(
            options.get("shop_id")
            or ("7495609011118131290" if self.tokopedia else "7000714532876273420")
        )
        self.push_url = options.get("push_url")
        self.settle_after = int(options.get("settle_after", SETTLE_AFTER))
        self.payment_after = int(options.get("payment_after", PAYMENT_AFTER))
        self._push_queue = queue.Queue()
        self._push_thread = None
        self._request_ids = itertools.count(1)
        self._notification_ids = itertools.count(1)
        self._expired_for = None
        super().__init__(port, orders, seed, faults, host, **options)

    # ==== lifecycle ====
    def start(self):
        super().start()
        self._push_thread = threading.Thread(
            target=self._push_worker, name="sim-tiktok-push", daemon=True
        )
        self._push_thread.start()
        return self

    def stop(self):
        if self._push_thread:
            self._push_queue.put(None)
            self._push_thread.join(timeout=PUSH_TIMEOUT + 2)
            self._push_thread = None
        super().stop()

    def setup_state(self):
        now = int(self.now())
        self._seq = 0
        self.orders = {}
        self.cancellations = {}
        self.packages = {}  # package_id -> order_id
        self.docs = {}
        self.idempotency = {}
        self.stock_updates = []
        self.pushes = []
        self.events = []
        self._retries = []
        self.auth_codes = {}
        self.refresh_tokens = {}
        self.tokens = {}
        self._setup_products()
        self.access_token = self._issue_token(now, label="seed")["access_token"]
        statuses = [STATUSES[i % len(STATUSES)] for i in range(self.order_count)]
        self.rng.shuffle(statuses)
        for status in statuses:
            self._create_order(status, now)
        pending = [
            o
            for o in self.orders.values()
            if o["status"] == AWAITING_SHIPMENT and not o["buyer_cancel_pending"]
        ]
        if pending and not any(o["buyer_cancel_pending"] for o in self.orders.values()):
            self._open_buyer_cancel(pending[0], "Change of mind", now - 600)
        self.events = []
        self._finance_setup()
        self._finance_tick(now)

    def _setup_products(self):
        self.products = {}
        self.skus = {}  # seller_sku -> sku record
        sku_index = 0
        for index, (code, name, price, _weight, variants) in enumerate(data.PRODUCTS):
            product_id = f"172959{index + 1:013d}"
            warehouses = [WAREHOUSE_MAIN]
            if code in MULTI_WAREHOUSE_PRODUCTS:
                warehouses.append(WAREHOUSE_SECOND)
            product = {"id": product_id, "title": name, "code": code, "skus": []}
            for variant in variants or [None]:
                sku_index += 1
                seller_sku = f"{code}-{variant}" if variant else code
                sku = {
                    "id": f"172938{sku_index:013d}",
                    "product_id": product_id,
                    "seller_sku": seller_sku,
                    "name": variant or "Default",
                    "price": price,
                    "inventory": {w: self.rng.randint(0, 200) for w in warehouses},
                }
                product["skus"].append(sku["id"])
                self.skus[seller_sku] = sku
            self.products[product_id] = product

    # ==== helpers ====
    def _new_id(self, prefix):
        self._seq += 1
        return f"{prefix}{self._seq:08d}{self.rng.randint(100000, 999999)}"

    def _request_id(self):
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(self.now()))
        tail = hashlib.md5(f"{self.seed}-{next(self._request_ids)}".encode())
        return stamp + tail.hexdigest()[:20].upper()

    def _money(self, value):
        if self.currency == "IDR":
            return str(int(round(value)))
        return f"{value:.2f}"

    def _unit(self, value):
        value = value * (1000 if self.currency == "IDR" else 1)
        return round(value, 0 if self.currency == "IDR" else 2)

    def _ok(self, payload=None):
        return json_response(
            {
                "code": 0,
                "message": "Success",
                "request_id": self._request_id(),
                "data": {} if payload is None else payload,
            }
        )

    def _error(self, code, message, status=None, payload=None, headers=None):
        return json_response(
            {
                "code": code,
                "message": message,
                "request_id": self._request_id(),
                "data": payload,
            },
            status or self.ERROR_HTTP_STATUS,
            headers,
        )

    def fault_response_429(self):
        return self._error(
            E_TOO_MANY,
            "Too many requests. Please try again later.",
            429,
            headers={"Retry-After": str(int(self.faults.get("retry_after")))},
        )

    def fault_response_5xx(self):
        return self._error(
            E_INTERNAL,
            "Internal error. Please try again. If the issue persists after multiple "
            "attempts, please contact platform support.",
            503,
        )

    def _body(self, req):
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(E_CREDENTIALS, f"Invalid request body: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(E_CREDENTIALS, "Invalid request body: expected an object")
        return body

    # ==== authentication ====
    def _apply_expire_fault(self):
        values = self.faults.values
        if self.faults.get("expire_tokens") and self._expired_for is not values:
            self._expired_for = values
            now = self.now()
            for info in self.tokens.values():
                info["expire"] = min(info["expire"], int(now) - 1)
            self.faults.fired["expire_tokens"] = (
                self.faults.fired.get("expire_tokens", 0) + 1
            )

    def _authenticate(self, req, shop):
        query = req.query
        self._apply_expire_fault()
        if not constant_time_equal(query.get("app_key"), self.app_key):
            return self._error(
                E_CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter."
            )
        if not query.get("sign"):
            return self._error(
                E_CREDENTIALS,
                "Missing credentials. The request does not include a required "
                "signature in the query.",
            )
        error = self._check_timestamp(query.get("timestamp"))
        if error:
            return error
        multipart = req.content_type == "multipart/form-data"
        expected = tts_sign(self.app_secret, req.path, query, req.body, multipart)
        if not constant_time_equal(query["sign"], expected):
            return self._error(E_SIGN, "Invalid signature. Please check your sign.")
        error = self._check_token(req.headers.get("x-tts-access-token"))
        if error:
            return error
        return self._check_cipher(query, shop)

    def _check_timestamp(self, raw):
        try:
            stamp = int(raw)
        except (TypeError, ValueError):
            return self._error(
                E_CREDENTIALS,
                "Missing credentials. The `timestamp` query parameter is missing or "
                "not an integer.",
            )
        # the window is checked against the simulated clock, and also against the
        # wall clock so that a client keeps working after POST /_sim/clock
        for now in (self.now(), time.time()):
            if now - 300 <= stamp <= now + 30:
                return None
        now = self.now()
        if stamp < now - 300:
            return self._error(
                E_CREDENTIALS,
                "Invalid timestamp. The value of the `timestamp` query parameter must "
                "not be earlier than 5 minutes before the current time.",
            )
        if stamp > now + 30:
            return self._error(
                E_CREDENTIALS,
                "Invalid timestamp. The value of the `timestamp` query parameter must "
                "not be later than 30 seconds after the current time.",
            )
        return None

    def _check_token(self, token):
        info = self.tokens.get(token or "")
        if info is None:
            return self._error(
                E_CREDENTIALS,
                "Invalid credentials. The `x-tts-access-token` header is invalid.",
            )
        if info["expire"] <= self.now():
            return self._error(
                E_TOKEN_EXPIRED, "Expired credentials. The access token has expired."
            )
        return None

    def _check_cipher(self, query, shop):
        cipher = query.get("shop_cipher")
        if not shop:
            if cipher:
                return self._error(
                    E_CREDENTIALS,
                    "Unexpected identifier. The `shop_cipher` query parameter is not "
                    "required for this request.",
                )
            return None
        if not cipher:
            return self._error(
                E_CIPHER_REQUIRED,
                "The `shop_cipher` query parameter is required for this request.",
            )
        if cipher != self.shop_cipher:
            return self._error(
                E_CREDENTIALS,
                "Invalid credentials. The `shop_cipher` query parameter is invalid.",
            )
        return None

    def _issue_token(self, now, label="auth", refresh_token=None):
        access = (
            "TTP_"
            + hashlib.sha256(
                f"{self.seed}-{label}-{now}-{len(self.tokens)}".encode()
            ).hexdigest()[:40]
        )
        if refresh_token is None:
            refresh_token = (
                "TTP_"
                + hashlib.sha256(
                    f"refresh-{self.seed}-{label}-{now}-{len(self.tokens)}".encode()
                ).hexdigest()[:40]
            )
            self.refresh_tokens[refresh_token] = {"expire": now + REFRESH_TOKEN_LIFE}
        info = {
            "access_token": access,
            "expire": now + ACCESS_TOKEN_LIFE,
            "issued": now,
            "refresh_token": refresh_token,
        }
        self.tokens[access] = info
        return info

    def _token_data(self, info):
        return {
            "access_token": info["access_token"],
            "access_token_expire_in": info["expire"],
            "refresh_token": info["refresh_token"],
            "refresh_token_expire_in": self.refresh_tokens[info["refresh_token"]][
                "expire"
            ],
            "open_id": "7010736057180325637" if not self.tokopedia else "7310736057",
            "seller_name": self._shop_name(),
            "seller_base_region": self.region,
            "user_type": 0,
            "granted_scopes": [
                "seller.authorization.info",
                "seller.order.info",
                "seller.fulfillment.basic",
                "seller.return_refund.basic",
                "seller.product.basic",
            ],
        }

    def _shop_name(self):
        return "Toko Sim Tokopedia" if self.tokopedia else "Sim TikTok Shop MY"

    def _token_app_check(self, query):
        if query.get("app_key") != self.app_key or not constant_time_equal(
            query.get("app_secret"), self.app_secret
        ):
            return self._error(
                E_CREDENTIALS, "Invalid credentials. Invalid app_key or app_secret."
            )
        return None

    def _token_get(self, req):
        query = dict(req.query, **req.form())
        self._apply_expire_fault()
        error = self._token_app_check(query)
        if error:
            return error
        if query.get("grant_type") != "authorized_code":
            return self._error(E_CREDENTIALS, "Invalid grant_type.")
        now = int(self.now())
        code = self.auth_codes.get(query.get("auth_code") or "")
        if code is None or code["used"] or code["expire"] <= now:
            return self._error(E_AUTH_GRANT, "Invalid or expired auth_code.")
        code["used"] = True
        return self._ok(self._token_data(self._issue_token(now)))

    def _token_refresh(self, req):
        query = dict(req.query, **req.form())
        self._apply_expire_fault()
        error = self._token_app_check(query)
        if error:
            return error
        if query.get("grant_type") != "refresh_token":
            return self._error(E_CREDENTIALS, "Invalid grant_type.")
        now = int(self.now())
        refresh = query.get("refresh_token") or ""
        info = self.refresh_tokens.get(refresh)
        if info is None or info["expire"] <= now:
            return self._error(E_AUTH_GRANT, "Invalid or expired refresh_token.")
        return self._ok(
            self._token_data(
                self._issue_token(now, label="refresh", refresh_token=refresh)
            )
        )

    @route(("GET", "POST"), "/api/v2/token/get")
    def token_get(self, req):
        return self._token_get(req)

    @route(("GET", "POST"), "/api/v2/token/refresh")
    def token_refresh(self, req):
        return self._token_refresh(req)

    @api("GET", "/authorization/202309/shops", shop=False)
    def authorized_shops(self, req):
        code = ("IDLC" if self.tokopedia else "MYLC") + self.shop_id[-8:]
        return self._ok(
            {
                "shops": [
                    {
                        "id": self.shop_id,
                        "name": self._shop_name(),
                        "region": self.region,
                        "seller_type": "LOCAL",
                        "cipher": self.shop_cipher,
                        "code": code,
                    }
                ]
            }
        )

    # ==== order generation ====
    def _create_order(self, status, now, created=None, ship=None):
        rng = self.rng
        buyer = data.buyer(rng)
        lines = data.order_lines(rng)
        if status == PARTIALLY_SHIPPING and len(lines) < 2:
            lines = [dict(x, qty=1) for x in rng.sample(data.catalogue(), 2)]
        if created is None:
            if status in (UNPAID, ON_HOLD):
                created = now - rng.randint(60, 2400)
            else:
                created = now - rng.randint(3 * HOUR, 10 * DAY)
        shipping_type = "SELLER" if rng.random() < 0.2 else "TIKTOK"
        shipping_type = ship or shipping_type
        is_cod = status != UNPAID and rng.random() < 0.2
        order = {
            "id": self._new_id("5764"),
            "status": status,
            "create_time": created,
            "update_time": created,
            "paid_time": None if status == UNPAID else created + rng.randint(5, 120),
            "shipping_type": shipping_type,
            "is_cod": is_cod,
            "buyer": buyer,
            "buyer_message": rng.choice(["", "", "Tolong cepat ya 🙏", "Gift wrap"]),
            "commerce_platform": "TOKOPEDIA"
            if self.tokopedia and rng.random() < 0.5
            else "TIKTOK_SHOP",
            "lines": [],
            "packages": [],
            "buyer_cancel_pending": False,
            "request_cancel_time": None,
            "cancel": None,  # {initiator, reason, time}
            "history": [],
            "hold_until": None,
            "complete_at": None,
            "delivery_time": None,
            "collection_time": None,
            "rts_time": None,
        }
        self._make_lines(order, lines)
        self._make_payment(order)
        self._make_packages(order, lines)
        self.orders[order["id"]] = order
        self._seed_status(order, status, now)
        return order

    def _make_lines(self, order, lines):
        rng = self.rng
        for item in lines:
            sku = self.skus[item["sku"]]
            price = self._unit(item["price"])
            seller_disc = self._unit(item["price"] * 0.1) if rng.random() < 0.3 else 0
            platform_disc = (
                self._unit(item["price"] * 0.05) if rng.random() < 0.25 else 0
            )
            for _ in range(item["qty"]):  # one line item per unit, as TikTok does
                order["lines"].append(
                    {
                        "id": self._new_id("5770"),
                        "sku_id": sku["id"],
                        "product_id": sku["product_id"],
                        "product_name": self.products[sku["product_id"]]["title"],
                        "sku_name": sku["name"],
                        "seller_sku": sku["seller_sku"],
                        "original_price": price,
                        "seller_discount": seller_disc,
                        "platform_discount": platform_disc,
                        "sale_price": round(price - seller_disc - platform_disc, 2),
                        "package_id": None,
                        "weight": item["weight"],
                    }
                )

    def _make_payment(self, order):
        rng = self.rng
        lines = order["lines"]
        original = sum(x["original_price"] for x in lines)
        seller = sum(x["seller_discount"] for x in lines)
        platform = sum(x["platform_discount"] for x in lines)
        ship_orig = self._unit(rng.choice([4.9, 6.0, 8.5, 12.0]))
        ship_platform = ship_orig if rng.random() < 0.35 else 0  # free-shipping voucher
        ship_seller = (
            self._unit(2.0) if not ship_platform and rng.random() < 0.15 else 0
        )
        ship_fee = round(ship_orig - ship_platform - ship_seller, 2)
        sub_total = round(original - seller - platform, 2)
        order["payment"] = {
            "currency": self.currency,
            "original_total_product_price": original,
            "seller_discount": seller,
            "platform_discount": platform,
            "sub_total": sub_total,
            "original_shipping_fee": ship_orig,
            "shipping_fee_platform_discount": ship_platform,
            "shipping_fee_seller_discount": ship_seller,
            "shipping_fee": ship_fee,
            "tax": 0,
            "total_amount": round(sub_total + ship_fee, 2),
        }

    def _make_packages(self, order, lines):
        by_sku = {}
        for line in order["lines"]:
            by_sku.setdefault(line["seller_sku"], []).append(line)
        groups = list(by_sku.values())
        split = len(groups) >= 2 and (
            order["status"] == PARTIALLY_SHIPPING or self.rng.random() < 0.3
        )
        if split:
            cut = len(groups) // 2
            parts = [sum(groups[:cut], []), sum(groups[cut:], [])]
        else:
            parts = [order["lines"]]
        if order["shipping_type"] == "TIKTOK":
            provider_id, provider = TIKTOK_PROVIDERS[self.region]
        else:
            provider_id, provider = None, None
        for part in parts:
            package = {
                "id": self._new_id("1152"),
                "order_id": order["id"],
                "status": TO_FULFILL,
                "line_ids": [x["id"] for x in part],
                "tracking_number": None,
                "shipping_provider_id": provider_id,
                "shipping_provider_name": provider,
                "handover_method": None,
                "pickup_slot": None,
                "create_time": order["paid_time"] or order["create_time"],
                "update_time": order["paid_time"] or order["create_time"],
                "shipped_at": None,
                "collect_at": None,
                "deliver_at": None,
                "events": [],
            }
            for line in part:
                line["package_id"] = package["id"]
            order["packages"].append(package)
            self.packages[package["id"]] = order["id"]

    def _seed_status(self, order, status, now):
        rng = self.rng
        created = order["create_time"]
        span = max(now - created, 60)

        def at(frac):
            return created + int(span * frac)

        order["update_time"] = order["paid_time"] or created
        if status == ON_HOLD:
            order["hold_until"] = order["paid_time"] + ON_HOLD_WINDOW
        elif status == PARTIALLY_SHIPPING:
            collect_at = now + rng.randint(HOUR, 12 * HOUR)
            self._seed_ship(order["packages"][0], at(0.4), collect_at)
            order["update_time"] = at(0.4)
        elif status == AWAITING_COLLECTION:
            for package in order["packages"]:
                self._seed_ship(package, at(0.5), now + rng.randint(HOUR, 12 * HOUR))
            order["update_time"] = at(0.5)
        elif status in (IN_TRANSIT, DELIVERED, COMPLETED):
            self._seed_shipped_far(order, status, now, at)
        elif status == CANCELLED:
            self._seed_cancelled(order, at(0.3))
        elif status == AWAITING_SHIPMENT and rng.random() < 0.25:
            # requested recently enough that the 48 h response window is still open
            when = max(at(0.6), now - rng.randint(600, 20 * HOUR))
            self._open_buyer_cancel(order, "Change of mind", when, seeded=True)

    def _seed_ship(self, package, shipped, collect_at):
        order = self.orders[package["order_id"]]
        rng = self.rng
        if order["shipping_type"] == "TIKTOK":
            method = rng.choice(["PICKUP", "DROP_OFF"])
            tracking = self._tracking_number()
        else:
            method = None
            provider_id = rng.choice(sorted(SELLER_PROVIDERS))
            package["shipping_provider_id"] = provider_id
            package["shipping_provider_name"] = SELLER_PROVIDERS[provider_id]
            tracking = f"SS{rng.randint(10**9, 10**10 - 1)}"
        package.update(
            status=PROCESSING,
            tracking_number=tracking,
            handover_method=method,
            shipped_at=shipped,
            update_time=shipped,
            collect_at=collect_at,
        )
        order["rts_time"] = order["rts_time"] or shipped
        package["events"].append(
            (shipped, "Seller has arranged shipment, waiting for courier to collect")
        )

    def _seed_shipped_far(self, order, status, now, at):
        rng = self.rng
        for package in order["packages"]:
            self._seed_ship(package, at(0.3), None)
            package["collect_at"] = None
            self._package_event(package, FULFILLING, at(0.45), "Parcel picked up")
            order["collection_time"] = at(0.45)
            if status == IN_TRANSIT:
                package["deliver_at"] = now + rng.randint(6 * HOUR, 36 * HOUR)
            else:
                self._package_event(
                    package, PKG_COMPLETED, at(0.7), "Your package was delivered!"
                )
        order["update_time"] = at(0.45)
        if status != IN_TRANSIT:
            order["delivery_time"] = at(0.7)
            order["update_time"] = at(0.7)
            order["complete_at"] = now + rng.randint(HOUR, COMPLETE_AFTER)
        if status == COMPLETED:
            order["complete_at"] = at(0.95)
            order["update_time"] = at(0.95)

    def _seed_cancelled(self, order, when):
        rng = self.rng
        role = rng.choice(["BUYER", "SELLER", "SYSTEM"])
        reason = {
            "BUYER": "Change of mind",
            "SELLER": "Out of stock",
            "SYSTEM": "Package delivery failed",
        }[role]
        order["cancel"] = {"initiator": role, "reason": reason, "time": when}
        for package in order["packages"]:
            package["status"] = PKG_CANCELLED
            package["update_time"] = when
        order["update_time"] = when
        self._new_cancellation(order, "CANCEL", role, reason, when, C_COMPLETE)

    def _tracking_number(self):
        prefix = "JX" if self.tokopedia else "MYJT"
        return f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}"

    # ==== rendering ====
    def _render(self, order):
        status = order["status"]
        payment = {
            k: (v if k == "currency" else self._money(v))
            for k, v in order["payment"].items()
        }
        first_pkg = order["packages"][0] if order["packages"] else None
        cancel = order["cancel"] or {}
        hidden = status in (UNPAID, ON_HOLD)
        record = {
            "id": order["id"],
            "status": status,
            "create_time": order["create_time"],
            "update_time": order["update_time"],
            "paid_time": order["paid_time"],
            "rts_sla_time": (order["paid_time"] or order["create_time"]) + 2 * DAY,
            "tts_sla_time": (order["paid_time"] or order["create_time"]) + 5 * DAY,
            "rts_time": order["rts_time"],
            "collection_time": order["collection_time"],
            "delivery_time": order["delivery_time"],
            "cancel_time": cancel.get("time"),
            "cancel_reason": cancel.get("reason"),
            "cancellation_initiator": cancel.get("initiator"),
            "request_cancel_time": order["request_cancel_time"],
            "is_buyer_request_cancel": order["buyer_cancel_pending"],
            "is_on_hold_order": status == ON_HOLD,
            "is_cod": order["is_cod"],
            "is_sample_order": False,
            "is_replacement_order": False,
            "payment_method_name": self._payment_method(order),
            "shipping_type": order["shipping_type"],
            "fulfillment_type": "FULFILLMENT_BY_SELLER",
            "delivery_type": "HOME_DELIVERY",
            "delivery_option_id": "7091146663229654785",
            "delivery_option_name": "Standard Shipping",
            "shipping_provider": first_pkg and first_pkg["shipping_provider_name"],
            "shipping_provider_id": first_pkg and first_pkg["shipping_provider_id"],
            "tracking_number": (first_pkg and first_pkg["tracking_number"]) or None,
            "split_or_combine_tag": "SPLIT" if len(order["packages"]) > 1 else None,
            "warehouse_id": WAREHOUSE_MAIN,
            "user_id": order["buyer"]["buyer_id"],
            "buyer_email": f"{order['buyer']['buyer_id']}@chat.seller.tiktok.com",
            "buyer_message": order["buyer_message"],
            "commerce_platform": order["commerce_platform"],
            "payment": payment,
            "packages": [] if hidden else [{"id": p["id"]} for p in order["packages"]],
            "line_items": [self._render_line(order, x) for x in order["lines"]],
        }
        if not hidden:
            record["recipient_address"] = self._address(order["buyer"])
        return _clean(record)

    def _payment_method(self, order):
        if order["is_cod"]:
            return "Cash on delivery"
        if order["status"] == UNPAID:
            return None
        return "Bank transfer" if self.tokopedia else "CCDC"

    def _render_line(self, order, line):
        package = self._package(line["package_id"])
        cancel = order["cancel"] or {}
        if order["status"] in (UNPAID, ON_HOLD, CANCELLED):
            display = order["status"]
        elif order["status"] == COMPLETED:
            display = COMPLETED
        else:
            display = PKG_DISPLAY[package["status"]]
        return _clean(
            {
                "id": line["id"],
                "sku_id": line["sku_id"],
                "product_id": line["product_id"],
                "product_name": line["product_name"],
                "sku_name": line["sku_name"],
                "seller_sku": line["seller_sku"],
                "sku_image": f"https://p16-oec-sg.ibyteimg.com/sim/{line['sku_id']}",
                "sku_type": "NORMAL",
                "original_price": self._money(line["original_price"]),
                "sale_price": self._money(line["sale_price"]),
                "seller_discount": self._money(line["seller_discount"]),
                "platform_discount": self._money(line["platform_discount"]),
                "currency": self.currency,
                "is_gift": False,
                "package_id": package["id"],
                "package_status": package["status"],
                "display_status": display,
                "tracking_number": package["tracking_number"],
                "shipping_provider_id": package["shipping_provider_id"],
                "shipping_provider_name": package["shipping_provider_name"],
                "rts_time": package["shipped_at"],
                "cancel_reason": cancel.get("reason"),
                "cancel_user": cancel.get("initiator"),
            }
        )

    def _address(self, buyer):
        region = "ID" if self.tokopedia else buyer["country"]
        city = "Jakarta Selatan" if self.tokopedia else buyer["city"]
        zipcode = "12190" if self.tokopedia else buyer["zip"]
        phone = (
            buyer["phone"].replace("+60", "+62") if self.tokopedia else buyer["phone"]
        )
        masked = f"({phone[:3]}){phone[3:5]}******{phone[-2:]}"
        return {
            "name": buyer["name"],
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "phone_number": masked,
            "address_detail": buyer["address2"],
            "address_line1": buyer["address1"],
            "address_line2": buyer["address2"],
            "address_line3": "",
            "address_line4": "",
            "full_address": f"{buyer['address1']}, {buyer['address2']}, {city} "
            f"{zipcode}",
            "postal_code": zipcode,
            "region_code": region,
            "district_info": [
                {"address_level_name": "Country", "address_name": region},
                {"address_level_name": "City", "address_name": city},
            ],
        }

    def _package(self, package_id):
        order = self.orders.get(self.packages.get(package_id))
        for package in order["packages"] if order else []:
            if package["id"] == package_id:
                return package
        return None

    # ==== faults on served records ====
    def _serve(self, orders):
        out = []
        for order in orders:
            if self.faults.roll("out_of_order"):
                record = self._stale_view(order)
            else:
                record = self._render(order)
            if self.faults.roll("malformed"):
                record = self._malform(record)
            out.append(record)
            if self.faults.roll("duplicates"):
                out.append(copy.deepcopy(record))
        return out

    def _stale_view(self, order):
        if order["history"]:
            return copy.deepcopy(order["history"][-1])
        record = self._render(order)
        record["status"] = PREVIOUS_STATUS.get(order["status"], order["status"])
        record["update_time"] = max(
            order["create_time"], order["update_time"] - 15 * 60
        )
        return record

    def _malform(self, record):
        record = copy.deepcopy(record)
        kind = self.faults.rng.randrange(4)
        if kind == 0:
            record.pop("line_items", None)
        elif kind == 1:
            record["payment"] = {"currency": record.get("payment", {}).get("currency")}
        elif kind == 2:
            record["create_time"] = "not-a-timestamp"
        else:
            record["status"] = None
        return record

    # ==== orders API ====
    def _page_size(self, query, high):
        raw = query.get("page_size")
        if raw is None:
            raise ApiError(E_CREDENTIALS, "Missing required parameter: page_size")
        try:
            size = int(raw)
        except ValueError as exc:
            raise ApiError(E_CREDENTIALS, "Invalid page_size") from exc
        if not 1 <= size <= high:
            raise ApiError(E_CREDENTIALS, f"page_size must be between 1 and {high}")
        return size

    @staticmethod
    def _encode_token(key):
        raw = json.dumps(list(key), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def _decode_token(token):
        try:
            value, ident = json.loads(base64.urlsafe_b64decode(token.encode()))
            return (int(value), str(ident))
        except (ValueError, TypeError) as exc:
            raise ApiError(E_CREDENTIALS, "Invalid page_token") from exc

    def _paginate(self, records, query, size, default_order="DESC"):
        sort_field = query.get("sort_field") or "create_time"
        if sort_field not in ("create_time", "update_time"):
            raise ApiError(E_CREDENTIALS, "Invalid sort_field")
        sort_order = (query.get("sort_order") or default_order).upper()
        if sort_order not in ("ASC", "DESC"):
            raise ApiError(E_CREDENTIALS, "Invalid sort_order")
        ident = "cancel_id" if records and "cancel_id" in records[0] else "id"

        def key(record):
            return (record[sort_field], record[ident])

        desc = sort_order == "DESC"
        records = sorted(records, key=key, reverse=desc)
        if query.get("page_token"):
            last = self._decode_token(query["page_token"])
            records = [r for r in records if (key(r) < last if desc else key(r) > last)]
        page = records[:size]
        token = self._encode_token(key(page[-1])) if len(records) > size else ""
        return page, token

    @staticmethod
    def _in_range(value, body, prefix):
        low = body.get(f"{prefix}_ge")
        high = body.get(f"{prefix}_lt")
        if low is not None and value < int(low):
            return False
        return high is None or value < int(high)

    def _order_matches(self, order, body):
        if body.get("order_status") and order["status"] != body["order_status"]:
            return False
        if (
            body.get("shipping_type")
            and order["shipping_type"] != body["shipping_type"]
        ):
            return False
        if body.get("buyer_user_id") and order["buyer"]["buyer_id"] != str(
            body["buyer_user_id"]
        ):
            return False
        wanted = body.get("is_buyer_request_cancel")
        if wanted is not None and order["buyer_cancel_pending"] != bool(wanted):
            return False
        return self._in_range(order["create_time"], body, "create_time") and (
            self._in_range(order["update_time"], body, "update_time")
        )

    @api("POST", "/order/202309/orders/search")
    def orders_search(self, req):
        try:
            size = self._page_size(req.query, 100)
            body = self._body(req)
            if body.get("order_status") and body["order_status"] not in STATUSES:
                raise ApiError(E_CREDENTIALS, "Invalid order_status")
            matches = [o for o in self.orders.values() if self._order_matches(o, body)]
            page, token = self._paginate(matches, req.query, size)
        except (ApiError, ValueError, TypeError) as exc:
            return self._api_error(exc)
        return self._ok(
            {
                "next_page_token": token,
                "total_count": len(matches),
                "orders": self._serve(page),
            }
        )

    def _api_error(self, exc):
        if isinstance(exc, ApiError):
            return self._error(exc.code, exc.message, payload=exc.data)
        return self._error(E_CREDENTIALS, f"Invalid parameter: {exc}")

    @api("GET", "/order/202309/orders")
    def orders_detail(self, req):
        ids = [x for x in (req.query.get("ids") or "").split(",") if x]
        if not ids:
            return self._error(E_CREDENTIALS, "Missing required parameter: ids")
        if len(ids) > 50:
            return self._error(E_CREDENTIALS, "ids supports at most 50 order IDs")
        found = [self.orders[i] for i in ids if i in self.orders]
        if not found:
            return self._error(E_ORDER_NOT_FOUND, "Order does not exist.")
        return self._ok({"orders": self._serve(found)})

    # ==== state changes and time ====
    def _snapshot(self, order):
        order["history"].append(self._render(order))
        del order["history"][:-3]

    def _set_status(self, order, status, when=None, before=None):
        """Change the status, keep the previous version (for ``out_of_order``) and
        push ORDER_STATUS_CHANGE. ``before``: a rendering taken before the caller
        already changed packages."""
        if order["status"] == status:
            if before is not None:
                order["history"].append(before)
                del order["history"][:-3]
                order["update_time"] = int(when or self.now())
            return
        if before is not None:
            order["history"].append(before)
            del order["history"][:-3]
        else:
            self._snapshot(order)
        order["status"] = status
        order["update_time"] = int(when or self.now())
        self._push_order(order)

    def _package_event(self, package, status, when, text):
        package["status"] = status
        package["update_time"] = when
        package["events"].append((when, text))

    def _derive_status(self, order):
        active = [p for p in order["packages"] if p["status"] != PKG_CANCELLED]
        states = {p["status"] for p in active}
        if not active:
            return order["status"]
        if TO_FULFILL in states:
            return PARTIALLY_SHIPPING if len(states) > 1 else AWAITING_SHIPMENT
        if PROCESSING in states:
            return AWAITING_COLLECTION
        if FULFILLING in states:
            return IN_TRANSIT
        return DELIVERED

    def tick(self):
        now = int(self.now())
        for order in self.orders.values():
            self._tick_order(order, now)
        for cancel in self.cancellations.values():
            self._tick_cancellation(cancel, now)
        self._finance_tick(now)
        due = [r for r in self._retries if r[0] <= now]
        if due:
            self._retries = [r for r in self._retries if r[0] > now]
            for _when, event in due:
                self._send_later(event)

    def _tick_order(self, order, now):
        status = order["status"]
        if status == ON_HOLD and now >= order["hold_until"]:
            self._set_status(order, AWAITING_SHIPMENT, order["hold_until"])
            return
        if status not in (PARTIALLY_SHIPPING, AWAITING_COLLECTION, IN_TRANSIT):
            if status == DELIVERED and order["complete_at"] <= now:
                self._set_status(order, COMPLETED, order["complete_at"])
            return
        if not any(self._package_due(p, now) for p in order["packages"]):
            return
        before = self._render(order)
        for package in order["packages"]:
            self._tick_package(order, package, now)
        new = self._derive_status(order)
        if new != status:
            when = max(p["update_time"] for p in order["packages"])
            if new == DELIVERED:
                order["delivery_time"] = when
                order["complete_at"] = when + COMPLETE_AFTER
            self._set_status(order, new, when, before=before)
            if new == DELIVERED and order["complete_at"] <= now:
                self._set_status(order, COMPLETED, order["complete_at"])

    @staticmethod
    def _package_due(package, now):
        if package["status"] == PROCESSING:
            return bool(package["collect_at"]) and package["collect_at"] <= now
        if package["status"] == FULFILLING:
            return bool(package["deliver_at"]) and package["deliver_at"] <= now
        return False

    def _tick_package(self, order, package, now):
        if package["status"] == PROCESSING and package["collect_at"]:
            if package["collect_at"] <= now:
                when = package["collect_at"]
                self._package_event(package, FULFILLING, when, "Parcel picked up")
                order["collection_time"] = order["collection_time"] or when
                package["deliver_at"] = when + DELIVER_AFTER
        if package["status"] == FULFILLING and package["deliver_at"]:
            if package["deliver_at"] <= now:
                self._package_event(
                    package,
                    PKG_COMPLETED,
                    package["deliver_at"],
                    "Your package was delivered!",
                )

    # ==== fulfilment API ====
    def _pickup_slots(self):
        base = (int(self.now()) // DAY + 1) * DAY
        slots = []
        for day in range(3):
            start = base + day * DAY
            slots.append((start + 2 * HOUR, start + 6 * HOUR))
            slots.append((start + 6 * HOUR, start + 10 * HOUR))
        return slots

    def _fulfil_package(self, package_id):
        package = self._package(package_id)
        if package is None:
            raise ApiError(E_PACKAGE_NOT_FOUND, "Package does not exist.")
        return self.orders[package["order_id"]], package

    @api("GET", "/fulfillment/202309/packages/{package_id}/handover_time_slots")
    def handover_time_slots(self, req):
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        tiktok = order["shipping_type"] == "TIKTOK" and package["status"] == TO_FULFILL
        slots = self._pickup_slots() if tiktok else []
        return self._ok(
            {
                "can_pickup": tiktok,
                "can_drop_off": tiktok,
                "can_van_collection": False,
                "drop_off_point_url": f"{self.url}/_sim/drop_off_points"
                if tiktok
                else "",
                "pickup_slots": [
                    {"start_time": s, "end_time": e, "avaliable": True}
                    for s, e in slots
                ],
            }
        )

    @api("POST", "/fulfillment/202309/packages/{package_id}/ship")
    def ship_package(self, req):
        try:
            body = self._body(req)
            order, package = self._fulfil_package(req.params["package_id"])
            if package["status"] != TO_FULFILL or order["status"] not in SHIPPABLE:
                raise ApiError(
                    E_PACKAGE_STATUS,
                    f"Package status {package['status']} (order {order['status']}) "
                    "does not allow shipping.",
                )
            before = self._render(order)
            if order["shipping_type"] == "TIKTOK":
                self._ship_tiktok(package, body)
            else:
                self._ship_self(package, body)
        except ApiError as exc:
            return self._api_error(exc)
        now = int(self.now())
        package["shipped_at"] = now
        package["update_time"] = now
        order["rts_time"] = order["rts_time"] or now
        package["events"].append(
            (now, "Seller has arranged shipment, waiting for courier to collect")
        )
        self._set_status(order, self._derive_status(order), now, before=before)
        return self._ok({})

    def _ship_tiktok(self, package, body):
        now = int(self.now())
        if body.get("self_shipment"):
            raise ApiError(
                E_SHIP_PARAM, "self_shipment is only allowed for seller shipping."
            )
        method = body.get("handover_method") or "PICKUP"
        slot = body.get("pickup_slot")
        if method == "PICKUP":
            slots = self._pickup_slots()
            if slot is None:  # SEA: handover_method/pickup_slot may be omitted
                slot = {"start_time": slots[0][0], "end_time": slots[0][1]}
            try:
                wanted = (int(slot["start_time"]), int(slot["end_time"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ApiError(E_SHIP_PARAM, "Invalid pickup_slot.") from exc
            if wanted not in slots:
                raise ApiError(E_SHIP_PARAM, "The pickup_slot is not available.")
            collect_at = max(wanted[0] + PICKUP_COLLECT_AFTER, now + 60)
            package["pickup_slot"] = {"start_time": wanted[0], "end_time": wanted[1]}
        elif method == "DROP_OFF":
            collect_at = now + DROP_OFF_COLLECT_AFTER
        else:
            raise ApiError(E_SHIP_PARAM, f"Invalid handover_method {method!r}.")
        package.update(
            status=PROCESSING,
            handover_method=method,
            tracking_number=self._tracking_number(),
            collect_at=collect_at,
        )

    def _ship_self(self, package, body):
        shipment = body.get("self_shipment") or {}
        tracking = str(shipment.get("tracking_number") or "").strip()
        provider = str(shipment.get("shipping_provider_id") or "")
        if not tracking or not provider:
            raise ApiError(
                E_SHIP_PARAM,
                "self_shipment.tracking_number and shipping_provider_id are required "
                "for seller shipping.",
            )
        if provider not in SELLER_PROVIDERS:
            raise ApiError(E_SHIP_PARAM, "Invalid shipping_provider_id.")
        package.update(
            status=PROCESSING,
            handover_method="DROP_OFF",
            tracking_number=tracking,
            shipping_provider_id=provider,
            shipping_provider_name=SELLER_PROVIDERS[provider],
            collect_at=int(self.now()) + SELF_SHIP_COLLECT_AFTER,
        )

    @api("GET", "/fulfillment/202309/packages/{package_id}")
    def package_detail(self, req):
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        lines = [x for x in order["lines"] if x["id"] in package["line_ids"]]
        skus = {}
        for line in lines:
            entry = skus.setdefault(
                line["sku_id"],
                {"id": line["sku_id"], "name": line["sku_name"], "quantity": 0},
            )
            entry["quantity"] += 1
        detail = {
            "package_id": package["id"],
            "orders": [{"id": order["id"], "skus": list(skus.values())}],
            "package_status": package["status"],
            "split_and_combine_tag": "SPLIT" if len(order["packages"]) > 1 else None,
            "has_multi_skus": len(skus) > 1,
            "shipping_type": order["shipping_type"],
            "shipping_provider_id": package["shipping_provider_id"],
            "shipping_provider_name": package["shipping_provider_name"],
            "tracking_number": package["tracking_number"],
            "delivery_option_id": "7091146663229654785",
            "delivery_option_name": "Standard Shipping",
            "handover_method": package["handover_method"],
            "pickup_slot": package["pickup_slot"],
            "create_time": package["create_time"],
            "update_time": package["update_time"],
            "order_line_item_ids": list(package["line_ids"]),
            "weight": {
                "value": f"{sum(x['weight'] for x in lines) * 1000:.0f}",
                "unit": "GRAM",
            },
        }
        if order["status"] not in (UNPAID, ON_HOLD):
            detail["recipient_address"] = self._address(order["buyer"])
        return self._ok(_clean(detail))

    @api("GET", "/fulfillment/202309/orders/{order_id}/tracking")
    def order_tracking(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return self._error(E_ORDER_NOT_FOUND, "Order does not exist.")
        events = sorted(
            (e for p in order["packages"] for e in p["events"]), reverse=True
        )
        return self._ok(
            {
                "tracking": [
                    {"description": text, "update_time_millis": when * 1000}
                    for when, text in events
                ]
            }
        )

    @api("GET", "/fulfillment/202309/packages/{package_id}/shipping_documents")
    def shipping_documents(self, req):
        query = req.query
        try:
            order, package = self._fulfil_package(req.params["package_id"])
        except ApiError as exc:
            return self._api_error(exc)
        doc_type = query.get("document_type")
        if doc_type not in DOCUMENT_TYPES:
            return self._error(E_CREDENTIALS, "Invalid document_type.")
        if (query.get("document_format") or "PDF") != "PDF":
            return self._error(E_CREDENTIALS, "document_format ZPL is only for BR.")
        if order["shipping_type"] != "TIKTOK":
            return self._error(
                E_DOC_NOT_TIKTOK,
                "This API is only applicable to TikTok Shipping orders. For seller "
                "shipping, please obtain the shipping label offline.",
            )
        if package["status"] in (TO_FULFILL, PKG_CANCELLED):
            return self._error(
                E_DOC_STATUS, "Internal package status error, please try again later."
            )
        doc_id = hashlib.sha1(
            f"{package['id']}-{doc_type}-{self.now()}".encode()
        ).hexdigest()[:24]
        self.docs[doc_id] = {
            "expire": self.now() + DOC_URL_LIFE,
            "pdf": self._label_pdf(order, package, doc_type),
        }
        return self._ok(
            {
                "doc_url": f"{self.url}/_sim/docs/{doc_id}.pdf",
                "tracking_number": package["tracking_number"],
            }
        )

    def _label_pdf(self, order, package, doc_type):
        buyer = order["buyer"]
        lines = [
            f"Document: {doc_type}",
            f"Carrier: {package['shipping_provider_name']}",
            f"Tracking: {package['tracking_number']}",
            f"Handover: {package['handover_method']}",
            f"Order: {order['id']}",
            f"Package: {package['id']}",
            f"To: {buyer['name']}",
            buyer["address1"],
            f"{buyer['city']} {buyer['zip']}",
            "COD: " + (order["payment"]["currency"] if order["is_cod"] else "no"),
        ]
        return build_pdf(lines, title="TikTok Shop shipping label")

    @route("GET", "/_sim/docs/{name}", api=False)
    def serve_doc(self, req):
        doc = self.docs.get(req.params["name"].rsplit(".", 1)[0])
        if doc is None or doc["expire"] <= self.now():
            return Response(404, b"document not found or expired", "text/plain")
        return Response(200, doc["pdf"], "application/pdf")

    # ==== cancellations ====
    def _new_cancellation(self, order, ctype, role, reason, when, status):
        cancel = {
            "cancel_id": self._new_id("4035"),
            "order_id": order["id"],
            "cancel_type": ctype,
            "cancel_status": status,
            "role": role,
            "cancel_reason": reason,
            "create_time": when,
            "update_time": when,
            "deadline": when + CANCEL_RESPONSE_WINDOW if status == C_PENDING else None,
            "complete_at": None,
            "reject_reason": None,
            "decisions": [],
        }
        self.cancellations[cancel["cancel_id"]] = cancel
        self._push_cancellation(cancel)
        return cancel

    def _open_buyer_cancel(self, order, reason, when, seeded=False):
        order["buyer_cancel_pending"] = True
        order["request_cancel_time"] = when
        if not seeded:
            order["update_time"] = max(order["update_time"], when)
        return self._new_cancellation(
            order, "BUYER_CANCEL", "BUYER", reason, when, C_PENDING
        )

    def _cancel_order(self, order, initiator, reason, when):
        order["cancel"] = {"initiator": initiator, "reason": reason, "time": when}
        order["buyer_cancel_pending"] = False
        for package in order["packages"]:
            package["status"] = PKG_CANCELLED
            package["update_time"] = when
        self._set_status(order, CANCELLED, when)

    def _render_cancellation(self, cancel):
        order = self.orders[cancel["order_id"]]
        refund = {
            "currency": self.currency,
            "refund_total": self._money(order["payment"]["total_amount"]),
            "refund_subtotal": self._money(order["payment"]["sub_total"]),
            "refund_shipping_fee": self._money(order["payment"]["shipping_fee"]),
            "refund_tax": self._money(0),
        }
        record = {
            "cancel_id": cancel["cancel_id"],
            "order_id": cancel["order_id"],
            "cancel_type": cancel["cancel_type"],
            "cancel_status": cancel["cancel_status"],
            "role": cancel["role"],
            "cancel_reason": cancel["cancel_reason"],
            "cancel_reason_text": cancel["cancel_reason"],
            "create_time": cancel["create_time"],
            "update_time": cancel["update_time"],
            "refund_amount": refund,
            "cancel_line_items": [
                {
                    "cancel_line_item_id": f"9{line['id'][1:]}",
                    "order_line_item_id": line["id"],
                    "sku_id": line["sku_id"],
                    "sku_name": line["sku_name"],
                    "product_name": line["product_name"],
                    "seller_sku": line["seller_sku"],
                }
                for line in order["lines"]
            ],
        }
        if cancel["cancel_status"] == C_PENDING:
            record["seller_next_action_response"] = [
                {"action": "SELLER_RESPOND_CANCEL", "deadline": cancel["deadline"]}
            ]
        return record

    def _cancel_matches(self, cancel, body):
        order = self.orders[cancel["order_id"]]
        filters = (
            ("cancel_ids", cancel["cancel_id"]),
            ("order_ids", cancel["order_id"]),
            ("buyer_user_ids", order["buyer"]["buyer_id"]),
            ("cancel_types", cancel["cancel_type"]),
        )
        for name, value in filters:
            if body.get(name) and value not in [str(x) for x in body[name]]:
                return False
        if body.get("cancel_status"):
            wanted = {CANCEL_STATUS_ALIASES.get(s, s) for s in body["cancel_status"]}
            if cancel["cancel_status"] not in wanted:
                return False
        return self._in_range(cancel["create_time"], body, "create_time") and (
            self._in_range(cancel["update_time"], body, "update_time")
        )

    @api("POST", "/return_refund/202309/cancellations/search")
    def cancellations_search(self, req):
        try:
            query = dict(req.query)
            query.setdefault("page_size", "10")
            size = self._page_size(query, 50)
            body = self._body(req)
            matches = [
                self._render_cancellation(c)
                for c in self.cancellations.values()
                if self._cancel_matches(c, body)
            ]
            page, token = self._paginate(matches, query, size)
        except (ApiError, ValueError, TypeError) as exc:
            error = self._api_error(exc)
            return error
        return self._ok(
            {
                "cancellations": page,
                "total_count": len(matches),
                "next_page_token": token,
            }
        )

    def _decide(self, req, action):
        key = req.query.get("idempotency_key")
        cancel_id = req.params["cancel_id"]
        if key and (action, cancel_id, key) in self.idempotency:
            return self.idempotency[(action, cancel_id, key)]
        try:
            body = self._body(req)
            cancel = self.cancellations.get(cancel_id)
            if cancel is None:
                raise ApiError(E_RR_NOT_FOUND, "Order not found.")
            if action == "approve":
                self._approve(cancel, key, "SELLER_APPROVED")
            else:
                self._reject(cancel, key, body)
        except ApiError as exc:
            return self._api_error(exc)
        response = self._ok({})
        if key:
            self.idempotency[(action, cancel_id, key)] = response
        return response

    def _approve(self, cancel, key, decision):
        order = self.orders[cancel["order_id"]]
        if cancel["cancel_status"] != C_PENDING:
            raise ApiError(
                E_RR_CANNOT_APPROVE, "reverse status cannot approve application"
            )
        if order["status"] not in SHIPPABLE + (AWAITING_COLLECTION,):
            raise ApiError(E_RR_ORDER_STATUS, "Invalid order status.")
        now = int(self.now())
        cancel.update(cancel_status=C_SUCCESS, update_time=now)
        cancel["complete_at"] = now + REFUND_AFTER
        cancel["decisions"].append(
            {"decision": decision, "time": now, "idempotency_key": key}
        )
        self._cancel_order(order, "BUYER", cancel["cancel_reason"], now)
        self._push_cancellation(cancel)

    def _reject(self, cancel, key, body):
        reason = body.get("reject_reason")
        if not reason:
            raise ApiError(E_RR_PARAM, "reject_reason is required.")
        if cancel["cancel_status"] != C_PENDING:
            raise ApiError(
                E_RR_CANNOT_REJECT, "reverse status cannot reject application"
            )
        order = self.orders[cancel["order_id"]]
        now = int(self.now())
        cancel.update(cancel_status=C_CANCELLED, update_time=now, reject_reason=reason)
        cancel["decisions"].append(
            {
                "decision": "SELLER_REJECTED",
                "time": now,
                "reject_reason": reason,
                "comment": body.get("comment"),
                "idempotency_key": key,
            }
        )
        self._snapshot(order)
        order["buyer_cancel_pending"] = False
        order["update_time"] = now
        self._push_cancellation(cancel)

    def _tick_cancellation(self, cancel, now):
        status = cancel["cancel_status"]
        if status == C_SUCCESS and cancel["complete_at"] <= now:
            cancel.update(cancel_status=C_COMPLETE, update_time=cancel["complete_at"])
            self._push_cancellation(cancel)
        elif status == C_PENDING and cancel["deadline"] <= now:
            order = self.orders[cancel["order_id"]]
            if order["status"] in SHIPPABLE + (AWAITING_COLLECTION,):
                self._approve(cancel, None, "AUTO_APPROVED")  # seller did not answer

    @api("POST", "/return_refund/202309/cancellations/{cancel_id}/approve")
    def cancellation_approve(self, req):
        return self._decide(req, "approve")

    @api("POST", "/return_refund/202309/cancellations/{cancel_id}/reject")
    def cancellation_reject(self, req):
        return self._decide(req, "reject")

    @route("POST", "/_sim/orders/{order_id}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        reason = (req.json() or {}).get("reason") or "Change of mind"
        now = int(self.now())
        if order["status"] in (UNPAID, ON_HOLD):
            # ON_HOLD buyer cancel needs no approval: stored as type CANCEL
            cancel = self._new_cancellation(
                order, "CANCEL", "BUYER", reason, now, C_COMPLETE
            )
            self._cancel_order(order, "BUYER", reason, now)
        elif order["status"] in SHIPPABLE + (AWAITING_COLLECTION,):
            if order["buyer_cancel_pending"]:
                return json_response({"error": "a cancel request is pending"}, 409)
            self._snapshot(order)
            cancel = self._open_buyer_cancel(order, reason, now)
        else:
            return json_response(
                {"error": f"order in status {order['status']} cannot be cancelled"}, 409
            )
        return json_response(self._render_cancellation(cancel))

    # ==== stock ====
    @api("POST", "/product/202309/products/{product_id}/inventory/update")
    def inventory_update(self, req):
        product = self.products.get(req.params["product_id"])
        if product is None:
            return self._error(E_INV_NO_PRODUCT, "The product does not exist")
        try:
            body = self._body(req)
        except ApiError as exc:
            return self._api_error(exc)
        skus = body.get("skus")
        if not isinstance(skus, list) or not skus:
            return self._error(E_INV_SKU_REQUIRED, "The SKU ID is necessary")
        errors = []
        for entry in skus:
            error = self._update_sku(product, entry if isinstance(entry, dict) else {})
            if error:
                errors.append(error)
        return self._ok({"errors": errors} if errors else {})

    def _update_sku(self, product, entry):
        sku_id = str(entry.get("id") or "")
        if not sku_id:
            return {"code": E_INV_SKU_REQUIRED, "message": "The SKU ID is necessary"}
        sku = next((s for s in self.skus.values() if s["id"] == sku_id), None)
        if sku is None or sku["product_id"] != product["id"]:
            return {
                "code": E_INV_NOT_IN_PRODUCT,
                "message": "The SKU does not belong to the product",
                "detail": {"sku_id": sku_id},
            }
        new, extra = self._check_inventory(sku, entry.get("inventory"))
        if extra or not new:
            return {
                "code": extra[0]["code"] if len(extra) == 1 else E_INV_CHECK,
                "message": extra[0]["message"] if len(extra) == 1 else "Check failed",
                "detail": {"sku_id": sku_id, "extra_errors": extra},
            }
        sku["inventory"].update(new)
        self.stock_updates.append(
            {
                "time": int(self.now()),
                "product_id": product["id"],
                "sku_id": sku_id,
                "seller_sku": sku["seller_sku"],
                "inventory": dict(new),
            }
        )
        return None

    def _check_inventory(self, sku, inventory):
        warehouses = sku["inventory"]
        if not isinstance(inventory, list) or not inventory:
            return {}, [
                {
                    "code": E_INV_WAREHOUSE_REQUIRED,
                    "message": "SKU must contain a " "valid warehouse.",
                }
            ]
        new, extra = {}, []
        for item in inventory:
            item = item if isinstance(item, dict) else {}
            warehouse = str(item.get("warehouse_id") or "")
            if not warehouse and len(warehouses) == 1:
                warehouse = next(iter(warehouses))
            if warehouse not in warehouses:
                extra.append(
                    {
                        "warehouse_id": warehouse,
                        "code": E_INV_NO_WAREHOUSE
                        if warehouse
                        else (E_INV_WAREHOUSE_REQUIRED),
                        "message": "The warehouse does not exist"
                        if warehouse
                        else "SKU must contain a valid warehouse.",
                    }
                )
                continue
            quantity = item.get("quantity")
            if type(quantity) is not int or not 1 <= quantity <= 99999:
                extra.append(
                    {
                        "warehouse_id": warehouse,
                        "code": E_INV_QUANTITY,
                        "message": "stock count is invalid",
                    }
                )
                continue
            new[warehouse] = quantity
        if not extra and set(new) != set(warehouses):
            extra.append(
                {
                    "code": E_INV_ALL_WAREHOUSES,
                    "message": "Multiple warehouses detected. Include all warehouse "
                    "IDs and the corresponding details and try again.",
                }
            )
        return new, extra

    # ==== webhooks ====
    def _push_order(self, order):
        return self._push(
            1,
            order["id"],
            {
                "order_id": order["id"],
                "order_status": order["status"],
                "is_on_hold_order": order["status"] == ON_HOLD,
                "update_time": order["update_time"],
            },
        )

    def _push_cancellation(self, cancel):
        return self._push(
            11,
            cancel["order_id"],
            {
                "order_id": cancel["order_id"],
                "cancellations_role": cancel["role"],
                "cancel_status": cancel["cancel_status"],
                "cancel_id": cancel["cancel_id"],
                "create_time": cancel["create_time"],
            },
        )

    def _push(self, ptype, order_id, payload):
        notification = f"{self.seed:04d}{next(self._notification_ids):015d}"
        body = {
            "type": ptype,
            "tts_notification_id": notification,
            "shop_id": self.shop_id,
            "timestamp": int(self.now()),
            "data": payload,
        }
        event = {
            "notification_id": notification,
            "type": ptype,
            "order_id": order_id,
            "raw": json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
            "attempts": 0,
        }
        self.events.append(event)
        copies = 2 if self.push_url and self.faults.roll("duplicates") else 1
        for _ in range(copies):
            self._send_later(event)
        return event

    def _send_later(self, event):
        if self.push_url:
            self._push_queue.put((event, self.push_url))

    def _push_worker(self):
        while True:
            item = self._push_queue.get()
            if item is None:
                return
            event, url = item
            raw = event["raw"]
            headers = {
                "Content-Type": "application/json",
                "Authorization": webhook_signature(self.app_key, self.app_secret, raw),
            }
            result = {
                "notification_id": event["notification_id"],
                "type": event["type"],
                "order_id": event["order_id"],
                "url": url,
            }
            try:
                resp = requests.post(
                    url, data=raw, headers=headers, timeout=PUSH_TIMEOUT
                )
                result.update(status=resp.status_code, ok=200 <= resp.status_code < 300)
            except requests.RequestException as exc:
                result.update(status=None, ok=False, error=str(exc))
            with self.lock:
                event["attempts"] += 1
                result["attempt"] = event["attempts"]
                result["time"] = int(self.now())
                self.pushes.append(result)
                if not result["ok"] and event["attempts"] <= len(PUSH_RETRY_DELAYS):
                    delay = PUSH_RETRY_DELAYS[event["attempts"] - 1]
                    self._retries.append((self.now() + delay, event))

    def wait_for_pushes(self, count, timeout=5.0):
        """Block until ``count`` push attempts are recorded (test helper)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.pushes) >= count:
                    return list(self.pushes)
            time.sleep(0.01)
        with self.lock:
            return list(self.pushes)

    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        self.push_url = (req.json() or {}).get("url") or None
        return json_response({"url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = req.json() or {}
        order = self.orders.get(str(body.get("order_id")))
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if int(body.get("type", 1)) == 11:
            cancels = [
                c for c in self.cancellations.values() if c["order_id"] == order["id"]
            ]
            if not cancels:
                return json_response({"error": "order has no cancellation"}, 404)
            event = self._push_cancellation(cancels[-1])
        else:
            event = self._push_order(order)
        return json_response({"notification_id": event["notification_id"]})

    # ==== other control endpoints ====
    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        now = int(self.now())
        code = (
            "ROW_"
            + hashlib.sha256(
                f"code-{self.seed}-{now}-{len(self.auth_codes)}".encode()
            ).hexdigest()[:32]
        )
        self.auth_codes[code] = {"expire": now + AUTH_CODE_LIFE, "used": False}
        return json_response({"code": code, "expire_at": now + AUTH_CODE_LIFE})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_new_orders(self, req):
        body = req.json() or {}
        count = int(body.get("count", 1))
        status = body.get("status") or AWAITING_SHIPMENT
        if status not in (UNPAID, ON_HOLD, AWAITING_SHIPMENT):
            return json_response(
                {"error": "status must be UNPAID|ON_HOLD|AWAITING_SHIPMENT"}, 400
            )
        shipping_type = body.get("shipping_type")
        if shipping_type not in (None, "TIKTOK", "SELLER"):
            return json_response({"error": "shipping_type must be TIKTOK|SELLER"}, 400)
        now = int(self.now())
        ids = []
        for _ in range(count):
            order = self._create_order(status, now, created=now, ship=shipping_type)
            if order["paid_time"]:
                order["paid_time"] = now
                order["update_time"] = now
                if status == ON_HOLD:
                    order["hold_until"] = now + ON_HOLD_WINDOW
            self._push_order(order)
            ids.append(order["id"])
        return json_response({"order_ids": ids})

    def inspect(self):
        orders = {}
        for order in self.orders.values():
            orders[order["id"]] = {
                "status": order["status"],
                "update_time": order["update_time"],
                "total": float(self._money(order["payment"]["total_amount"])),
                # one line per unit, as served
                "lines": [
                    {
                        "sku": line["seller_sku"],
                        "price": float(self._money(line["sale_price"])),
                    }
                    for line in order["lines"]
                ],
                "shipping_type": order["shipping_type"],
                "is_cod": order["is_cod"],
                "is_buyer_request_cancel": order["buyer_cancel_pending"],
                "packages": {
                    p["id"]: {
                        "status": p["status"],
                        "tracking_number": p["tracking_number"],
                        "handover_method": p["handover_method"],
                        "shipping_provider_id": p["shipping_provider_id"],
                    }
                    for p in order["packages"]
                },
                "cancellations": [
                    c["cancel_id"]
                    for c in self.cancellations.values()
                    if c["order_id"] == order["id"]
                ],
            }
        return {
            "shop": {
                "id": self.shop_id,
                "cipher": self.shop_cipher,
                "region": self.region,
                "tokopedia": self.tokopedia,
            },
            "orders": orders,
            "finance": self.finance_inspect(),
            "cancellations": {
                c["cancel_id"]: {
                    k: c[k]
                    for k in (
                        "order_id",
                        "cancel_type",
                        "cancel_status",
                        "role",
                        "reject_reason",
                        "decisions",
                    )
                }
                for c in self.cancellations.values()
            },
            "stock": {
                s["seller_sku"]: {
                    "sku_id": s["id"],
                    "product_id": s["product_id"],
                    "inventory": dict(s["inventory"]),
                }
                for s in self.skus.values()
            },
            "stock_updates": list(self.stock_updates),
            "push_url": self.push_url,
            "pushes": list(self.pushes),
            "events": [
                {k: e[k] for k in ("notification_id", "type", "order_id", "attempts")}
                for e in self.events
            ],
            "access_token": self.access_token,
        }
