"""Shopee finance (local shops): escrows and the seller wallet.

- ``get_escrow_list`` (release time range) + ``get_escrow_detail_batch`` (≤ 50): the
  income of each released order. Escrows released on one (UTC) day make one
  settlement ``ESCROW-<date>``, one line per ``order_income`` component.
- ``get_wallet_transaction_list`` (≤ 15 days a call): withdrawals (what reaches the
  bank) are the payouts; a withdrawal pays the escrow credits since the previous one.

The calls are the connector's (``ShopeeAdapter.call``: signature, envelope, errors).
"""

from datetime import UTC, datetime, timedelta

from .base import FinanceClient, register, to_float

WINDOW = 15 * 86400 - 1
ESCROW_PAGE = 100
BATCH = 50
WALLET_PAGE = 100
WITHDRAWAL_TYPES = {"WITHDRAWAL_CREATED", "WITHDRAWAL_COMPLETED", 201, 202}
CREDIT_TYPES = {"ESCROW_VERIFIED_ADD", "ESCROW_VERIFIED_MINUS", 101, 102}
# order_income field -> sign applied (income fields are positive, costs positive too)
INCOME_FIELDS = {
    "cost_of_goods_sold": 1,
    "buyer_paid_shipping_fee": 1,
    "seller_return_refund": 1,
    "voucher_from_seller": -1,
    "actual_shipping_fee": -1,
    "shopee_shipping_rebate": 1,
    "reverse_shipping_fee": -1,
    "fbs_fee": -1,
    "commission_fee": -1,
    "service_fee": -1,
    "campaign_fee": -1,
    "seller_order_processing_fee": -1,
    "seller_transaction_fee": -1,
    "order_ams_commission_fee": -1,
    "escrow_tax": -1,
    "withholding_tax": -1,
    "withholding_vat_tax": -1,
    "withholding_pit_tax": -1,
}
# informational fields (already inside the others, or the buyer's side)
IGNORED_FIELDS = {
    "escrow_amount",
    "buyer_total_amount",
    "order_original_price",
    "order_selling_price",
    "order_discounted_price",
    "original_cost_of_goods_sold",
    "seller_discount",
    "shopee_discount",
    "voucher_from_shopee",
    "coins",
    "buyer_transaction_fee",
    "estimated_shipping_fee",
    "final_shipping_fee",
    "shipping_fee_discount_from_3pl",
    "total_adjustment_amount",
    "escrow_amount_after_adjustment",
    "final_product_protection",
    "seller_coin_cash_back",
}


def _day(epoch):
    return datetime.fromtimestamp(int(epoch), UTC).date()


def _epoch(day, end=False):
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if end:
        moment += timedelta(days=1)
    return int(moment.timestamp()) - (1 if end else 0)


