"""Shopee Open Platform v2 simulator (orders, logistics, shipping documents, stock,
auth and push). Loopback HTTP server; no Odoo import.

Protocol (see /work/shared/API_FACTS.md section 2 and its sources):

- Common parameters always in the query string: ``partner_id``, ``timestamp``
  (epoch seconds, accepted within 5 minutes of the *real* clock: clients cannot know
  the simulated clock), ``sign``; plus ``access_token`` and ``shop_id`` for shop APIs.
- ``sign`` = lowercase hex HMAC-SHA256(partner_key, base string), base string =
  ``partner_id + api_path + timestamp`` (public API) ``+ access_token + shop_id`` (shop
  API). The body is not signed.
- Envelope ``{request_id, error, message, warning, response}``; ``error`` is "" on
  success. The auth endpoints answer with their fields at the top level (as the docs'
  samples show). HTTP status codes of errors are not documented: this simulator answers
  403 for sign/auth errors (common in public client code), 400 for parameter and
  business errors, 429 / 500 / 503 for the injected faults, 400 ``error_busy`` for
  the ``busy`` fault. UNVERIFIED.
- ``get_order_detail`` returns only the basic fields unless ``response_optional_fields``
  names the others (``item_list``, ``package_list``, ``recipient_address``,
  ``total_amount``, ``buyer_username``...), as the real API does.
- ``get_order_list`` sorts by the requested time field, newest first (tie-breaker
  order_sn); ``next_cursor`` is an opaque key of the last returned record, so a full
  paging pass returns every matching order exactly once even if orders are added.

Time-driven state (``tick``, simulated clock, ``POST /_sim/clock``): integrated
channels get their tracking number ``TRACKING_DELAY`` seconds after ``ship_order``
(empty before); PROCESSED -> SHIPPED ``PICKUP_DELAY`` after arrangement (once every
package has a tracking number) -> TO_CONFIRM_RECEIVE after ``DELIVERY_DELAY`` ->
COMPLETED after ``CONFIRM_DELAY``; shipping documents are PROCESSING for ``DOC_DELAY``
seconds, then READY.

Push (``push_url`` option or ``POST /_sim/push_config``): codes 3 (order status), 4
(tracking number) and 15 (shipping document status) are POSTed from a background
thread with header ``Authorization`` = hex HMAC-SHA256(partner_key, url + "|" + body).
Code 3 body follows API_FACTS; the data fields of codes 4 and 15 are UNVERIFIED.

Payment (settlements, see :class:`ShopeeFinance`): ``GET get_escrow_list``,
``GET get_escrow_detail``, ``POST get_escrow_detail_batch``,
``GET get_wallet_transaction_list`` under ``/api/v2/payment/``.

Control endpoints (besides the core ones): ``POST /_sim/auth/code``,
``POST /_sim/orders/new``, ``POST /_sim/orders/{order_sn}/buyer_cancel``,
``POST /_sim/orders/{order_sn}/pay``, ``POST /_sim/push``, ``POST /_sim/push_config``,
``POST /_sim/orders/{order_sn}/complete {"refund"?}``,
``POST /_sim/finance/adjust {"order_sn", "amount", "reason" | "field"}``.
"""

import base64
import copy
import functools
import json
import logging
import queue
import random
import threading
import time
import unicodedata
import uuid
from datetime import UTC, datetime

import requests

from . import data
from .core import (
    Response,
    SimServer,
    constant_time_equal,
    hmac_sha256_hex,
    json_response,
    pdf_escape,
    pdf_file,
    route,
)

_logger = logging.getLogger(__name__)

DAY = 86400
ACCESS_TOKEN_TTL = 4 * 3600
REFRESH_TOKEN_TTL = 30 * DAY
CODE_TTL = 600
TIMESTAMP_WINDOW = 300
TRACKING_DELAY = 30
PICKUP_DELAY = 3600
DELIVERY_DELAY = 2 * DAY
CONFIRM_DELAY = 3 * DAY
DOC_DELAY = 3
MAX_WINDOW = 15 * DAY

STATUSES = (
    "UNPAID",
    "READY_TO_SHIP",
    "PROCESSED",
    "SHIPPED",
    "TO_CONFIRM_RECEIVE",
    "COMPLETED",
    "IN_CANCEL",
    "CANCELLED",
    "TO_RETURN",
)
FILTER_STATUSES = STATUSES + ("RETRY_SHIP", "INVOICE_PENDING")
CANCEL_REASONS = {
    "OUT_OF_STOCK": "Out of Stock",
    "CUSTOMER_REQUEST": "Customer Request",
    "UNDELIVERABLE_AREA": "Undeliverable Area",
    "COD_NOT_SUPPORTED": "COD Not Supported",
}
BUYER_CANCEL_REASONS = [
    "Need to change delivery address",
    "Seller is not responsive to buyer's inquiries",
    "Modify existing order (colour, size, voucher, etc.)",
    "Others / change of mind",
]
DOC_TYPES = (
    "NORMAL_AIR_WAYBILL",
    "THERMAL_AIR_WAYBILL",
    "NORMAL_JOB_AIR_WAYBILL",
    "THERMAL_JOB_AIR_WAYBILL",
    "THERMAL_UNPACKAGED_LABEL",
)
# logistics channels: which ship_order modes they accept and what info they need
CHANNELS = [
    {
        "logistics_channel_id": 30001,
        "name": "Standard Delivery (SPX)",
        "prefix": "SPXMY",
        "info_needed": {"pickup": ["address_id", "pickup_time_id"], "dropoff": []},
    },
    {
        "logistics_channel_id": 30002,
        "name": "J&T Express",
        "prefix": "JTMY",
        "info_needed": {"pickup": ["address_id", "pickup_time_id"]},
    },
    {
        "logistics_channel_id": 30003,
        "name": "Ninja Van",
        "prefix": "NVMY",
        "info_needed": {"dropoff": ["branch_id"]},
    },
    {
        "logistics_channel_id": 30004,
        "name": "Seller Own Fleet",
        "prefix": None,
        "info_needed": {"non_integrated": ["tracking_no"]},
    },
]
SHOP_ADDRESSES = [
    {
        "address_id": 2001,
        "region": "MY",
        "state": "Kuala Lumpur",
        "city": "Kuala Lumpur",
        "district": "Bukit Bintang",
        "town": "",
        "address": "Lot 3.14, Menara Gudang Omni, Jalan Sultan Ismail",
        "zipcode": "50250",
        "address_flag": ["default_address", "pickup_address", "return_address"],
    },
    {
        "address_id": 2002,
        "region": "MY",
        "state": "Selangor",
        "city": "Shah Alam",
        "district": "Seksyen 15",
        "town": "",
        "address": "No. 8, Jalan Perusahaan 15/22, Kawasan Perindustrian",
        "zipcode": "40200",
        "address_flag": ["pickup_address"],
    },
]
BRANCHES = [
    {
        "branch_id": 7001,
        "region": "MY",
        "state": "Kuala Lumpur",
        "city": "Kuala Lumpur",
        "address": "Ninja Point, 12 Jalan Tun Razak",
        "zipcode": "50400",
        "district": "",
        "town": "",
    },
    {
        "branch_id": 7002,
        "region": "MY",
        "state": "Selangor",
        "city": "Petaling Jaya",
        "address": "Ninja Point, 3 Jalan SS2/24",
        "zipcode": "47300",
        "district": "",
        "town": "",
    },
]
CURRENCIES = {
    "MY": ("MYR", 1.0),
    "SG": ("SGD", 0.3),
    "TH": ("THB", 7.5),
    "VN": ("VND", 5000.0),
    "ID": ("IDR", 3400.0),
    "PH": ("PHP", 12.0),
    "PL": ("PLN", 0.9),
    "GB": ("GBP", 0.17),
}
STATES = {
    "Kuala Lumpur": "Wilayah Persekutuan Kuala Lumpur",
    "Singapore": "Singapore",
    "Bangkok": "กรุงเทพมหานคร",
    "Ho Chi Minh City": "TP. Hồ Chí Minh",
    "Jakarta Selatan": "DKI Jakarta",
    "Quezon City": "Metro Manila",
    "Kraków": "małopolskie",
    "Manchester": "Greater Manchester",
}
MESSAGES = [
    "",
    "",
    "",
    "Xin giao hàng buổi sáng 🙏",
    "Tolong bungkus rapi ya, hadiah untuk ibu",
    "請在下午送貨",
    "Please call before delivery — gate code #4521",
]
AUTH_ERRORS = {
    "error_sign",
    "error_auth",
    "error_permission",
    "invalid_code",
    "invalid_shop_id",
    "invalid_partner_id",
    "error_shop_refresh_token",
    "refresh_token_expired",
}


def _ascii(text):
    folded = unicodedata.normalize("NFKD", str(text))
    return "".join(c if 32 <= ord(c) < 127 else "" for c in folded) or "?"


def build_pdf(pages):
    """A minimal valid PDF (one page per list of text lines), built by hand."""

    def esc(line):
        return pdf_escape(_ascii(line))

    objects = []  # object bodies, numbered from 1
    kids = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then page/content pairs
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(None)  # pages, filled below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, lines in enumerate(pages):
        page_no = 4 + 2 * index
        kids.append(f"{page_no} 0 R")
        stream = ["BT", "/F1 11 Tf", "14 TL", "40 800 Td"]
        for line in lines:
            stream.append(f"({esc(line)}) Tj T*")
        stream.append("ET")
        content = "\n".join(stream).encode("latin-1")
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_no + 1} 0 R >>"
            ).encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode()
            + content
            + b"\nendstream"
        )
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {n_pages} >>".encode()
    )
    return pdf_file(objects)


def build_items():
    """Shopee items/models for the shared catalogue: item per product, model per
    variant (model_id 0 and model_sku "" for products without variants)."""
    items = []
    for index, (code, name, price, weight, variants) in enumerate(data.PRODUCTS):
        item_id = 3000000000 + (index + 1) * 1111
        models = []
        for vindex, variant in enumerate(variants):
            models.append(
                {
                    "model_id": item_id * 100 + vindex + 1,
                    "model_name": variant,
                    "model_sku": f"{code}-{variant}",
                    "sku": f"{code}-{variant}",
                }
            )
        if not variants:
            models.append(
                {"model_id": 0, "model_name": "", "model_sku": "", "sku": code}
            )
        items.append(
            {
                "item_id": item_id,
                "item_name": name,
                "item_sku": code,
                "price": price,
                "weight": weight,
                "models": models,
            }
        )
    return items


