"""TikTok Shop's finance: settlements, statements, transactions and withdrawals."""

import base64
import random

from ..core import json_response, route
from .common import (
    CANCELLED,
    COMPLETE_AFTER,
    COMPLETED,
    DAY,
    DELIVERED,
    E_CREDENTIALS,
    E_ORDER_NOT_FOUND,
    PKG_CANCELLED,
    PKG_COMPLETED,
    UNPAID,
    ApiError,
    api,
)

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
    settled order of several units in five (``refund_rate``) had one unit refunded.
    Statement transactions follow the 202501 shape (``revenue_breakdown``,
    ``shipping_cost_breakdown``, ``fee_tax_breakdown{fee, tax}``); adjustments
    (``POST /_sim/finance/adjustment``) are transactions of their own type.

    Taxes: the 202501 ``tax`` breakdown has ``vat_amount``, ``sst_amount`` and
    ``pit_amount``; which regions TikTok withholds them in, and on what base, no
    source we read says, so none is withheld unless the simulator is started with
    ``withheld_taxes={"sst_amount": 0.08}`` (a rate of the fees, UNVERIFIED).
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
        """The ORDER transaction of ``order``, all derived from its payment: the
        seller is paid the units' prices before discounts (the platform's
        discounts included) less the seller's, and the shipping fee the buyer
        paid plus the platform's shipping discount, and is charged the actual
        shipping fee (so a seller shipping discount, already out of the buyer's
        ``shipping_fee``, costs the seller that much), the commission on the
        subtotal after seller discounts, the transaction fee on what the buyer
        paid and the taxes withheld on the fees (``withheld_taxes``)."""
        payment = order["payment"]
        if refund is None:
            refund = 0.0
            # a partial refund: one unit of an order of several
            chance = self.finance_rng.random()
            if chance < self.refund_rate and len(order["lines"]) > 1:
                unit = order["lines"][0]
                refund = round(unit["original_price"] - unit["seller_discount"], 2)
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
        after_seller = (
            payment["original_total_product_price"] - payment["seller_discount"]
        )
        fees = dict.fromkeys(FEE_KEYS, 0)
        fees["platform_commission_amount"] = -self._unit_round(
            max(after_seller - refund, 0) * COMMISSION_RATE
        )
        fees["transaction_fee_amount"] = -self._unit_round(
            max(payment["total_amount"] - refund, 0) * TRANSACTION_RATE
        )
        charged = -sum(fees.values())
        taxes = dict.fromkeys(TAX_KEYS, 0)
        for key, rate in self.withheld_taxes.items():
            taxes[key] = -self._unit_round(charged * rate)
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
