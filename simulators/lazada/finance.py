"""Lazada's settlements: transactions, statements and payouts (``finance/*``)."""

import random
from datetime import datetime, timedelta

from .common import ApiError, _int_or_none, _money
from .stock import _sku_id

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
    211: "Shipping Fee Voucher (by Lazada)",
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
    *delivered* (or *returned*), from the same money as its order and items (the
    items that are not cancelled, a cancelled item is never settled): one
    transaction row per fee. Per item: Item Price Credit (its ``item_price``: a
    voucher of Lazada's does not reduce what the seller is credited, Lazada pays
    it), Commission (``COMMISSION_RATE`` of the item price), Payment Fee
    (``PAYMENT_FEE_RATE`` of what the buyer paid, ``paid_price``); Reversal Item
    Price / Reversal Commission for a returned item. Per order: Seller Funded
    Voucher (the ``voucher_seller`` of its settled items), Shipping Fee (Paid By
    Customer) (``shipping_fee``, after the shipping fee discounts), Shipping Fee
    Voucher (by Lazada) (Lazada's shipping fee discount), and Shipping Fee Paid by
    Seller (the original shipping fee the logistics charge, ``SELLER_SHIPPING``
    for an order shipped free): the seller bears its own shipping discount. No
    withholding tax: SETTLEMENT_FACTS names the fields (``WHT_amount``,
    ``WHT_included_in_amount``) but no country's rate, so they stay 0. Rows fall
    into weekly statements (Monday to Sunday, the seller's time zone); a Sponsored
    Product Fee row closes each statement that has orders. A statement is paid out
    ``payout_after`` seconds after it closes: the payout status says ``paid=1`` and
    the account transactions show the withdrawal.
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
        """The rows of ``order``'s settlement: ``sold`` are its delivered (or
        returned) items, never the cancelled ones."""
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
        voucher = round(sum(item["voucher_seller"] for item in sold), 2)
        if voucher:
            self._txn(when, 202, -voucher, order, first)
        if order["shipping_fee"]:
            self._txn(when, 8, order["shipping_fee"], order, first)
        if order["shipping_discount_platform"]:
            self._txn(when, 211, order["shipping_discount_platform"], order, first)
        self._txn(
            when, 7, -(order["shipping_original"] or SELLER_SHIPPING), order, first
        )

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
