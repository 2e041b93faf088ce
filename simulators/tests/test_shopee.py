"""Shopee Open Platform v2 simulator: protocol and behaviour tests.

The client-side signing below is written from the Shopee documentation (API_FACTS
section 2), independently of the simulator, so these tests check the protocol."""

import hashlib
import hmac
import json
import time

import pytest
import requests

from simulators.core import PushReceiver
from simulators.shopee import STATUSES, ShopeeSimulator

from .helpers import control, state, wait_for

PARTNER_ID = 2001887
PARTNER_KEY = "shopee-partner-key"
SHOP_ID = 600001
DAY = 86400


def base_string(partner_id, path, timestamp, access_token="", shop_id=""):
    """Shop API: partner_id + api_path + timestamp + access_token + shop_id;
    public API: partner_id + api_path + timestamp. No separators."""
    return f"{partner_id}{path}{timestamp}{access_token}{shop_id}"


def sign(key, base):
    return hmac.new(key.encode(), base.encode(), hashlib.sha256).hexdigest()


class Client:
    def __init__(self, sim, partner_key=PARTNER_KEY):
        self.sim = sim
        self.partner_key = partner_key
        self.access_token = None
        self.refresh_token = None

    def call(
        self,
        method,
        path,
        params=None,
        body=None,
        shop=True,
        timestamp=None,
        token=None,
        signature=None,
    ):
        ts = int(time.time()) if timestamp is None else timestamp
        token = self.access_token if token is None else token
        query = {"partner_id": PARTNER_ID, "timestamp": ts}
        if shop:
            query.update(access_token=token, shop_id=SHOP_ID)
            base = base_string(PARTNER_ID, path, ts, token, SHOP_ID)
        else:
            base = base_string(PARTNER_ID, path, ts)
        query["sign"] = signature or sign(self.partner_key, base)
        query.update(params or {})
        return requests.request(
            method, self.sim.url + path, params=query, json=body, timeout=10
        )

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def post(self, path, body):
        return self.call("POST", path, body=body)

    def authorize(self):
        code = requests.post(f"{self.sim.url}/_sim/auth/code", json={}, timeout=5)
        resp = self.call(
            "POST",
            "/api/v2/auth/token/get",
            body={
                "code": code.json()["code"],
                "partner_id": PARTNER_ID,
                "shop_id": SHOP_ID,
            },
            shop=False,
        )
        assert resp.status_code == 200, resp.text
        data = resp.json()
        assert data["error"] == ""
        assert data["expire_in"] == 4 * 3600
        self.access_token, self.refresh_token = (
            data["access_token"],
            data["refresh_token"],
        )
        return data

    def refresh(self, refresh_token=None):
        return self.call(
            "POST",
            "/api/v2/auth/access_token/get",
            body={
                "refresh_token": refresh_token or self.refresh_token,
                "partner_id": PARTNER_ID,
                "shop_id": SHOP_ID,
            },
            shop=False,
        )


@pytest.fixture()
def sim():
    with ShopeeSimulator(orders=30, seed=3) as server:
        yield server


@pytest.fixture()
def client(sim):
    c = Client(sim)
    c.authorize()
    return c


def list_all(client, page_size=7, cursor="", **params):
    now = int(time.time())
    query = {
        "time_range_field": "create_time",
        "time_from": now - 15 * DAY,
        "time_to": now,
        "page_size": page_size,
        "response_optional_fields": "order_status",
    }
    query.update(params)
    seen, pages = [], 0
    while True:
        resp = client.get("/api/v2/order/get_order_list", cursor=cursor, **query)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert set(body) >= {"request_id", "error", "message", "response"}
        assert body["error"] == ""
        page = body["response"]
        seen.extend(page["order_list"])
        pages += 1
        assert pages < 100
        if not page["more"]:
            assert page["next_cursor"] == ""
            return seen, pages
        cursor = page["next_cursor"]


def find_order(sim, status, **conditions):
    with sim.lock:
        for order in sim.orders.values():
            if order["status"] != status:
                continue
            if all(
                (
                    len(order["packages"]) == 1
                    if key == "single"
                    else value in order["channel"]["info_needed"]
                )
                for key, value in conditions.items()
            ):
                return order["order_sn"]
    return None


# ---- signing --
def test_documented_base_string_example():
    # open.shopee.com "API calls" guide, shop API example
    assert (
        base_string(
            2001887,
            "/api/v2/shop/get_shop_info",
            1655714431,
            "59777174636562737266615546704c6d",
            14701711,
        )
        == "2001887/api/v2/shop/get_shop_info1655714431"
        "59777174636562737266615546704c6d14701711"
    )
    assert (
        base_string(2001887, "/api/v2/public/get_shops_by_partner", 1655714431)
        == "2001887/api/v2/public/get_shops_by_partner1655714431"
    )
    signature = sign("key", "x")
    assert len(signature) == 64 and signature == signature.lower()


