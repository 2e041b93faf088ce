"""TikTok Shop finance: statements (202309), statement transactions (202501) and
withdrawals (202309).

One statement per shop and day makes one settlement, one line per component of each
transaction (``revenue_breakdown``, ``shipping_cost_breakdown``,
``fee_tax_breakdown``), adjustments by their type. The payout is the statement's
``payment_id`` (several small statements may share one); a SUCCESS withdrawal with
that id dates it.

The calls are the connector's (``TikTokAdapter.call``: signature, envelope, errors).
"""

from datetime import UTC, datetime, timedelta

from .base import FinanceClient, register, to_float

PAGE = 100
SECTIONS = ("revenue_breakdown", "shipping_cost_breakdown")


def _epoch(day):
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _day(epoch):
    return datetime.fromtimestamp(int(epoch), UTC).date()


@register
class TikTokFinanceClient(FinanceClient):
    platform = "tiktok"
    FEE_TYPES = {
        "subtotal_before_discount_amount": ("sale", "Subtotal before discounts"),
        "customer_paid_shipping_fee_amount": ("sale", "Shipping paid by the buyer"),
        "seller_discount_amount": ("voucher", "Seller discount"),
        "seller_discount_refund_amount": ("voucher", "Seller discount refund"),
        "refund_subtotal_after_seller_discounts_amount": ("refund", "Refund"),
        "cod_service_fee_amount": ("payment_fee", "COD service fee"),
        "actual_shipping_fee_amount": ("shipping", "Actual shipping fee"),
        "platform_shipping_fee_discount_amount": (
            "shipping",
            "Platform shipping discount",
        ),
        "shipping_fee_subsidy_amount": ("shipping", "Shipping subsidy"),
        "return_shipping_fee_amount": ("shipping", "Return shipping fee"),
        "platform_commission_amount": ("commission", "Platform commission"),
        "referral_fee_amount": ("commission", "Referral fee"),
        "mall_service_fee_amount": ("commission", "Mall service fee"),
        "transaction_fee_amount": ("payment_fee", "Transaction fee"),
        "affiliate_commission_amount": ("ads", "Affiliate commission"),
        "vat_amount": ("withholding_tax", "VAT"),
        "sst_amount": ("withholding_tax", "SST"),
        "pit_amount": ("withholding_tax", "PIT"),
        "PLATFORM_PENALTY": ("adjustment", "Platform penalty"),
        "PLATFORM_REIMBURSEMENT": ("adjustment", "Platform reimbursement"),
        "LOGISTICS_REIMBURSEMENT": ("adjustment", "Logistics reimbursement"),
        "SHIPPING_FEE_ADJUSTMENT": ("shipping", "Shipping fee adjustment"),
        "GMV_PAYMENT_FOR_ADS": ("ads", "GMV payment for ads"),
    }

    def _get(self, path, params):
        """The ``data`` of one signed GET (``TikTokAdapter.call``)."""
        return self.adapter.call("GET", path, query=params)

    def _pages(self, path, params, key):
        token = ""
        while True:
            data = self._get(path, dict(params, page_size=PAGE, page_token=token))
            yield from data.get(key) or []
            token = data.get("next_page_token")
            if not token:
                return

    def transaction_lines(self, txn):
        if txn.get("type") != "ORDER":
            ident = txn.get("adjustment_id") or txn.get("id")
            return [
                self.line(
                    f"{ident}",
                    txn.get("adjustment_order_id") or txn.get("order_id"),
                    txn.get("type"),
                    txn.get("settlement_amount"),
                )
            ]
        order_id = txn.get("order_id")
        lines = []
        sections = [txn.get(s) or {} for s in SECTIONS]
        fee_tax = txn.get("fee_tax_breakdown") or {}
        sections += [fee_tax.get("fee") or {}, fee_tax.get("tax") or {}]
        for section in sections:
            for field, value in section.items():
                amount = to_float(value)
                if round(amount, 2):
                    lines.append(
                        self.line(f"{txn['id']}:{field}", order_id, field, amount)
                    )
        return self.residual(lines, txn["id"], order_id, txn.get("settlement_amount"))

    def settlement(self, statement):
        """The settlement of one statement, with its transactions' lines."""
        statement_id = statement["id"]
        day = _day(statement["statement_time"])
        transactions = list(
            self._pages(
                f"/finance/202501/statements/{statement_id}/statement_transactions",
                {"sort_field": "order_create_time"},
                "transactions",
            )
        )
        lines = []
        for txn in transactions:
            lines.extend(self.transaction_lines(txn))
        self.residual(lines, statement_id, "", statement.get("settlement_amount"))
        return {
            "external_id": statement_id,
            "name": f"TikTok statement {day.isoformat()}",
            "date_from": day - timedelta(days=1),
            "date_to": day - timedelta(days=1),
            "date": day,
            "currency": statement.get("currency"),
            "payout_ref": statement.get("payment_id") or None,
            "lines": lines,
            "raw": {"statement": statement, "transactions": transactions},
        }

    def add_to_payout(self, payouts, statement, payment_id):
        """Add ``statement`` to the payout of ``payment_id`` in ``payouts``."""
        payout = payouts.setdefault(
            payment_id,
            {
                "external_id": payment_id,
                "date": _day(statement["statement_time"]),
                "amount": 0.0,
                "currency": statement.get("currency"),
                "state": "paid",
                "bank_ref": payment_id,
                "settlements": [],
                "raw": {"statements": []},
            },
        )
        payout["amount"] = round(
            payout["amount"] + to_float(statement.get("settlement_amount")), 2
        )
        payout["settlements"].append(statement["id"])
        payout["raw"]["statements"].append(statement)
        if statement.get("payment_status") != "PAID":
            payout["state"] = "pending"

    def date_payouts(self, payouts, date_from, date_to):
        """Date each payout by its SUCCESS withdrawal."""
        withdrawals = self._pages(
            "/finance/202309/withdrawals",
            {
                "types": "WITHDRAW",
                "create_time_ge": _epoch(date_from),
                "create_time_lt": _epoch(date_to + timedelta(days=15)),
            },
            "withdrawals",
        )
        for withdrawal in withdrawals:
            payout = payouts.get(withdrawal.get("id"))
            if payout and withdrawal.get("status") == "SUCCESS":
                payout["date"] = _day(withdrawal["create_time"])
                payout["raw"]["withdrawal"] = withdrawal

    def fetch(self, date_from, date_to):
        settlements, payouts = [], {}
        statements = self._pages(
            "/finance/202309/statements",
            {
                "statement_time_ge": _epoch(date_from),
                "statement_time_lt": _epoch(date_to + timedelta(days=1)),
                "sort_field": "statement_time",
                "sort_order": "ASC",
            },
            "statements",
        )
        for statement in statements:
            settlement = self.settlement(statement)
            settlements.append(settlement)
            if settlement["payout_ref"]:
                self.add_to_payout(payouts, statement, settlement["payout_ref"])
        if payouts:
            self.date_payouts(payouts, date_from, date_to)
        return {"settlements": settlements, "payouts": list(payouts.values())}
