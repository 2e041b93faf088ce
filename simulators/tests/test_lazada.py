"""Protocol tests of the Lazada Open Platform simulator, over real HTTP.

The client side (signing, push verification) is written here from the documentation
(API_FACTS.md section 1), independently of the simulator's own helpers.
"""

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from simulators.core import PushReceiver
from simulators.lazada import STATUSES, LazadaSimulator, sign

from .helpers import control, state

APP_KEY = "123456"
APP_SECRET = "helloworld"
HOUR = 3600


def client_sign(api_path, params, secret=APP_SECRET):
    """Lazada signing as documented: sorted ASCII, key+value, path prefix, HMAC-SHA256
    uppercase hex; ``sign`` itself is excluded."""
    text = api_path + "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


class Client:
    def __init__(self, sim, app_key=APP_KEY, secret=APP_SECRET):
        self.sim = sim
        self.app_key = app_key
        self.secret = secret
        self.session = requests.Session()
        self.access_token = None
        self.refresh_token = None

    def call(self, api_path, params=None, method="GET", token=True, **overrides):
        system = {
            "app_key": self.app_key,
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
        }
        if token:
            system["access_token"] = self.access_token
        all_params = {**system, **(params or {})}
        all_params.update(overrides.pop("system", {}))
        all_params["sign"] = client_sign(api_path, all_params, self.secret)
        all_params.update(overrides.pop("after_sign", {}))
        url = f"{self.sim.url}/rest{api_path}"
        if method == "GET":
            return self.session.get(url, params=all_params, timeout=10)
        return self.session.post(url, data=all_params, timeout=10)

    def json(self, api_path, params=None, method="GET", **kwargs):
        resp = self.call(api_path, params, method, **kwargs)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def authorize(self):
        code = self.session.post(f"{self.sim.url}/_sim/auth/code").json()["code"]
        body = self.json("/auth/token/create", {"code": code}, "POST", token=False)
        assert body["code"] == "0", body
        self.access_token = body["access_token"]
        self.refresh_token = body["refresh_token"]
        return body

    def all_orders(self, limit=7, **params):
        query = {"created_after": "2000-01-01T00:00:00+08:00", "limit": limit}
        query.update(params)
        seen, offset = [], 0
        while True:
            body = self.json("/orders/get", dict(query, offset=offset))
            assert body["code"] == "0", body
            orders = body["data"]["orders"]
            seen.extend(orders)
            offset += limit
            if offset >= body["data"]["countTotal"]:
                return seen, body["data"]["countTotal"]


@pytest.fixture
def sim():
    with LazadaSimulator(orders=30, seed=3) as server:
        yield server


@pytest.fixture
def client(sim):
    client = Client(sim)
    client.authorize()
    return client


def assert_error(body, code):
    assert body["code"] == code, body
    assert body["type"] in ("ISV", "ISP", "SYSTEM", "platform")
    assert body["message"] and body["request_id"]


# ---- signing and auth ----------------------------------------------------------------
def test_documented_test_vector():
    string = (
        "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256"
        "timestamp1517820392000"
    )
    expected = "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
    digest = hmac.new(b"helloworld", string.encode(), hashlib.sha256).hexdigest()
    assert digest.upper() == expected
    params = {
        "access_token": "test",
        "app_key": "123456",
        "order_id": "1234",
        "sign_method": "sha256",
        "timestamp": "1517820392000",
    }
    assert sign("/order/get", params, "helloworld") == expected
    assert sign("/order/get", dict(params, sign="X"), "helloworld") == expected
    assert client_sign("/order/get", params) == expected