def test_wrong_sign_and_common_params_rejected(sim, client):
    path = "/api/v2/order/get_order_detail"
    params = {"order_sn_list": next(iter(sim.orders))}
    ok = client.call("GET", path, params=params)
    assert ok.status_code == 200 and ok.json()["error"] == ""
    bad = client.call("GET", path, params=params, signature="0" * 64)
    assert bad.status_code == 403
    body = bad.json()
    assert body["error"] == "error_sign" and body["message"].startswith("Wrong sign")
    assert set(body) == {"request_id", "error", "message", "warning", "response"}
    # the signature of another key, or one signed as a public API, is wrong too
    other = Client(sim, "other-key")
    other.access_token = client.access_token
    assert other.call("GET", path, params=params).json()["error"] == "error_sign"
    public = sign(PARTNER_KEY, base_string(PARTNER_ID, path, int(time.time())))
    resp = client.call("GET", path, params=params, signature=public)
    assert resp.json()["error"] == "error_sign"
    missing = client.call("GET", path, params=params, token="")
    assert missing.json()["message"] == "There is no access_token in query."
    upper = client.call(
        "GET",
        path,
        params=params,
        signature=sign(
            PARTNER_KEY,
            base_string(
                PARTNER_ID, path, int(time.time()), client.access_token, SHOP_ID
            ),
        ).upper(),
    )
    assert upper.json()["error"] == "error_sign"
    # timestamp older than 5 minutes
    stale = client.call("GET", path, params=params, timestamp=int(time.time()) - 400)
    assert stale.json()["error"] == "error_param"
    assert stale.json()["message"] == "Invalid timestamp"
    # body is not signed: tampering with the body keeps the signature valid
    resp = client.post(
        "/api/v2/product/update_stock",
        {
            "item_id": 123,
            "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}],
        },
    )
    assert resp.json()["error"] == "error_param"  # unknown item, but signature ok


