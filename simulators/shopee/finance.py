"""Shopee's payments: escrow, wallet transactions and withdrawals."""

import functools
import random

from ..core import json_object, json_response, route
from .common import CONFIRM_DELAY, DAY, MAX_WINDOW

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

    Every paid order has an escrow detail: estimated (``escrow_amount`` is the
    expected net, without return refund or adjustment) until its release, final
    after. Its split comes from the order's own amounts: goods at the seller's
    selling price, buyer-paid shipping, vouchers from seller and Shopee, coins and
    Shopee's campaign discount (both Shopee-funded, inside ``cost_of_goods_sold``).

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
        original = money(
            sum(
                i["model_original_price"] * i["model_quantity_purchased"]
                for i in order["items"]
            )
        )
        income = {
            "escrow_amount": escrow_amount,
            "buyer_total_amount": amounts["total_amount"],
            "order_original_price": original,
            "order_selling_price": goods,
            "order_discounted_price": goods,
            "original_cost_of_goods_sold": goods,
            "cost_of_goods_sold": goods,
            # the seller's own item discounts: already in the selling prices
            "seller_discount": money(original - goods),
            "shopee_discount": amounts.get("shopee_discount", 0.0),
            "voucher_from_seller": voucher,
            "voucher_from_shopee": amounts["voucher_from_shopee"],
            "coins": amounts.get("coins", 0.0),
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
    def _escrow_of(self, order_sn):
        """The escrow of a paid order: the released one, else the estimate (no
        return refund, no adjustment yet), None for an unknown or unpaid order."""
        escrow = self.escrows.get(order_sn)
        if escrow is not None:
            return escrow
        order = self.orders.get(order_sn)
        if order is None or not order["pay_time"]:
            return None
        return {
            "order_sn": order_sn,
            "release_time": None,
            "refund": 0.0,
            "return_sn": "",
            "adjustments": [],
            "extra_fees": {},
        }

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
                "shopee_coins_redeemed": order["amounts"].get("coins", 0.0),
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
        escrow = self._escrow_of(req.query.get("order_sn") or "")
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
        body = json_object(req) or {}
        sns = body.get("order_sn_list")
        if not isinstance(sns, list) or not 1 <= len(sns) <= ESCROW_BATCH:
            return self._error(
                "error_param", "Wrong parameters, detail: order_sn_list limit [1,50]."
            )
        escrows = [self._escrow_of(sn) if isinstance(sn, str) else None for sn in sns]
        result = [
            {"escrow_detail": self._escrow_detail(escrow)}
            for escrow in escrows
            if escrow is not None
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
        body = json_object(req) or {}
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
        body = json_object(req) or {}
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