def test_auth_code_flow_and_refresh(sim):
    client = Client(sim)
    body = client.authorize()
    assert body["expires_in"] == 7 * 86400
    assert body["refresh_expires_in"] == 14 * 86400
    assert body["account_platform"] == "seller_center"
    assert body["country"] == "sg"
    info = body["country_user_info"][0]
    assert {"country", "seller_id", "user_id", "short_code"} <= set(info)
    # multipart form bodies are read (and signed) like urlencoded ones
    code = requests.post(f"{sim.url}/_sim/auth/code").json()["code"]
    params = {
        "app_key": APP_KEY,
        "timestamp": str(int(time.time() * 1000)),
        "sign_method": "sha256",
        "code": code,
    }
    params["sign"] = client_sign("/auth/token/create", params)
    multipart = requests.post(
        f"{sim.url}/rest/auth/token/create",
        files={key: (None, value) for key, value in params.items()},
    )
    assert multipart.json()["code"] == "0"
    # the code is single-use
    code = requests.post(f"{sim.url}/_sim/auth/code").json()["code"]
    assert client.json("/auth/token/create", {"code": code}, token=False)["code"] == "0"
    again = client.json("/auth/token/create", {"code": code}, token=False)
    assert_error(again, "InvalidCode")
    # ... and expires after 30 minutes
    code = requests.post(f"{sim.url}/_sim/auth/code").json()["code"]
    control(sim, "clock", {"advance": 31 * 60})
    late = client.json("/auth/token/create", {"code": code}, token=False)
    assert_error(late, "InvalidCode")
    # refresh: a new access token, the refresh token is not extended
    refreshed = client.json(
        "/auth/token/refresh", {"refresh_token": client.refresh_token}, token=False
    )
    assert refreshed["code"] == "0"
    assert refreshed["access_token"] != client.access_token
    assert refreshed["refresh_expires_in"] < body["refresh_expires_in"]
    client.access_token = refreshed["access_token"]
    page = client.json("/orders/get", {"created_after": "2000-01-01T00:00:00Z"})
    assert page["code"] == "0"
    # 15 days later the refresh token is gone: the seller must re-authorize
    control(sim, "clock", {"advance": 15 * 86400})
    dead = client.json(
        "/auth/token/refresh", {"refresh_token": client.refresh_token}, token=False
    )
    assert_error(dead, "IllegalRefreshToken")


def test_bad_signature_timestamp_app_key_and_tokens_rejected(sim, client):
    params = {"order_id": "1"}
    wrong = client.call("/order/get", params, after_sign={"sign": "0" * 64})
    assert wrong.status_code == 200
    assert_error(wrong.json(), "IncompleteSignature")
    other_secret = Client(sim, secret="not-the-secret")
    other_secret.access_token = client.access_token
    assert_error(other_secret.json("/order/get", params), "IncompleteSignature")
    # a business parameter changed after signing
    tampered = client.call(
        "/orders/get",
        {"created_after": "2000-01-01T00:00:00Z", "limit": 5},
        after_sign={"limit": 6},
    )
    assert_error(tampered.json(), "IncompleteSignature")
    resp = requests.get(
        f"{sim.url}/rest/order/get",
        params={"app_key": APP_KEY, "timestamp": "1", "sign_method": "sha256"},
    )
    assert_error(resp.json(), "MissingParameter")
    stale = str(int((time.time() - 7300) * 1000))
    old = client.json("/order/get", params, system={"timestamp": stale})
    assert_error(old, "InvalidTimestamp")
    stranger = Client(sim, app_key="999999")
    stranger.access_token = client.access_token
    assert_error(stranger.json("/order/get", params), "InvalidAppKey")
    client_bad = Client(sim)
    client_bad.access_token = "nope"
    assert_error(client_bad.json("/order/get", params), "IllegalAccessToken")
    # the access token expires after 7 days
    control(sim, "clock", {"advance": 7 * 86400 + 60})
    body = client.json("/orders/get", {"created_after": "2000-01-01T00:00:00Z"})
    assert_error(body, "IllegalAccessToken")


def test_expire_tokens_fault(sim, client):
    query = {"created_after": "2000-01-01T00:00:00Z"}
    assert client.json("/orders/get", query)["code"] == "0"
    control(sim, "faults", {"expire_tokens": 1})
    assert_error(client.json("/orders/get", query), "IllegalAccessToken")
    refreshed = client.json(
        "/auth/token/refresh", {"refresh_token": client.refresh_token}, token=False
    )
    client.access_token = refreshed["access_token"]
    assert client.json("/orders/get", query)["code"] == "0"
    assert state(sim)["tokens"]["refreshes"] == 1