def test_tokens_invalid_expired_and_refresh_single_use(sim, client):
    path = "/api/v2/order/get_order_detail"
    params = {"order_sn_list": next(iter(sim.orders))}
    resp = client.call("GET", path, params=params, token="f" * 32)
    assert resp.status_code == 403
    assert resp.json()["error"] == "error_auth"
    assert resp.json()["message"].startswith("Invalid access_token")
    # access token lasts 4 h of simulated time
    control(sim, "clock", {"advance": 4 * 3600 + 1})
    assert client.call("GET", path, params=params).json()["error"] == "error_auth"
    old_refresh = client.refresh_token
    resp = client.refresh()
    data = resp.json()
    assert resp.status_code == 200 and data["error"] == ""
    assert data["shop_id"] == SHOP_ID and data["expire_in"] == 4 * 3600
    client.access_token, client.refresh_token = (
        data["access_token"],
        data["refresh_token"],
    )
    assert client.call("GET", path, params=params).json()["error"] == ""
    # the old refresh token was consumed
    again = client.refresh(old_refresh)
    assert again.status_code == 403
    assert again.json()["error"] == "error_shop_refresh_token"
    # codes are single use
    code = control(sim, "auth/code")["code"]
    body = {"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID}
    first = client.call("POST", "/api/v2/auth/token/get", body=body, shop=False)
    second = client.call("POST", "/api/v2/auth/token/get", body=body, shop=False)
    assert first.json()["error"] == "" and second.json()["error"] == "invalid_code"
    # the authorization link redirects back with a code and the shop_id
    ts = int(time.time())
    link = requests.get(
        f"{sim.url}/api/v2/shop/auth_partner",
        params={
            "partner_id": PARTNER_ID,
            "timestamp": ts,
            "sign": sign(
                PARTNER_KEY,
                base_string(PARTNER_ID, "/api/v2/shop/auth_partner", ts),
            ),
            "redirect": "https://erp.example/shopee/callback",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert link.status_code == 302
    assert link.headers["Location"].startswith(
        "https://erp.example/shopee/callback?code="
    )
    assert link.headers["Location"].endswith(f"&shop_id={SHOP_ID}")
    # expire_tokens fault: every issued access token expires, refresh still works
    control(sim, "faults", {"expire_tokens": 1})
    assert client.call("GET", path, params=params).json()["error"] == "error_auth"
    data = client.refresh().json()
    client.access_token = data["access_token"]
    assert client.call("GET", path, params=params).json()["error"] == ""


# ---- orders --
def test_cursor_paging_returns_every_order_once(sim, client):
    now = int(time.time())
    expected = {
        sn for sn, o in sim.orders.items() if now - 15 * DAY <= o["create_time"] <= now
    }
    seen, pages = list_all(client, page_size=7)
    sns = [o["order_sn"] for o in seen]
    assert len(sns) == len(set(sns)) == len(expected) and set(sns) == expected
    assert pages == -(-len(expected) // 7)
    assert all(o["order_status"] == sim.orders[o["order_sn"]]["status"] for o in seen)
    # newest first
    times = [sim.orders[sn]["create_time"] for sn in sns]
    assert times == sorted(times, reverse=True)
    # status filter, and update_time field over two windows covers all 30 orders
    ready, _ = list_all(client, page_size=3, order_status="READY_TO_SHIP")
    assert {o["order_status"] for o in ready} == {"READY_TO_SHIP"}
    everything = set()
    for start in (now - 30 * DAY, now - 15 * DAY + 1):
        page, _ = list_all(
            client,
            page_size=100,
            time_range_field="update_time",
            time_from=start,
            time_to=start + 15 * DAY - 1,
        )
        everything |= {o["order_sn"] for o in page}
    assert everything == set(sim.orders)
    # an order created during paging does not disturb the pass
    resp = client.get(
        "/api/v2/order/get_order_list",
        time_range_field="create_time",
        time_from=now - 15 * DAY + 60,
        time_to=now + 60,
        page_size=5,
    )
    first = resp.json()["response"]
    control(sim, "orders/new", {"count": 2})
    rest, _ = list_all(
        client,
        page_size=5,
        time_from=now - 15 * DAY + 60,
        time_to=now + 60,
        cursor=first["next_cursor"],
    )
    got = [o["order_sn"] for o in first["order_list"]] + [o["order_sn"] for o in rest]
    assert len(got) == len(set(got)) == len(expected)


def test_order_list_validation(client):
    now = int(time.time())
    base = {
        "time_range_field": "create_time",
        "time_from": now - 16 * DAY,
        "time_to": now,
        "page_size": 10,
    }
    resp = client.get("/api/v2/order/get_order_list", **base)
    assert resp.json()["error"] == "order.order_list_invalid_time"
    assert resp.status_code == 400
    resp = client.get("/api/v2/order/get_order_list", **dict(base, time_from=now + 1))
    assert resp.json()["error"] == "order.order_list_invalid_time"
    ok = dict(base, time_from=now - 15 * DAY)
    for page_size in (0, 101):
        resp = client.get(
            "/api/v2/order/get_order_list", **dict(ok, page_size=page_size)
        )
        assert resp.json()["error"] == "error_param"
    resp = client.get("/api/v2/order/get_order_list", **dict(ok, cursor="!!bad"))
    assert resp.json()["error"] == "error_param"
    assert client.get("/api/v2/order/get_order_list", **ok).json()["error"] == ""


def test_order_detail_fields(sim, client):
    sns = list(sim.orders)
    resp = client.get(
        "/api/v2/order/get_order_detail", order_sn_list=",".join(sns[:50])
    )
    basic = resp.json()["response"]["order_list"]
    assert len(basic) == 30 and "item_list" not in basic[0]
    assert {"order_sn", "region", "currency", "cod", "order_status"} <= set(basic[0])
    optional = (
        "buyer_user_id,buyer_username,recipient_address,item_list,package_list,"
        "total_amount,cancel_by,cancel_reason,buyer_cancel_reason,pickup_done_time,"
        "fulfillment_flag,shipping_carrier,payment_method"
    )
    resp = client.get(
        "/api/v2/order/get_order_detail",
        order_sn_list=",".join(sns),
        response_optional_fields=optional,
    )
    orders = resp.json()["response"]["order_list"]
    assert {o["order_status"] for o in orders} >= set(STATUSES)
    assert any(o["cod"] for o in orders)
    assert any(len(o["package_list"]) > 1 for o in orders)
    assert any(len(o["item_list"]) > 1 for o in orders)
    assert any(i["model_id"] and i["model_sku"] for o in orders for i in o["item_list"])
    assert any(
        any(ord(c) > 127 for c in o["recipient_address"]["name"]) for o in orders
    )
    for order in orders:
        assert set(order["recipient_address"]) >= {
            "name",
            "phone",
            "city",
            "state",
            "region",
            "zipcode",
            "full_address",
        }
        packed = sum(
            i["model_quantity"] for p in order["package_list"] for i in p["item_list"]
        )
        assert packed == sum(i["model_quantity_purchased"] for i in order["item_list"])
        amounts = sim.orders[order["order_sn"]]["amounts"]
        assert order["total_amount"] == amounts["total_amount"]
        assert order["create_time"] <= order["update_time"] <= time.time()
        assert time.time() - order["create_time"] < 21 * DAY
    assert any(
        sim.orders[o["order_sn"]]["amounts"]["voucher_from_seller"] for o in orders
    )
    too_many = client.get(
        "/api/v2/order/get_order_detail", order_sn_list=",".join(sns + sns)[:1000]
    )
    assert too_many.json()["error"] == "error_param"


# ---- payment --
def test_escrow_detail_of_every_paid_order(sim, client):
    """Every paid order has an escrow detail (an estimate until its release),
    split from the order's own amounts; an unpaid order has none."""
    with sim.lock:
        orders = {sn: dict(o) for sn, o in sim.orders.items()}
        released = set(sim.escrows)
    paid = sorted(sn for sn, o in orders.items() if o["pay_time"])
    unpaid = sorted(sn for sn, o in orders.items() if not o["pay_time"])
    assert paid and unpaid and released
    assert released < set(paid)
    resp = client.post(
        "/api/v2/payment/get_escrow_detail_batch", {"order_sn_list": paid + unpaid}
    )
    details = {
        e["escrow_detail"]["order_sn"]: e["escrow_detail"]
        for e in resp.json()["response"]
    }
    assert set(details) == set(paid)
    for sn, detail in details.items():
        income, amounts = detail["order_income"], orders[sn]["amounts"]
        assert income["cost_of_goods_sold"] == amounts["items_subtotal"]
        assert income["coins"] == amounts["coins"]
        assert income["shopee_discount"] == amounts["shopee_discount"]
        paid_by_buyer = (
            income["cost_of_goods_sold"]
            + income["buyer_paid_shipping_fee"]
            - income["voucher_from_seller"]
            - income["voucher_from_shopee"]
            - income["coins"]
            - income["shopee_discount"]
        )
        assert round(paid_by_buyer, 2) == income["buyer_total_amount"]
        assert income["buyer_total_amount"] == amounts["total_amount"]
        if sn not in released:
            assert detail["return_order_sn_list"] == []
            assert income["order_adjustment"] == []
    for sn in unpaid:
        resp = client.get("/api/v2/payment/get_escrow_detail", order_sn=sn)
        assert resp.json()["error"] == "error_not_found"
    estimate = next(sn for sn in paid if sn not in released)
    resp = client.get("/api/v2/payment/get_escrow_detail", order_sn=estimate)
    assert resp.json()["response"]["order_income"]["escrow_amount"] > 0


# ---- logistics --
def ship(client, sn, mode, param, package_number=None):
    body = {"order_sn": sn, mode: param}
    if package_number:
        body["package_number"] = package_number
    return client.post("/api/v2/logistics/ship_order", body)


def test_ship_pickup_dropoff_non_integrated_to_completed(sim, client):
    # make sure there are ready orders on each channel
    control(sim, "orders/new", {"count": 12})
    pickup_sn = find_order(sim, "READY_TO_SHIP", single=True, mode="pickup")
    dropoff_sn = find_order(sim, "READY_TO_SHIP", single=True, mode="dropoff")
    manual_sn = find_order(sim, "READY_TO_SHIP", single=True, mode="non_integrated")
    assert pickup_sn and dropoff_sn and manual_sn

    params = client.get(
        "/api/v2/logistics/get_shipping_parameter", order_sn=pickup_sn
    ).json()["response"]
    assert params["info_needed"]["pickup"] == ["address_id", "pickup_time_id"]
    address = params["pickup"]["address_list"][0]
    slot = address["time_slot_list"][0]
    assert {"date", "time_text", "pickup_time_id", "flags"} <= set(slot)
    # exactly one of pickup / dropoff / non_integrated
    both = client.post(
        "/api/v2/logistics/ship_order",
        {"order_sn": pickup_sn, "pickup": {}, "dropoff": {}},
    )
    assert both.json()["error"] == "error_param"
    none = client.post("/api/v2/logistics/ship_order", {"order_sn": pickup_sn})
    assert none.json()["error"] == "error_param"
    resp = ship(
        client,
        pickup_sn,
        "pickup",
        {"address_id": address["address_id"], "pickup_time_id": slot["pickup_time_id"]},
    )
    assert resp.json()["error"] == "", resp.text
    again = ship(client, pickup_sn, "pickup", {"address_id": 1, "pickup_time_id": "x"})
    assert again.json()["error"] == "logistics.ship_order_not_ready_to_ship"

    dparams = client.get(
        "/api/v2/logistics/get_shipping_parameter", order_sn=dropoff_sn
    ).json()["response"]
    branch_id = (dparams["dropoff"]["branch_list"] or [{"branch_id": None}])[0][
        "branch_id"
    ]
    dropoff = {"branch_id": branch_id} if branch_id else {}
    assert ship(client, dropoff_sn, "dropoff", dropoff).json()["error"] == ""
    missing = ship(client, manual_sn, "non_integrated", {})
    assert missing.json()["error"] == "logistics.ship_order_need_tracking_number"
    resp = ship(client, manual_sn, "non_integrated", {"tracking_number": "OWN123456"})
    assert resp.json()["error"] == ""

    def tracking(sn):
        return client.get("/api/v2/logistics/get_tracking_number", order_sn=sn).json()[
            "response"
        ]["tracking_number"]

    assert tracking(pickup_sn) == "" and tracking(dropoff_sn) == ""
    assert tracking(manual_sn) == "OWN123456"
    control(sim, "clock", {"advance": 60})
    assert tracking(pickup_sn) and tracking(dropoff_sn)
    st = state(sim)["orders"]
    assert st[pickup_sn]["status"] == "PROCESSED"
    assert st[pickup_sn]["shipping_methods"] == ["pickup"]
    assert st[dropoff_sn]["shipping_methods"] == ["dropoff"]
    assert st[manual_sn]["tracking_numbers"] == ["OWN123456"]
    # time passes: PROCESSED -> SHIPPED -> TO_CONFIRM_RECEIVE -> COMPLETED
    control(sim, "clock", {"advance": 3600})
    assert state(sim)["orders"][pickup_sn]["status"] == "SHIPPED"
    control(sim, "clock", {"advance": 2 * DAY})
    assert state(sim)["orders"][pickup_sn]["status"] == "TO_CONFIRM_RECEIVE"
    control(sim, "clock", {"advance": 3 * DAY})
    st = state(sim)["orders"]
    for sn in (pickup_sn, dropoff_sn, manual_sn):
        assert st[sn]["status"] == "COMPLETED"
        statuses = [h["status"] for h in st[sn]["history"]]
        assert statuses[-4:] == [
            "PROCESSED",
            "SHIPPED",
            "TO_CONFIRM_RECEIVE",
            "COMPLETED",
        ]
        updates = [h["update_time"] for h in st[sn]["history"]]
        assert updates == sorted(updates)


def ship_args(client, sn, package_number=""):
    """(mode, parameters) for ship_order, from get_shipping_parameter's info_needed."""
    query = {"order_sn": sn}
    if package_number:
        query["package_number"] = package_number
    params = client.get("/api/v2/logistics/get_shipping_parameter", **query).json()
    info = params["response"]["info_needed"]
    if "pickup" in info:
        address = params["response"]["pickup"]["address_list"][0]
        slot = address["time_slot_list"][0]
        return "pickup", {
            "address_id": address["address_id"],
            "pickup_time_id": slot["pickup_time_id"],
        }
    if "dropoff" in info:
        if "branch_id" in info["dropoff"]:
            branch = params["response"]["dropoff"]["branch_list"][0]
            return "dropoff", {"branch_id": branch["branch_id"]}
        return "dropoff", {}
    return "non_integrated", {"tracking_number": f"OWN{package_number[-6:]}"}


def test_split_order_needs_package_number(sim, client):
    control(sim, "orders/new", {"count": 15})
    with sim.lock:
        sn = next(
            o["order_sn"]
            for o in sim.orders.values()
            if o["status"] == "READY_TO_SHIP" and len(o["packages"]) > 1
        )
        packages = [p["package_number"] for p in sim.orders[sn]["packages"]]
    mode, param = ship_args(client, sn, packages[0])
    resp = ship(client, sn, mode, param)
    assert resp.json()["error"] == "logistics.ship_order_need_pacakge_number"
    assert ship(client, sn, mode, param, packages[0]).json()["error"] == ""
    assert state(sim)["orders"][sn]["status"] == "READY_TO_SHIP"
    again = ship(client, sn, mode, param, packages[0]).json()
    assert again["error"] == "logistics.package_already_shipped"
    mode, param = ship_args(client, sn, packages[1])
    assert ship(client, sn, mode, param, packages[1]).json()["error"] == ""
    assert state(sim)["orders"][sn]["status"] == "PROCESSED"
    resp = client.get("/api/v2/logistics/get_tracking_number", order_sn=sn).json()
    assert resp["error"] == "logistics.package_number_not_exist"
    control(sim, "clock", {"advance": 60})
    numbers = [
        client.get(
            "/api/v2/logistics/get_tracking_number", order_sn=sn, package_number=p
        ).json()["response"]["tracking_number"]
        for p in packages
    ]
    assert all(numbers) and len(set(numbers)) == 2
    assert sorted(state(sim)["orders"][sn]["tracking_numbers"]) == sorted(numbers)


def test_shipping_document_flow_gives_pdf(sim, client):
    control(sim, "orders/new", {"count": 8})
    sn = find_order(sim, "READY_TO_SHIP", single=True, mode="pickup")
    params = client.get("/api/v2/logistics/get_shipping_parameter", order_sn=sn).json()
    address = params["response"]["pickup"]["address_list"][1]
    slot = address["time_slot_list"][-1]
    ship(
        client,
        sn,
        "pickup",
        {"address_id": address["address_id"], "pickup_time_id": slot["pickup_time_id"]},
    )
    # before the tracking number exists, no document
    early = client.post(
        "/api/v2/logistics/create_shipping_document",
        {
            "order_list": [
                {"order_sn": sn, "shipping_document_type": "THERMAL_AIR_WAYBILL"}
            ]
        },
    )
    assert early.json()["error"] == "common.batch_api_all_failed"
    control(sim, "clock", {"advance": 31})
    tracking = client.get("/api/v2/logistics/get_tracking_number", order_sn=sn).json()[
        "response"
    ]["tracking_number"]
    docparam = client.post(
        "/api/v2/logistics/get_shipping_document_parameter",
        {"order_list": [{"order_sn": sn}]},
    ).json()["response"]["result_list"][0]
    doc_type = docparam["suggest_shipping_document_type"]
    assert doc_type in docparam["selectable_shipping_document_type"]
    created = client.post(
        "/api/v2/logistics/create_shipping_document",
        {
            "order_list": [
                {
                    "order_sn": sn,
                    "tracking_number": tracking,
                    "shipping_document_type": doc_type,
                }
            ]
        },
    ).json()
    assert (
        created["error"] == ""
        and "fail_error" not in created["response"]["result_list"][0]
    )
    body = {"order_list": [{"order_sn": sn}], "shipping_document_type": doc_type}
    result = client.post("/api/v2/logistics/get_shipping_document_result", body).json()
    assert result["response"]["result_list"][0]["status"] == "PROCESSING"
    early = client.post("/api/v2/logistics/download_shipping_document", body)
    assert early.json()["error"] == "logistics.shipping_document_should_print_first"
    control(sim, "clock", {"advance": 5})
    result = client.post("/api/v2/logistics/get_shipping_document_result", body).json()
    assert result["response"]["result_list"][0]["status"] == "READY"
    pdf = client.post("/api/v2/logistics/download_shipping_document", body)
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    content = pdf.content
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    assert tracking.encode() in content
    # the xref offsets point at the objects
    xref_at = int(content.rsplit(b"startxref", 1)[1].split()[0])
    assert content[xref_at:].startswith(b"xref")
    entries = content[xref_at:].split(b"\n")[3:]
    first_obj = int(entries[0][:10])
    assert content[first_obj:].startswith(b"1 0 obj")
    assert (
        state(sim)["documents"][
            f"{sn}/{sim.orders[sn]['packages'][0]['package_number']}"
        ]["downloads"]
        == 1
    )


# ---- cancellation --
def test_cancellations(sim, client):
    control(sim, "orders/new", {"count": 4})
    sns = [sn for sn, o in sim.orders.items() if o["status"] == "READY_TO_SHIP"]
    accept_sn, reject_sn, seller_sn = sns[:3]
    assert control(sim, f"orders/{accept_sn}/buyer_cancel")["status"] == "IN_CANCEL"
    control(sim, f"orders/{reject_sn}/buyer_cancel", {"reason": "Đổi ý"})
    detail = client.get(
        "/api/v2/order/get_order_detail",
        order_sn_list=reject_sn,
        response_optional_fields="buyer_cancel_reason",
    ).json()["response"]["order_list"][0]
    assert detail["order_status"] == "IN_CANCEL"
    assert detail["buyer_cancel_reason"] == "Đổi ý"
    resp = client.post(
        "/api/v2/order/handle_buyer_cancellation",
        {"order_sn": accept_sn, "operation": "ACCEPT"},
    ).json()
    assert resp["error"] == "" and resp["response"]["update_time"] > 0
    resp = client.post(
        "/api/v2/order/handle_buyer_cancellation",
        {"order_sn": reject_sn, "operation": "REJECT"},
    ).json()
    assert resp["error"] == ""
    again = client.post(
        "/api/v2/order/handle_buyer_cancellation",
        {"order_sn": reject_sn, "operation": "ACCEPT"},
    ).json()
    assert again["error"] == "order.cancel_order_invalid_status"
    st = state(sim)["orders"]
    assert st[accept_sn]["status"] == "CANCELLED"
    assert st[accept_sn]["cancellation"]["cancel_by"] == "buyer"
    assert st[reject_sn]["status"] == "READY_TO_SHIP"
    assert st[reject_sn]["decisions"][-1]["operation"] == "REJECT"
    # seller cancel: OUT_OF_STOCK needs item_list
    no_items = client.post(
        "/api/v2/order/cancel_order",
        {"order_sn": seller_sn, "cancel_reason": "OUT_OF_STOCK"},
    ).json()
    assert no_items["error"] == "error_param"
    item = sim.orders[seller_sn]["items"][0]
    resp = client.post(
        "/api/v2/order/cancel_order",
        {
            "order_sn": seller_sn,
            "cancel_reason": "OUT_OF_STOCK",
            "item_list": [{"item_id": item["item_id"], "model_id": item["model_id"]}],
        },
    ).json()
    assert resp["error"] == "" and resp["response"]["update_time"]
    assert state(sim)["orders"][seller_sn]["status"] == "CANCELLED"
    shipped = find_order(sim, "SHIPPED")
    late = client.post(
        "/api/v2/order/cancel_order",
        {"order_sn": shipped, "cancel_reason": "CUSTOMER_REQUEST"},
    ).json()
    assert late["error"] == "order.error_limit"


# ---- stock --
def test_update_stock_visible(sim, client):
    catalogue = state(sim)["catalogue"]
    tshirt = next(i for i in catalogue if i["item_sku"] == "TSHIRT")
    models = tshirt["models"]
    resp = client.post(
        "/api/v2/product/update_stock",
        {
            "item_id": tshirt["item_id"],
            "stock_list": [
                {"model_id": models[0]["model_id"], "seller_stock": [{"stock": 17}]},
                {"model_id": models[1]["model_id"], "seller_stock": [{"stock": 0}]},
                {"model_id": 999, "seller_stock": [{"stock": 5}]},
                {"model_id": models[2]["model_id"], "seller_stock": [{"stock": -1}]},
            ],
        },
    ).json()
    assert resp["error"] == ""
    assert [s["model_id"] for s in resp["response"]["success_list"]] == [
        models[0]["model_id"],
        models[1]["model_id"],
    ]
    assert len(resp["response"]["failure_list"]) == 2
    stock = state(sim)["stock"]
    assert stock["by_sku"]["TSHIRT-S"] == 17 and stock["by_sku"]["TSHIRT-M"] == 0
    assert stock["by_item"][str(tshirt["item_id"])][str(models[0]["model_id"])] == 17
    mug = next(i for i in catalogue if i["item_sku"] == "MUG")
    resp = client.post(
        "/api/v2/product/update_stock",
        {
            "item_id": mug["item_id"],
            "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 3}]}],
        },
    ).json()
    assert resp["response"]["success_list"][0]["stock"] == 3
    assert state(sim)["stock"]["by_sku"]["MUG"] == 3
    too_many = client.post(
        "/api/v2/product/update_stock",
        {
            "item_id": mug["item_id"],
            "stock_list": [{"model_id": 0, "seller_stock": [{"stock": 1}]}] * 51,
        },
    ).json()
    assert too_many["error"] == "error_param"
    models_resp = client.get(
        "/api/v2/product/get_model_list", item_id=tshirt["item_id"]
    ).json()["response"]["model"]
    assert models_resp[0]["stock_info_v2"]["seller_stock"][0]["stock"] == 17


# ---- push --
def test_push_received_with_valid_signature(sim, client):
    receiver = PushReceiver("/shopee/push")
    try:
        control(sim, "push_config", {"url": receiver.url})
        sn = find_order(sim, "READY_TO_SHIP")
        control(sim, "push", {"order_sn": sn})
        assert wait_for(lambda: len(receiver.received) >= 1)
        control(sim, f"orders/{sn}/buyer_cancel")
        assert wait_for(lambda: len(receiver.received) >= 2)
        for headers, raw in receiver.received:
            authorization = headers.get("Authorization")
            expected = hmac.new(
                PARTNER_KEY.encode(), receiver.url.encode() + b"|" + raw, hashlib.sha256
            ).hexdigest()
            assert authorization == expected
        messages = [json.loads(raw) for _, raw in receiver.received]
        assert messages[0]["code"] == 3 and messages[0]["shop_id"] == SHOP_ID
        assert messages[0]["data"]["ordersn"] == sn
        assert messages[1]["data"]["status"] == "IN_CANCEL"
        assert {"msg_id", "data", "shop_id", "code", "timestamp"} <= set(messages[1])
        # tracking number (code 4) after ship_order on a manual channel
        control(sim, "orders/new", {"count": 10})
        manual = find_order(sim, "READY_TO_SHIP", single=True, mode="non_integrated")
        ship(client, manual, "non_integrated", {"tracking_number": "MAN-1"})
        assert wait_for(
            lambda: any(json.loads(r)["code"] == 4 for _, r in receiver.received)
        )
        # shipping document READY (code 15)
        pickup = find_order(sim, "READY_TO_SHIP", single=True, mode="pickup")
        mode, param = ship_args(client, pickup)
        assert ship(client, pickup, mode, param).json()["error"] == ""
        control(sim, "clock", {"advance": 31})
        docs = {"order_list": [{"order_sn": pickup}]}
        client.post("/api/v2/logistics/create_shipping_document", docs)
        control(sim, "clock", {"advance": 5})
        assert wait_for(
            lambda: any(json.loads(r)["code"] == 15 for _, r in receiver.received)
        )
        doc_push = next(
            json.loads(r) for _, r in receiver.received if json.loads(r)["code"] == 15
        )
        assert doc_push["data"]["ordersn"] == pickup
        assert doc_push["data"]["status"] == "READY"
        assert sim.wait_pushes()
        pushes = state(sim)["pushes"]
        assert pushes and all(p["status"] == "delivered" for p in pushes)
        # duplicates fault sends a push twice
        control(sim, "faults", {"duplicates": 1})
        before = len(receiver.received)
        control(sim, "push", {"order_sn": sn})
        assert wait_for(lambda: len(receiver.received) >= before + 2)
        first, second = receiver.received[-2:]
        assert first == second
    finally:
        receiver.close()


# ---- faults --
def test_fault_rates(sim, client):
    path = "/api/v2/order/get_order_detail"
    sn = next(iter(sim.orders))
    control(sim, "faults", {"rate_5xx": 0.3})
    codes = [client.get(path, order_sn_list=sn).status_code for _ in range(100)]
    errors = [c for c in codes if c in (500, 503)]
    assert 18 <= len(errors) <= 42
    bad = client.get(path, order_sn_list=sn)
    while bad.status_code == 200:
        bad = client.get(path, order_sn_list=sn)
    assert bad.json()["error"] == "error_server"
    control(sim, "faults", {"rate_429": 0.2, "retry_after": 2})
    resps = [client.get(path, order_sn_list=sn) for _ in range(100)]
    limited = [r for r in resps if r.status_code == 429]
    assert 10 <= len(limited) <= 32
    assert limited[0].headers["Retry-After"] == "2"
    assert limited[0].json()["error"] == "error_server"
    assert limited[0].json()["message"] == "Too many requests, please try again later"

    control(sim, "faults", {"malformed": 0.1, "duplicates": 0.1, "out_of_order": 0.1})
    sns = ",".join(list(sim.orders)[:50])
    malformed = duplicated = stale = total = 0
    for _ in range(10):
        orders = client.get(path, order_sn_list=sns).json()["response"]["order_list"]
        seen = set()
        for record in orders:
            if record["order_status"] is None:
                malformed += 1
                continue
            key = record["order_sn"]
            if key in seen:
                duplicated += 1
            seen.add(key)
            total += 1
            real = sim.orders[key]
            if record["update_time"] < real["update_time"]:
                stale += 1
    assert 15 <= malformed <= 50
    assert 15 <= duplicated <= 50
    assert 10 <= stale <= 50
    fired = state(sim)["faults"]["fired"]
    # a duplicated broken record is counted as broken above
    assert fired["malformed"] + fired["duplicates"] == malformed + duplicated
    assert fired["malformed"] <= malformed

    # list: malformed / duplicate records in pages
    control(sim, "faults", {"malformed": 0.2, "duplicates": 0.2})
    seen, _ = list_all(client, page_size=10)
    assert any(o["order_sn"] is None for o in seen)
    sns_seen = [o["order_sn"] for o in seen if o["order_sn"]]
    assert len(sns_seen) > len(set(sns_seen))


def test_timeout_and_burst_faults(sim, client):
    path = "/api/v2/order/get_order_detail"
    sn = next(iter(sim.orders))
    control(sim, "faults", {"timeout": 0.25, "timeout_seconds": 0.05})
    for _ in range(40):
        assert client.get(path, order_sn_list=sn).status_code == 200
    assert 4 <= state(sim)["faults"]["fired"]["timeout"] <= 18
    control(sim, "faults", {"rate_429": 0.1, "burst_429": 3})
    codes = [client.get(path, order_sn_list=sn).status_code for _ in range(60)]
    runs, run = [], 0
    for code in codes + [200]:
        if code == 429:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    assert runs and all(r >= 3 for r in runs[:-1])


def test_busy_fault_answers_the_next_calls_only(sim, client):
    path = "/api/v2/order/get_order_detail"
    sn = next(iter(sim.orders))
    control(sim, "faults", {"busy": 2})
    busy = [client.get(path, order_sn_list=sn) for _ in range(2)]
    assert [r.status_code for r in busy] == [400, 400]
    assert {r.json()["error"] for r in busy} == {"error_busy"}
    assert client.get(path, order_sn_list=sn).status_code == 200
    assert state(sim)["faults"]["fired"]["busy"] == 2


def test_faults_deterministic_with_seed():
    def run():
        with ShopeeSimulator(orders=5, seed=11) as server:
            c = Client(server)
            c.authorize()
            control(server, "faults", {"rate_5xx": 0.5})
            sn = next(iter(server.orders))
            return [
                c.get("/api/v2/order/get_order_detail", order_sn_list=sn).status_code
                for _ in range(20)
            ], sorted(server.orders)

    first, second = run(), run()
    assert first == second
