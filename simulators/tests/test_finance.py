"""Finance endpoints of the Lazada, Shopee and TikTok simulators, over real HTTP.

Signing is written here from the documentation (API_FACTS.md sections 1-3),
independently of the simulators' helpers. Amounts must add up the way
SETTLEMENT_FACTS.md says the platforms' do, and match the simulators' orders.
"""

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests

from simulators.lazada import LazadaSimulator
from simulators.shopee import ShopeeSimulator
from simulators.tiktok import TikTokSimulator

from .helpers import advance, hmac_hex, state

DAY = 86400


# ---- Lazada ------------------------------------------------------------------------
class Lazada:
    def __init__(self, sim, key="123456", secret="helloworld"):
        self.sim, self.key, self.secret = sim, key, secret
        self.token = None

    def call(self, path, params=None, method="GET", token=True):
        query = {
            "app_key": self.key,
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
        }
        if token:
            query["access_token"] = self.token
        query.update({k: str(v) for k, v in (params or {}).items()})
        text = path + "".join(f"{k}{query[k]}" for k in sorted(query))
        query["sign"] = hmac_hex(self.secret, text.encode()).upper()
        url = self.sim.url + "/rest" + path
        if method == "GET":
            resp = requests.get(url, params=query, timeout=5)
        else:
            resp = requests.post(url, data=query, timeout=5)
        return resp.json()

    def authorize(self):
        code = requests.post(self.sim.url + "/_sim/auth/code", timeout=5).json()
        answer = self.call("/auth/token/create", {"code": code["code"]}, token=False)
        self.token = answer["access_token"]
        return self


@pytest.fixture
def lazada():
    with LazadaSimulator(orders=40, seed=5) as sim:
        yield sim, Lazada(sim)


def lazada_dates(sim, days_back=30, days_ahead=30):
    today = datetime.fromtimestamp(sim.now(), UTC).date()
    return (
        (today - timedelta(days=days_back)).isoformat(),
        (today + timedelta(days=days_ahead)).isoformat(),
    )


def test_lazada_statements_add_up(lazada):
    sim, client = lazada
    advance(sim, 20 * DAY)
    client.authorize()  # access tokens live 7 days
    start, end = lazada_dates(sim, 40, 1)
    rows = client.call(
        "/finance/transaction/details/get",
        {"start_time": start, "end_time": end, "offset": 0, "limit": 500},
    )
    assert rows["code"] == "0", rows
    rows = rows["data"]
    finance = state(sim)["finance"]
    assert finance["orders"], "some delivered orders settle"
    assert {r["order_no"] for r in rows if r["order_no"]} == set(finance["orders"])
    assert len({r["transaction_number"] for r in rows}) == len(rows)
    fee_types = {r["fee_type"] for r in rows}
    assert {"13", "16", "3", "112"} <= fee_types
    payouts = client.call("/finance/payout/status/get", {"created_after": start})
    assert payouts["code"] == "0"
    by_label = {}
    for row in rows:
        by_label.setdefault(row["statement"], []).append(float(row["amount"]))
    for payout in payouts["data"]:
        statement = finance["statements"][payout["statement_number"]]
        amount, currency = payout["payout"].split()
        assert currency == "SGD"
        assert float(amount) == pytest.approx(sum(by_label[statement["label"]]))
        assert float(payout["subtotal1"]) == pytest.approx(
            float(payout["item_revenue"])
            + float(payout["other_revenue_total"])
            - float(payout["fees_total"])
        )
        assert payout["paid"] == ("1" if statement["paid"] else "0")
    # the settled amounts follow the order: item prices credited, commission 4 %
    for order_id, info in finance["orders"].items():
        order = client.call("/order/items/get", {"order_id": order_id})["data"]
        sold = [i for i in order if i["status"] in ("delivered", "returned")]
        assert info["fees"]["13"] == pytest.approx(sum(i["item_price"] for i in sold))
        assert info["fees"]["16"] == pytest.approx(-0.04 * info["fees"]["13"], abs=0.05)
    accounts = client.call(
        "/finance/transaction/accountTransactions/query",
        {
            "start_time": start.replace("-", ""),
            "end_time": end.replace("-", ""),
            "page_num": 1,
            "page_size": 100,
            "transaction_type": "Withdrawal",
        },
        method="POST",
    )
    assert accounts["code"] == "0", accounts
    paid = {k for k, v in finance["statements"].items() if v["paid"]}
    assert {t["pmt_reference"] for t in accounts["data"]["transactions"]} == paid