# ---- orders --------------------------------------------------------------------------
def test_paging_returns_every_order_exactly_once(sim, client):
    total_ids = set(state(sim)["orders"])
    assert len(total_ids) == 30
    for params in (
        {"sort_by": "created_at", "sort_direction": "ASC"},
        {"sort_by": "updated_at", "sort_direction": "DESC"},
        {"sort_by": "created_at"},
    ):
        orders, total = client.all_orders(limit=7, **params)
        ids = [str(o["order_id"]) for o in orders]
        assert total == 30
        assert len(ids) == len(set(ids)) == 30
        assert set(ids) == total_ids
        field = params["sort_by"]
        keys = [o[field] for o in orders]
        assert keys == sorted(keys, reverse=params.get("sort_direction") != "ASC")
    # update_after alone is enough, status filters narrow
    orders, _total = client.all_orders(
        limit=100, update_after="2000-01-01T00:00:00+07:00", status="delivered"
    )
    assert orders and all("delivered" in o["statuses"] for o in orders)


def test_orders_get_validation(client):
    base = {"created_after": "2000-01-01T00:00:00+08:00"}
    assert_error(client.json("/orders/get", dict(base, limit=101)), "19")
    assert client.json("/orders/get", dict(base, limit=100))["code"] == "0"
    assert_error(client.json("/orders/get", {"created_after": "yesterday"}), "17")
    assert_error(client.json("/orders/get", {"created_after": "2020-01-01"}), "17")
    assert_error(client.json("/orders/get", {"limit": 10}), "MissingParameter")
    assert_error(client.json("/orders/get", dict(base, status="lunch")), "36")
    assert_error(client.json("/orders/get", dict(base, offset=-1)), "14")
    cutoff = client.json("/orders/get", dict(base, limit=1, sort_direction="ASC"))
    first = cutoff["data"]["orders"][0]
    later = client.json("/orders/get", {"created_after": first["created_at"]})
    assert later["data"]["countTotal"] == 30


def test_order_shapes(sim, client):
    orders, _total = client.all_orders(limit=100)
    statuses = {s for o in orders for s in o["statuses"]}
    assert set(STATUSES) <= statuses
    assert {o["payment_method"] == "COD" for o in orders} == {True, False}
    assert any(o["need_cancel_confirm"] for o in orders)
    assert any(o["items_count"] > 1 for o in orders)
    assert any(float(o["voucher"]) > 0 for o in orders)
    assert any(float(o["shipping_fee"]) > 0 for o in orders)
    assert any(not o["customer_first_name"].isascii() for o in orders)
    for order in orders:
        assert isinstance(order["price"], str) and "." in order["price"]
        assert order["created_at"][-6:] == "+08:00" and "T" in order["created_at"]
        assert order["created_at"] <= order["updated_at"]
        assert order["address_shipping"]["address1"]
    one = client.json("/order/get", {"order_id": orders[0]["order_id"]})
    assert one["data"]["order_id"] == orders[0]["order_id"]
    assert_error(client.json("/order/get", {"order_id": "42"}), "16")
    items = client.json("/order/items/get", {"order_id": orders[0]["order_id"]})
    assert len(items["data"]) == orders[0]["items_count"]
    item = items["data"][0]
    assert {"order_item_id", "sku", "shop_sku", "item_price", "paid_price"} <= set(item)
    ids = [o["order_id"] for o in orders[:5]]
    many = client.json("/orders/items/get", {"order_ids": json.dumps(ids)})
    assert [entry["order_id"] for entry in many["data"]] == ids
    too_many = client.json(
        "/orders/items/get", {"order_ids": json.dumps([o["order_id"] for o in orders])}
    )
    assert too_many["code"] == "0"  # 30 <= 50
    fifty_one = json.dumps([ids[0]] * 51)
    assert_error(client.json("/orders/items/get", {"order_ids": fifty_one}), "38")
    assert_error(client.json("/orders/items/get", {"order_ids": "1,2"}), "56")


