"""Lazada finance: QueryTransactionDetails (one row per fee), GetPayoutStatus (one
row per statement) and QueryAccountTransactions (the withdrawal to the bank).

Rows are grouped into settlements by their ``statement`` label (e.g. ``"11 May 2016 -
17 May 2016"``); a statement's payout is the GetPayoutStatus row created when that
period closed. The calls are the connector's (``LazadaAdapter._call``: signature,
envelope, errors).
"""

from datetime import datetime, timedelta

from .base import FinanceClient, register, to_float

MAX_DAYS = 179
PAGE = 500
ACCOUNT_PAGE = 100


def _label_dates(label):
    try:
        first, last = (x.strip() for x in label.split(" - "))
        return (
            datetime.strptime(first, "%d %b %Y").date(),
            datetime.strptime(last, "%d %b %Y").date(),
        )
    except ValueError:
        return None, None


def _windows(date_from, date_to):
    """[date_from, date_to] in windows of at most ``MAX_DAYS`` + 1 days."""
    start = date_from
    while start <= date_to:
        end = min(start + timedelta(days=MAX_DAYS), date_to)
        yield start, end
        start = end + timedelta(days=1)


def _date(value):
    return datetime.strptime(value[:10], "%Y-%m-%d").date()


@register
class LazadaFinanceClient(FinanceClient):
    platform = "lazada"
    FEE_TYPES = {
        "13": ("sale", "Item Price Credit"),
        "8": ("sale", "Shipping Fee (Paid By Customer)"),
        "14": ("refund", "Reversal Item Price"),
        "16": ("commission", "Commission"),
        "15": ("commission", "Reversal Commission"),
        "3": ("payment_fee", "Payment Fee"),
        "7": ("shipping", "Shipping Fee Paid by Seller"),
        "157": ("shipping", "Auto shipping subsidy"),
        # Lazada's shipping fee discount, paid to the seller: less shipping cost
        "211": ("shipping", "Shipping Fee Voucher (by Lazada)"),
        "117": ("voucher", "Promotional Charges Bundles"),
        "118": ("voucher", "Promotional Charges Vouchers"),
        "202": ("voucher", "Seller Funded Voucher"),
        "112": ("ads", "Sponsored Product Fee"),
        "201": ("withholding_tax", "Reimbursements WHT"),
    }

    def _call(self, api_path, params, method="GET"):
        """The ``data`` of one signed call (``LazadaAdapter._call``)."""
        return self.adapter._call(api_path, params, method=method).get("data")

    def transactions(self, date_from, date_to):
        for start, end in _windows(date_from, date_to):
            offset = 0
            while True:
                rows = self._call(
                    "/finance/transaction/details/get",
                    {
                        "start_time": start.isoformat(),
                        "end_time": end.isoformat(),
                        "trans_type": "-1",
                        "offset": offset,
                        "limit": PAGE,
                    },
                )
                yield from rows or []
                if len(rows or []) < PAGE:
                    break
                offset += PAGE

    def account_transactions(self, date_from, date_to):
        for start, end in _windows(date_from, date_to):
            page = 1
            while True:
                data = self._call(
                    "/finance/transaction/accountTransactions/query",
                    {
                        "start_time": start.strftime("%Y%m%d"),
                        "end_time": end.strftime("%Y%m%d"),
                        "transaction_type": "Withdrawal",
                        "page_num": page,
                        "page_size": ACCOUNT_PAGE,
                    },
                    method="POST",
                )
                rows = (data or {}).get("transactions") or []
                yield from rows
                if len(rows) < ACCOUNT_PAGE:
                    break
                page += 1

    def statements(self, date_from, date_to):
        """The settlements of the transactions, by their statement label."""
        statements = {}
        for row in self.transactions(date_from, date_to):
            label = row.get("statement") or "?"
            statement = statements.get(label)
            if statement is None:
                first, last = _label_dates(label)
                statement = statements[label] = {
                    "external_id": label,
                    "name": f"Lazada {label}",
                    "date_from": first,
                    "date_to": last,
                    "date": last or date_to,
                    "currency": self.connection.get("currency"),
                    "payout_ref": None,
                    "lines": [],
                    "raw": {"transactions": []},
                }
            statement["raw"]["transactions"].append(row)
            statement["lines"].append(
                self.line(
                    row.get("transaction_number"),
                    row.get("order_no"),
                    row.get("fee_type"),
                    row.get("amount"),
                    row.get("fee_name") or row.get("transaction_type"),
                )
            )
        return statements

    def payout(self, row, statement, withdrawals):
        """The payout of a GetPayoutStatus row, paying ``statement`` (dated by
        its withdrawal, else by the row's creation)."""
        number = row["statement_number"]
        statement["payout_ref"] = number
        statement["raw"]["payout_status"] = row
        payout = str(row.get("payout") or "0").split()
        withdrawal = withdrawals.get(number) or {}
        paid_at = withdrawal.get("transaction_time")
        return {
            "external_id": number,
            "date": _date(paid_at) if paid_at else _date(row["created_at"]),
            "amount": to_float(payout[0]),
            "currency": payout[1] if len(payout) > 1 else None,
            "state": "paid" if str(row.get("paid")) == "1" else "pending",
            "bank_ref": withdrawal.get("pmt_reference") or number,
            "settlements": [statement["external_id"]],
            "raw": {"payout_status": row, "withdrawal": withdrawal},
        }

    def fetch(self, date_from, date_to):
        statements = self.statements(date_from, date_to)
        by_end = sorted(
            (s for s in statements.values() if s["date_to"]), key=lambda s: s["date_to"]
        )
        payouts = []
        rows = self._call(
            "/finance/payout/status/get", {"created_after": date_from.isoformat()}
        )
        withdrawals = {
            w.get("pmt_reference"): w
            for w in self.account_transactions(
                date_from, date_to + timedelta(days=MAX_DAYS // 12)
            )
        }
        for row in rows or []:
            created = _date(row["created_at"])
            match = [s for s in by_end if s["date_to"] < created]
            if match:
                payouts.append(self.payout(row, match[-1], withdrawals))
        return {"settlements": list(statements.values()), "payouts": payouts}