def test_lazada_return_adjustment_and_errors(lazada):
    sim, client = lazada
    order_id = next(
        k for k, v in state(sim)["orders"].items() if v["statuses"] == ["pending"]
    )
    items = list(state(sim)["orders"][order_id]["items"])
    resp = requests.post(
        f"{sim.url}/_sim/orders/{order_id}/deliver",
        json={"return_item_ids": [int(items[0])]},
        timeout=5,
    )
    assert resp.status_code == 200
    requests.post(
        sim.url + "/_sim/finance/transaction",
        json={"fee_type": 999, "amount": -1.25, "fee_name": "Mystery Charge"},
        timeout=5,
    )
    advance(sim, 4 * DAY)
    client.authorize()
    start, end = lazada_dates(sim, 6, 1)
    rows = client.call(
        "/finance/transaction/details/get",
        {"start_time": start, "end_time": end, "trade_order_id": order_id},
    )["data"]
    types = {r["fee_type"] for r in rows}
    assert {"13", "14", "15", "16"} <= types
    all_rows = client.call(
        "/finance/transaction/details/get", {"start_time": start, "end_time": end}
    )["data"]
    assert any(r["fee_type"] == "999" for r in all_rows)
    too_long = client.call(
        "/finance/transaction/details/get",
        {"start_time": "2024-01-01", "end_time": "2024-12-31"},
    )
    assert too_long["code"] == "1000012"


# ---- Shopee ------------------------------------------------------------------------
class Shopee:
    partner_id, key, shop_id = 2001887, "shopee-partner-key", 600001

    def __init__(self, sim):
        self.sim = sim
        self.token = ""

    def call(self, method, path, params=None, body=None, shop=True):
        stamp = int(time.time())
        base = f"{self.partner_id}{path}{stamp}"
        query = {"partner_id": self.partner_id, "timestamp": stamp}
        if shop:
            base += f"{self.token}{self.shop_id}"
            query.update(access_token=self.token, shop_id=self.shop_id)
        query["sign"] = hmac_hex(self.key, base.encode())
        query.update(params or {})
        resp = requests.request(
            method, self.sim.url + path, params=query, json=body, timeout=5
        )
        return resp.json()

    def authorize(self):
        code = requests.post(self.sim.url + "/_sim/auth/code", json={}, timeout=5)
        answer = self.call(
            "POST",
            "/api/v2/auth/token/get",
            body={
                "code": code.json()["code"],
                "partner_id": self.partner_id,
                "shop_id": self.shop_id,
            },
            shop=False,
        )
        self.token = answer["access_token"]
        return self


@pytest.fixture
def shopee():
    with ShopeeSimulator(orders=40, seed=5) as sim:
        yield sim, Shopee(sim)


def test_shopee_escrows_and_wallet(shopee):
    sim, client = shopee
    advance(sim, 10 * DAY)
    client.authorize()  # access tokens live 4 hours
    now = int(sim.now())
    listed = client.call(
        "GET",
        "/api/v2/payment/get_escrow_list",
        {"release_time_from": now - 40 * DAY, "release_time_to": now, "page_size": 100},
    )
    assert listed["error"] == "", listed
    escrows = listed["response"]["escrow_list"]
    finance = state(sim)["finance"]
    assert {e["order_sn"] for e in escrows} == set(finance["escrows"])
    sns = [e["order_sn"] for e in escrows][:50]
    batch = client.call(
        "POST", "/api/v2/payment/get_escrow_detail_batch", body={"order_sn_list": sns}
    )
    assert batch["error"] == "", batch
    payout = {e["order_sn"]: e["payout_amount"] for e in escrows}
    for entry in batch["response"]:
        detail = entry["escrow_detail"]
        income = detail["order_income"]
        expected = (
            income["cost_of_goods_sold"]
            + income["seller_return_refund"]
            - income["voucher_from_seller"]
            + income["buyer_paid_shipping_fee"]
            - income["actual_shipping_fee"]
            + income["shopee_shipping_rebate"]
            - income["commission_fee"]
            - income["service_fee"]
            - income["seller_transaction_fee"]
        )
        assert income["escrow_amount"] == pytest.approx(expected, abs=1)
        assert payout[detail["order_sn"]] == income["escrow_amount_after_adjustment"]
        if income["seller_return_refund"]:
            assert detail["return_order_sn_list"]
    credits, withdrawals = [], []
    start = now - 40 * DAY
    while start < now:
        page = client.call(
            "GET",
            "/api/v2/payment/get_wallet_transaction_list",
            {
                "create_time_from": start,
                "create_time_to": min(start + 15 * DAY, now),
                "page_no": 0,
                "page_size": 100,
            },
        )
        assert page["error"] == "", page
        for txn in page["response"]["transaction_list"]:
            if txn["transaction_type"] == "WITHDRAWAL_CREATED":
                withdrawals.append(txn)
            else:
                credits.append(txn)
        start += 15 * DAY + 1
    assert withdrawals, "a weekly withdrawal happened"
    for withdrawal in withdrawals:
        info = finance["withdrawals"][str(withdrawal["withdrawal_id"])]
        assert -withdrawal["amount"] == pytest.approx(info["amount"])
        ids = [
            sn
            for sn, e in finance["escrows"].items()
            if e["withdrawal_id"] == withdrawal["withdrawal_id"]
        ]
        assert info["amount"] == pytest.approx(
            sum(finance["escrows"][sn]["escrow_amount"] for sn in ids)
        )
    too_long = client.call(
        "GET",
        "/api/v2/payment/get_wallet_transaction_list",
        {"create_time_from": now - 20 * DAY, "create_time_to": now, "page_size": 10},
    )
    assert too_long["error"] == "error_param"