def test_order_money(sim, client):
    """Who pays what (MORE_API_FACTS section 5): each item's paid price is its price
    less the seller's and Lazada's vouchers, its tax the part of it the country's
    tax is; the order's shipping fee is the original one less the shipping fee
    discounts, on its first item; the buyer pays the paid prices of the items not
    cancelled plus the shipping fee."""
    rate = 9.0  # Singapore, the simulator's default country
    orders, _total = client.all_orders(limit=100)
    view = state(sim)["orders"]
    ids = [o["order_id"] for o in orders]
    details = {}
    for start in range(0, len(ids), 50):
        chunk = json.dumps(ids[start : start + 50])
        for entry in client.json("/orders/items/get", {"order_ids": chunk})["data"]:
            details[entry["order_id"]] = entry["order_items"]
    seen = set()
    for order in orders:
        items = details[order["order_id"]]
        original = float(order["shipping_fee_original"])
        seller = float(order["shipping_fee_discount_seller"])
        platform = float(order["shipping_fee_discount_platform"])
        shipping = float(order["shipping_fee"])
        assert shipping == pytest.approx(original - seller - platform)
        assert items[0]["shipping_amount"] == pytest.approx(shipping)
        assert items[0]["shipping_fee_original"] == pytest.approx(original)
        assert items[0]["shipping_fee_discount_seller"] == pytest.approx(seller)
        assert items[0]["shipping_fee_discount_platform"] == pytest.approx(platform)
        assert sum(i["shipping_amount"] for i in items) == pytest.approx(shipping)
        for item in items:
            paid = (
                item["item_price"] - item["voucher_seller"] - item["voucher_platform"]
            )
            assert item["paid_price"] == pytest.approx(paid)
            assert item["voucher_amount"] == pytest.approx(
                item["voucher_seller"] + item["voucher_platform"]
            )
            assert item["tax_amount"] == pytest.approx(
                round(paid * rate / (100 + rate), 2)
            )
            assert 0 < item["tax_amount"] < item["paid_price"]
        sold = [i for i in items if i["status"] != "canceled"] or items
        buyer_paid = sum(i["paid_price"] for i in sold) + shipping
        assert view[str(order["order_id"])]["total"] == pytest.approx(buyer_paid)
        money = view[str(order["order_id"])]["money"]
        assert money["voucher_seller"] == pytest.approx(
            sum(i["voucher_seller"] for i in sold)
        )
        seen |= {key for key, value in money.items() if value}
        if len({i["status"] for i in items}) > 1:
            seen.add("partially cancelled")
    assert {
        "voucher_seller",
        "voucher_platform",
        "shipping_fee",
        "shipping_fee_discount_seller",
        "shipping_fee_discount_platform",
        "partially cancelled",
    } <= seen


def test_tax_follows_the_country():
    with LazadaSimulator(orders=3, seed=4, country="my", tax_rate=6) as my:
        client = Client(my)
        client.authorize()
        order_id = next(iter(state(my)["orders"]))
        items = client.json("/order/items/get", {"order_id": order_id})["data"]
        assert {i["currency"] for i in items} == {"MYR"}
        for item in items:
            expected = round(item["paid_price"] * 6 / 106, 2)
            assert item["tax_amount"] == pytest.approx(expected)