@register
class ShopeeFinanceClient(FinanceClient):
    platform = "shopee"
    FEE_TYPES = {
        "cost_of_goods_sold": ("sale", "Cost of goods sold"),
        "buyer_paid_shipping_fee": ("sale", "Shipping paid by the buyer"),
        "seller_return_refund": ("refund", "Return refund"),
        "voucher_from_seller": ("voucher", "Voucher from seller"),
        "actual_shipping_fee": ("shipping", "Actual shipping fee"),
        "shopee_shipping_rebate": ("shipping", "Shopee shipping rebate"),
        "reverse_shipping_fee": ("shipping", "Reverse shipping fee"),
        "fbs_fee": ("shipping", "Fulfilled by Shopee fee"),
        "commission_fee": ("commission", "Commission fee"),
        "service_fee": ("commission", "Service fee"),
        "campaign_fee": ("commission", "Campaign fee"),
        "seller_order_processing_fee": ("commission", "Order processing fee"),
        "seller_transaction_fee": ("payment_fee", "Transaction fee"),
        "order_ams_commission_fee": ("ads", "Affiliate commission"),
        "escrow_tax": ("withholding_tax", "Escrow tax"),
        "withholding_tax": ("withholding_tax", "Withholding tax"),
        "withholding_vat_tax": ("withholding_tax", "Withholding VAT"),
        "withholding_pit_tax": ("withholding_tax", "Withholding PIT"),
        "order_adjustment": ("adjustment", "Order adjustment"),
    }

    def _call(self, method, path, params=None, body=None):
        """The envelope's ``response`` of one signed call (``ShopeeAdapter.call``)."""
        return self.adapter.call(method, path, params, body) or {}

    def _listed(self, path, key, date_from, date_to, query):
        """The ``key`` entries of every page of ``path`` over [date_from, date_to],
        in windows of at most 15 days (``query(start, end)`` is a window's query,
        with its ``page_no``)."""
        start, stop = _epoch(date_from), _epoch(date_to, end=True)
        while start <= stop:
            end = min(start + WINDOW, stop)
            params = query(start, end)
            while True:
                response = self._call("GET", path, dict(params))
                yield from response.get(key) or []
                if not response.get("more"):
                    break
                params["page_no"] += 1
            start = end + 1

    def escrows(self, date_from, date_to):
        return self._listed(
            "/api/v2/payment/get_escrow_list",
            "escrow_list",
            date_from,
            date_to,
            lambda start, end: {
                "release_time_from": start,
                "release_time_to": end,
                "page_size": ESCROW_PAGE,
                "page_no": 1,
            },
        )

    def details(self, order_sns):
        for index in range(0, len(order_sns), BATCH):
            chunk = order_sns[index : index + BATCH]
            response = self._call(
                "POST",
                "/api/v2/payment/get_escrow_detail_batch",
                body={"order_sn_list": chunk},
            )
            for entry in response or []:
                yield entry.get("escrow_detail") or entry

    def wallet(self, date_from, date_to):
        return self._listed(
            "/api/v2/payment/get_wallet_transaction_list",
            "transaction_list",
            date_from,
            date_to,
            lambda start, end: {
                "create_time_from": start,
                "create_time_to": end,
                "page_no": 0,
                "page_size": WALLET_PAGE,
            },
        )

    def escrow_lines(self, detail):
        sn = detail["order_sn"]
        income = detail.get("order_income") or {}
        lines = []
        for field, value in income.items():
            if field in IGNORED_FIELDS or not isinstance(value, int | float):
                continue
            if field in INCOME_FIELDS:
                amount = INCOME_FIELDS[field] * value
            elif field.endswith(("_fee", "_tax")):
                amount = -value  # a charge the mapping does not know yet
            else:
                continue
            if round(amount, 2):
                lines.append(self.line(f"{sn}:{field}", sn, field, amount))
        for index, adjustment in enumerate(income.get("order_adjustment") or []):
            lines.append(
                self.line(
                    f"{sn}:adjustment:{index}",
                    sn,
                    "order_adjustment",
                    adjustment.get("amount"),
                    adjustment.get("adjustment_reason") or None,
                )
            )
        expected = income.get("escrow_amount_after_adjustment")
        if expected is None:
            expected = income.get("escrow_amount", 0.0)
        return self.residual(lines, sn, sn, expected)

    def fetch(self, date_from, date_to):
        listed = list(self.escrows(date_from, date_to))
        release = {e["order_sn"]: int(e["escrow_release_time"]) for e in listed}
        settlements = {}
        for detail in self.details(sorted(release)):
            day = _day(release[detail["order_sn"]])
            external_id = f"ESCROW-{day.isoformat()}"
            settlement = settlements.get(external_id)
            if settlement is None:
                settlement = settlements[external_id] = {
                    "external_id": external_id,
                    "name": f"Shopee escrow {day.isoformat()}",
                    "date_from": day,
                    "date_to": day,
                    "date": day,
                    "currency": self.connection.get("currency"),
                    "payout_ref": None,
                    "lines": [],
                    "raw": {"escrows": []},
                }
            settlement["raw"]["escrows"].append(detail)
            settlement["lines"].extend(self.escrow_lines(detail))
        # withdrawals: each pays the credits since the previous one
        txns = sorted(
            self.wallet(date_from, date_to + timedelta(days=14)),
            key=lambda t: (t.get("create_time") or 0, t.get("transaction_id") or 0),
        )
        payouts, pending = [], set()
        for txn in txns:
            kind = txn.get("transaction_type")
            if kind in CREDIT_TYPES and txn.get("order_sn") in release:
                pending.add(f"ESCROW-{_day(release[txn['order_sn']]).isoformat()}")
            elif kind in WITHDRAWAL_TYPES and txn.get("withdrawal_id"):
                withdrawal_id = str(txn["withdrawal_id"])
                covered = sorted(pending & set(settlements))
                for external_id in covered:
                    settlements[external_id]["payout_ref"] = withdrawal_id
                payouts.append(
                    {
                        "external_id": withdrawal_id,
                        "date": _day(txn["create_time"]),
                        "amount": abs(to_float(txn.get("amount"))),
                        "currency": self.connection.get("currency"),
                        "state": "paid"
                        if txn.get("status", "COMPLETED") == "COMPLETED"
                        else "pending",
                        "bank_ref": withdrawal_id,
                        "settlements": covered,
                        "raw": txn,
                    }
                )
                pending = set()
        return {"settlements": list(settlements.values()), "payouts": payouts}
