"""Lazada Open Platform ("lazop") simulator.

Behaves like ``https://api.lazada.{sg,...}/rest`` and ``https://auth.lazada.com/rest``
(both served by this one server under ``/rest``), as described in
``/work/shared/API_FACTS.md`` section 1 and the scraped open.lazada.com pages it cites.

Protocol
  - every call carries ``app_key``, ``timestamp`` (epoch ms, or ISO 8601),
    ``sign_method=sha256`` and ``sign``; seller APIs also ``access_token``. The
    signature is :func:`sign` over all query + form parameters except ``sign``.
  - answers are HTTP 200 with ``{"code": "0", "data"|"result": ..., "request_id"}``
    or the error envelope ``{"code", "type", "message", "request_id"}``. Fault
    injection answers HTTP 429 (``ApiCallLimit``, with ``Retry-After``) or HTTP
    500/503, still with the envelope so a client may read either.

Shapes (from the doc samples): order-level money is a string with two decimals
(``"price": "106.00"``); order timestamps are ``2018-02-09T22:44:30+08:00``; item
timestamps are ``2014-10-15 19:12:15 +0800``; item money is a JSON number (public
client code adds ``paid_price + voucher_platform`` directly). One order item is one
unit: an order line of quantity 2 is two order items with the same SKU, as on Lazada.

API routes (``/rest`` + path)
  auth/token/create, auth/token/refresh, orders/get, order/get, order/items/get,
  orders/items/get, order/shipment/providers/get, order/fulfill/pack (POST),
  order/package/rts (POST), order/package/document/get, order/invoice_number/set (POST),
  order/reverse/cancel/validate, order/reverse/cancel/create,
  order/reverse/cancel/seller/decide, product/price_quantity/update (POST),
  product/stock/sellable/update (POST), finance/transaction/details/get,
  finance/payout/status/get, finance/transaction/accountTransactions/query (POST)
  (settlements: see :class:`LazadaFinance`)

Control routes (besides core's /_sim/state, /_sim/faults, /_sim/clock, /_sim/reset)
  POST /_sim/auth/code                    -> {"code", "expires_in"} single-use, 30 min
  POST /_sim/push_config {"url"}          set (or clear with null) the webhook target
  POST /_sim/push {"order_id"[, "order_item_id"]}   send one push now
  POST /_sim/orders/new {"count"[, "status"]}       create orders now
  POST /_sim/orders/{order_id}/buyer_cancel {"order_item_ids"?} buyer cancel request
  POST /_sim/orders/{order_id}/pay        unpaid -> pending
  POST /_sim/orders/{order_id}/deliver {"return_item_ids"?}  deliver (and return) now
  POST /_sim/finance/transaction {"fee_type", "amount"[, "fee_name", "order_id"]}

Constructor options: ``app_key`` ("123456"), ``app_secret`` ("helloworld"),
``push_url``, ``country`` ("sg"), ``seller_id``, ``access_ttl`` (7 d),
``refresh_ttl`` (14 d), ``ship_after`` (6 h: ready_to_ship -> shipped),
``deliver_after`` (48 h: shipped -> delivered), ``cancel_confirm_after`` (48 h: an
unanswered buyer cancellation auto-cancels), ``cancel_pending_after`` (1 h: logistics
confirms an agreed cancellation), ``push_timeout`` (2 s), ``settle_after`` (3 d:
delivered -> credited), ``payout_after`` (4 d: statement closed -> paid out).
"""

import base64
import copy
import itertools
import json
import logging
import queue
import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from email.parser import BytesParser
from email.policy import HTTP as email_policy

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

HOUR = 3600
DAY = 86400

STATUSES = (
    "unpaid",
    "pending",
    "packed",
    "ready_to_ship",
    "shipped",
    "delivered",
    "canceled",
    "returned",
    "failed",
)
# every value GetOrders accepts as a status filter (order-api.md GetOrders error 6)
EXTRA_STATUSES = (
    "lost",
    "lost_by_3pl",
    "damaged_by_3pl",
    "failed_delivery",
    "shipped_back",
    "shipped_back_success",
    "shipped_back_failed",
    "package_scrapped",
)
AGGREGATES = {
    "topack": {"pending"},
    "toship": {"packed", "ready_to_ship"},
    "shipping": {"shipped"},
}
# the previous state in the normal flow, used for stale (out_of_order) snapshots
PREVIOUS = {
    "pending": "unpaid",
    "packed": "pending",
    "ready_to_ship": "packed",
    "shipped": "ready_to_ship",
    "delivered": "shipped",
    "canceled": "pending",
    "returned": "delivered",
    "failed": "shipped",
}
CANCELLABLE_BY_SELLER = {"unpaid", "pending", "packed"}
CANCELLABLE_BY_BUYER = {"unpaid", "pending", "packed", "ready_to_ship"}
PRINTABLE = {"packed", "ready_to_ship", "shipped", "delivered"}
CANCEL_REASONS = [
    {"reason_id": "10000021", "reason_name": "Out of stock"},
    {"reason_id": "10000022", "reason_name": "Wrong price or pricing error"},
    {"reason_id": "10000023", "reason_name": "Unable to ship the item on time"},
]
BUYER_CANCEL_REASONS = [
    "Change of mind",
    "Found cheaper elsewhere",
    "Duplicate order",
    "Change payment method",
]
SHIPMENT_PROVIDERS = [
    {"name": "LEX", "provider_code": "FM40"},
    {"name": "Ninja Van", "provider_code": "FM50"},
    {"name": "J&T Express", "provider_code": "FM61"},
]
COUNTRY = {
    # code: (country name, currency, utc offset hours)
    "sg": ("Singapore", "SGD", 8),
    "my": ("Malaysia", "MYR", 8),
    "ph": ("Philippines", "PHP", 8),
    "th": ("Thailand", "THB", 7),
    "vn": ("Vietnam", "VND", 7),
    "id": ("Indonesia", "IDR", 7),
}
PAYMENT_METHODS = ["MIXEDCARD", "LAZADA_WALLET", "BANK_TRANSFER", "PAYPAL"]
MAX_PAGE = 100
MAX_BATCH = 20
MAX_ORDER_IDS = 50
MAX_SKUS = 50
TIMESTAMP_WINDOW = 7200


def sign(api_path, params, secret):
    """Lazada signature: sort params (without ``sign``) by name in ASCII order, join as
    ``key1value1key2value2``, prefix ``api_path``, HMAC-SHA256 with ``secret``, upper
    hex."""
    text = api_path + "".join(
        f"{key}{params[key]}" for key in sorted(params) if key != "sign"
    )
    return hmac_sha256_hex(secret, text, upper=True)


def push_signature(app_key, app_secret, raw_body):
    """Webhook ``Authorization`` header: lowercase hex HMAC-SHA256(app_secret,
    app_key + raw body)."""
    if isinstance(raw_body, bytes):
        raw_body = raw_body.decode("utf-8")
    return hmac_sha256_hex(app_secret, app_key + raw_body)


def _pdf_text(text):
    return pdf_escape(text.encode("latin-1", "replace").decode("latin-1"))