def test_settlement_from_the_orders(sim, client):
    """A settled order's rows are its money: the items not cancelled at their full
    price (Lazada's vouchers are Lazada's to pay), the seller's vouchers, the
    shipping the buyer paid, Lazada's shipping discount and the shipping the
    logistics charge; never a cancelled item."""
    view = state(sim)["orders"]
    partial = next(
        ref
        for ref, o in view.items()
        if "canceled" in o["statuses"]
        and len(o["statuses"]) > 1
        and set(o["statuses"]) - {"canceled"} <= {"pending", "ready_to_ship"}
        and not any(i["need_cancel_confirm"] for i in o["items"].values())
    )
    free = next(
        ref
        for ref, o in view.items()
        if o["money"]["shipping_fee_discount_platform"]
        and set(o["statuses"]) <= {"pending", "packed", "ready_to_ship", "delivered"}
        and not any(i["need_cancel_confirm"] for i in o["items"].values())
    )
    for ref in (partial, free):
        control(sim, f"orders/{ref}/deliver")
    control(sim, "clock", {"advance": 4 * 24 * HOUR})
    client.authorize()
    day = time.strftime("%Y-%m-%d", time.gmtime(sim.now()))
    start = time.strftime("%Y-%m-%d", time.gmtime(sim.now() - 10 * 24 * HOUR))
    for ref in (partial, free):
        rows = client.json(
            "/finance/transaction/details/get",
            {"start_time": start, "end_time": day, "trade_order_id": ref},
        )["data"]
        order = view[ref]
        money = order["money"]
        sold = {k: i for k, i in order["items"].items() if i["status"] != "canceled"}

        def total(fee_type, rows=rows):
            return sum(float(r["amount"]) for r in rows if r["fee_type"] == fee_type)

        assert {r["orderItem_no"] for r in rows} == set(sold)
        assert total("13") == pytest.approx(sum(i["price"] for i in sold.values()))
        assert total("202") == pytest.approx(-money["voucher_seller"])
        assert total("8") == pytest.approx(money["shipping_fee"])
        assert total("211") == pytest.approx(money["shipping_fee_discount_platform"])
        assert total("7") == pytest.approx(-(money["shipping_fee_original"] or 2.5))
    assert view[free]["money"]["shipping_fee_discount_platform"]


def test_invoice_number_once_packed(sim, client):
    """SetInvoiceNumber refuses pending and cancelled items (E034), takes the
    number of a shipped or delivered one."""
    order_id, item_ids = _pick(sim, "pending")
    params = {"order_item_id": item_ids[0], "invoice_number": "INV-7"}
    assert_error(client.json("/order/invoice_number/set", params, "POST"), "34")
    control(sim, f"orders/{order_id}/deliver")
    assert client.json("/order/invoice_number/set", params, "POST")["code"] == "0"
    view = state(sim)["orders"][str(order_id)]
    assert view["items"][str(item_ids[0])]["invoice_number"] == "INV-7"


def test_deterministic_seed():
    with (
        LazadaSimulator(orders=12, seed=9) as one,
        LazadaSimulator(orders=12, seed=9) as two,
    ):
        a = state(one)["orders"]
        b = state(two)["orders"]
        assert list(a) == list(b)
        assert [o["items"] for o in a.values()] == [o["items"] for o in b.values()]


# ---- fulfilment ----------------------------------------------------------------------
def _pick(sim, status, need_cancel=False):
    for order_id, order in state(sim)["orders"].items():
        items = order["items"].values()
        if order["statuses"] == [status] and all(
            i["need_cancel_confirm"] == need_cancel for i in items
        ):
            return int(order_id), [int(i) for i in order["items"]]
    raise AssertionError(f"no {status} order")