# ---- finance -------------------------------------------------------------------------
COMMISSION_RATE = 0.05
SERVICE_RATE = 0.03
TRANSACTION_RATE = 0.02
SHIPPING_REBATE_RATE = 0.5
RETURN_REFUND_RATE = 0.2  # share of released orders with a partial return refund
ESCROW_MAX_PAGE = 100
ESCROW_BATCH = 50
WALLET_MAX_PAGE = 100
ESCROW_ADD, ESCROW_MINUS = 101, 102
WITHDRAWAL_CREATED = 201
ADJUSTMENT_ADD, ADJUSTMENT_MINUS = 401, 402
WALLET_NAMES = {
    ESCROW_ADD: "ESCROW_VERIFIED_ADD",
    ESCROW_MINUS: "ESCROW_VERIFIED_MINUS",
    WITHDRAWAL_CREATED: "WITHDRAWAL_CREATED",
    ADJUSTMENT_ADD: "ADJUSTMENT_ADD",
    ADJUSTMENT_MINUS: "ADJUSTMENT_MINUS",
}


class ShopeeFinance:
    """Escrow and wallet of the Shopee simulator (SETTLEMENT_FACTS section 2).

    The escrow of an order is released when the order is COMPLETED (TO_RETURN orders
    ``CONFIRM_DELAY`` after the return started, fully refunded): an escrow detail
    (``order_income``: goods, buyer-paid shipping, actual shipping and Shopee's
    rebate, seller voucher, commission, service and transaction fees, return refund,
    adjustments) and a wallet credit (101, or 102 when negative). About one released
    order in five had a partial return (``seller_return_refund``). Adjustments added
    later (``POST /_sim/finance/adjust``) change ``escrow_amount_after_adjustment``
    and add a wallet 401/402. Every Monday 00:00 UTC the wallet balance, when positive,
    is withdrawn to the bank (201, with a ``withdrawal_id``).
    """

    def _finance_setup(self):
        self.finance_rng = random.Random(f"shopee-finance-{self.seed}")
        self.escrows = {}  # order_sn -> escrow
        self.wallet = []  # wallet transactions, in time order
        self._wallet_seq = 0
        self._next_withdrawal = None

    def _money_for(self, order, value):
        whole = order["currency"] in ("VND", "IDR")
        return float(round(value)) if whole else round(value, 2)

    def _release_time(self, order):
        times = {h["status"]: h["update_time"] for h in order["history"]}
        if order["status"] == "COMPLETED":
            return times.get("COMPLETED")
        if order["status"] == "TO_RETURN" and "TO_RETURN" in times:
            return times["TO_RETURN"] + CONFIRM_DELAY
        return None

    def _escrow_income(self, order, escrow):
        money = functools.partial(self._money_for, order)
        amounts = order["amounts"]
        goods = amounts["items_subtotal"]
        refund = escrow["refund"]
        net_goods = max(goods - refund, 0.0)
        actual = order["estimated_shipping_fee"]
        rebate = money(actual * SHIPPING_REBATE_RATE)
        buyer_shipping = amounts["buyer_paid_shipping_fee"]
        commission = money(net_goods * COMMISSION_RATE)
        service = money(net_goods * SERVICE_RATE)
        paid = max(amounts["total_amount"] - refund, 0.0)
        transaction = money(paid * TRANSACTION_RATE)
        voucher = amounts["voucher_from_seller"]
        extra = sum(escrow["extra_fees"].values())
        escrow_amount = money(
            goods
            - refund
            - voucher
            + buyer_shipping
            - actual
            + rebate
            - commission
            - service
            - transaction
            - extra
        )
        adjustment = money(sum(a["amount"] for a in escrow["adjustments"]))
        income = {
            "escrow_amount": escrow_amount,
            "buyer_total_amount": amounts["total_amount"],
            "order_original_price": sum(
                i["model_original_price"] * i["model_quantity_purchased"]
                for i in order["items"]
            ),
            "order_selling_price": goods,
            "order_discounted_price": goods,
            "original_cost_of_goods_sold": goods,
            "cost_of_goods_sold": goods,
            "seller_discount": 0.0,
            "shopee_discount": 0.0,
            "voucher_from_seller": voucher,
            "voucher_from_shopee": amounts["voucher_from_shopee"],
            "coins": 0.0,
            "buyer_paid_shipping_fee": buyer_shipping,
            "buyer_transaction_fee": 0.0,
            "estimated_shipping_fee": actual,
            "actual_shipping_fee": actual,
            "shopee_shipping_rebate": rebate,
            "shipping_fee_discount_from_3pl": 0.0,
            "reverse_shipping_fee": 0.0,
            "final_shipping_fee": money(buyer_shipping - actual + rebate),
            "commission_fee": commission,
            "service_fee": service,
            "seller_transaction_fee": transaction,
            "campaign_fee": 0.0,
            "order_ams_commission_fee": 0.0,
            "seller_return_refund": money(-refund),
            "escrow_tax": 0.0,
            "withholding_tax": 0.0,
            "final_product_protection": 0.0,
            "order_adjustment": [dict(a) for a in escrow["adjustments"]],
            "total_adjustment_amount": adjustment,
            "escrow_amount_after_adjustment": money(escrow_amount + adjustment),
            "items": [
                {
                    "item_id": i["item_id"],
                    "item_name": i["item_name"],
                    "item_sku": i["item_sku"],
                    "model_id": i["model_id"],
                    "model_sku": i["model_sku"],
                    "quantity_purchased": i["model_quantity_purchased"],
                    "original_price": i["model_original_price"],
                    "discounted_price": i["model_discounted_price"],
                }
                for i in order["items"]
            ],
        }
        income.update(escrow["extra_fees"])
        return income

    def _wallet_add(self, when, type_, amount, order_sn="", withdrawal_id=0, **extra):
        self._wallet_seq += 1
        txn = {
            "when": int(when),
            "transaction_id": 7000000000 + self._wallet_seq,
            "transaction_type": type_,
            "amount": round(amount, 2),
            "order_sn": order_sn,
            "withdrawal_id": withdrawal_id,
            "withdrawn_by": None,
        }
        txn.update(extra)
        self.wallet.append(txn)
        return txn

    def _release(self, order, when, refund=None):
        if refund is None:
            if order["status"] == "TO_RETURN":
                refund = order["amounts"]["items_subtotal"]
            elif self.finance_rng.random() < RETURN_REFUND_RATE:
                refund = order["items"][0]["model_discounted_price"]
            else:
                refund = 0.0
        escrow = {
            "order_sn": order["order_sn"],
            "release_time": int(when),
            "refund": refund,
            "return_sn": f"R{order['order_sn']}" if refund else "",
            "adjustments": [],
            "extra_fees": {},
        }
        self.escrows[order["order_sn"]] = escrow
        amount = self._escrow_income(order, escrow)["escrow_amount_after_adjustment"]
        self._wallet_add(
            when, ESCROW_ADD if amount >= 0 else ESCROW_MINUS, amount, order["order_sn"]
        )

    def _finance_tick(self, now):
        for order in self.orders.values():
            if order["order_sn"] in self.escrows:
                continue
            when = self._release_time(order)
            if when is not None and when <= now:
                self._release(order, when)
        self._withdraw(now)

    @staticmethod
    def _next_monday(when):
        day = int(when) // DAY
        # 1970-01-01 was a Thursday: Monday is day % 7 == 4
        return (day + ((4 - day) % 7 or 7)) * DAY

    def _withdraw(self, now):
        """Weekly auto-withdrawal of a positive balance (Monday 00:00 UTC)."""
        if self._next_withdrawal is None:
            pending = [t["when"] for t in self.wallet if t["withdrawn_by"] is None]
            if not pending:
                return
            self._next_withdrawal = self._next_monday(min(pending))
        while self._next_withdrawal <= now:
            boundary = self._next_withdrawal
            batch = [
                t
                for t in self.wallet
                if t["withdrawn_by"] is None
                and t["transaction_type"] != WITHDRAWAL_CREATED
                and t["when"] < boundary
            ]
            amount = round(sum(t["amount"] for t in batch), 2)
            if batch and amount > 0:
                withdrawal_id = 880000000 + self._wallet_seq + 1
                txn = self._wallet_add(
                    boundary,
                    WITHDRAWAL_CREATED,
                    -amount,
                    withdrawal_id=withdrawal_id,
                    root_withdrawal_id=withdrawal_id,
                )
                txn["withdrawn_by"] = withdrawal_id
                for item in batch:
                    item["withdrawn_by"] = withdrawal_id
            self._next_withdrawal = boundary + 7 * DAY

    # ---- finance API -----------------------------------------------------------------
    def _escrow_detail(self, escrow):
        order = self.orders[escrow["order_sn"]]
        return {
            "order_sn": order["order_sn"],
            "buyer_user_name": order["buyer_username"],
            "return_order_sn_list": [escrow["return_sn"]]
            if escrow["return_sn"]
            else [],
            "order_income": self._escrow_income(order, escrow),
            "buyer_payment_info": {
                "buyer_payment_method": order["payment_method"],
                "buyer_total_amount": order["amounts"]["total_amount"],
                "merchant_subtotal": order["amounts"]["items_subtotal"],
                "shipping_fee": order["amounts"]["buyer_paid_shipping_fee"],
                "seller_voucher": order["amounts"]["voucher_from_seller"],
                "shopee_voucher": order["amounts"]["voucher_from_shopee"],
            },
        }

    @staticmethod
    def _int_query(query, name, default=None):
        value = query.get(name)
        if value in (None, ""):
            return default
        return int(value)

    def _checked_ints(self, req, *params):
        """(the query's integers, None) of a signed shop call, ``params`` being
        (name, default) pairs; or (None, error)."""
        error = self._check(req)
        if error:
            return None, error
        try:
            return [self._int_query(req.query, *param) for param in params], None
        except ValueError:
            return None, self._error(
                "error_param", "Wrong parameters, detail: not a number."
            )

    @route("GET", "/api/v2/payment/get_escrow_list")
    def get_escrow_list(self, req):
        values, error = self._checked_ints(
            req,
            ("release_time_from", None),
            ("release_time_to", None),
            ("page_size", 40),
            ("page_no", 1),
        )
        if error:
            return error
        time_from, time_to, page_size, page_no = values
        if time_from is None or time_to is None or time_from > time_to:
            return self._error(
                "error_param",
                "Wrong parameters, detail: release_time_from/release_time_to.",
            )
        if not 1 <= page_size <= ESCROW_MAX_PAGE or page_no < 1:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size limit [1,100]."
            )
        rows = sorted(
            (
                e
                for e in self.escrows.values()
                if time_from <= e["release_time"] <= time_to
            ),
            key=lambda e: (e["release_time"], e["order_sn"]),
        )
        page = rows[(page_no - 1) * page_size : page_no * page_size]
        escrow_list = []
        for escrow in page:
            order = self.orders[escrow["order_sn"]]
            income = self._escrow_income(order, escrow)
            escrow_list.append(
                {
                    "order_sn": escrow["order_sn"],
                    "payout_amount": income["escrow_amount_after_adjustment"],
                    "escrow_release_time": escrow["release_time"],
                }
            )
        return self._envelope(
            {"escrow_list": escrow_list, "more": len(rows) > page_no * page_size}
        )

    @route("GET", "/api/v2/payment/get_escrow_detail")
    def get_escrow_detail(self, req):
        error = self._check(req)
        if error:
            return error
        escrow = self.escrows.get(req.query.get("order_sn") or "")
        if escrow is None:
            return self._error(
                "error_not_found", "Wrong parameters, detail: escrow not found."
            )
        return self._envelope(self._escrow_detail(escrow))

    @route("POST", "/api/v2/payment/get_escrow_detail_batch")
    def get_escrow_detail_batch(self, req):
        error = self._check(req)
        if error:
            return error
        body = self._body(req) or {}
        sns = body.get("order_sn_list")
        if not isinstance(sns, list) or not 1 <= len(sns) <= ESCROW_BATCH:
            return self._error(
                "error_param", "Wrong parameters, detail: order_sn_list limit [1,50]."
            )
        result = [
            {"escrow_detail": self._escrow_detail(self.escrows[sn])}
            for sn in sns
            if sn in self.escrows
        ]
        return self._envelope(result)

    @route("GET", "/api/v2/payment/get_wallet_transaction_list")
    def get_wallet_transaction_list(self, req):
        values, error = self._checked_ints(
            req,
            ("create_time_from", None),
            ("create_time_to", None),
            ("page_size", 40),
            ("page_no", 0),
            ("transaction_type", None),
        )
        if error:
            return error
        time_from, time_to, page_size, page_no, wanted = values
        if time_from is None or time_to is None:
            return self._error(
                "error_param", "Wrong parameters, detail: create_time_from/to."
            )
        if time_from > time_to or time_to - time_from > MAX_WINDOW:
            return self._error(
                "error_param",
                "Wrong parameters, detail: create_time range must be within 15 days.",
            )
        if not 1 <= page_size <= WALLET_MAX_PAGE or page_no < 0:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size limit [1,100]."
            )
        rows = [
            t
            for t in self.wallet
            if time_from <= t["when"] <= time_to
            and wanted in (None, t["transaction_type"])
        ]
        rows.sort(key=lambda t: (t["when"], t["transaction_id"]))
        page = rows[page_no * page_size : (page_no + 1) * page_size]
        balance = {}
        running = 0.0
        for txn in sorted(self.wallet, key=lambda t: (t["when"], t["transaction_id"])):
            running = round(running + txn["amount"], 2)
            balance[txn["transaction_id"]] = running
        return self._envelope(
            {
                "transaction_list": [
                    {
                        "status": "COMPLETED",
                        "transaction_type": WALLET_NAMES[t["transaction_type"]],
                        "transaction_type_id": t["transaction_type"],
                        "transaction_id": t["transaction_id"],
                        "amount": t["amount"],
                        "current_balance": balance[t["transaction_id"]],
                        "create_time": t["when"],
                        "order_sn": t["order_sn"],
                        "refund_sn": "",
                        "withdrawal_type": "AUTO"
                        if t["transaction_type"] == WITHDRAWAL_CREATED
                        else "",
                        "withdrawal_id": t["withdrawal_id"],
                        "root_withdrawal_id": t.get("root_withdrawal_id", 0),
                        "transaction_fee": 0.0,
                        "description": "",
                        "buyer_name": "",
                        "reason": t.get("reason", ""),
                    }
                    for t in page
                ],
                "more": len(rows) > (page_no + 1) * page_size,
            }
        )

    # ---- finance control -----------------------------------------------------------
    @route("POST", "/_sim/orders/{order_sn}/complete", api=False)
    def sim_order_complete(self, req):
        """Deliver and complete an order now and release its escrow
        ({"refund": amount} for a partial return refund)."""
        order = self.orders.get(req.params["order_sn"])
        if order is None:
            return json_response({"error": "unknown order_sn"}, 404)
        if order["status"] in ("UNPAID", "CANCELLED", "IN_CANCEL"):
            return json_response({"error": f"order is {order['status']}"}, 409)
        body = self._body(req) or {}
        now = int(self.now())
        for status in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"):
            if order["status"] not in (status, "COMPLETED"):
                self._set_status(order, status, now)
        order["due_at"] = None
        if order["order_sn"] not in self.escrows:
            self._release(order, now, float(body.get("refund") or 0.0))
        return json_response(self._escrow_detail(self.escrows[order["order_sn"]]))

    @route("POST", "/_sim/finance/adjust", api=False)
    def sim_finance_adjust(self, req):
        """Change a released escrow: {"order_sn", "amount", "reason"} adds an
        order adjustment (wallet 401/402); {"order_sn", "field", "amount"} adds a fee
        field to ``order_income`` (deducted from the escrow)."""
        body = self._body(req) or {}
        escrow = self.escrows.get(body.get("order_sn") or "")
        if escrow is None:
            return json_response({"error": "no escrow for order_sn"}, 404)
        try:
            amount = float(body.get("amount"))
        except (TypeError, ValueError):
            return json_response({"error": "amount is required"}, 400)
        now = int(self.now())
        if body.get("field"):
            escrow["extra_fees"][body["field"]] = amount
            change = -amount
        else:
            escrow["adjustments"].append(
                {
                    "amount": amount,
                    "date": now,
                    "currency": self.orders[escrow["order_sn"]]["currency"],
                    "adjustment_reason": body.get("reason") or "Adjustment",
                }
            )
            change = amount
        self._wallet_add(
            now,
            ADJUSTMENT_ADD if change >= 0 else ADJUSTMENT_MINUS,
            change,
            escrow["order_sn"],
            reason=body.get("reason") or body.get("field") or "",
        )
        return json_response(self._escrow_detail(escrow))

    def finance_inspect(self):
        escrows = {}
        for sn, escrow in self.escrows.items():
            order = self.orders[sn]
            income = self._escrow_income(order, escrow)
            credit = next(
                (
                    t
                    for t in self.wallet
                    if t["order_sn"] == sn
                    and t["transaction_type"] in (ESCROW_ADD, ESCROW_MINUS)
                ),
                None,
            )
            escrows[sn] = {
                "release_time": escrow["release_time"],
                "invoice_amount": round(
                    income["cost_of_goods_sold"] + income["buyer_paid_shipping_fee"], 2
                ),
                "refund_amount": escrow["refund"],
                "escrow_amount": income["escrow_amount_after_adjustment"],
                "withdrawal_id": credit["withdrawn_by"] if credit else None,
            }
        withdrawals = {
            str(t["withdrawal_id"]): {"amount": -t["amount"], "time": t["when"]}
            for t in self.wallet
            if t["transaction_type"] == WITHDRAWAL_CREATED
        }
        return {"escrows": escrows, "withdrawals": withdrawals}