def test_shopee_complete_refund_and_adjust(shopee):
    sim, client = shopee
    sn = next(k for k, v in state(sim)["orders"].items() if v["status"] == "SHIPPED")
    done = requests.post(
        f"{sim.url}/_sim/orders/{sn}/complete", json={"refund": 10}, timeout=5
    ).json()
    assert done["order_income"]["seller_return_refund"] == -10
    client.authorize()
    before = done["order_income"]["escrow_amount_after_adjustment"]
    requests.post(
        sim.url + "/_sim/finance/adjust",
        json={"order_sn": sn, "amount": -2.5, "reason": "Shipping fee dispute"},
        timeout=5,
    )
    requests.post(
        sim.url + "/_sim/finance/adjust",
        json={"order_sn": sn, "field": "mystery_fee", "amount": 1.0},
        timeout=5,
    )
    detail = client.call("GET", "/api/v2/payment/get_escrow_detail", {"order_sn": sn})
    income = detail["response"]["order_income"]
    assert income["total_adjustment_amount"] == -2.5
    assert income["mystery_fee"] == 1.0
    assert income["escrow_amount_after_adjustment"] == pytest.approx(before - 3.5)


# ---- TikTok ------------------------------------------------------------------------
class TikTok:
    key, secret, cipher = "29a39d", "tiktok-app-secret", "ROW_sim_cipher"

    def __init__(self, sim):
        self.sim = sim

    def authorize(self):
        sim = self.sim
        code = requests.post(sim.url + "/_sim/auth/code", timeout=5).json()["code"]
        self.token = requests.get(
            sim.url + "/api/v2/token/get",
            params={
                "app_key": self.key,
                "app_secret": self.secret,
                "auth_code": code,
                "grant_type": "authorized_code",
            },
            timeout=5,
        ).json()["data"]["access_token"]
        return self

    def get(self, path, params=None):
        query = {"app_key": self.key, "timestamp": str(int(time.time()))}
        query["shop_cipher"] = self.cipher
        query.update({k: str(v) for k, v in (params or {}).items()})
        text = path + "".join(f"{k}{query[k]}" for k in sorted(query))
        query["sign"] = hmac_hex(
            self.secret, (self.secret + text + self.secret).encode()
        )
        resp = requests.get(
            self.sim.url + path,
            params=query,
            headers={"x-tts-access-token": self.token},
            timeout=5,
        )
        return resp.json()


@pytest.fixture
def tiktok():
    with TikTokSimulator(orders=40, seed=5) as sim:
        yield sim, TikTok(sim)