def minimal_pdf(lines):
    """A valid one-page PDF (A6) showing ``lines`` in Helvetica, built by hand."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "24 390 Td"]
    for line in lines:
        ops.append(f"({_pdf_text(line)}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    return a6_pdf(stream, font=b" /Encoding /WinAnsiEncoding")


def _money(value):
    return f"{value:.2f}"


def _as_bool(value):
    return str(value).strip().lower() in ("true", "1", "yes")


class ApiError(Exception):
    def __init__(self, code, message, type_="ISV", **extra):
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.type = type_
        self.extra = extra


# API path -> (allowed methods, handler attribute, needs access_token)
API = {
    "/auth/token/create": (("GET", "POST"), "api_token_create", False),
    "/auth/token/refresh": (("GET", "POST"), "api_token_refresh", False),
    "/orders/get": (("GET", "POST"), "api_orders_get", True),
    "/order/get": (("GET", "POST"), "api_order_get", True),
    "/order/items/get": (("GET", "POST"), "api_order_items_get", True),
    "/orders/items/get": (("GET", "POST"), "api_orders_items_get", True),
    "/order/shipment/providers/get": (("GET", "POST"), "api_providers", True),
    "/order/fulfill/pack": (("POST",), "api_pack", True),
    "/order/package/rts": (("POST",), "api_rts", True),
    "/order/package/document/get": (("GET", "POST"), "api_document", True),
    "/order/invoice_number/set": (("POST",), "api_invoice_set", True),
    "/order/reverse/cancel/validate": (("GET", "POST"), "api_cancel_validate", True),
    "/order/reverse/cancel/create": (("GET", "POST"), "api_cancel_create", True),
    "/order/reverse/cancel/seller/decide": (("GET", "POST"), "api_cancel_decide", True),
    "/product/price_quantity/update": (("POST",), "api_price_quantity", True),
    "/product/stock/sellable/update": (("POST",), "api_sellable", True),
    "/finance/transaction/details/get": (("GET", "POST"), "api_fin_transactions", True),
    "/finance/payout/status/get": (("GET", "POST"), "api_fin_payouts", True),
    "/finance/transaction/accountTransactions/query": (
        ("POST",),
        "api_fin_account_txns",
        True,
    ),
}


# ---- finance -------------------------------------------------------------------------
# fee_type id -> transaction_type / fee_name (QueryTransactionDetails fee_type enum)
FEE_TYPES = {
    3: "Payment Fee",
    7: "Shipping Fee Paid by Seller",
    8: "Shipping Fee (Paid By Customer)",
    13: "Item Price Credit",
    14: "Reversal Item Price",
    15: "Reversal Commission",
    16: "Commission",
    112: "Sponsored Product Fee",
    201: "Reimbursements WHT",
    202: "Seller Funded Voucher",
}
COMMISSION_RATE = 0.04
PAYMENT_FEE_RATE = 0.02
SELLER_SHIPPING = 2.5
ADS_FEE = 5.0
FINANCE_MAX_DAYS = 180
FINANCE_MAX_LIMIT = 500
FINAL_STATUSES = ("delivered", "returned", "canceled", "failed")


class LazadaFinance:
    """Settlements of the Lazada simulator (SETTLEMENT_FACTS section 1).

    An order is credited ``settle_after`` seconds after its last item reached
    *delivered* (or *returned*): one transaction row per fee (Item Price Credit,
    Commission, Payment Fee per item; buyer-paid shipping or Shipping Fee Paid by
    Seller, Seller Funded Voucher per order; Reversal Item Price / Reversal Commission
    for returned items). Rows fall into weekly statements (Monday to Sunday, the
    seller's time zone); a Sponsored Product Fee row closes each statement that has
    orders. A statement is paid out ``payout_after`` seconds after it closes: the
    payout status says ``paid=1`` and the account transactions show the withdrawal.
    """

    def _finance_setup(self):
        self.finance_rng = random.Random(f"lazada-finance-{self.seed}")
        self.transactions = []
        self.statements = {}  # period start (epoch) -> statement
        self.settled_orders = {}  # order_id -> settlement time
        self._txn_seq = 0

    def _period(self, when):
        local = datetime.fromtimestamp(when, self.tz)
        start = (local - timedelta(days=local.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return start.timestamp(), (start + timedelta(days=7)).timestamp()

    def _statement_for(self, when):
        start, end = self._period(when)
        statement = self.statements.get(start)
        if statement is None:
            first = datetime.fromtimestamp(start, self.tz)
            last = datetime.fromtimestamp(end - 1, self.tz)
            statement = {
                "start": start,
                "end": end,
                "label": f"{first:%d %b %Y} - {last:%d %b %Y}",
                "statement_number": f"{self.country.upper()}{self.seller_id[-5:]}"
                f"-{last:%Y%m%d}",
                "paid_at": end + self.payout_after,
                "ads": False,
            }
            self.statements[start] = statement
        return statement

    def _txn(self, when, fee_type, amount, order=None, item=None, name=None):
        statement = self._statement_for(when)
        self._txn_seq += 1
        row = {
            "when": when,
            "statement_start": statement["start"],
            "fee_type": fee_type,
            "name": name or FEE_TYPES.get(fee_type, str(fee_type)),
            "amount": round(amount, 2),
            "order_id": order["order_id"] if order else None,
            "item_id": item["order_item_id"] if item else None,
            "number": f"{self.seller_id}-{self._txn_seq:08d}",
        }
        self.transactions.append(row)
        return row

    def _settle_order(self, order, sold, when):
        self.settled_orders[order["order_id"]] = when
        for item in sold:
            self._txn(when, 13, item["item_price"], order, item)
            commission = round(item["item_price"] * COMMISSION_RATE, 2)
            self._txn(when, 16, -commission, order, item)
            paid = (
                item["item_price"] - item["voucher_seller"] - item["voucher_platform"]
            )
            self._txn(when, 3, -round(paid * PAYMENT_FEE_RATE, 2), order, item)
            if item["status"] == "returned":
                self._txn(when, 14, -item["item_price"], order, item)
                self._txn(when, 15, commission, order, item)
        first = sold[0]
        if order["shipping_fee"]:
            self._txn(when, 8, order["shipping_fee"], order, first)
        else:
            self._txn(when, 7, -SELLER_SHIPPING, order, first)
        if order["voucher_seller"]:
            self._txn(when, 202, -order["voucher_seller"], order, first)

    def _finance_tick(self, now):
        for order in self.orders.values():
            if order["order_id"] in self.settled_orders:
                continue
            items = self._order_items(order)
            if any(item["status"] not in FINAL_STATUSES for item in items):
                continue
            sold = [i for i in items if i["status"] in ("delivered", "returned")]
            if not sold:
                continue
            when = max(item["status_since"] for item in sold) + self.settle_after
            if when <= now:
                self._settle_order(order, sold, when)
        for statement in self.statements.values():
            if statement["ads"] or statement["end"] > now:
                continue
            statement["ads"] = True
            if any(
                r["order_id"] and r["statement_start"] == statement["start"]
                for r in self.transactions
            ):
                self._txn(statement["end"] - 60, 112, -ADS_FEE)

    def _statement_rows(self, statement):
        return [
            r for r in self.transactions if r["statement_start"] == statement["start"]
        ]

    def _render_txn(self, row, now):
        statement = self.statements[row["statement_start"]]
        item = self.items.get(row["item_id"]) if row["item_id"] else None
        paid = now >= statement["paid_at"]
        day = datetime.fromtimestamp(row["when"], self.tz)
        return {
            "transaction_date": f"{day:%d %b %Y}",
            "transaction_type": row["name"],
            "fee_name": row["name"],
            "fee_type": str(row["fee_type"]),
            "transaction_number": row["number"],
            "amount": _money(row["amount"]),
            "VAT_in_amount": "0.00",
            "WHT_amount": "0.00",
            "WHT_included_in_amount": "No",
            "statement": statement["label"],
            "paid_status": "Paid" if paid else "Not paid",
            "payment_ref_id": statement["statement_number"] if paid else "",
            "order_no": str(row["order_id"] or ""),
            "orderItem_no": str(row["item_id"] or ""),
            "reference": str(row["item_id"] or ""),
            "seller_sku": item["sku"] if item else "",
            "lazada_sku": f"{_sku_id(item['sku'])}" if item else "",
            "item_status": item["status"] if item else "",
            "shipping_provider": item["shipment_provider"] if item else "",
            "shipping_speed": "",
            "shipment_type": "",
            "details": "",
            "comment": "",
        }

    def _statement_summary(self, statement, now):
        rows = self._statement_rows(statement)

        def total(*types, sign=None):
            return sum(
                r["amount"]
                for r in rows
                if (not types or r["fee_type"] in types)
                and (sign is None or (r["amount"] > 0) == (sign > 0))
            )

        item_revenue = total(13)
        other_revenue = total(8, 201)
        refunds = -total(14)
        fees_on_refunds = total(15)
        payout = round(sum(r["amount"] for r in rows), 2)
        fees = round(
            item_revenue + other_revenue - refunds + fees_on_refunds - payout, 2
        )
        subtotal1 = item_revenue + other_revenue - fees
        closing = datetime.fromtimestamp(statement["end"], self.tz)
        return {
            "statement_number": statement["statement_number"],
            "created_at": closing.strftime("%Y-%m-%d %H:%M:%S"),
            "updated_at": datetime.fromtimestamp(
                min(max(now, statement["end"]), statement["paid_at"]), self.tz
            ).strftime("%Y-%m-%d %H:%M:%S"),
            "opening_balance": "0.00",
            "item_revenue": _money(item_revenue),
            "other_revenue_total": _money(other_revenue),
            "fees_total": _money(fees),
            "refunds": _money(refunds),
            "fees_on_refunds_total": _money(fees_on_refunds),
            "shipment_fee": _money(-total(7)),
            "shipment_fee_credit": _money(total(8)),
            "subtotal1": _money(subtotal1),
            "subtotal2": _money(subtotal1 - refunds + fees_on_refunds),
            "closing_balance": _money(payout),
            "guarantee_deposit": "0.00",
            "payout": f"{payout:.2f} {self.currency}",
            "paid": "1" if now >= statement["paid_at"] else "0",
        }

    def _finance_dates(self, params, fmt, code="1000012"):
        try:
            start = datetime.strptime(str(params.get("start_time") or ""), fmt)
            end = datetime.strptime(str(params.get("end_time") or ""), fmt)
        except ValueError as exc:
            raise ApiError(
                "MissingParameter",
                "start_time and end_time are mandatory and must be formatted "
                f"{fmt.replace('%Y', 'yyyy').replace('%m', 'MM').replace('%d', 'dd')}",
            ) from exc
        if end < start or (end - start).days >= FINANCE_MAX_DAYS:
            raise ApiError(code, "The time range must be less than 180 days")
        return start.date(), end.date()

    def _local_date(self, when):
        return datetime.fromtimestamp(when, self.tz).date()

    def api_fin_transactions(self, params):
        start, end = self._finance_dates(params, "%Y-%m-%d")
        offset = _int_or_none(params.get("offset") or 0)
        limit = _int_or_none(params.get("limit") or FINANCE_MAX_LIMIT)
        if offset is None or offset < 0:
            raise ApiError("14", f'E014: "{params.get("offset")}" Invalid Offset')
        if limit is None or not 1 <= limit <= FINANCE_MAX_LIMIT:
            raise ApiError("19", f'E019: "{params.get("limit")}" Invalid Limit')
        trans_type = str(params.get("trans_type") or "-1")
        order_id = str(params.get("trade_order_id") or "")
        item_id = str(params.get("trade_order_line_id") or "")
        now = self.now()
        rows = [
            r
            for r in self.transactions
            if start <= self._local_date(r["when"]) <= end
            and trans_type in ("-1", str(r["fee_type"]))
            and (not order_id or str(r["order_id"]) == order_id)
            and (not item_id or str(r["item_id"]) == item_id)
        ]
        page = rows[offset : offset + limit]
        return self._ok(data=[self._render_txn(r, now) for r in page])

    def api_fin_payouts(self, params):
        raw = str(params.get("created_after") or "")
        try:
            after = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError as exc:
            raise ApiError(
                "MissingParameter", "created_after is mandatory (YYYY-MM-DD)"
            ) from exc
        now = self.now()
        rows = [
            self._statement_summary(s, now)
            for s in sorted(self.statements.values(), key=lambda s: s["start"])
            if s["end"] <= now and self._local_date(s["end"]) >= after
        ]
        return self._ok(data=rows)

    def _account_transactions(self, now):
        rows = []
        for statement in sorted(self.statements.values(), key=lambda s: s["start"]):
            if statement["end"] > now:
                continue
            amount = round(sum(r["amount"] for r in self._statement_rows(statement)), 2)
            number = statement["statement_number"]
            rows.append(
                {
                    "when": statement["end"],
                    "transaction_number": f"D{number}",
                    "pmt_reference": number,
                    "type": "Deposit",
                    "sub_type": "Settlement",
                    "amount": amount,
                }
            )
            if now >= statement["paid_at"]:
                rows.append(
                    {
                        "when": statement["paid_at"],
                        "transaction_number": f"W{number}",
                        "pmt_reference": number,
                        "type": "Withdrawal",
                        "sub_type": "Auto Withdrawal",
                        "amount": -amount,
                    }
                )
        return rows

    def api_fin_account_txns(self, params):
        start, end = self._finance_dates(params, "%Y%m%d")
        page_num = _int_or_none(params.get("page_num"))
        page_size = _int_or_none(params.get("page_size"))
        if not page_num or not page_size or page_num < 1 or not 1 <= page_size <= 100:
            raise ApiError(
                "MissingParameter", "page_num and page_size (1-100) are mandatory"
            )
        wanted_type = params.get("transaction_type") or ""
        wanted_sub = params.get("sub_transaction_type") or ""
        wanted_number = params.get("transaction_number") or ""
        now = self.now()
        rows = [
            r
            for r in self._account_transactions(now)
            if start <= self._local_date(r["when"]) <= end
            and wanted_type in ("", r["type"])
            and wanted_sub in ("", r["sub_type"])
            and wanted_number in ("", r["transaction_number"])
        ]
        page = rows[(page_num - 1) * page_size : page_num * page_size]
        return self._ok(
            data={
                "page_info": {
                    "page_num": page_num,
                    "page_size": page_size,
                    "total": len(rows),
                },
                "transactions": [
                    {
                        "pmt_reference": r["pmt_reference"],
                        "transaction_number": r["transaction_number"],
                        "transaction_time": datetime.fromtimestamp(
                            r["when"], self.tz
                        ).strftime("%Y-%m-%d %H:%M:%S"),
                        "type": r["type"],
                        "sub_type": r["sub_type"],
                        "payee_account": {
                            "account": "****4321",
                            "description": "Seller bank account",
                        },
                        "amount": _money(r["amount"]),
                        "currency": self.currency,
                        "remarks": r["pmt_reference"],
                        "tracking_list": [],
                    }
                    for r in page
                ],
            }
        )

    def finance_inspect(self, now):
        orders = {}
        for order_id, when in self.settled_orders.items():
            rows = [r for r in self.transactions if r["order_id"] == order_id]
            orders[str(order_id)] = {
                "settled_at": when,
                "statement_number": self.statements[rows[0]["statement_start"]][
                    "statement_number"
                ],
                "invoice_amount": round(
                    sum(r["amount"] for r in rows if r["fee_type"] in (13, 8)), 2
                ),
                "refund_amount": round(
                    -sum(r["amount"] for r in rows if r["fee_type"] == 14), 2
                ),
                "net": round(sum(r["amount"] for r in rows), 2),
                "fees": {
                    str(r["fee_type"]): round(
                        sum(
                            x["amount"] for x in rows if x["fee_type"] == r["fee_type"]
                        ),
                        2,
                    )
                    for r in rows
                },
            }
        statements = {}
        for statement in self.statements.values():
            rows = self._statement_rows(statement)
            statements[statement["statement_number"]] = {
                "label": statement["label"],
                "start": statement["start"],
                "end": statement["end"],
                "closed": statement["end"] <= now,
                "paid": now >= statement["paid_at"],
                "paid_at": statement["paid_at"],
                "payout": round(sum(r["amount"] for r in rows), 2),
                "order_ids": sorted(
                    {str(r["order_id"]) for r in rows if r["order_id"]}
                ),
                "rows": len(rows),
            }
        return {
            "orders": orders,
            "statements": statements,
            "currency": self.currency,
        }


class LazadaSimulator(LazadaFinance, SimServer):
    name = "lazada"

    def __init__(self, *args, **options):
        opts = options
        self.app_key = str(opts.pop("app_key", "123456"))
        self.app_secret = str(opts.pop("app_secret", "helloworld"))
        self.push_url = opts.pop("push_url", None)
        self.country = str(opts.pop("country", "sg")).lower()
        self.seller_id = str(opts.pop("seller_id", "1000123456"))
        self.access_ttl = int(opts.pop("access_ttl", 7 * DAY))
        self.refresh_ttl = int(opts.pop("refresh_ttl", 14 * DAY))
        self.ship_after = float(opts.pop("ship_after", 6 * HOUR))
        self.deliver_after = float(opts.pop("deliver_after", 48 * HOUR))
        self.cancel_confirm_after = float(opts.pop("cancel_confirm_after", 48 * HOUR))
        self.cancel_pending_after = float(opts.pop("cancel_pending_after", HOUR))
        self.push_timeout = float(opts.pop("push_timeout", 2.0))
        self.settle_after = float(opts.pop("settle_after", 3 * DAY))
        self.payout_after = float(opts.pop("payout_after", 4 * DAY))
        country_name, self.currency, offset = COUNTRY.get(self.country, COUNTRY["sg"])
        self.country_name = country_name
        self.tz = timezone(timedelta(hours=offset))
        self._request_seq = itertools.count(1)
        self._push_queue = queue.Queue()
        self._push_thread = None
        self.pushes = []
        super().__init__(*args, **options)

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.orders = {}  # order_id -> order
        self.items = {}  # order_item_id -> item (also referenced from its order)
        self.packages = {}  # package_id -> {"order_id", "item_ids", ...}
        self.reverse_orders = {}  # reverse_order_id -> {...}
        self.stock = {}  # SellerSku -> {...}
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.decisions = []
        self.pushes = []
        self._faults_seen = None
        self._order_seq = 0
        self._item_seq = 0
        self._package_seq = 0
        self._token_seq = 0
        now = self.now()
        for index in range(self.order_count):
            status = (
                STATUSES[index]
                if index < len(STATUSES)
                else self.rng.choices(
                    STATUSES, weights=(2, 5, 2, 3, 3, 6, 2, 1, 1), k=1
                )[0]
            )
            created = now - self.rng.uniform(HOUR, 10 * DAY)
            self._new_order(status, created, now)
        self._finance_setup()
        self._finance_tick(now)

    def _new_order(self, status, created, now, cancel_requests=True):
        rng = self.rng
        self._order_seq += 1
        order_id = 500000000000000 + self._order_seq * 1000 + rng.randint(1, 999)
        buyer = data.buyer(rng)
        units = []
        for line in data.order_lines(rng, max_lines=3):
            units.extend([line] * line["qty"])
        units = units[:6]
        cod = status != "unpaid" and rng.random() < 0.35
        payment_method = "COD" if cod else rng.choice(PAYMENT_METHODS)
        shipping_fee = rng.choice([0.0, 0.0, 1.99, 3.5, 5.0])
        voucher_seller = rng.choice([0.0, 0.0, 0.0, 2.0, 5.0])
        voucher_platform = rng.choice([0.0, 0.0, 0.0, 0.0, 3.0])
        # when the current status began (consistent with the time-driven transitions,
        # so a fresh simulator does not move until its clock does)
        if status == "ready_to_ship":
            since = now - rng.uniform(0, self.ship_after * 0.8)
        elif status == "shipped":
            since = now - rng.uniform(0, self.deliver_after * 0.8)
        else:
            since = created + rng.uniform(0, now - created)
        since = min(max(since, created), now)
        street_extra = (
            "Opposite the old wet market, behind the blue petrol station, "
            "enter via the loading bay gate and call the guardhouse on arrival"
        )
        address = {
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "phone": buyer["phone"],
            "phone2": "",
            "address1": buyer["address1"],
            "address2": buyer["address2"],
            "address3": street_extra if rng.random() < 0.3 else "",
            "address4": "",
            "address5": buyer["city"],
            "addressDsitrict": "",
            "city": buyer["city"],
            "post_code": buyer["zip"],
            "country": COUNTRY.get(buyer["country"].lower(), (buyer["country"],))[0],
        }
        order = {
            "order_id": order_id,
            "created_at": created,
            "updated_at": since,
            "buyer": buyer,
            "address": address,
            "payment_method": payment_method,
            "shipping_fee": shipping_fee,
            "voucher_seller": voucher_seller,
            "voucher_platform": voucher_platform,
            "voucher_code": f"SV{rng.randint(1000, 9999)}" if voucher_seller else "",
            "buyer_note": rng.choice(["", "", "Please pack carefully 🙏", "红色"]),
            "item_ids": [],
            "stale": None,
        }
        package = None
        if status in ("packed", "ready_to_ship", "shipped", "delivered", "returned"):
            package = self._new_package(order_id, rng.choice(SHIPMENT_PROVIDERS))
        elif status == "failed":
            package = self._new_package(order_id, rng.choice(SHIPMENT_PROVIDERS))
        for position, unit in enumerate(units):
            self._item_seq += 1
            item_id = 600000000000000 + self._item_seq * 1000 + rng.randint(1, 999)
            item_status = status
            if (
                len(units) > 1
                and status in ("pending", "ready_to_ship")
                and (position == len(units) - 1 and rng.random() < 0.2)
            ):
                item_status = "canceled"  # a partially cancelled order
            item = {
                "order_item_id": item_id,
                "order_id": order_id,
                "sku": unit["sku"],
                "name": unit["name"],
                "variation": unit["name"].rsplit("(", 1)[-1].rstrip(")")
                if unit["name"].endswith(")")
                else "",
                "item_price": unit["price"],
                "voucher_seller": voucher_seller if position == 0 else 0.0,
                "voucher_platform": voucher_platform if position == 0 else 0.0,
                "shipping_amount": shipping_fee if position == 0 else 0.0,
                "status": item_status,
                "prev_status": None,
                "status_since": since,
                "created_at": created,
                "updated_at": since,
                "tracking_code": "",
                "shipment_provider": "",
                "package_id": "",
                "invoice_number": "",
                "reason": "",
                "cancel_return_initiator": "",
                "need_cancel_confirm": False,
                "is_cancel_pending": False,
                "cancel_pending_since": None,
                "cancel_trigger_time": None,
                "reverse_order_id": None,
                "cancel_decision": None,
            }
            if package and item_status != "canceled":
                self._attach(item, package)
            if item_status == "canceled":
                item["reason"] = rng.choice(BUYER_CANCEL_REASONS)
                item["cancel_return_initiator"] = "cancellation-customer"
            elif item_status == "returned":
                item["reason"] = "Item damaged"
                item["cancel_return_initiator"] = "return-customer"
            elif item_status == "failed":
                item["reason"] = "Failed delivery"
                item["cancel_return_initiator"] = "cancellation-failed Delivery"
            self.items[item_id] = item
            order["item_ids"].append(item_id)
        self.orders[order_id] = order
        # some buyers asked to cancel (need_cancel_confirm) and wait for the seller
        if cancel_requests and status in ("pending", "packed") and rng.random() < 0.3:
            self._buyer_cancel(order, None, since)
        return order

    def _new_package(self, order_id, provider):
        self._package_seq += 1
        package_id = f"FP{self.seed % 1000:03d}{self._package_seq:09d}"
        tracking = (
            f"LZ{self.country.upper()}{self.seed % 100:02d}{self._package_seq:08d}"
        )
        package = {
            "package_id": package_id,
            "order_id": order_id,
            "tracking_number": tracking,
            "shipment_provider": provider["name"],
            "item_ids": [],
        }
        self.packages[package_id] = package
        return package

    def _attach(self, item, package):
        item["package_id"] = package["package_id"]
        item["tracking_code"] = package["tracking_number"]
        item["shipment_provider"] = package["shipment_provider"]
        package["item_ids"].append(item["order_item_id"])

    def _order_items(self, order):
        return [self.items[item_id] for item_id in order["item_ids"]]

    def _buyer_cancel(self, order, item_ids, when):
        items = [
            item
            for item in self._order_items(order)
            if (item_ids is None or item["order_item_id"] in item_ids)
            and item["status"] in CANCELLABLE_BY_BUYER
            and not item["need_cancel_confirm"]
            and not item["is_cancel_pending"]
        ]
        if not items:
            return None
        reverse_id = order["order_id"] + 900000000000000
        while reverse_id in self.reverse_orders:
            reverse_id += 1
        reason = self.rng.choice(BUYER_CANCEL_REASONS)
        for item in items:
            item["need_cancel_confirm"] = True
            item["reverse_order_id"] = reverse_id
            item["cancel_trigger_time"] = when + self.cancel_confirm_after
            item["reason"] = reason
            item["updated_at"] = when
        order["updated_at"] = max(order["updated_at"], when)
        self.reverse_orders[reverse_id] = {
            "reverse_order_id": reverse_id,
            "order_id": order["order_id"],
            "item_ids": [item["order_item_id"] for item in items],
            "reason": reason,
            "state": "requested",
            "requested_at": when,
        }
        return reverse_id

    def _set_status(self, item, status, when, push=True):
        """Change one item's status; remember the stale snapshot and queue a push."""
        if item["status"] == status:
            return
        order = self.orders[item["order_id"]]
        if order.get("stale_at") != when:
            # the snapshot before this change (several items may change at once)
            order["stale"] = self._render_order(order)
            order["stale_at"] = when
        item["prev_status"] = item["status"]
        item["status"] = status
        item["status_since"] = when
        item["updated_at"] = when
        order["updated_at"] = max(order["updated_at"], when)
        if push:
            self._queue_push(order, item, when)

    # ---- time ------------------------------------------------------------------------
    def tick(self):
        now = self.now()
        for item in self.items.values():
            status = item["status"]
            if (
                item["need_cancel_confirm"]
                and item["cancel_trigger_time"]
                and now >= item["cancel_trigger_time"]
            ):
                # the seller did not answer in time: the order auto-cancels
                when = item["cancel_trigger_time"]
                self._decide_item(item, True, when, decision="auto")
                continue
            if item["is_cancel_pending"] and item["cancel_pending_since"] is not None:
                when = item["cancel_pending_since"] + self.cancel_pending_after
                if now >= when:
                    item["is_cancel_pending"] = False
                    item["cancel_pending_since"] = None
                    item["updated_at"] = when
                    self._set_status(item, "canceled", when)
                continue
            if (
                status == "ready_to_ship"
                and now >= item["status_since"] + self.ship_after
            ):
                self._set_status(
                    item, "shipped", item["status_since"] + self.ship_after
                )
                status = "shipped"
            if status == "shipped" and now >= item["status_since"] + self.deliver_after:
                self._set_status(
                    item, "delivered", item["status_since"] + self.deliver_after
                )
        self._finance_tick(now)

    # ---- rendering -------------------------------------------------------------------
    def _iso(self, epoch):
        return datetime.fromtimestamp(epoch, self.tz).isoformat(timespec="seconds")

    def _item_time(self, epoch):
        return datetime.fromtimestamp(epoch, self.tz).strftime("%Y-%m-%d %H:%M:%S %z")

    def _render_order(self, order):
        items = self._order_items(order)
        price = sum(item["item_price"] for item in items)
        buyer = order["buyer"]
        voucher = order["voucher_seller"] + order["voucher_platform"]
        return {
            "order_id": order["order_id"],
            "order_number": str(order["order_id"]),
            "created_at": self._iso(order["created_at"]),
            "updated_at": self._iso(order["updated_at"]),
            "price": _money(price),
            "shipping_fee": _money(order["shipping_fee"]),
            "shipping_fee_original": _money(order["shipping_fee"]),
            "shipping_fee_discount_seller": "0.00",
            "shipping_fee_discount_platform": "0.00",
            "voucher": _money(voucher),
            "voucher_seller": _money(order["voucher_seller"]),
            "voucher_platform": _money(order["voucher_platform"]),
            "voucher_code": order["voucher_code"],
            "items_count": len(items),
            "statuses": sorted({item["status"] for item in items}),
            "payment_method": order["payment_method"],
            "customer_first_name": buyer["first_name"],
            "customer_last_name": buyer["last_name"],
            "address_billing": dict(order["address"]),
            "address_shipping": dict(order["address"]),
            "need_cancel_confirm": any(item["need_cancel_confirm"] for item in items),
            "is_cancel_pending": any(item["is_cancel_pending"] for item in items),
            "warehouse_code": "dropshipping",
            "gift_option": False,
            "gift_message": "",
            "buyer_note": order["buyer_note"],
            "remarks": "",
            "delivery_info": "",
            "promised_shipping_times": "",
            "extra_attributes": "",
            "national_registration_number": "",
            "tax_code": "",
            "branch_number": "",
            "address_updated_at": None,
        }

    def _render_item(self, item):
        order = self.orders[item["order_id"]]
        paid = item["item_price"] - item["voucher_seller"] - item["voucher_platform"]
        sla = item["created_at"] + 2 * DAY
        return {
            "order_item_id": item["order_item_id"],
            "order_id": str(item["order_id"]),
            "purchase_order_id": "",
            "purchase_order_number": "",
            "sku": item["sku"],
            "shop_sku": f"{_sku_id(item['sku'])}_{self.country.upper()}-"
            f"{_sku_id(item['sku']) % 100000}",
            "sku_id": str(_sku_id(item["sku"])),
            "name": item["name"],
            "variation": item["variation"],
            "product_main_image": "",
            "product_detail_url": "",
            "item_price": round(item["item_price"], 2),
            "paid_price": round(paid, 2),
            "tax_amount": 0.0,
            "voucher_amount": round(
                item["voucher_seller"] + item["voucher_platform"], 2
            ),
            "voucher_seller": round(item["voucher_seller"], 2),
            "voucher_platform": round(item["voucher_platform"], 2),
            "voucher_code": order["voucher_code"],
            "shipping_amount": round(item["shipping_amount"], 2),
            "shipping_fee_original": round(item["shipping_amount"], 2),
            "shipping_fee_discount_seller": 0.0,
            "shipping_fee_discount_platform": 0.0,
            "wallet_credits": 0.0,
            "currency": self.currency,
            "status": item["status"],
            "tracking_code": item["tracking_code"],
            "tracking_code_pre": "",
            "shipment_provider": item["shipment_provider"],
            "package_id": item["package_id"],
            "invoice_number": item["invoice_number"],
            "shipping_type": "Dropshipping",
            "shipping_provider_type": "standard",
            "order_type": "Normal",
            "is_digital": 0,
            "is_fbl": 0,
            "is_reroute": 0,
            "delivery_option_sof": 0,
            "warehouse_code": "dropshipping",
            "buyer_id": order["buyer"]["buyer_id"],
            "reason": item["reason"],
            "reason_detail": "",
            "cancel_return_initiator": item["cancel_return_initiator"],
            "need_cancel_confirm": item["need_cancel_confirm"],
            "is_cancel_pending": item["is_cancel_pending"],
            "cancel_trigger_time": self._item_time(item["cancel_trigger_time"])
            if item["cancel_trigger_time"]
            else "",
            "reverse_order_id": str(item["reverse_order_id"])
            if item["reverse_order_id"]
            else "",
            "return_status": "",
            "sla_time_stamp": self._iso(sla),
            "promised_shipping_time": self._item_time(sla),
            "created_at": self._item_time(item["created_at"]),
            "updated_at": self._item_time(item["updated_at"]),
            "digital_delivery_info": "",
            "extra_attributes": "",
        }

    def _stale_order(self, order):
        """An older snapshot of ``order``: the last one before its latest change, or a
        made-up one a step back in the flow, with an older ``updated_at``."""
        if order["stale"]:
            return copy.deepcopy(order["stale"])
        rendered = self._render_order(order)
        rendered["statuses"] = sorted(
            {PREVIOUS.get(status, status) for status in rendered["statuses"]}
        )
        rendered["updated_at"] = rendered["created_at"]
        return rendered

    def _malformed(self, rendered):
        broken = copy.deepcopy(rendered)
        kind = self.faults.rng.choice(("order_id", "price", "created_at", "statuses"))
        if kind == "order_id":
            broken["order_id"] = None
            broken["order_number"] = None
        elif kind == "price":
            broken["price"] = "abc"
        elif kind == "created_at":
            broken["created_at"] = "0000-00-00 00:00:00"
        else:
            broken.pop("statuses", None)
        return broken

    # ---- protocol --------------------------------------------------------------------
    def _envelope_error(self, code, message, type_="ISV", status=200, **extra):
        body = {
            "code": str(code),
            "type": type_,
            "message": message,
            "request_id": self._request_id(),
        }
        body.update(extra)
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(max(int(self.faults.get("retry_after")), 1))
        return json_response(body, status, headers)

    def _request_id(self):
        return f"21{int(self.now() * 1000):x}{next(self._request_seq):06x}"

    def _ok(self, **payload):
        body = {"code": "0"}
        body.update(payload)
        body["request_id"] = self._request_id()
        return json_response(body)

    def fault_response_429(self):
        return self._envelope_error(
            "ApiCallLimit",
            "The request has exceeded the limit of API calls, please retry in the "
            "next second",
            type_="ISP",
            status=429,
        )

    def fault_response_5xx(self):
        status = self.faults.rng.choice((500, 503))
        code = "InternalError" if status == 500 else "ServiceUnavailable"
        return self._envelope_error(
            code, "The request has failed due to a temporary failure", "ISP", status
        )

    def _params(self, req):
        """Query + form parameters (urlencoded or multipart; file parts are not
        signed and are left out)."""
        params = dict(req.query)
        if req.method == "POST":
            if req.content_type == "multipart/form-data":
                params.update(_multipart_fields(req))
            else:
                params.update(req.form())
        return params

    def _check_timestamp(self, value):
        value = (value or "").strip()
        try:
            if value.isdigit():
                epoch = int(value) / 1000.0
            else:
                text = value.replace(" ", "T", 1) if "T" not in value else value
                parsed = datetime.fromisoformat(text)
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                epoch = parsed.timestamp()
        except ValueError:
            return False
        # Lazada compares to UTC; the simulated clock is accepted too
        return min(abs(epoch - time.time()), abs(epoch - self.now())) <= (
            TIMESTAMP_WINDOW
        )

    def _sync_faults(self):
        """``expire_tokens``: every access token issued so far is expired now."""
        values = self.faults.values
        if values is self._faults_seen:
            return
        self._faults_seen = values
        if self.faults.get("expire_tokens"):
            now = self.now()
            for token in self.access_tokens.values():
                token["expires_at"] = min(token["expires_at"], now - 1)

    def _authenticate(self, req, api_path, needs_token):
        params = self._params(req)
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                raise ApiError(
                    "MissingParameter",
                    f"The input parameter “{name}” that is mandatory for processing "
                    "this request is not supplied",
                )
        if params["app_key"] != self.app_key:
            raise ApiError("InvalidAppKey", "The specified app key is invalid")
        if not self._check_timestamp(params["timestamp"]):
            raise ApiError(
                "InvalidTimestamp",
                "The timestamp is invalid or more than 7200 s away from UTC",
            )
        if params["sign_method"].lower() != "sha256":
            raise ApiError(
                "IncompleteSignature", "The sign_method is not supported, use sha256"
            )
        expected = sign(api_path, params, self.app_secret)
        if not constant_time_equal(params["sign"].upper(), expected):
            raise ApiError(
                "IncompleteSignature",
                "The request signature does not conform to lazop standards",
            )
        if needs_token:
            self._sync_faults()
            token = params.get("access_token")
            if not token:
                raise ApiError(
                    "MissingParameter",
                    "The input parameter “access_token” that is mandatory for "
                    "processing this request is not supplied",
                )
            record = self.access_tokens.get(token)
            if record is None or record["expires_at"] <= self.now():
                raise ApiError(
                    "IllegalAccessToken",
                    "The specified access token is invalid or expired",
                )
            record["calls"] += 1
        return params

    def _api(self, req):
        api_path = req.path[len("/rest") :]
        spec = API.get(api_path)
        if spec is None:
            return self._envelope_error(
                "InvalidApiPath", "The specified API path is invalid", "ISV"
            )
        methods, handler, needs_token = spec
        if req.method not in methods:
            return self._envelope_error(
                "InvalidApiPath",
                f"The API {api_path} does not support HTTP method {req.method}",
            )
        try:
            params = self._authenticate(req, api_path, needs_token)
            return getattr(self, handler)(params)
        except ApiError as exc:
            return self._envelope_error(exc.code, exc.message, exc.type, **exc.extra)

    # ---- business helpers ------------------------------------------------------------
    def _order(self, order_id, code="16"):
        try:
            order = self.orders.get(int(str(order_id).strip()))
        except (TypeError, ValueError):
            order = None
        if order is None:
            raise ApiError(code, f'E0{code}: "{order_id}" Invalid Order ID')
        return order

    @staticmethod
    def _json_param(params, name, code="6"):
        raw = params.get(name)
        if raw in (None, ""):
            raise ApiError(
                "MissingParameter",
                f"The input parameter “{name}” that is mandatory for processing this "
                "request is not supplied",
            )
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ApiError(code, f"{name} is not valid JSON: {exc}") from exc

    def _parse_date(self, params, name):
        value = params.get(name)
        if value in (None, ""):
            return None
        value = value.strip()
        # an unencoded "+" arrives as a space
        value = re.sub(r" (\d\d:\d\d)$", r"+\1", value)
        if not re.match(
            r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$", value
        ):
            raise ApiError("17", f'E017: "{params.get(name)}" Invalid Date Format')
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError as exc:
            raise ApiError(
                "17", f'E017: "{params.get(name)}" Invalid Date Format'
            ) from exc

    # ---- auth ------------------------------------------------------------------------
    def _issue_tokens(self, refresh_token=None):
        now = self.now()
        self._token_seq += 1
        access = f"50000{self._token_seq:06d}{self.rng.getrandbits(96):024x}"
        if refresh_token is None:
            refresh_token = f"50001{self._token_seq:06d}{self.rng.getrandbits(96):024x}"
            self.refresh_tokens[refresh_token] = {
                "expires_at": now + self.refresh_ttl,
                "refreshes": 0,
            }
        refresh = self.refresh_tokens[refresh_token]
        expires_at = min(now + self.access_ttl, refresh["expires_at"])
        self.access_tokens[access] = {
            "expires_at": expires_at,
            "refresh_token": refresh_token,
            "calls": 0,
        }
        return {
            "access_token": access,
            "refresh_token": refresh_token,
            "expires_in": int(expires_at - now),
            "refresh_expires_in": int(refresh["expires_at"] - now),
            "country": self.country,
            "account_platform": "seller_center",
            "account_id": None,
            "account": f"seller{self.seller_id}@example.com",
            "country_user_info": [
                {
                    "country": self.country,
                    "seller_id": self.seller_id,
                    "user_id": str(int(self.seller_id) + 7),
                    "short_code": f"{self.country.upper()}{self.seller_id[-5:]}",
                }
            ],
        }

    def api_token_create(self, params):
        code = params.get("code")
        if not code:
            raise ApiError(
                "MissingParameter",
                "The input parameter “code” that is mandatory for processing this "
                "request is not supplied",
            )
        record = self.codes.get(code)
        if record is None or record["used"] or record["expires_at"] <= self.now():
            raise ApiError("InvalidCode", "Invalid authorization code")
        record["used"] = True
        return self._ok(**self._issue_tokens())

    def api_token_refresh(self, params):
        refresh_token = params.get("refresh_token")
        record = self.refresh_tokens.get(refresh_token or "")
        if record is None or record["expires_at"] <= self.now():
            raise ApiError(
                "IllegalRefreshToken",
                "The specified refresh token is invalid or expired",
            )
        record["refreshes"] += 1
        # a new access token; the refresh token keeps its own (unextended) expiry
        return self._ok(**self._issue_tokens(refresh_token))

    # ---- orders ----------------------------------------------------------------------
    def _orders_query(self, params):
        query = {
            name: self._parse_date(params, name)
            for name in (
                "created_after",
                "created_before",
                "update_after",
                "update_before",
            )
        }
        if query["created_after"] is None and query["update_after"] is None:
            raise ApiError(
                "MissingParameter",
                "The input parameter “created_after” or “update_after” that is "
                "mandatory for processing this request is not supplied",
            )
        status = (params.get("status") or "").strip().lower()
        query["wanted"] = None
        if status in AGGREGATES:
            query["wanted"] = AGGREGATES[status]
        elif status in STATUSES or status in EXTRA_STATUSES:
            query["wanted"] = {status}
        elif status not in ("", "all"):
            raise ApiError("36", "E036: Invalid status filter")
        query["sort_by"] = (params.get("sort_by") or "created_at").strip().lower()
        if query["sort_by"] not in ("created_at", "updated_at"):
            raise ApiError("75", "E075: Invalid sort filter.")
        query["direction"] = (params.get("sort_direction") or "DESC").strip().upper()
        if query["direction"] not in ("ASC", "DESC"):
            raise ApiError("74", "E074: Invalid sort direction.")
        offset = _int_or_none(params.get("offset") or 0)
        if offset is None or offset < 0:
            raise ApiError("14", f'E014: "{params.get("offset")}" Invalid Offset')
        limit = _int_or_none(params.get("limit") or MAX_PAGE)
        if limit is None or not 1 <= limit <= MAX_PAGE:
            raise ApiError("19", f'E019: "{params.get("limit")}" Invalid Limit')
        query["offset"], query["limit"] = offset, limit
        return query

    def _order_matches(self, order, query):
        # compared in whole seconds, the precision clients see
        created, updated = int(order["created_at"]), int(order["updated_at"])
        bounds = (
            (query["created_after"], created, 1),
            (query["created_before"], created, -1),
            (query["update_after"], updated, 1),
            (query["update_before"], updated, -1),
        )
        for bound, value, sense in bounds:
            if bound is not None and (value - bound) * sense < 0:
                return False
        if query["wanted"] is not None:
            return bool(self._statuses(order) & query["wanted"])
        return True

    def api_orders_get(self, params):
        query = self._orders_query(params)
        field = query["sort_by"]
        matching = sorted(
            (o for o in self.orders.values() if self._order_matches(o, query)),
            # whole seconds as served, then order_id: a stable total order for paging
            key=lambda o: (int(o[field]), o["order_id"]),
            reverse=query["direction"] == "DESC",
        )
        page = []
        offset, limit = query["offset"], query["limit"]
        for order in matching[offset : offset + limit]:
            rendered = self._render_order(order)
            if self.faults.roll("malformed"):
                rendered = self._malformed(rendered)
            page.append(rendered)
            if self.faults.roll("duplicates"):
                page.append(copy.deepcopy(rendered))
            if self.faults.roll("out_of_order"):
                page.append(self._stale_order(order))
        return self._ok(
            data={"count": len(page), "countTotal": len(matching), "orders": page}
        )

    def api_order_get(self, params):
        order = self._order(params.get("order_id"))
        return self._ok(data=self._render_order(order))

    def api_order_items_get(self, params):
        order = self._order(params.get("order_id"))
        items = [self._render_item(item) for item in self._order_items(order)]
        return self._ok(data=items)

    def api_orders_items_get(self, params):
        raw = params.get("order_ids")
        try:
            ids = json.loads(raw or "")
            if not isinstance(ids, list):
                raise ValueError
            ids = [int(x) for x in ids]
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "56", "E056: Invalid OrdersIdList format. Must use array format [1,2]"
            ) from exc
        if len(ids) > MAX_ORDER_IDS:
            raise ApiError("38", "E038: Too many orders were requested")
        if not ids:
            raise ApiError("39", "E039: No orders were found")
        if any(order_id not in self.orders for order_id in ids):
            raise ApiError("37", "E037: One or more order id in the list are incorrect")
        result = []
        for order_id in ids:
            order = self.orders[order_id]
            result.append(
                {
                    "order_id": order_id,
                    "order_number": str(order_id),
                    "order_items": [
                        self._render_item(item) for item in self._order_items(order)
                    ],
                }
            )
        return self._ok(data=result)

    # ---- fulfilment ------------------------------------------------------------------
    def api_providers(self, params):
        return self._ok(
            result={
                "data": {
                    "platform_default": 0,
                    "shipment_providers": [dict(p) for p in SHIPMENT_PROVIDERS],
                    "shipping_allocate_type": "TFS",
                },
                "success": True,
                "error_code": "",
                "error_msg": "",
            }
        )

    @staticmethod
    def _batch_error(code, message):
        return {
            "success": False,
            "error_code": code,
            "error_msg": message,
            "errorCode": code,
            "errorMsg": message,
        }

    def api_pack(self, params):
        req = self._json_param(params, "packReq")
        orders = req.get("pack_order_list") if isinstance(req, dict) else None
        if not orders or not isinstance(orders, list):
            return self._ok(result=self._batch_error("700017", "param can't be null"))
        if len(orders) > MAX_BATCH:
            return self._ok(
                result=self._batch_error("700022", "batch size out of limit")
            )
        code = req.get("shipment_provider_code")
        provider = next(
            (p for p in SHIPMENT_PROVIDERS if p["provider_code"] == code),
            SHIPMENT_PROVIDERS[0],
        )
        if code and provider["provider_code"] != code:
            return self._ok(
                result=self._batch_error("700001", "shipment provider code not exits")
            )
        now = self.now()
        out = []
        for entry in orders:
            order_id = entry.get("order_id")
            order = self.orders.get(_int_or_none(order_id))
            item_ids = entry.get("order_item_list") or []
            results = []
            package = None
            for raw_id in item_ids:
                item = self.items.get(_int_or_none(raw_id))
                result = {
                    "order_item_id": raw_id,
                    "item_err_code": "0",
                    "msg": "success",
                    "tracking_number": "",
                    "shipment_provider": "",
                    "package_id": "",
                    "retry": False,
                }
                if order is None:
                    result.update(item_err_code="700021", msg="order not found")
                elif item is None or item["order_id"] != order["order_id"]:
                    result.update(item_err_code="700025", msg="order item not found")
                elif item["status"] != "pending":
                    result.update(
                        item_err_code="700026",
                        msg="item current status not allow to pack",
                    )
                else:
                    if package is None:
                        package = self._new_package(order["order_id"], provider)
                    self._attach(item, package)
                    self._set_status(item, "packed", now)
                    result.update(
                        tracking_number=package["tracking_number"],
                        shipment_provider=package["shipment_provider"],
                        package_id=package["package_id"],
                    )
                results.append(result)
            out.append({"order_id": order_id, "order_item_list": results})
        return self._ok(
            result={
                "data": {"pack_order_list": out},
                "success": True,
                "error_code": None,
                "error_msg": None,
            }
        )

    def _packages_param(self, params, name):
        req = self._json_param(params, name)
        packages = req.get("packages") if isinstance(req, dict) else None
        if not packages or not isinstance(packages, list):
            raise _BatchError("700017", "param can't be null")
        if len(packages) > MAX_BATCH:
            raise _BatchError("700022", "batch size out of limit")
        return req, [str(p.get("package_id", "")) for p in packages]

    def api_rts(self, params):
        try:
            _req, package_ids = self._packages_param(params, "readyToShipReq")
        except _BatchError as exc:
            return self._ok(result=self._batch_error(exc.code, exc.message))
        now = self.now()
        out = []
        for package_id in package_ids:
            result = {"package_id": package_id, "item_err_code": "0", "msg": "success"}
            package = self.packages.get(package_id)
            items = [self.items[i] for i in package["item_ids"]] if package else []
            live = [i for i in items if i["status"] != "canceled"]
            if not package:
                result.update(item_err_code="30012", msg="rts package not found")
            elif not live:
                result.update(item_err_code="600002", msg="package already cancelled")
            elif any(i["status"] != "packed" for i in live):
                result.update(
                    item_err_code="700000",
                    msg="current package status not allow to operation",
                )
            else:
                for item in live:
                    self._set_status(item, "ready_to_ship", now)
            result["retry"] = False
            out.append(result)
        return self._ok(
            result={
                "data": {"packages": out},
                "success": True,
                "error_code": "",
                "error_msg": "",
            }
        )

    def api_document(self, params):
        try:
            req, package_ids = self._packages_param(params, "getDocumentReq")
        except _BatchError as exc:
            return self._ok(result=self._batch_error(exc.code, exc.message))
        doc_type = str(req.get("doc_type") or "PDF").upper()
        if doc_type not in ("PDF", "HTML"):
            return self._ok(
                result=self._batch_error(
                    "32", f'E032: Document type "{doc_type}" is not valid'
                )
            )
        printable = []
        for package_id in package_ids:
            package = self.packages.get(package_id)
            if not package:
                continue
            items = [self.items[i] for i in package["item_ids"]]
            if any(item["status"] in PRINTABLE for item in items):
                printable.append((package, items))
        if not printable or len(printable) != len(package_ids):
            return self._ok(
                result=self._batch_error(
                    "700040", "There are no packages that support printing!"
                )
            )
        lines = ["LAZADA AIRWAY BILL"]
        for package, items in printable:
            order = self.orders[package["order_id"]]
            address = order["address"]
            lines += [
                "",
                f"Tracking number: {package['tracking_number']}",
                f"Package: {package['package_id']}",
                f"Provider: {package['shipment_provider']}",
                f"Order: {package['order_id']}",
                f"To: {address['first_name']} {address['last_name']}",
                f"{address['address1']}",
                f"{address['city']} {address['post_code']} {address['country']}",
            ]
            if req.get("print_item_list"):
                lines += [f"- {item['sku']} {item['name']}" for item in items]
        if doc_type == "PDF":
            content = minimal_pdf(lines)
        else:
            content = (
                "<html><body><pre>"
                + "\n".join(lines).replace("&", "&amp;").replace("<", "&lt;")
                + "</pre></body></html>"
            ).encode("utf-8")
        payload = {
            "file": base64.b64encode(content).decode("ascii"),
            "doc_type": doc_type,
        }
        if doc_type == "PDF":
            payload["pdf_url"] = (
                f"{self.url}/_sim/awb/{printable[0][0]['package_id']}.pdf"
            )
        return self._ok(
            result={"data": payload, "success": True, "error_code": "", "error_msg": ""}
        )

    def api_invoice_set(self, params):
        raw_id = params.get("order_item_id")
        item = self.items.get(_int_or_none(raw_id))
        if item is None:
            raise ApiError("20", f"E020: {raw_id} Invalid Order Item ID")
        invoice = (params.get("invoice_number") or "").strip()
        if not invoice:
            raise ApiError(
                "MissingParameter",
                "The input parameter “invoice_number” that is mandatory for "
                "processing this request is not supplied",
            )
        if item["status"] not in ("packed", "ready_to_ship"):
            raise ApiError(
                "34",
                "E034: Order Item must be packed. Please call setStatusToReadyToShip "
                "before",
            )
        item["invoice_number"] = invoice
        return self._ok(
            data={"order_item_id": item["order_item_id"], "invoice_number": invoice}
        )

    # ---- cancellation ----------------------------------------------------------------
    def _cancel_lines(self, params):
        if not params.get("order_id"):
            raise ApiError("115", "E0115: order id is null")
        order = self._order(params.get("order_id"), code="122")
        try:
            raw = json.loads(params.get("order_item_id_list") or "")
            item_ids = [int(x) for x in raw]
        except (TypeError, ValueError) as exc:
            raise ApiError(
                "102", "E0102: trade order line id is empty or invalid"
            ) from exc
        if not item_ids:
            raise ApiError("102", "E0102: trade order line id is empty or invalid")
        bad = [i for i in item_ids if i not in order["item_ids"]]
        if bad:
            raise ApiError("123", f"E0123: invalid trade order lines {bad}")
        return order, [self.items[i] for i in item_ids]

    def api_cancel_validate(self, params):
        _order, items = self._cancel_lines(params)
        blocked = [i for i in items if i["status"] not in CANCELLABLE_BY_SELLER]
        if blocked:
            return self._ok(
                data={
                    "tip_type": "error",
                    "tip_content": "The order item status "
                    f"{blocked[0]['status']} cannot be canceled by the seller",
                    "reason_options": [],
                }
            )
        return self._ok(
            data={
                "tip_type": "warn",
                "tip_content": "Cancelling orders affects your seller rating",
                "reason_options": [dict(r) for r in CANCEL_REASONS],
            }
        )

    def api_cancel_create(self, params):
        _order, items = self._cancel_lines(params)
        reason = next(
            (
                r
                for r in CANCEL_REASONS
                if r["reason_id"] == str(params.get("reason_id"))
            ),
            None,
        )
        if reason is None:
            raise ApiError("104", "E0104: reason is empty or invalid")
        blocked = [
            i["order_item_id"]
            for i in items
            if i["status"] not in (CANCELLABLE_BY_SELLER)
        ]
        if blocked:
            raise ApiError("123", f"E0123: invalid trade order lines {blocked}")
        now = self.now()
        for item in items:
            item["reason"] = reason["reason_name"]
            item["cancel_return_initiator"] = "cancellation-seller"
            item["need_cancel_confirm"] = False
            item["cancel_decision"] = "seller_cancel"
            self._set_status(item, "canceled", now)
        self.decisions.append(
            {
                "kind": "seller_cancel",
                "order_id": items[0]["order_id"],
                "order_item_ids": [i["order_item_id"] for i in items],
                "reason_id": reason["reason_id"],
                "at": now,
            }
        )
        return self._ok(data={})

    def _decide_item(self, item, agree, when, decision):
        item["need_cancel_confirm"] = False
        item["cancel_trigger_time"] = None
        item["cancel_decision"] = decision
        item["updated_at"] = when
        order = self.orders[item["order_id"]]
        order["updated_at"] = max(order["updated_at"], when)
        if not agree:
            # the item stays where it was (the request never changed its status)
            return
        item["cancel_return_initiator"] = "cancellation-customer"
        if item["status"] in ("unpaid", "pending"):
            self._set_status(item, "canceled", when)
        else:
            # packed / ready_to_ship: logistics must confirm before it is canceled
            item["is_cancel_pending"] = True
            item["cancel_pending_since"] = when
            self._queue_push(order, item, when)

    def api_cancel_decide(self, params):
        raw = params.get("reverse_order_id")
        reverse = self.reverse_orders.get(_int_or_none(raw))
        if reverse is None:
            raise ApiError("105", "E0105: reverse order id is empty or invalid")
        if reverse["state"] != "requested":
            raise ApiError("131", "E0131: no decision for this reverse order")
        if "agree_cancel" not in params:
            raise ApiError(
                "MissingParameter",
                "The input parameter “agree_cancel” that is mandatory for processing "
                "this request is not supplied",
            )
        agree = _as_bool(params.get("agree_cancel"))
        now = self.now()
        reverse["state"] = "agreed" if agree else "rejected"
        for item_id in reverse["item_ids"]:
            item = self.items[item_id]
            if item["need_cancel_confirm"]:
                self._decide_item(item, agree, now, reverse["state"])
        self.decisions.append(
            {
                "kind": "buyer_cancel_decision",
                "reverse_order_id": reverse["reverse_order_id"],
                "order_id": reverse["order_id"],
                "agree": agree,
                "reason_code": params.get("reason_code"),
                "at": now,
            }
        )
        return self._ok(data=None)

    # ---- stock -----------------------------------------------------------------------
    @staticmethod
    def _parse_sku(sku, kind, known):
        """One ``<Sku>`` element -> (SellerSku, raw values, update); tag names are
        matched case-insensitively (the product samples use both cases)."""
        values = {child.tag.lower(): (child.text or "").strip() for child in sku}
        seller_sku = values.get("sellersku")
        if not seller_sku or seller_sku not in known:
            raise _SkuError("SellerSku", seller_sku, "SELLER_SKU_NOT_FOUND")
        fields = (
            {"sellablequantity": ("sellable_quantity", int)}
            if kind == "sellable"
            else {
                "quantity": ("quantity", int),
                "price": ("price", float),
                "saleprice": ("sale_price", float),
            }
        )
        update = {}
        warehouses = {}
        try:
            for tag, (name, cast) in fields.items():
                if values.get(tag):
                    update[name] = cast(values[tag])
            for inv in sku.findall("./MultiWarehouseInventories/*"):
                inv_values = {c.tag.lower(): (c.text or "").strip() for c in inv}
                code = inv_values.get("warehousecode")
                qty = inv_values.get("quantity") or inv_values.get("sellablequantity")
                if code and qty:
                    warehouses[code] = int(qty)
        except ValueError as exc:
            raise _SkuError("Quantity", seller_sku, "invalid number") from exc
        if warehouses:
            update["warehouses"] = warehouses
            total = "sellable_quantity" if kind == "sellable" else "quantity"
            update.setdefault(total, sum(warehouses.values()))
        quantities = [v for k, v in update.items() if k.endswith("quantity")]
        if any(v < 0 for v in quantities + list(warehouses.values())):
            raise _SkuError(
                "quantity",
                seller_sku,
                "THD_INVENTORY_ERR_INV_PARAM_ILLEGAL:illegal parameter:quantity",
            )
        return seller_sku, values, update

    def _stock_update(self, params, kind):
        payload = params.get("payload")
        if not payload:
            raise ApiError(
                "MissingParameter",
                "The input parameter “payload” that is mandatory for processing this "
                "request is not supplied",
            )
        try:
            root = ET.fromstring(payload.encode("utf-8"))
        except ET.ParseError as exc:
            raise ApiError("1000", f"The payload is not valid XML: {exc}") from exc
        skus = root.findall("./Product/Skus/Sku")
        if not skus:
            raise ApiError("501", "Update product failed: no Sku in payload")
        if len(skus) > MAX_SKUS:
            raise ApiError("4171", f"Too many SKUs: {len(skus)}, the maximum is 50")
        known = {entry["sku"] for entry in data.catalogue()}
        updates = []
        detail = []
        for sku in skus:
            try:
                updates.append(self._parse_sku(sku, kind, known))
            except _SkuError as exc:
                detail.append(exc.detail)
        if detail:
            raise ApiError("501", "Update product failed", detail=detail)
        now = self.now()
        for seller_sku, values, update in updates:
            entry = self.stock.setdefault(seller_sku, {"updates": 0})
            entry.update(update)
            entry["updates"] += 1
            entry["item_id"] = values.get("itemid", entry.get("item_id", ""))
            entry["sku_id"] = values.get("skuid", entry.get("sku_id", ""))
            entry["updated_at"] = now
        return self._ok()

    def api_price_quantity(self, params):
        return self._stock_update(params, "price_quantity")

    def api_sellable(self, params):
        return self._stock_update(params, "sellable")

    # ---- push ------------------------------------------------------------------------
    def _queue_push(self, order, item, when):
        """Queue the webhook for ``item`` (called with self.lock held; sent later)."""
        url = self.push_url
        if not url:
            return
        body = {
            "seller_id": self.seller_id,
            "message_type": 0,
            "data": {
                "order_status": item["status"],
                "trade_order_id": str(order["order_id"]),
                "trade_order_line_id": str(item["order_item_id"]),
                "status_update_time": int(when),
            },
            "timestamp": int(self.now() * 1000),
            "site": f"lazada_{self.country}",
        }
        if item["reverse_order_id"] and (
            item["need_cancel_confirm"] or item["is_cancel_pending"]
        ):
            body["data"]["reverse_order_id"] = str(item["reverse_order_id"])
            body["data"]["reverse_order_line_id"] = str(item["order_item_id"])
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        copies = 2 if self.faults.roll("duplicates") else 1
        for copy_index in range(copies):
            self._push_queue.put((url, raw, copy_index > 0))
        self._ensure_push_thread()

    def _ensure_push_thread(self):
        if self._push_thread is None or not self._push_thread.is_alive():
            self._push_thread = threading.Thread(
                target=self._push_worker, name="sim-lazada-push", daemon=True
            )
            self._push_thread.start()

    def _push_worker(self):
        while True:
            job = self._push_queue.get()
            if job is None:
                self._push_queue.task_done()
                return
            url, raw, duplicate = job
            signature = push_signature(self.app_key, self.app_secret, raw)
            record = {
                "url": url,
                "body": json.loads(raw),
                "signature": signature,
                "duplicate": duplicate,
                "http_status": None,
                "error": None,
            }
            try:  # never holding self.lock here: the receiver may call us back
                resp = requests.post(
                    url,
                    data=raw,
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": signature,
                    },
                    timeout=self.push_timeout,
                )
                record["http_status"] = resp.status_code
            except requests.RequestException as exc:
                record["error"] = str(exc)
            with self.lock:
                self.pushes.append(record)
            self._push_queue.task_done()

    def wait_pushes(self, timeout=5.0):
        """Block (without the lock) until every queued push has been attempted."""
        deadline = time.time() + timeout
        while self._push_queue.unfinished_tasks and time.time() < deadline:
            time.sleep(0.01)
        return not self._push_queue.unfinished_tasks

    def start(self):
        super().start()
        # headers and body leave in separate writes: without TCP_NODELAY a keep-alive
        # client waits ~40 ms per call for the delayed ACK
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        return self

    def stop(self):
        super().stop()
        if self._push_thread is not None and self._push_thread.is_alive():
            self._push_queue.put(None)
            self._push_thread.join(timeout=self.push_timeout + 1)
        self._push_thread = None

    # ---- routes ----------------------------------------------------------------------
    @route(("GET", "POST"), "/rest/{a}/{b}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}/{d}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}/{d}/{e}")
    def rest_api(self, req):
        return self._api(req)

    # ---- control endpoints -----------------------------------------------------------
    def _body(self, req):
        try:
            body = req.json()
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}

    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        code = f"0_{self.app_key}_{self.rng.getrandbits(128):032x}"
        self.codes[code] = {"expires_at": self.now() + 1800, "used": False}
        return json_response({"code": code, "expires_in": 1800})

    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        self.push_url = self._body(req).get("url") or None
        return json_response({"url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = self._body(req)
        order = self.orders.get(_int_or_none(body.get("order_id")))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        if not self.push_url:
            return json_response({"error": "no push url configured"}, 409)
        wanted = _int_or_none(body.get("order_item_id"))
        items = self._order_items(order)
        item = next((i for i in items if i["order_item_id"] == wanted), items[0])
        self._queue_push(order, item, item["updated_at"])
        return json_response({"queued": True, "order_item_id": item["order_item_id"]})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_orders_new(self, req):
        body = self._body(req)
        count = int(body.get("count", 1))
        status = body.get("status") or "pending"
        if status not in STATUSES:
            return json_response({"error": f"unknown status {status}"}, 400)
        now = self.now()
        created = []
        for _ in range(count):
            order = self._new_order(status, now, now, cancel_requests=False)
            order["updated_at"] = now
            for item in self._order_items(order):
                item["status_since"] = item["updated_at"] = now
                self._queue_push(order, item, now)
            created.append(order["order_id"])
        return json_response({"order_ids": created})

    @route("POST", "/_sim/orders/{order_id}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        ids = self._body(req).get("order_item_ids")
        ids = {int(i) for i in ids} if ids else None
        now = self.now()
        reverse_id = self._buyer_cancel(order, ids, now)
        if reverse_id is None:
            return json_response({"error": "no item can be cancelled"}, 409)
        for item_id in self.reverse_orders[reverse_id]["item_ids"]:
            self._queue_push(order, self.items[item_id], now)
        return json_response({"reverse_order_id": reverse_id})

    @route("POST", "/_sim/orders/{order_id}/pay", api=False)
    def sim_pay(self, req):
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        now = self.now()
        for item in self._order_items(order):
            if item["status"] == "unpaid":
                self._set_status(item, "pending", now)
        return json_response({"statuses": sorted(self._statuses(order))})

    @route("POST", "/_sim/finance/transaction", api=False)
    def sim_finance_transaction(self, req):
        """Add one finance row now: {"fee_type", "amount"[, "fee_name", "order_id"]}
        (an adjustment, or a fee type the seller's books do not know yet)."""
        body = self._body(req)
        order = self.orders.get(_int_or_none(body.get("order_id")))
        try:
            fee_type = int(body.get("fee_type"))
            amount = float(body.get("amount"))
        except (TypeError, ValueError):
            return json_response({"error": "fee_type and amount are required"}, 400)
        items = self._order_items(order) if order else []
        row = self._txn(
            self.now(),
            fee_type,
            amount,
            order,
            items[0] if items else None,
            body.get("fee_name"),
        )
        return json_response({"transaction_number": row["number"]})

    @route("POST", "/_sim/orders/{order_id}/deliver", api=False)
    def sim_deliver(self, req):
        """Deliver (or, with {"return": true}, deliver and return) every open item."""
        order = self.orders.get(_int_or_none(req.params["order_id"]))
        if order is None:
            return json_response({"error": "unknown order_id"}, 404)
        body = self._body(req)
        now = self.now()
        returned = {int(i) for i in body.get("return_item_ids") or []}
        for item in self._order_items(order):
            if item["status"] in ("canceled", "failed", "delivered", "returned"):
                continue
            if not item["package_id"]:
                self._attach(
                    item, self._new_package(order["order_id"], SHIPMENT_PROVIDERS[0])
                )
            item["need_cancel_confirm"] = item["is_cancel_pending"] = False
            item["cancel_trigger_time"] = None
            self._set_status(item, "delivered", now)
            if item["order_item_id"] in returned:
                item["reason"] = "Item damaged"
                item["cancel_return_initiator"] = "return-customer"
                self._set_status(item, "returned", now)
        return json_response({"statuses": sorted(self._statuses(order))})

    @route("GET", "/_sim/awb/{name}", api=False)
    def sim_awb(self, req):
        package = self.packages.get(req.params["name"].removesuffix(".pdf"))
        if package is None:
            return json_response({"error": "unknown package"}, 404)
        pdf = minimal_pdf([f"Tracking number: {package['tracking_number']}"])
        return Response(200, pdf, "application/pdf")

    # ---- inspection ------------------------------------------------------------------
    def _statuses(self, order):
        return {item["status"] for item in self._order_items(order)}

    def inspect(self):
        with self.lock:
            self._sync_faults()
            now = self.now()
            orders = {}
            for order_id, order in self.orders.items():
                items = self._order_items(order)
                rendered = self._render_order(order)
                orders[str(order_id)] = {
                    "statuses": sorted(self._statuses(order)),
                    "updated_at": self._iso(order["updated_at"]),
                    # what the buyer pays: items + shipping - vouchers
                    "total": round(
                        float(rendered["price"])
                        + float(rendered["shipping_fee"])
                        - float(rendered["voucher"]),
                        2,
                    ),
                    "items": {
                        str(item["order_item_id"]): {
                            "sku": item["sku"],
                            "price": round(item["item_price"], 2),
                            "status": item["status"],
                            "package_id": item["package_id"],
                            "tracking_number": item["tracking_code"],
                            "invoice_number": item["invoice_number"],
                            "need_cancel_confirm": item["need_cancel_confirm"],
                            "is_cancel_pending": item["is_cancel_pending"],
                            "reverse_order_id": item["reverse_order_id"],
                            "cancel_decision": item["cancel_decision"],
                        }
                        for item in items
                    },
                    "package_ids": sorted({i["package_id"] for i in items} - {""}),
                    "tracking_numbers": sorted(
                        {i["tracking_code"] for i in items} - {""}
                    ),
                }
            return {
                "orders": orders,
                "stock": copy.deepcopy(self.stock),
                "decisions": copy.deepcopy(self.decisions),
                "reverse_orders": {
                    str(k): dict(v, item_ids=list(v["item_ids"]))
                    for k, v in self.reverse_orders.items()
                },
                "pushes": copy.deepcopy(self.pushes),
                "push_url": self.push_url,
                "tokens": {
                    "codes_issued": len(self.codes),
                    "codes_used": sum(1 for c in self.codes.values() if c["used"]),
                    "access_tokens": len(self.access_tokens),
                    "access_tokens_valid": sum(
                        1 for t in self.access_tokens.values() if t["expires_at"] > now
                    ),
                    "refresh_tokens": len(self.refresh_tokens),
                    "refreshes": sum(
                        r["refreshes"] for r in self.refresh_tokens.values()
                    ),
                },
                "calls": len(self.calls),
                "finance": self.finance_inspect(now),
            }


class _SkuError(Exception):
    def __init__(self, field, seller_sku, message):
        super().__init__(message)
        self.detail = {
            "field": field,
            "seller_sku": seller_sku or "",
            "message": message,
        }


class _BatchError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def _multipart_fields(req):
    header = req.headers.get("Content-Type") or ""
    message = BytesParser(policy=email_policy).parsebytes(
        b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + req.body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and not part.get_filename():
            fields[name] = part.get_payload(decode=True).decode("utf-8")
    return fields


def _int_or_none(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _sku_id(sku):
    """A stable numeric SkuId for a SellerSku (no dependency on hash seeds)."""
    value = 0
    for char in sku.encode("utf-8"):
        value = (value * 131 + char) % 1_000_000_007
    return 2_000_000_000 + value