def test_pack_rts_document_and_delivery(sim, client):
    order_id, item_ids = _pick(sim, "pending")
    providers = client.json("/order/shipment/providers/get")
    assert providers["result"]["success"]
    code = providers["result"]["data"]["shipment_providers"][0]["provider_code"]
    # invoice number before packing: E034
    early = client.json(
        "/order/invoice_number/set",
        {"order_item_id": item_ids[0], "invoice_number": "INV-1"},
        "POST",
    )
    assert_error(early, "34")
    pack_req = {
        "pack_order_list": [{"order_id": order_id, "order_item_list": item_ids}],
        "delivery_type": "dropship",
        "shipping_allocate_type": "TFS",
        "shipment_provider_code": code,
    }
    packed = client.json(
        "/order/fulfill/pack", {"packReq": json.dumps(pack_req)}, "POST"
    )
    assert packed["code"] == "0" and packed["result"]["success"]
    results = packed["result"]["data"]["pack_order_list"][0]["order_item_list"]
    assert {r["item_err_code"] for r in results} == {"0"}
    package_id = results[0]["package_id"]
    tracking = results[0]["tracking_number"]
    assert package_id.startswith("FP") and tracking
    # packing twice is refused per item
    again = client.json(
        "/order/fulfill/pack", {"packReq": json.dumps(pack_req)}, "POST"
    )
    items = again["result"]["data"]["pack_order_list"][0]["order_item_list"]
    assert items[0]["item_err_code"] != "0"
    too_many = dict(pack_req, pack_order_list=pack_req["pack_order_list"] * 21)
    big = client.json("/order/fulfill/pack", {"packReq": json.dumps(too_many)}, "POST")
    assert big["result"]["success"] is False
    invoice = client.json(
        "/order/invoice_number/set",
        {"order_item_id": item_ids[0], "invoice_number": "INV-1"},
        "POST",
    )
    assert invoice["code"] == "0"
    rts_req = json.dumps({"packages": [{"package_id": package_id}]})
    rts = client.json("/order/package/rts", {"readyToShipReq": rts_req}, "POST")
    assert rts["result"]["data"]["packages"][0]["item_err_code"] == "0"
    doc_req = json.dumps({"doc_type": "PDF", "packages": [{"package_id": package_id}]})
    for method in ("GET", "POST"):
        doc = client.json(
            "/order/package/document/get", {"getDocumentReq": doc_req}, method
        )
        pdf = base64.b64decode(doc["result"]["data"]["file"])
        assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
        assert tracking.encode() in pdf
        assert b"startxref" in pdf and b"/Type /Page" in pdf
    view = state(sim)["orders"][str(order_id)]
    assert view["statuses"] == ["ready_to_ship"]
    assert view["package_ids"] == [package_id]
    assert view["tracking_numbers"] == [tracking]
    assert view["items"][str(item_ids[0])]["invoice_number"] == "INV-1"
    control(sim, "clock", {"advance": 7 * HOUR})
    order = client.json("/order/get", {"order_id": order_id})["data"]
    assert order["statuses"] == ["shipped"]
    control(sim, "clock", {"advance": 49 * HOUR})
    order = client.json("/order/get", {"order_id": order_id})["data"]
    assert order["statuses"] == ["delivered"]
    # a pending (unpacked) order has nothing to print
    other_id, _items = _pick(sim, "unpaid")
    unknown = json.dumps({"doc_type": "PDF", "packages": [{"package_id": "FP0"}]})
    nodoc = client.json("/order/package/document/get", {"getDocumentReq": unknown})
    assert nodoc["result"]["success"] is False
    assert other_id


# ---- cancellation --------------------------------------------------------------------
def test_cancellation_decisions(sim, client):
    # the buyer asks to cancel a pending order; the seller agrees
    order_id, item_ids = _pick(sim, "pending")
    reverse_id = control(sim, f"orders/{order_id}/buyer_cancel")["reverse_order_id"]
    items = client.json("/order/items/get", {"order_id": order_id})["data"]
    assert all(i["need_cancel_confirm"] for i in items)
    assert {i["reverse_order_id"] for i in items} == {str(reverse_id)}
    decide = client.json(
        "/order/reverse/cancel/seller/decide",
        {"reverse_order_id": reverse_id, "agree_cancel": "true"},
    )
    assert decide["code"] == "0"
    order = client.json("/order/get", {"order_id": order_id})["data"]
    assert order["statuses"] == ["canceled"]
    again = client.json(
        "/order/reverse/cancel/seller/decide",
        {"reverse_order_id": reverse_id, "agree_cancel": "true"},
    )
    assert_error(again, "131")
    # a packed order with a buyer request: the seller rejects, nothing changes
    packed_id, _items = _pick(sim, "packed", need_cancel=True)
    view = state(sim)["orders"][str(packed_id)]
    reverse_id = next(iter(view["items"].values()))["reverse_order_id"]
    reject = client.json(
        "/order/reverse/cancel/seller/decide",
        {"reverse_order_id": reverse_id, "agree_cancel": "false", "reason_code": 1},
    )
    assert reject["code"] == "0"
    view = state(sim)["orders"][str(packed_id)]
    assert view["statuses"] == ["packed"]
    assert {i["cancel_decision"] for i in view["items"].values()} == {"rejected"}
    assert not any(i["need_cancel_confirm"] for i in view["items"].values())
    # seller-initiated cancellation
    order_id, item_ids = _pick(sim, "pending")
    lines = {"order_id": order_id, "order_item_id_list": json.dumps(item_ids)}
    valid = client.json("/order/reverse/cancel/validate", lines)
    reason_id = valid["data"]["reason_options"][0]["reason_id"]
    created = client.json(
        "/order/reverse/cancel/create", dict(lines, reason_id=reason_id)
    )
    assert created["code"] == "0"
    order = client.json("/order/get", {"order_id": order_id})["data"]
    assert order["statuses"] == ["canceled"]
    shipped_id, shipped_items = _pick(sim, "delivered")
    lines = {"order_id": shipped_id, "order_item_id_list": json.dumps(shipped_items)}
    refused = client.json("/order/reverse/cancel/validate", lines)
    assert refused["data"]["tip_type"] == "error"
    decisions = state(sim)["decisions"]
    assert [d["kind"] for d in decisions] == [
        "buyer_cancel_decision",
        "buyer_cancel_decision",
        "seller_cancel",
    ]