class ShopeeSimulator(ShopeeFinance, SimServer):
    name = "shopee"

    def __init__(self, *args, **kwargs):
        options = dict(kwargs)
        self.partner_id = int(options.get("partner_id", 2001887))
        self.partner_key = str(options.get("partner_key", "shopee-partner-key"))
        self.shop_id = int(options.get("shop_id", 600001))
        self.push_url = options.get("push_url") or None
        self.push_timeout = float(options.get("push_timeout", 3))
        self.push_retries = int(options.get("push_retries", 2))
        self._push_queue = queue.Queue()
        self._push_thread = None
        super().__init__(*args, **kwargs)

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.items = build_items()
        self.item_by_id = {item["item_id"]: item for item in self.items}
        self.sku_index = {}
        self.stock = {}
        for item in self.items:
            self.stock[item["item_id"]] = {}
            for model in item["models"]:
                self.sku_index[model["sku"]] = (item, model)
                self.stock[item["item_id"]][model["model_id"]] = self.rng.randint(
                    0, 200
                )
        self.codes = {}
        self.tokens = {}
        self.refresh_tokens = {}
        self._expire_marker = None
        self.orders = {}
        self.docs = {}
        self.pushes = []
        self.stock_updates = []
        self._pushing = False
        now = self.now()
        statuses = list(STATUSES)
        for index in range(self.order_count):
            if index < len(statuses):
                target = statuses[index]
            else:
                target = self.rng.choices(
                    statuses, weights=[2, 5, 3, 3, 2, 4, 1, 2, 1]
                )[0]
            create_time = int(now - self.rng.uniform(600, 20 * DAY))
            self._new_order(target, create_time, now)
        self._pushing = True
        self._finance_setup()
        self._finance_tick(now)

    def _token(self, nbytes=16):
        return "".join(f"{self.rng.randrange(256):02x}" for _ in range(nbytes))

    def _new_sn(self, create_time):
        prefix = datetime.fromtimestamp(create_time, UTC).strftime("%y%m%d")
        alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            sn = prefix + "".join(self.rng.choice(alphabet) for _ in range(8))
            if sn not in self.orders:
                return sn

    def _new_order(self, target, create_time, now):
        rng = self.rng
        buyer = data.buyer(rng)
        currency, factor = CURRENCIES.get(buyer["country"], ("MYR", 1.0))
        whole = currency in ("VND", "IDR")

        def money(value):
            return float(round(value)) if whole else round(value, 2)

        lines = data.order_lines(rng)
        items = []
        subtotal = 0.0
        for line in lines:
            item, model = self.sku_index[line["sku"]]
            original = money(line["price"] * factor)
            discounted = money(original * (1 - rng.choice([0, 0, 0.1, 0.2])))
            subtotal += discounted * line["qty"]
            items.append(
                {
                    "item_id": item["item_id"],
                    "item_name": item["item_name"],
                    "item_sku": item["item_sku"],
                    "model_id": model["model_id"],
                    "model_name": model["model_name"],
                    "model_sku": model["model_sku"],
                    "sku": line["sku"],
                    "model_quantity_purchased": line["qty"],
                    "model_original_price": original,
                    "model_discounted_price": discounted,
                    "weight": line["weight"],
                    "order_item_id": item["item_id"],
                }
            )
        shipping_fee = money(rng.choice([0.0, 4.9, 8.0]) * factor)
        seller_voucher = money(rng.choice([0, 0, 5]) * factor)
        shopee_voucher = money(rng.choice([0, 0, 0, 3]) * factor)
        if seller_voucher + shopee_voucher >= subtotal:
            seller_voucher = shopee_voucher = 0.0
        total = money(subtotal + shipping_fee - seller_voucher - shopee_voucher)
        channel = rng.choice(CHANNELS)
        cod = target != "UNPAID" and rng.random() < 0.25
        # packages: split multi-item orders into two parcels sometimes
        if len(items) >= 2 and rng.random() < 0.35:
            cut = rng.randint(1, len(items) - 1)
            groups = [list(range(cut)), list(range(cut, len(items)))]
        else:
            groups = [list(range(len(items)))]
        packages = [
            {
                "package_number": f"OFG{rng.randint(10**14, 10**15 - 1)}",
                "item_index": group,
                "ship_mode": None,
                "ship_params": None,
                "tracking_number": "",
                "tracking_at": None,
                "arranged_at": None,
            }
            for group in groups
        ]
        sn = self._new_sn(create_time)
        name = buyer["name"]
        street = f"{buyer['address1']}, {buyer['address2']}"
        order = {
            "order_sn": sn,
            "status": "UNPAID",
            "prev_status": None,
            "create_time": create_time,
            "update_time": create_time,
            "pay_time": None,
            "cod": cod,
            "payment_method": "Cash on Delivery"
            if cod
            else rng.choice(["Credit Card/Debit Card", "ShopeePay", "Online Banking"]),
            "region": buyer["country"],
            "currency": currency,
            "buyer_user_id": int(buyer["buyer_id"]) * 100 + rng.randint(10, 99),
            "buyer_username": _ascii(buyer["first_name"]).lower().replace(" ", "")
            + buyer["buyer_id"][-4:],
            "recipient_address": {
                "name": name,
                "phone": buyer["phone"],
                "town": "",
                "district": buyer["address2"].split(",")[-1].strip(),
                "city": buyer["city"],
                "state": STATES.get(buyer["city"], buyer["city"]),
                "region": buyer["country"],
                "zipcode": buyer["zip"],
                "full_address": f"{street}, {buyer['zip']} {buyer['city']}, "
                f"{STATES.get(buyer['city'], '')}, {buyer['country']}",
            },
            "message_to_seller": rng.choice(MESSAGES),
            "items": items,
            "packages": packages,
            "channel": channel,
            "days_to_ship": rng.choice([2, 3]),
            "ship_by_date": 0,
            "amounts": {
                "items_subtotal": money(subtotal),
                "buyer_paid_shipping_fee": shipping_fee,
                "voucher_from_seller": seller_voucher,
                "voucher_from_shopee": shopee_voucher,
                "total_amount": total,
            },
            "estimated_shipping_fee": money(rng.choice([4.9, 6.5, 8.0]) * factor),
            "cancel_by": "",
            "cancel_reason": "",
            "buyer_cancel_reason": "",
            "pickup_done_time": 0,
            "history": [{"status": "UNPAID", "update_time": create_time}],
            "due_at": None,
            "decisions": [],
        }
        self.orders[sn] = order
        self._walk_lifecycle(order, target, now)
        return order

    def _walk_lifecycle(self, order, target, now):
        """Move a new order through its statuses up to ``target``, at increasing
        past times, and schedule its next time-driven transition."""
        rng = self.rng
        channel = order["channel"]
        cod = order["cod"]
        create_time = order["create_time"]
        # walk the lifecycle up to the target status at increasing past times
        paths = {
            "UNPAID": [],
            "READY_TO_SHIP": ["READY_TO_SHIP"],
            "PROCESSED": ["READY_TO_SHIP", "PROCESSED"],
            "SHIPPED": ["READY_TO_SHIP", "PROCESSED", "SHIPPED"],
            "TO_CONFIRM_RECEIVE": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
            ],
            "COMPLETED": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
                "COMPLETED",
            ],
            "IN_CANCEL": ["READY_TO_SHIP", rng.choice(["READY_TO_SHIP", "PROCESSED"])],
            "CANCELLED": rng.choice([["CANCELLED"], ["READY_TO_SHIP", "CANCELLED"]]),
            "TO_RETURN": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
                "TO_RETURN",
            ],
        }
        path = paths[target]
        if target == "IN_CANCEL":
            path = path[:1] if path[1] == "READY_TO_SHIP" else path
            path = path + ["IN_CANCEL"]
        if cod and path and path[0] == "READY_TO_SHIP":
            order["history"] = []  # COD orders are never UNPAID
        span = max(now - create_time - 60, 1)
        times = sorted(create_time + rng.uniform(0, span) for _ in path)
        if order["history"] == [] and times:
            times[0] = create_time
        for status, at in zip(path, times, strict=True):
            at = int(at)
            if status == "READY_TO_SHIP":
                order["pay_time"] = at
                order["ship_by_date"] = at + order["days_to_ship"] * DAY
            elif status == "PROCESSED":
                mode = rng.choice(list(channel["info_needed"]))
                for package in order["packages"]:
                    package.update(
                        ship_mode=mode,
                        ship_params={},
                        arranged_at=at,
                        tracking_at=at + TRACKING_DELAY,
                        tracking_number=self._tracking_number(channel),
                    )
            elif status == "SHIPPED":
                order["pickup_done_time"] = at
            elif status == "CANCELLED":
                order["cancel_by"] = rng.choice(["buyer", "seller", "system"])
                order["cancel_reason"] = rng.choice(
                    list(CANCEL_REASONS.values()) + ["Payment Timeout"]
                )
            elif status == "IN_CANCEL":
                order["prev_status"] = order["status"]
                order["buyer_cancel_reason"] = rng.choice(BUYER_CANCEL_REASONS)
            order["status"] = status
            order["update_time"] = max(at, order["update_time"])
            order["history"].append({"status": status, "update_time": at})
        if order["status"] == "PROCESSED":
            order["due_at"] = now + rng.uniform(600, 7200)
        elif order["status"] == "SHIPPED":
            order["due_at"] = now + rng.uniform(3600, 2 * DAY)
        elif order["status"] == "TO_CONFIRM_RECEIVE":
            order["due_at"] = now + rng.uniform(3600, 3 * DAY)

    def _tracking_number(self, channel):
        prefix = channel["prefix"] or "SOF"
        return f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}"

    # ---- time ------------------------------------------------------------------------
    def tick(self):
        now = self.now()
        for order in self.orders.values():
            for package in order["packages"]:
                if (
                    package["ship_mode"]
                    and not package["tracking_number"]
                    and package["tracking_at"] is not None
                    and now >= package["tracking_at"]
                    and order["status"] not in ("CANCELLED",)
                ):
                    package["tracking_number"] = self._tracking_number(order["channel"])
                    self._push_tracking(order, package, int(package["tracking_at"]))
            while order["due_at"] is not None and now >= order["due_at"]:
                at = int(order["due_at"])
                status = order["status"]
                if status == "PROCESSED":
                    if not all(p["tracking_number"] for p in order["packages"]):
                        # wait for the 3PL's tracking numbers, then for the pickup
                        order["due_at"] = max(
                            now + 1,
                            *(p["tracking_at"] or now for p in order["packages"]),
                        )
                        break
                    order["pickup_done_time"] = at
                    self._set_status(order, "SHIPPED", at)
                    order["due_at"] = at + DELIVERY_DELAY
                elif status == "SHIPPED":
                    self._set_status(order, "TO_CONFIRM_RECEIVE", at)
                    order["due_at"] = at + CONFIRM_DELAY
                elif status == "TO_CONFIRM_RECEIVE":
                    self._set_status(order, "COMPLETED", at)
                    order["due_at"] = None
                else:
                    order["due_at"] = None
        for doc in self.docs.values():
            if doc["status"] == "PROCESSING" and now >= doc["ready_at"]:
                doc["status"] = "READY"
                self._push(
                    15,
                    {
                        "ordersn": doc["order_sn"],
                        "package_number": doc["package_number"],
                        "status": "READY",
                    },
                )
        self._finance_tick(now)

    def _set_status(self, order, status, at=None):
        at = int(self.now() if at is None else at)
        at = max(at, order["update_time"])
        order["status"] = status
        order["update_time"] = at
        order["history"].append({"status": status, "update_time": at})
        self._push(
            3,
            {
                "ordersn": order["order_sn"],
                "status": status,
                "update_time": at,
                "completed_scenario": "",
                "items": [],
            },
        )

    def _push_tracking(self, order, package, at):
        self._push(
            4,
            {
                "ordersn": order["order_sn"],
                "package_number": package["package_number"],
                "tracking_no": package["tracking_number"],
                "update_time": at,
            },
        )

    # ---- push ------------------------------------------------------------------------
    def _push(self, code, payload, force=False):
        """Queue a push (called with self.lock held; the network call happens in the
        push thread)."""
        if not (self._pushing or force) or not self.push_url:
            return None
        msg = {
            "msg_id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
            "data": payload,
            "shop_id": self.shop_id,
            "code": code,
            "timestamp": int(self.now()),
        }
        raw = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
        url = self.push_url
        copies = 2 if self.faults.roll("duplicates") else 1
        for copy_no in range(copies):
            record = {
                "msg_id": msg["msg_id"],
                "code": code,
                "url": url,
                "order_sn": payload.get("ordersn"),
                "duplicate": bool(copy_no),
                "status": "queued",
                "http_status": None,
                "attempts": 0,
                "body": msg,
            }
            self.pushes.append(record)
            self._push_queue.put((record, url, raw))
        return msg

    def _push_worker(self):
        while True:
            job = self._push_queue.get()
            if job is None:
                return
            record, url, raw = job
            signature = hmac_sha256_hex(self.partner_key, url.encode() + b"|" + raw)
            headers = {"Content-Type": "application/json", "Authorization": signature}
            status, error = None, None
            for attempt in range(self.push_retries + 1):
                try:
                    resp = requests.post(
                        url, data=raw, headers=headers, timeout=self.push_timeout
                    )
                    status, error = resp.status_code, None
                except requests.RequestException as exc:
                    status, error = None, str(exc)
                with self.lock:
                    record["attempts"] = attempt + 1
                    record["http_status"] = status
                    record["error"] = error
                if status is not None and 200 <= status < 300:
                    break
                time.sleep(0.05 * (attempt + 1))
            with self.lock:
                record["status"] = (
                    "delivered" if status and 200 <= status < 300 else "failed"
                )

    def start(self):
        super().start()
        self._push_thread = threading.Thread(
            target=self._push_worker, name="sim-shopee-push", daemon=True
        )
        self._push_thread.start()
        return self

    def stop(self):
        if self._push_thread:
            self._push_queue.put(None)
            self._push_thread.join(timeout=self.push_timeout * 3 + 1)
            self._push_thread = None
        super().stop()

    def wait_pushes(self, timeout=5.0):
        """Block until the push queue is drained (test helper)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if all(p["status"] != "queued" for p in self.pushes):
                    return True
            time.sleep(0.02)
        return False

    # ---- envelope and errors ---------------------------------------------------------
    def _envelope(self, response=None, warning=""):
        return json_response(
            {
                "request_id": uuid.uuid4().hex,
                "error": "",
                "message": "",
                "warning": warning,
                "response": response if response is not None else {},
            }
        )

    def _error(self, error, message, response=None, status=None, headers=None):
        if status is None:
            if error in AUTH_ERRORS:
                status = 403
            elif error == "error_server":
                status = 500
            else:
                status = 400
        return json_response(
            {
                "request_id": uuid.uuid4().hex,
                "error": error,
                "message": message,
                "warning": "",
                "response": response,
            },
            status,
            headers,
        )

    def fault_response_429(self):
        return self._error(
            "error_server",
            "Too many requests, please try again later",
            status=429,
            headers={"Retry-After": str(int(self.faults.get("retry_after")))},
        )

    def fault_response_5xx(self):
        return self._error(
            "error_server",
            "System error. Please try again later.",
            status=self.faults.rng.choice([500, 503]),
        )

    def fault_response_busy(self):
        return self._error(
            "error_busy", "The system is busy, please try again later.", status=400
        )

    def _apply_expire_fault(self):
        if self.faults.get("expire_tokens") and self._expire_marker is not (
            self.faults.values
        ):
            self._expire_marker = self.faults.values
            now = self.now()
            for token in self.tokens.values():
                token["expire_at"] = min(token["expire_at"], now - 1)

    def _check(self, req, shop_api=True):
        """Validate the common parameters and the signature. Returns an error
        Response, or None."""
        query = req.query
        partner_id = query.get("partner_id")
        if not partner_id:
            return self._error("error_param", "There is no partner_id in query.")
        if partner_id != str(self.partner_id):
            return self._error("error_param", "Invalid partner_id.")
        timestamp = query.get("timestamp")
        if not timestamp:
            return self._error("error_param", "no timestamp")
        try:
            ts = int(timestamp)
        except ValueError:
            return self._error("error_param", "Invalid timestamp")
        if abs(time.time() - ts) > TIMESTAMP_WINDOW:
            return self._error("error_param", "Invalid timestamp")
        sign = query.get("sign")
        if not sign:
            return self._error("error_param", "There is no sign in query.")
        base = f"{partner_id}{req.path}{timestamp}"
        if shop_api:
            access_token = query.get("access_token")
            if not access_token:
                return self._error("error_param", "There is no access_token in query.")
            shop_id = query.get("shop_id")
            if not shop_id:
                return self._error("error_param", "There is no shop_id in query.")
            base += f"{access_token}{shop_id}"
        if not constant_time_equal(sign, hmac_sha256_hex(self.partner_key, base)):
            return self._error("error_sign", "Wrong sign")
        if shop_api:
            self._apply_expire_fault()
            token = self.tokens.get(access_token)
            if (
                token is None
                or token["expire_at"] <= self.now()
                or str(token["shop_id"]) != shop_id
            ):
                return self._error("error_auth", "Invalid access_token")
        return None

    @staticmethod
    def _body(req):
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None

    # ---- auth ------------------------------------------------------------------------
    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        body = self._body(req) or {}
        code = self._token()
        shop_id = int(body.get("shop_id") or self.shop_id)
        self.codes[code] = {"shop_id": shop_id, "expire_at": self.now() + CODE_TTL}
        return json_response({"code": code, "shop_id": shop_id})

    @route("GET", "/api/v2/shop/auth_partner", api=False)
    def auth_partner(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        redirect = req.query.get("redirect")
        if not redirect:
            return self._error("error_param", "Wrong parameters, detail: redirect.")
        code = self._token()
        self.codes[code] = {"shop_id": self.shop_id, "expire_at": self.now() + CODE_TTL}
        sep = "&" if "?" in redirect else "?"
        location = f"{redirect}{sep}code={code}&shop_id={self.shop_id}"
        return Response(302, b"", "text/plain", {"Location": location})

    def _issue_tokens(self, shop_id):
        self._apply_expire_fault()
        now = self.now()
        access, refresh = self._token(), self._token()
        self.tokens[access] = {"shop_id": shop_id, "expire_at": now + ACCESS_TOKEN_TTL}
        self.refresh_tokens[refresh] = {
            "shop_id": shop_id,
            "expire_at": now + REFRESH_TOKEN_TTL,
            "used": False,
        }
        return access, refresh

    def _auth_answer(self, fields):
        body = {"request_id": uuid.uuid4().hex, "error": "", "message": ""}
        body.update(fields)
        return json_response(body)

    @route("POST", "/api/v2/auth/token/get")
    def token_get(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        body = self._body(req)
        if body is None or not body.get("code") or not body.get("shop_id"):
            return self._error("error_param", "Wrong parameters, detail: code/shop_id.")
        if str(body.get("partner_id")) != str(self.partner_id):
            return self._error(
                "invalid_partner_id", "Invalid partner_id, please check."
            )
        code = self.codes.get(body["code"])
        if code is None or code["expire_at"] <= self.now():
            return self._error(
                "invalid_code",
                "The code is expired or used or invalid, please check the code.",
            )
        if str(code["shop_id"]) != str(body["shop_id"]):
            return self._error(
                "invalid_shop_id",
                "The code or shop_id is wrong, please check the code or the shop_id.",
            )
        del self.codes[body["code"]]  # single use
        access, refresh = self._issue_tokens(code["shop_id"])
        return self._auth_answer(
            {
                "access_token": access,
                "refresh_token": refresh,
                "expire_in": ACCESS_TOKEN_TTL,
            }
        )

    @route("POST", "/api/v2/auth/access_token/get")
    def access_token_get(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        body = self._body(req)
        if body is None or not body.get("refresh_token") or not body.get("shop_id"):
            return self._error(
                "error_param", "Wrong parameters, detail: refresh_token/shop_id."
            )
        if str(body.get("partner_id")) != str(self.partner_id):
            return self._error("error_param", "Invalid partner_id.")
        refresh = self.refresh_tokens.get(body["refresh_token"])
        if (
            refresh is None
            or refresh["used"]
            or str(refresh["shop_id"]) != str(body["shop_id"])
        ):
            return self._error(
                "error_shop_refresh_token",
                "Your refresh token is error ,please check refresh token or shopid.",
            )
        if refresh["expire_at"] <= self.now():
            return self._error("refresh_token_expired", "Your refresh_token expired.")
        refresh["used"] = True  # single use
        access, new_refresh = self._issue_tokens(refresh["shop_id"])
        return self._auth_answer(
            {
                "partner_id": self.partner_id,
                "shop_id": refresh["shop_id"],
                "access_token": access,
                "refresh_token": new_refresh,
                "expire_in": ACCESS_TOKEN_TTL,
            }
        )

    # ---- serialisation ---------------------------------------------------------------
    def _logistics_status(self, order, package):
        status = order["status"]
        if status == "IN_CANCEL":
            status = order["prev_status"] or "READY_TO_SHIP"
        if status == "CANCELLED":
            return (
                "LOGISTICS_REQUEST_CANCELED"
                if package["ship_mode"]
                else "LOGISTICS_INVALID"
            )
        return {
            "UNPAID": "LOGISTICS_NOT_START",
            "READY_TO_SHIP": "LOGISTICS_READY",
            "PROCESSED": "LOGISTICS_REQUEST_CREATED",
            "SHIPPED": "LOGISTICS_PICKUP_DONE",
        }.get(status, "LOGISTICS_DELIVERY_DONE")

    def _detail(self, order, optional):
        result = {
            "order_sn": order["order_sn"],
            "region": order["region"],
            "currency": order["currency"],
            "cod": order["cod"],
            "order_status": order["status"],
            "message_to_seller": order["message_to_seller"],
            "create_time": order["create_time"],
            "update_time": order["update_time"],
            "days_to_ship": order["days_to_ship"],
            "ship_by_date": order["ship_by_date"],
            "booking_sn": "",
        }
        channel = order["channel"]
        extra = {
            "buyer_user_id": order["buyer_user_id"],
            "buyer_username": order["buyer_username"],
            "estimated_shipping_fee": order["estimated_shipping_fee"],
            "recipient_address": dict(order["recipient_address"]),
            "actual_shipping_fee": order["estimated_shipping_fee"]
            if order["pickup_done_time"]
            else 0.0,
            "actual_shipping_fee_confirmed": bool(order["pickup_done_time"]),
            "goods_to_declare": False,
            "note": "",
            "note_update_time": 0,
            "pay_time": order["pay_time"] or 0,
            "dropshipper": "",
            "dropshipper_phone": "",
            "split_up": len(order["packages"]) > 1,
            "buyer_cancel_reason": order["buyer_cancel_reason"],
            "cancel_by": order["cancel_by"],
            "cancel_reason": order["cancel_reason"],
            "buyer_cpf_id": "",
            "fulfillment_flag": "fulfilled_by_local_seller",
            "pickup_done_time": order["pickup_done_time"],
            "shipping_carrier": channel["name"],
            "checkout_shipping_carrier": channel["name"],
            "payment_method": order["payment_method"],
            "total_amount": order["amounts"]["total_amount"],
            "reverse_shipping_fee": 0.0,
        }
        if "item_list" in optional:
            extra["item_list"] = [
                {
                    key: item[key]
                    for key in (
                        "item_id",
                        "item_name",
                        "item_sku",
                        "model_id",
                        "model_name",
                        "model_sku",
                        "model_quantity_purchased",
                        "model_original_price",
                        "model_discounted_price",
                        "weight",
                        "order_item_id",
                    )
                }
                | {
                    "wholesale": False,
                    "add_on_deal": False,
                    "main_item": False,
                    "add_on_deal_id": 0,
                    "promotion_type": "",
                    "promotion_id": 0,
                    "promotion_group_id": 0,
                    "image_info": {
                        "image_url": f"https://cf.shopee.example/file/{item['sku']}"
                    },
                    "product_location_id": [f"{order['region']}Z"],
                    "is_prescription_item": False,
                    "is_b2c_owned_item": False,
                }
                for item in order["items"]
            ]
        if "package_list" in optional:
            extra["package_list"] = []
            for package in order["packages"]:
                pitems = [order["items"][i] for i in package["item_index"]]
                extra["package_list"].append(
                    {
                        "package_number": package["package_number"],
                        "logistics_status": self._logistics_status(order, package),
                        "logistics_channel_id": channel["logistics_channel_id"],
                        "shipping_carrier": channel["name"],
                        "allow_self_design_awb": False,
                        "item_list": [
                            {
                                "item_id": item["item_id"],
                                "model_id": item["model_id"],
                                "model_quantity": item["model_quantity_purchased"],
                                "order_item_id": item["order_item_id"],
                                "promotion_group_id": 0,
                                "product_location_id": f"{order['region']}Z",
                            }
                            for item in pitems
                        ],
                        "parcel_chargeable_weight_gram": int(
                            sum(
                                i["weight"] * i["model_quantity_purchased"] * 1000
                                for i in pitems
                            )
                        ),
                        "group_shipment_id": None,
                        "sorting_group": "",
                    }
                )
        for key, value in extra.items():
            if key in optional:
                result[key] = value
        return result

    @staticmethod
    def _malform(record):
        broken = dict(record)
        broken["order_status"] = None
        broken["update_time"] = "not-a-timestamp"
        if "item_list" in broken:
            broken["item_list"] = None
        if "total_amount" in broken:
            broken["total_amount"] = "NaN"
        return broken

    def _stale(self, order):
        """An older snapshot of the order (previous status, older update_time)."""
        history = order["history"]
        if len(history) >= 2:
            previous = history[-2]
            return previous["status"], previous["update_time"]
        return order["status"], max(order["create_time"], order["update_time"] - 3600)

    # ---- orders ----------------------------------------------------------------------
    @staticmethod
    def _encode_cursor(key):
        raw = json.dumps(list(key), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor):
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, sn = json.loads(raw)
        return int(value), str(sn)

    @route("GET", "/api/v2/order/get_order_list")
    def get_order_list(self, req):
        error = self._check(req)
        if error:
            return error
        q = req.query
        field = q.get("time_range_field")
        if field not in ("create_time", "update_time"):
            return self._error(
                "error_param", "Wrong parameters, detail: time_range_field is invalid."
            )
        try:
            time_from, time_to = int(q["time_from"]), int(q["time_to"])
        except (KeyError, ValueError):
            return self._error(
                "error_param", "Wrong parameters, detail: time_from/time_to."
            )
        if time_from > time_to or time_to - time_from > MAX_WINDOW:
            return self._error(
                "order.order_list_invalid_time",
                "Start time must be earlier than end time and diff in 15days.",
            )
        try:
            page_size = int(q.get("page_size", ""))
        except ValueError:
            page_size = 0
        if not 1 <= page_size <= 100:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size should be [1,100]."
            )
        status = q.get("order_status")
        if status and status not in FILTER_STATUSES:
            return self._error(
                "error_param", "Wrong parameters, detail: order_status is invalid."
            )
        cursor = q.get("cursor", "").strip('"')
        after = None
        if cursor:
            try:
                after = self._decode_cursor(cursor)
            except (ValueError, TypeError):
                return self._error(
                    "error_param", "Wrong parameters, detail: cursor is invalid."
                )
        optional = {
            f.strip() for f in q.get("response_optional_fields", "").split(",") if f
        }
        matching = sorted(
            (
                o
                for o in self.orders.values()
                if time_from <= o[field] <= time_to
                and (not status or o["status"] == status)
            ),
            key=lambda o: (o[field], o["order_sn"]),
            reverse=True,
        )
        if after is not None:
            matching = [o for o in matching if (o[field], o["order_sn"]) < after]
        page, rest = matching[:page_size], matching[page_size:]
        order_list = []
        for order in page:
            record = {"order_sn": order["order_sn"], "booking_sn": ""}
            if "order_status" in optional:
                record["order_status"] = order["status"]
            if self.faults.roll("malformed"):
                record = {"order_sn": None, "order_status": None}
            if self.faults.roll("out_of_order") and "order_status" in optional:
                record = dict(record, order_status=self._stale(order)[0])
            order_list.append(record)
            if self.faults.roll("duplicates"):
                order_list.append(dict(record))
        return self._envelope(
            {
                "more": bool(rest),
                "next_cursor": self._encode_cursor(
                    (page[-1][field], page[-1]["order_sn"])
                )
                if rest
                else "",
                "order_list": order_list,
            }
        )

    @route("GET", "/api/v2/order/get_order_detail")
    def get_order_detail(self, req):
        error = self._check(req)
        if error:
            return error
        sns = [s.strip() for s in req.query.get("order_sn_list", "").split(",")]
        sns = [s for s in sns if s]
        if not 1 <= len(sns) <= 50:
            return self._error(
                "error_param", "Wrong parameters, detail: order_sn_list limit [1,50]."
            )
        optional = {
            f.strip()
            for f in req.query.get("response_optional_fields", "").split(",")
            if f.strip()
        }
        order_list, missing = [], []
        for sn in sns:
            order = self.orders.get(sn)
            if order is None:
                missing.append(sn)
                continue
            record = self._detail(order, optional)
            if self.faults.roll("malformed"):
                record = self._malform(record)
            elif self.faults.roll("out_of_order"):
                status, update_time = self._stale(order)
                record = copy.deepcopy(record)
                record["order_status"] = status
                record["update_time"] = update_time
            order_list.append(record)
            if self.faults.roll("duplicates"):
                order_list.append(copy.deepcopy(record))
        if not order_list:
            return self._error(
                "error_not_found", "Wrong parameters, detail: order not found."
            )
        warning = f"order_sn not found: {','.join(missing)}" if missing else ""
        return self._envelope({"order_list": order_list}, warning)

    def _checked_body(self, req):
        """(JSON object body, None) of a signed shop call, or (None, error)."""
        error = self._check(req)
        if error:
            return None, error
        body = self._body(req)
        if body is None:
            return None, self._error("error_param", "Wrong parameters, detail: body.")
        return body, None

    def _checked_order(self, req):
        """(body, order, None) of a signed shop call about the body's
        ``order_sn``, or an error third."""
        body, error = self._checked_body(req)
        if error:
            return None, None, error
        order, error = self._order_or_error(body.get("order_sn"))
        return body, order, error

    def _checked_query_order(self, req):
        """(order, None) of a signed shop call about the query's ``order_sn``, or
        (None, error)."""
        error = self._check(req)
        if error:
            return None, error
        return self._order_or_error(req.query.get("order_sn"))

    def _order_or_error(self, sn):
        order = self.orders.get(sn or "")
        if order is None:
            return None, self._error(
                "error_not_found", f"Wrong parameters, detail: order {sn} not found."
            )
        return order, None

    @route("POST", "/api/v2/order/cancel_order")
    def cancel_order(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        reason = body.get("cancel_reason")
        if reason not in CANCEL_REASONS:
            return self._error(
                "error_param", "Wrong parameters, detail: cancel_reason is invalid."
            )
        if reason == "OUT_OF_STOCK":
            item_list = body.get("item_list")
            if not item_list or not isinstance(item_list, list):
                return self._error(
                    "error_param",
                    "Wrong parameters, detail: item_list is required for OUT_OF_STOCK.",
                )
            known = {(i["item_id"], i["model_id"]) for i in order["items"]}
            for entry in item_list:
                if (
                    not isinstance(entry, dict)
                    or (
                        entry.get("item_id"),
                        entry.get("model_id", 0),
                    )
                    not in known
                ):
                    return self._error(
                        "error_param",
                        "Wrong parameters, detail: item_list item is not in the order.",
                    )
        if order["status"] not in ("UNPAID", "READY_TO_SHIP", "PROCESSED"):
            return self._error("order.error_limit", "Can not cancel this order.")
        order["cancel_by"] = "seller"
        order["cancel_reason"] = CANCEL_REASONS[reason]
        order["due_at"] = None
        order["decisions"].append(
            {
                "action": "cancel_order",
                "cancel_reason": reason,
                "item_list": body.get("item_list") or [],
                "at": int(self.now()),
            }
        )
        self._set_status(order, "CANCELLED")
        return self._envelope({"update_time": order["update_time"]})

    @route("POST", "/api/v2/order/handle_buyer_cancellation")
    def handle_buyer_cancellation(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        operation = body.get("operation")
        if operation not in ("ACCEPT", "REJECT"):
            return self._error(
                "error_param", "Wrong parameters, detail: operation is invalid."
            )
        if order["status"] != "IN_CANCEL":
            return self._error(
                "order.cancel_order_invalid_status",
                "Invalid order_status.The order status should be IN_CANCEL.",
            )
        order["decisions"].append(
            {"action": "handle_buyer_cancellation", "operation": operation}
            | {"at": int(self.now())}
        )
        if operation == "ACCEPT":
            order["cancel_by"] = "buyer"
            order["cancel_reason"] = order["buyer_cancel_reason"]
            order["due_at"] = None
            self._set_status(order, "CANCELLED")
        else:
            previous = order["prev_status"] or "READY_TO_SHIP"
            order["prev_status"] = None
            self._set_status(order, previous)
            if previous == "PROCESSED":
                order["due_at"] = self.now() + PICKUP_DELAY
        return self._envelope({"update_time": order["update_time"]})

    # ---- logistics -------------------------------------------------------------------
    def _time_slots(self, now=None):
        day0 = int((self.now() if now is None else now) // DAY) * DAY
        slots = []
        for days in (1, 2, 3):
            date = day0 + days * DAY
            for hour, text in ((9, "09:00 - 12:00"), (14, "14:00 - 18:00")):
                slots.append(
                    {
                        "date": date,
                        "time_text": text,
                        "pickup_time_id": str(date + hour * 3600),
                        "flags": ["recommended"] if not slots else [],
                    }
                )
        return slots

    def _package(self, order, package_number):
        """(package, error Response)."""
        packages = order["packages"]
        if package_number:
            for package in packages:
                if package["package_number"] == str(package_number):
                    return package, None
            return None, self._error(
                "logistics.package_not_exist", "The package is not exist."
            )
        if len(packages) > 1:
            return None, self._error(
                "logistics.package_number_not_exist",
                "Please request with package_number for this split order.",
            )
        return packages[0], None

    @route("GET", "/api/v2/logistics/get_shipping_parameter")
    def get_shipping_parameter(self, req):
        order, error = self._checked_query_order(req)
        if error:
            return error
        if order["status"] not in ("READY_TO_SHIP", "RETRY_SHIP"):
            return self._error(
                "logistics.error_param", "The order status is not ready to ship."
            )
        package_number = req.query.get("package_number")
        if package_number:
            _package, error = self._package(order, package_number)
            if error:
                return error
        info = order["channel"]["info_needed"]
        response = {"info_needed": copy.deepcopy(info), "dropoff": None, "pickup": None}
        if "pickup" in info:
            slots = self._time_slots()
            response["pickup"] = {
                "address_list": [
                    dict(address, time_slot_list=copy.deepcopy(slots))
                    for address in SHOP_ADDRESSES
                ]
            }
        if "dropoff" in info:
            response["dropoff"] = {
                "branch_list": copy.deepcopy(BRANCHES)
                if "branch_id" in info["dropoff"]
                else [],
                "slug_list": [],
            }
        return self._envelope(response)

    def _check_ship_params(self, info, mode, params):
        """Validate the parameters of one ship_order mode: (tracking, error)."""
        tracking = ""
        if mode == "pickup":
            address = next(
                (
                    a
                    for a in SHOP_ADDRESSES
                    if str(a["address_id"]) == str(params.get("address_id"))
                ),
                None,
            )
            if not params.get("address_id") or not params.get("pickup_time_id"):
                return "", self._error(
                    "logistics.ship_order_need_address_pickup_time",
                    "Parameter address_id and pickup_time_id are required.",
                )
            if address is None:
                return "", self._error(
                    "logistics.address_not_found", "Address is not found."
                )
            # slots offered until the last day boundary stay valid (midnight rollover)
            slot_ids = {
                s["pickup_time_id"]
                for now in (self.now(), self.now() - DAY)
                for s in self._time_slots(now)
            }
            if str(params["pickup_time_id"]) not in slot_ids:
                return "", self._error(
                    "logistics.ship_order_pickup_time_invalid",
                    "Invalid pickup time id. Please check the pick up time id.",
                )
        elif mode == "dropoff":
            if "branch_id" in info["dropoff"]:
                if not params.get("branch_id"):
                    return "", self._error(
                        "logistics.ship_order_need_branch_id",
                        "Parameter branch_id is required.",
                    )
                if str(params["branch_id"]) not in {
                    str(b["branch_id"]) for b in BRANCHES
                }:
                    return "", self._error(
                        "logistics.error_store_not_found", "Store is not found."
                    )
        else:
            tracking = str(params.get("tracking_number") or "")
            if not tracking:
                return "", self._error(
                    "logistics.ship_order_need_tracking_number",
                    "Parameter tracking_number can not be null.",
                )
            if len(tracking) > 64:
                return "", self._error(
                    "logistics.ship_order_long_tracking_number",
                    "Parameter tracking_number can not be longer than 64.",
                )
        return tracking, None

    @route("POST", "/api/v2/logistics/ship_order")
    def ship_order(self, req):
        body, order, error = self._checked_order(req)
        if error:
            return error
        modes = [m for m in ("pickup", "dropoff", "non_integrated") if m in body]
        if len(modes) != 1:
            return self._error(
                "error_param",
                "Please select just one way to ship order: pickup or dropoff or "
                "non_integrated.",
            )
        mode = modes[0]
        params = body.get(mode) or {}
        if not isinstance(params, dict):
            return self._error("error_param", f"Wrong parameters, detail: {mode}.")
        info = order["channel"]["info_needed"]
        if mode not in info:
            return self._error(
                f"logistics.ship_order_unsupport_{mode}",
                f"This order does not support ship with {mode}.",
            )
        if order["status"] not in ("READY_TO_SHIP", "RETRY_SHIP"):
            return self._error(
                "logistics.ship_order_not_ready_to_ship",
                "The order is not ready to ship.",
            )
        package_number = body.get("package_number")
        if len(order["packages"]) == 1 and package_number:
            if package_number != order["packages"][0]["package_number"]:
                return self._error(
                    "logistics.ship_order_not_need_pacakge_number",
                    "Please don’t request with package_number for this unsplit order.",
                )
        if len(order["packages"]) > 1 and not package_number:
            return self._error(
                "logistics.ship_order_need_pacakge_number",
                "Please request with package_number for this split order.",
            )
        package, error = self._package(order, package_number)
        if error:
            return error
        if package["ship_mode"]:
            return self._error(
                "logistics.package_already_shipped",
                "This package has already been arranged shipment and you can't call "
                "this API again.",
            )
        tracking, error = self._check_ship_params(info, mode, params)
        if error:
            return error
        now = self.now()
        package.update(
            ship_mode=mode,
            ship_params=dict(params),
            arranged_at=int(now),
            tracking_number=tracking,
            tracking_at=None if tracking else now + TRACKING_DELAY,
        )
        order["decisions"].append(
            {
                "action": "ship_order",
                "package_number": package["package_number"],
                "mode": mode,
                "params": dict(params),
                "at": int(now),
            }
        )
        if all(p["ship_mode"] for p in order["packages"]):
            self._set_status(order, "PROCESSED")
            order["due_at"] = now + PICKUP_DELAY
        if tracking:
            self._push_tracking(order, package, int(now))
        return self._envelope({})

    @route("GET", "/api/v2/logistics/get_tracking_number")
    def get_tracking_number(self, req):
        order, error = self._checked_query_order(req)
        if error:
            return error
        package, error = self._package(order, req.query.get("package_number"))
        if error:
            return error
        if not package["ship_mode"]:
            return self._error(
                "logistics.error_status",
                "Operation is not supported with current logistics record status.",
            )
        tracking = package["tracking_number"]
        return self._envelope(
            {
                "tracking_number": tracking,
                "plp_number": "",
                "first_mile_tracking_number": "",
                "last_mile_tracking_number": "",
                "hint": "" if tracking else "Tracking number is being generated.",
                "pickup_code": "",
            }
        )

    def _checked_doc_targets(self, req):
        """(body, order_list entries, None) of a signed shipping-document call, or
        an error third."""
        error = self._check(req)
        if error:
            return None, None, error
        body = self._body(req)
        targets = self._doc_targets(body)
        if targets is None:
            return (
                body,
                None,
                self._error(
                    "error_param", "Wrong parameters, detail: order_list limit [1,50]."
                ),
            )
        return body, targets, None

    def _doc_targets(self, body, limit=50):
        order_list = body.get("order_list") if body else None
        if not isinstance(order_list, list) or not 1 <= len(order_list) <= limit:
            return None
        return [e for e in order_list if isinstance(e, dict)]

    def _doc_rows(self, targets):
        """(entry, order, package, fail_error, fail_message, result row) of each
        order_list entry; the row has its ``order_sn`` and, when the package is
        found, its ``package_number``."""
        for entry in targets:
            order, package, fail, message = self._resolve_doc_package(entry)
            result = {"order_sn": entry.get("order_sn")}
            if package:
                result["package_number"] = package["package_number"]
            yield entry, order, package, fail, message, result

    def _resolve_doc_package(self, entry):
        """(order, package, fail_error, fail_message)."""
        order = self.orders.get(entry.get("order_sn") or "")
        if order is None:
            return (
                None,
                None,
                "logistics.order_not_exist",
                (f"The order_sn {entry.get('order_sn')} is not exist."),
            )
        package, error = self._package(order, entry.get("package_number"))
        if error:
            answer = json.loads(error.body)
            return order, None, answer["error"], answer["message"]
        return order, package, None, None

    @route("POST", "/api/v2/logistics/get_shipping_document_parameter")
    def get_shipping_document_parameter(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        for _entry, _order, _package, fail, message, result in self._doc_rows(targets):
            if fail:
                result.update(fail_error=fail, fail_message=message)
            else:
                result.update(
                    suggest_shipping_document_type="THERMAL_AIR_WAYBILL",
                    selectable_shipping_document_type=[
                        "NORMAL_AIR_WAYBILL",
                        "THERMAL_AIR_WAYBILL",
                    ],
                )
            results.append(result)
        return self._batch_answer(results)

    def _batch_answer(self, results):
        if results and all("fail_error" in r for r in results):
            return self._error(
                "common.batch_api_all_failed",
                "Failed, please check result_list for more details.",
                response={"result_list": results},
            )
        warning = [
            {"order_sn": r["order_sn"], "package_number": r.get("package_number", "")}
            for r in results
            if "fail_error" in r
        ]
        return self._envelope({"result_list": results}, warning or "")

    @route("POST", "/api/v2/logistics/create_shipping_document")
    def create_shipping_document(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        now = self.now()
        for entry, order, package, fail, message, result in self._doc_rows(targets):
            doc_type = entry.get("shipping_document_type") or "THERMAL_AIR_WAYBILL"
            if not fail and doc_type not in DOC_TYPES:
                fail = "logistics.shipping_document_type_invalid"
                message = "The shipping_document_type is not invalid."
            if not fail and (
                order["status"]
                not in ("PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED")
                or package["ship_mode"] is None
            ):
                fail = "logistics.order_status_error"
                message = "Order status does not support awb printing."
            if not fail and package["ship_mode"] == "non_integrated":
                fail, message = (
                    "logistics.package_can_not_print",
                    "The package can not print now. ",
                )
            if not fail and (
                not package["tracking_number"]
                or (
                    entry.get("tracking_number")
                    and entry["tracking_number"] != package["tracking_number"]
                )
            ):
                fail = "logistics.tracking_number_invalid"
                message = (
                    "The tracking number is invalid. Please check the tracking number."
                )
            if fail:
                result.update(fail_error=fail, fail_message=message)
            else:
                key = f"{order['order_sn']}/{package['package_number']}"
                self.docs[key] = {
                    "order_sn": order["order_sn"],
                    "package_number": package["package_number"],
                    "tracking_number": package["tracking_number"],
                    "shipping_document_type": doc_type,
                    "status": "PROCESSING",
                    "created_at": int(now),
                    "ready_at": now + DOC_DELAY,
                    "downloads": 0,
                }
            results.append(result)
        return self._batch_answer(results)

    @route("POST", "/api/v2/logistics/get_shipping_document_result")
    def get_shipping_document_result(self, req):
        _body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        results = []
        for _entry, order, package, fail, message, result in self._doc_rows(targets):
            if package:
                doc = self.docs.get(f"{order['order_sn']}/{package['package_number']}")
                if doc is None:
                    fail = "logistics.shipping_document_should_print_first"
                    message = (
                        "The package can not print now, please create shipping "
                        f"document first.Detail: {order['order_sn']}"
                    )
                else:
                    result["status"] = doc["status"]
            if fail:
                result.update(fail_error=fail, fail_message=message)
            results.append(result)
        return self._batch_answer(results)

    @route("POST", "/api/v2/logistics/download_shipping_document")
    def download_shipping_document(self, req):
        body, targets, error = self._checked_doc_targets(req)
        if error:
            return error
        pages = []
        docs = []
        for entry in targets:
            order, package, fail, message = self._resolve_doc_package(entry)
            if fail:
                return self._error(fail, message)
            doc = self.docs.get(f"{order['order_sn']}/{package['package_number']}")
            if doc is None or doc["status"] != "READY":
                return self._error(
                    "logistics.shipping_document_should_print_first",
                    "The package can not print now, please create shipping document "
                    f"first.Detail: {order['order_sn']}",
                )
            docs.append(doc)
            address = order["recipient_address"]
            pages.append(
                [
                    "Shopee - "
                    + (
                        body.get("shipping_document_type")
                        or doc["shipping_document_type"]
                    ),
                    f"Carrier: {order['channel']['name']}",
                    f"Tracking number: {package['tracking_number']}",
                    f"Order: {order['order_sn']}",
                    f"Package: {package['package_number']}",
                    "COD: "
                    + (
                        f"YES {order['amounts']['total_amount']}"
                        if order["cod"]
                        else "NO"
                    ),
                    f"To: {address['name']}",
                    f"{address['full_address'][:90]}",
                    f"Phone: {address['phone']}",
                ]
            )
        for doc in docs:
            doc["downloads"] += 1
        return Response(200, build_pdf(pages), "application/pdf")

    # ---- product / stock -------------------------------------------------------------
    @route("POST", "/api/v2/product/update_stock")
    def update_stock(self, req):
        body, error = self._checked_body(req)
        if error:
            return error
        item = self.item_by_id.get(body.get("item_id"))
        if item is None:
            return self._error(
                "error_param",
                f"Wrong parameters, detail: item_id {body.get('item_id')}.",
            )
        stock_list = body.get("stock_list")
        if not isinstance(stock_list, list) or not 1 <= len(stock_list) <= 50:
            return self._error(
                "error_param", "Wrong parameters, detail: stock_list limit [1,50]."
            )
        models = {m["model_id"]: m for m in item["models"]}
        success, failure = [], []
        for entry in stock_list:
            model_id = entry.get("model_id", 0) if isinstance(entry, dict) else None
            seller_stock = (
                entry.get("seller_stock") if isinstance(entry, dict) else None
            )
            if model_id not in models:
                failure.append(
                    {"model_id": model_id, "failed_reason": "model_id is invalid"}
                )
                continue
            if (
                not isinstance(seller_stock, list)
                or not seller_stock
                or not all(
                    isinstance(s, dict)
                    and isinstance(s.get("stock"), int)
                    and not isinstance(s.get("stock"), bool)
                    and s["stock"] >= 0
                    for s in seller_stock
                )
            ):
                failure.append(
                    {"model_id": model_id, "failed_reason": "seller_stock is invalid"}
                )
                continue
            total = sum(s["stock"] for s in seller_stock)
            self.stock[item["item_id"]][model_id] = total
            location = seller_stock[0].get("location_id", "")
            success.append(
                {"model_id": model_id, "location_id": location, "stock": total}
            )
            self.stock_updates.append(
                {
                    "item_id": item["item_id"],
                    "model_id": model_id,
                    "sku": models[model_id]["sku"],
                    "stock": total,
                    "at": int(self.now()),
                }
            )
        return self._envelope({"success_list": success, "failure_list": failure})

    @route("GET", "/api/v2/product/get_item_list")
    def get_item_list(self, req):
        error = self._check(req)
        if error:
            return error
        try:
            offset = int(req.query.get("offset", 0))
            page_size = int(req.query.get("page_size", 10))
        except ValueError:
            return self._error("error_param", "Wrong parameters, detail: offset.")
        if not 1 <= page_size <= 100 or offset < 0:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size should be [1,100]."
            )
        page = self.items[offset : offset + page_size]
        more = offset + page_size < len(self.items)
        return self._envelope(
            {
                "item": [
                    {
                        "item_id": i["item_id"],
                        "item_status": "NORMAL",
                        "update_time": int(self.now()) - DAY,
                    }
                    for i in page
                ],
                "total_count": len(self.items),
                "has_next_page": more,
                "next_offset": offset + page_size if more else 0,
            }
        )

    @route("GET", "/api/v2/product/get_model_list")
    def get_model_list(self, req):
        error = self._check(req)
        if error:
            return error
        try:
            item = self.item_by_id.get(int(req.query.get("item_id", "")))
        except ValueError:
            item = None
        if item is None:
            return self._error("error_param", "Wrong parameters, detail: item_id.")
        models = [
            {
                "model_id": m["model_id"],
                "model_name": m["model_name"],
                "model_sku": m["model_sku"],
                "price_info": [
                    {
                        "currency": "MYR",
                        "original_price": item["price"],
                        "current_price": item["price"],
                    }
                ],
                "stock_info_v2": {
                    "summary_info": {
                        "total_reserved_stock": 0,
                        "total_available_stock": self.stock[item["item_id"]][
                            m["model_id"]
                        ],
                    },
                    "seller_stock": [
                        {
                            "location_id": "",
                            "stock": self.stock[item["item_id"]][m["model_id"]],
                        }
                    ],
                },
            }
            for m in item["models"]
            if m["model_id"]
        ]
        return self._envelope(
            {
                "tier_variation": [
                    {"name": "Variation", "option_list": [{"option": m["model_name"]}]}
                    for m in item["models"][:1]
                    if m["model_id"]
                ],
                "model": models,
            }
        )

    # ---- control endpoints -----------------------------------------------------------
    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        body = self._body(req) or {}
        self.push_url = body.get("url") or None
        return json_response({"push_url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = self._body(req) or {}
        order = self.orders.get(body.get("order_sn") or "")
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if not self.push_url:
            return json_response({"error": "no push_url configured"}, 400)
        code = int(body.get("code", 3))
        if code == 4:
            package = order["packages"][0]
            payload = {
                "ordersn": order["order_sn"],
                "package_number": package["package_number"],
                "tracking_no": package["tracking_number"],
                "update_time": order["update_time"],
            }
        else:
            code = 3
            payload = {
                "ordersn": order["order_sn"],
                "status": order["status"],
                "update_time": order["update_time"],
                "completed_scenario": "",
                "items": [],
            }
        msg = self._push(code, payload, force=True)
        return json_response({"queued": msg})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_orders_new(self, req):
        body = self._body(req) or {}
        count = int(body.get("count", 1))
        status = body.get("status", "READY_TO_SHIP")
        if status not in ("UNPAID", "READY_TO_SHIP"):
            return json_response({"error": "status must be UNPAID/READY_TO_SHIP"}, 400)
        now = self.now()
        created = []
        for _ in range(count):
            order = self._new_order("UNPAID", int(now), now)
            self._push(
                3,
                {
                    "ordersn": order["order_sn"],
                    "status": "UNPAID",
                    "update_time": order["update_time"],
                    "completed_scenario": "",
                    "items": [],
                },
            )
            if status == "READY_TO_SHIP":
                self._pay(order)
            created.append(order["order_sn"])
        return json_response({"order_sn_list": created})

    def _pay(self, order):
        at = int(self.now())
        order["pay_time"] = at
        order["ship_by_date"] = at + order["days_to_ship"] * DAY
        self._set_status(order, "READY_TO_SHIP", at)

    @route("POST", "/_sim/orders/{order_sn}/pay", api=False)
    def sim_order_pay(self, req):
        order = self.orders.get(req.params["order_sn"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] != "UNPAID":
            return json_response({"error": "order is not UNPAID"}, 409)
        self._pay(order)
        return json_response({"order_sn": order["order_sn"], "status": order["status"]})

    @route("POST", "/_sim/orders/{order_sn}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(req.params["order_sn"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] not in ("UNPAID", "READY_TO_SHIP", "PROCESSED"):
            return json_response(
                {"error": f"cannot request cancellation in {order['status']}"}, 409
            )
        body = self._body(req) or {}
        order["buyer_cancel_reason"] = body.get("reason") or BUYER_CANCEL_REASONS[0]
        if order["status"] == "UNPAID":
            # unpaid orders are cancelled at once, without the seller's decision
            order["cancel_by"] = "buyer"
            order["cancel_reason"] = order["buyer_cancel_reason"]
            self._set_status(order, "CANCELLED")
        else:
            order["prev_status"] = order["status"]
            order["due_at"] = None
            self._set_status(order, "IN_CANCEL")
        return json_response({"order_sn": order["order_sn"], "status": order["status"]})

    # ---- inspection ------------------------------------------------------------------
    def inspect(self):
        orders = {}
        for sn, order in self.orders.items():
            orders[sn] = {
                "status": order["status"],
                "prev_status": order["prev_status"],
                "create_time": order["create_time"],
                "update_time": order["update_time"],
                "cod": order["cod"],
                "currency": order["currency"],
                "amounts": dict(order["amounts"]),
                "channel": order["channel"]["name"],
                "logistics_channel_id": order["channel"]["logistics_channel_id"],
                "shipping_methods": sorted(
                    {p["ship_mode"] for p in order["packages"] if p["ship_mode"]}
                ),
                "tracking_numbers": [
                    p["tracking_number"]
                    for p in order["packages"]
                    if p["tracking_number"]
                ],
                "packages": [
                    {
                        "package_number": p["package_number"],
                        "ship_mode": p["ship_mode"],
                        "ship_params": p["ship_params"],
                        "tracking_number": p["tracking_number"],
                        "logistics_status": self._logistics_status(order, p),
                        "skus": [order["items"][i]["sku"] for i in p["item_index"]],
                    }
                    for p in order["packages"]
                ],
                "items": [
                    {
                        "sku": i["sku"],
                        "item_id": i["item_id"],
                        "model_id": i["model_id"],
                        "qty": i["model_quantity_purchased"],
                    }
                    for i in order["items"]
                ],
                "cancellation": {
                    "cancel_by": order["cancel_by"],
                    "cancel_reason": order["cancel_reason"],
                    "buyer_cancel_reason": order["buyer_cancel_reason"],
                },
                "decisions": list(order["decisions"]),
                "history": list(order["history"]),
            }
        by_sku = {}
        for item in self.items:
            for model in item["models"]:
                by_sku[model["sku"]] = self.stock[item["item_id"]][model["model_id"]]
        return {
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
            "orders": orders,
            "finance": self.finance_inspect(),
            "stock": {
                "by_item": {
                    str(item_id): {str(m): qty for m, qty in models.items()}
                    for item_id, models in self.stock.items()
                },
                "by_sku": by_sku,
                "updates": list(self.stock_updates),
            },
            "catalogue": [
                {
                    "item_id": item["item_id"],
                    "item_sku": item["item_sku"],
                    "models": [
                        {"model_id": m["model_id"], "sku": m["sku"]}
                        for m in item["models"]
                    ],
                }
                for item in self.items
            ],
            "push_url": self.push_url,
            "pushes": [dict(p) for p in self.pushes],
            "documents": {k: dict(v) for k, v in self.docs.items()},
            "tokens": {
                "access_tokens": len(self.tokens),
                "refresh_tokens": len(self.refresh_tokens),
                "refresh_tokens_used": sum(
                    1 for r in self.refresh_tokens.values() if r["used"]
                ),
            },
        }