def test_tiktok_statements_transactions_withdrawals(tiktok):
    sim, client = tiktok
    order_id = next(
        k for k, v in state(sim)["orders"].items() if v["status"] == "IN_TRANSIT"
    )
    requests.post(
        f"{sim.url}/_sim/orders/{order_id}/deliver", json={"refund": 5}, timeout=5
    )
    requests.post(
        sim.url + "/_sim/finance/adjustment",
        json={"type": "PLATFORM_PENALTY", "amount": -3},
        timeout=5,
    )
    advance(sim, 12 * DAY)
    client.authorize()  # access tokens live 7 days
    now = int(sim.now())
    listed = client.get(
        "/finance/202309/statements",
        {
            "statement_time_ge": now - 40 * DAY,
            "statement_time_lt": now,
            "sort_field": "statement_time",
            "page_size": 100,
        },
    )
    assert listed["code"] == 0, listed
    statements = listed["data"]["statements"]
    finance = state(sim)["finance"]
    assert {s["id"] for s in statements} == set(finance["statements"])
    seen_orders, adjustments = set(), []
    for statement in statements:
        assert float(statement["settlement_amount"]) == pytest.approx(
            float(statement["revenue_amount"])
            + float(statement["shipping_cost_amount"])
            + float(statement["fee_amount"])
            + float(statement["adjustment_amount"])
        )
        detail = client.get(
            f"/finance/202501/statements/{statement['id']}/statement_transactions",
            {"page_size": 100},
        )
        assert detail["code"] == 0, detail
        data = detail["data"]
        assert data["payable_amount"] == statement["settlement_amount"]
        total = sum(float(t["settlement_amount"]) for t in data["transactions"])
        assert total == pytest.approx(float(statement["settlement_amount"]), abs=0.02)
        for txn in data["transactions"]:
            if txn["type"] == "ORDER":
                seen_orders.add(txn["order_id"])
                fee = txn["fee_tax_breakdown"]["fee"]
                assert float(fee["platform_commission_amount"]) < 0
            else:
                adjustments.append(txn)
    assert order_id in seen_orders
    assert finance["orders"][order_id]["refund_amount"] == 5
    assert [a["type"] for a in adjustments] == ["PLATFORM_PENALTY"]
    withdrawals = client.get(
        "/finance/202309/withdrawals",
        {
            "types": "WITHDRAW",
            "create_time_ge": now - 40 * DAY,
            "create_time_lt": now + 1,
            "page_size": 100,
        },
    )
    assert withdrawals["code"] == 0, withdrawals
    paid = {s["payment_id"] for s in statements if s["payment_status"] == "PAID"}
    assert {w["id"] for w in withdrawals["data"]["withdrawals"]} == paid
    missing = client.get("/finance/202309/statements", {"page_size": 10})
    assert missing["code"] != 0
    assert json.dumps(missing)


def test_tiktok_order_settlement_from_its_payment():
    """Each order's transaction is derived from its payment: the subtotal before
    discounts less the seller's, the buyer's shipping fee and the platform's
    shipping discount less the actual fee, the commission on the subtotal after
    seller discounts, the transaction fee on what the buyer paid, the SST
    withheld on both fees."""
    options = {"withheld_taxes": {"sst_amount": 0.08}, "refund_rate": 0}
    with TikTokSimulator(orders=60, seed=9, **options) as sim:
        client = TikTok(sim)
        for order_id, order in state(sim)["orders"].items():
            if order["status"] in ("IN_TRANSIT", "AWAITING_COLLECTION"):
                requests.post(f"{sim.url}/_sim/orders/{order_id}/deliver", timeout=5)
        advance(sim, 8 * DAY)
        client.authorize()
        now = int(sim.now())
        statements = client.get(
            "/finance/202309/statements",
            {"statement_time_lt": now, "sort_field": "statement_time"},
        )["data"]["statements"]
        txns = [
            txn
            for st in statements
            for txn in client.get(
                f"/finance/202501/statements/{st['id']}/statement_transactions",
                {"page_size": 100},
            )["data"]["transactions"]
        ]
        assert len(txns) > 10
        for txn in txns:
            pay = sim.orders[txn["order_id"]]["payment"]
            revenue = {k: float(v) for k, v in txn["revenue_breakdown"].items()}
            shipping = {k: float(v) for k, v in txn["shipping_cost_breakdown"].items()}
            fee = {k: float(v) for k, v in txn["fee_tax_breakdown"]["fee"].items()}
            tax = {k: float(v) for k, v in txn["fee_tax_breakdown"]["tax"].items()}
            after_seller = pay["original_total_product_price"] - pay["seller_discount"]
            assert sum(revenue.values()) == pytest.approx(after_seller)
            assert sum(shipping.values()) == pytest.approx(
                pay["shipping_fee"]
                + pay["shipping_fee_platform_discount"]
                - pay["original_shipping_fee"]
            )
            assert fee["platform_commission_amount"] == round(-after_seller * 0.06, 2)
            assert fee["transaction_fee_amount"] == round(
                -pay["total_amount"] * 0.02, 2
            )
            charged = fee["platform_commission_amount"] + fee["transaction_fee_amount"]
            assert tax["sst_amount"] == round(charged * 0.08, 2)
            assert float(txn["settlement_amount"]) == pytest.approx(
                sum(revenue.values())
                + sum(shipping.values())
                + sum(fee.values())
                + sum(tax.values()),
                abs=0.011,
            )