def test_unanswered_buyer_cancellation_auto_cancels(sim, client):
    order_id, _items = _pick(sim, "pending")
    control(sim, f"orders/{order_id}/buyer_cancel")
    control(sim, "clock", {"advance": 49 * HOUR})
    order = client.json("/order/get", {"order_id": order_id})["data"]
    assert order["statuses"] == ["canceled"]


# ---- stock ---------------------------------------------------------------------------
def _sku_xml(skus, tag="Quantity"):
    rows = "".join(
        f"<Sku><SellerSku>{sku}</SellerSku><{tag}>{qty}</{tag}></Sku>"
        for sku, qty in skus
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Request><Product><Skus>{rows}</Skus></Product></Request>"
    )


def test_stock_xml_updates(sim, client):
    payload = _sku_xml([("MUG", 12), ("TSHIRT-M", 0)])
    body = client.json("/product/price_quantity/update", {"payload": payload}, "POST")
    assert body["code"] == "0", body
    payload = _sku_xml([("MUG", 9)], tag="SellableQuantity")
    body = client.json("/product/stock/sellable/update", {"payload": payload}, "POST")
    assert body["code"] == "0", body
    stock = state(sim)["stock"]
    assert stock["MUG"]["quantity"] == 12
    assert stock["MUG"]["sellable_quantity"] == 9
    assert stock["TSHIRT-M"]["quantity"] == 0
    too_many = _sku_xml([("MUG", 1)] * 51)
    body = client.json("/product/price_quantity/update", {"payload": too_many}, "POST")
    assert_error(body, "4171")
    unknown = _sku_xml([("NOPE", 1)])
    body = client.json("/product/price_quantity/update", {"payload": unknown}, "POST")
    assert body["code"] == "501" and body["detail"][0]["seller_sku"] == "NOPE"
    # POST-only API called with GET
    wrong = client.json("/product/price_quantity/update", {"payload": payload}, "GET")
    assert wrong["code"] != "0"


# ---- push ----------------------------------------------------------------------------
def _verify(headers, raw):
    expected = hmac.new(
        APP_SECRET.encode(), APP_KEY.encode() + raw, hashlib.sha256
    ).hexdigest()
    return headers["Authorization"] == expected


def test_webhook_push_signed(sim, client):
    receiver = PushReceiver("/lazada/push")
    try:
        control(sim, "push_config", {"url": receiver.url})
        order_id, item_ids = _pick(sim, "pending")
        pack_req = {
            "pack_order_list": [{"order_id": order_id, "order_item_list": item_ids}],
            "delivery_type": "dropship",
            "shipping_allocate_type": "TFS",
        }
        client.json("/order/fulfill/pack", {"packReq": json.dumps(pack_req)}, "POST")
        assert sim.wait_pushes()
        assert len(receiver.received) == len(item_ids)
        for headers, raw in receiver.received:
            assert _verify(headers, raw)
            body = json.loads(raw)
            assert body["message_type"] == 0 and body["site"] == "lazada_sg"
            assert body["data"]["order_status"] == "packed"
            assert body["data"]["trade_order_id"] == str(order_id)
            assert int(body["data"]["trade_order_line_id"]) in item_ids
            assert {"seller_id", "timestamp"} <= set(body)
        # on demand
        control(sim, "push", {"order_id": order_id})
        assert sim.wait_pushes()
        assert len(receiver.received) == len(item_ids) + 1
        # duplicates: the same push twice
        control(sim, "faults", {"duplicates": 1.0})
        control(sim, "push", {"order_id": order_id})
        assert sim.wait_pushes()
        assert receiver.received[-1][1] == receiver.received[-2][1]
        pushes = state(sim)["pushes"]
        assert len(pushes) == len(receiver.received)
        assert {p["http_status"] for p in pushes} == {200}
        # time passing also pushes: ready_to_ship -> shipped
        control(sim, "faults", {})
        rts_req = json.dumps(
            {"packages": [{"package_id": packed_package(sim, order_id)}]}
        )
        client.json("/order/package/rts", {"readyToShipReq": rts_req}, "POST")
        control(sim, "clock", {"advance": 7 * HOUR})
        assert sim.wait_pushes()
        shipped = [
            json.loads(raw)["data"]
            for _h, raw in receiver.received
            if json.loads(raw)["data"]["trade_order_id"] == str(order_id)
        ]
        assert shipped[-1]["order_status"] == "shipped"
        # new orders are pushed as pending
        created = control(sim, "orders/new", {"count": 2})["order_ids"]
        assert sim.wait_pushes()
        pushed = {
            json.loads(raw)["data"]["trade_order_id"] for _h, raw in receiver.received
        }
        assert {str(i) for i in created} <= pushed
    finally:
        receiver.close()


def packed_package(sim, order_id):
    return state(sim)["orders"][str(order_id)]["package_ids"][0]


def test_push_to_dead_endpoint_is_recorded():
    with LazadaSimulator(orders=3, seed=1, push_url="http://127.0.0.1:9/x") as sim:
        order_id = next(iter(state(sim)["orders"]))
        control(sim, "push", {"order_id": order_id})
        assert sim.wait_pushes()
        pushes = state(sim)["pushes"]
        assert len(pushes) == 1 and pushes[0]["error"]


# ---- faults --------------------------------------------------------------------------
def _codes(faults, calls=200, seed=3):
    with LazadaSimulator(orders=5, seed=seed) as sim:
        client = Client(sim)
        client.authorize()
        sim.faults.update(faults)
        out = []
        for _ in range(calls):
            resp = client.call("/orders/get", {"created_after": "2000-01-01T00:00:00Z"})
            out.append((resp.status_code, resp.json()["code"], resp.headers))
        return out


def test_fault_5xx_rate_and_determinism():
    first = _codes({"rate_5xx": 0.3})
    failures = [c for c in first if c[0] >= 500]
    assert 40 <= len(failures) <= 80
    assert {status for status, _code, _h in failures} <= {500, 503}
    assert all(code != "0" for _s, code, _h in failures)
    second = _codes({"rate_5xx": 0.3})
    assert [c[:2] for c in first] == [c[:2] for c in second]


def test_fault_429_lazada_shape():
    results = _codes({"rate_429": 0.2, "retry_after": 2}, calls=100)
    limited = [c for c in results if c[0] == 429]
    assert 8 <= len(limited) <= 35
    for _status, code, headers in limited:
        assert code == "ApiCallLimit"
        assert headers["Retry-After"] == "2"


def test_list_faults(sim, client):
    control(sim, "faults", {"malformed": 0.2, "duplicates": 0.2, "out_of_order": 0.2})
    pages = [client.all_orders(limit=30)[0] for _ in range(5)]
    records = [o for page in pages for o in page]
    broken = [
        o
        for o in records
        if o.get("order_id") is None
        or o.get("price") == "abc"
        or "statuses" not in o
        or not o["created_at"][:4].strip("0")
    ]
    assert 10 <= len(broken) <= 50
    duplicated = 0
    stale = 0
    for page in pages:
        seen = {}
        for order in page:
            key = order.get("order_id")
            if key in seen and key is not None:
                if order == seen[key]:
                    duplicated += 1
                elif order["updated_at"] <= seen[key]["updated_at"]:
                    stale += 1
            seen.setdefault(key, order)
    assert 10 <= duplicated <= 50
    assert 10 <= stale <= 50
    fired = state(sim)["faults"]["fired"]
    assert {"malformed", "duplicates", "out_of_order"} <= set(fired)
