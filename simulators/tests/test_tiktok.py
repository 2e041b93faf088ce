"""TikTok Shop 202309 simulator: signing, auth, orders, fulfilment, cancellations,
stock, webhooks and faults, through real HTTP on loopback."""

import hashlib
import hmac
import json
import re
import time

import pytest
import requests

from simulators.core import PushReceiver
from simulators.tiktok import TikTokSimulator

from .helpers import advance, state

APP_KEY = "29a39d"
APP_SECRET = "tiktok-app-secret"
CIPHER = "ROW_sim_cipher"
DAY = 86400


# ---- client side, written from the doc, independent of the simulator ----
def string_to_sign(path, params, body=b""):
    keys = sorted(k for k in params if k not in ("sign", "access_token"))
    text = path + "".join(f"{k}{params[k]}" for k in keys)
    return text.encode() + body


def client_sign(secret, path, params, body=b""):
    wrapped = secret.encode() + string_to_sign(path, params, body) + secret.encode()
    return hmac.new(secret.encode(), wrapped, hashlib.sha256).hexdigest()


class Client:
    def __init__(self, sim, token=None):
        self.sim = sim
        self.token = token

    def call(self, method, path, query=None, body=None, **kw):
        params = {"app_key": kw.get("app_key", APP_KEY)}
        params["timestamp"] = str(kw.get("timestamp", int(time.time())))
        if kw.get("cipher", True):
            params["shop_cipher"] = CIPHER
        params.update(query or {})
        raw = json.dumps(body).encode() if body is not None else b""
        params["sign"] = client_sign(kw.get("secret", APP_SECRET), path, params, raw)
        if kw.get("tamper"):
            raw = raw.replace(b"1", b"2") if raw else raw
            params["sign"] = params["sign"] if raw else "0" * 64
        headers = {"content-type": "application/json"}
        token = kw.get("token", self.token)
        if token:
            headers["x-tts-access-token"] = token
        resp = requests.request(
            method,
            self.sim.url + path,
            params=params,
            data=raw or None,
            headers=headers,
            timeout=5,
        )
        return resp

    def ok(self, method, path, query=None, body=None, **kw):
        resp = self.call(method, path, query, body, **kw)
        assert resp.status_code == 200, resp.text
        payload = resp.json()
        assert payload["code"] == 0, payload
        assert payload["request_id"]
        return payload["data"]


def get_token(sim):
    code = requests.post(sim.url + "/_sim/auth/code", timeout=5).json()["code"]
    resp = requests.get(
        sim.url + "/api/v2/token/get",
        params={
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "auth_code": code,
            "grant_type": "authorized_code",
        },
        timeout=5,
    )
    return resp.json()


@pytest.fixture
def sim():
    with TikTokSimulator(orders=30, seed=3) as server:
        yield server


@pytest.fixture
def client(sim):
    return Client(sim, get_token(sim)["data"]["access_token"])


def all_orders(client, query=None, body=None):
    seen, token, pages = [], "", 0
    while True:
        params = {"page_size": "7", **(query or {})}
        if token:
            params["page_token"] = token
        data = client.ok("POST", "/order/202309/orders/search", params, body or {})
        seen += data["orders"]
        token = data["next_page_token"]
        pages += 1
        if not token:
            return seen, data["total_count"], pages


def detail(client, order_id):
    data = client.ok("GET", "/order/202309/orders", {"ids": order_id})
    return data["orders"][0]


def new_orders(sim, count, status="AWAITING_SHIPMENT", shipping_type=None):
    body = {"count": count, "status": status}
    if shipping_type:
        body["shipping_type"] = shipping_type
    resp = requests.post(
        sim.url + "/_sim/orders/new",
        json=body,
        timeout=5,
    )
    return resp.json()["order_ids"]


# ---- signing and auth ----
def test_string_to_sign_matches_documented_example():
    params = {"app_key": "29a39d", "timestamp": "1623812664", "sign": "x"}
    params["access_token"] = "never-signed"
    assert (
        string_to_sign("/authorization/202309/shops", params)
        == b"/authorization/202309/shopsapp_key29a39dtimestamp1623812664"
    )


def test_authorized_shops_and_shop_cipher_rules(sim, client):
    data = client.ok("GET", "/authorization/202309/shops", cipher=False)
    shop = data["shops"][0]
    assert shop["cipher"] == CIPHER and shop["region"] == "MY"
    # shop_cipher is not expected on this API
    resp = client.call("GET", "/authorization/202309/shops")
    assert resp.json()["code"] == 36009004
    # ... but is required on shop APIs
    resp = client.call(
        "POST", "/order/202309/orders/search", {"page_size": "5"}, {}, cipher=False
    )
    assert resp.json()["code"] == 106013
    assert set(resp.json()) == {"code", "message", "request_id", "data"}


def test_bad_sign_timestamp_and_credentials_rejected(sim, client):
    path, query = "/order/202309/orders/search", {"page_size": "5"}
    body = {"create_time_ge": 1}
    assert client.call("POST", path, query, body, tamper=True).json()["code"] == 106001
    assert (
        client.call("POST", path, query, body, secret="nope").json()["code"] == 106001
    )
    old = int(time.time()) - 400
    assert client.call("POST", path, query, body, timestamp=old).json()["code"] == (
        36009004
    )
    future = int(time.time()) + 120
    assert client.call("POST", path, query, body, timestamp=future).json()["code"] == (
        36009004
    )
    resp = client.call("POST", path, query, body, app_key="other")
    assert resp.json()["code"] == 36009004
    resp = client.call("POST", path, query, body, token="not-a-token")
    assert resp.json()["code"] == 36009004
    resp = client.call("POST", path, query, body, token=None)
    assert resp.json()["code"] == 36009004
    assert client.call("POST", path, query, body).json()["code"] == 0


def test_token_get_refresh_absolute_expiry_and_expiry_fault(sim):
    before = int(sim.now())
    payload = get_token(sim)
    assert payload["code"] == 0
    data = payload["data"]
    assert data["access_token_expire_in"] == pytest.approx(before + 7 * DAY, abs=5)
    assert data["refresh_token_expire_in"] > data["access_token_expire_in"]
    assert data["seller_base_region"] == "MY" and data["granted_scopes"]
    assert data["open_id"] and data["seller_name"]
    # the auth code is single use
    code = requests.post(sim.url + "/_sim/auth/code", timeout=5).json()["code"]
    params = {
        "app_key": APP_KEY,
        "app_secret": APP_SECRET,
        "auth_code": code,
        "grant_type": "authorized_code",
    }
    url = sim.url + "/api/v2/token/get"
    assert requests.get(url, params=params, timeout=5).json()["code"] == 0
    assert requests.get(url, params=params, timeout=5).json()["code"] != 0
    # ... and valid 30 minutes
    code = requests.post(sim.url + "/_sim/auth/code", timeout=5).json()["code"]
    advance(sim, 31 * 60)
    stale = requests.get(url, params=dict(params, auth_code=code), timeout=5)
    assert stale.json()["code"] != 0
    bad = requests.get(url, params=dict(params, app_secret="x"), timeout=5)
    assert bad.json()["code"] == 36009004

    client = Client(sim, data["access_token"])
    path = "/authorization/202309/shops"
    assert client.call("GET", path, cipher=False).json()["code"] == 0
    requests.post(sim.url + "/_sim/faults", json={"expire_tokens": 1}, timeout=5)
    assert client.call("GET", path, cipher=False).json()["code"] == 105002

    refresh = requests.get(
        sim.url + "/api/v2/token/refresh",
        params={
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "refresh_token": data["refresh_token"],
            "grant_type": "refresh_token",
        },
        timeout=5,
    ).json()
    assert refresh["code"] == 0
    new = refresh["data"]
    assert new["access_token"] != data["access_token"]
    assert new["access_token_expire_in"] == pytest.approx(sim.now() + 7 * DAY, abs=5)
    client.token = new["access_token"]
    assert client.call("GET", path, cipher=False).json()["code"] == 0
    # a token also expires by time (7 days on the simulated clock)
    advance(sim, 7 * DAY + 10)
    assert client.call("GET", path, cipher=False).json()["code"] == 105002


# ---- orders ----
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sort_field": "update_time", "sort_order": "ASC"},
        {"sort_field": "create_time", "sort_order": "ASC"},
        {"sort_field": "update_time", "sort_order": "DESC"},
    ],
)
def test_paging_returns_every_order_exactly_once(sim, client, query):
    orders, total, pages = all_orders(client, query)
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == total == 30
    assert set(ids) == set(state(sim)["orders"])
    assert pages == 5
    field = query.get("sort_field", "create_time")
    keys = [(o[field], o["id"]) for o in orders]
    assert keys == sorted(keys, reverse=query.get("sort_order", "DESC") == "DESC")


def test_search_filters_and_page_size(sim, client):
    inspected = state(sim)["orders"]
    for status in ("AWAITING_SHIPMENT", "CANCELLED", "UNPAID"):
        orders, total, _ = all_orders(client, body={"order_status": status})
        expected = {i for i, o in inspected.items() if o["status"] == status}
        assert {o["id"] for o in orders} == expected and total == len(expected)
    everything, _, _ = all_orders(client)
    times = sorted(o["create_time"] for o in everything)
    middle = times[len(times) // 2]
    older, _, _ = all_orders(client, body={"create_time_lt": middle})
    newer, _, _ = all_orders(client, body={"create_time_ge": middle})
    assert len(older) + len(newer) == 30
    assert all(o["create_time"] < middle for o in older)
    upd, _, _ = all_orders(client, body={"update_time_ge": 0, "update_time_lt": 1})
    assert upd == []
    path = "/order/202309/orders/search"
    for size in ("0", "101", None):
        query = {} if size is None else {"page_size": size}
        assert client.call("POST", path, query, {}).json()["code"] != 0
    data = client.ok("POST", path, {"page_size": "100"}, {})
    assert len(data["orders"]) == 30 and data["next_page_token"] == ""


def test_order_payload_shape(sim, client):
    orders, _, _ = all_orders(client)
    statuses = {o["status"] for o in orders}
    assert statuses == {
        "UNPAID",
        "ON_HOLD",
        "AWAITING_SHIPMENT",
        "PARTIALLY_SHIPPING",
        "AWAITING_COLLECTION",
        "IN_TRANSIT",
        "DELIVERED",
        "COMPLETED",
        "CANCELLED",
    }
    now = sim.now()
    inspected = state(sim)
    for order in orders:
        assert now - 10.5 * DAY < order["create_time"] <= order["update_time"] <= now
        pay = order["payment"]
        for key in ("sub_total", "shipping_fee", "total_amount", "platform_discount"):
            assert isinstance(pay[key], str) and re.fullmatch(r"\d+\.\d\d", pay[key])
        total = float(pay["sub_total"]) + float(pay["shipping_fee"])
        assert float(pay["total_amount"]) == pytest.approx(total)
        hidden = order["status"] in ("UNPAID", "ON_HOLD")
        assert ("recipient_address" in order) is not hidden
        if not hidden:
            assert order["recipient_address"]["full_address"]
            assert {p["id"] for p in order["packages"]} == set(
                inspected["orders"][order["id"]]["packages"]
            )
        for line in order["line_items"]:
            stock = inspected["stock"][line["seller_sku"]]
            assert (line["sku_id"], line["product_id"]) == (
                stock["sku_id"],
                stock["product_id"],
            )
    assert any(len(o.get("packages", [])) > 1 for o in orders)
    assert any(len({x["sku_id"] for x in o["line_items"]}) > 1 for o in orders)
    assert any(o["is_cod"] for o in orders)
    assert any(o["is_buyer_request_cancel"] for o in orders)
    assert any(float(o["payment"]["platform_discount"]) > 0 for o in orders)
    assert any(ord(c) > 127 for o in orders for c in json.dumps(o, ensure_ascii=False))
    partial = next(o for o in orders if o["status"] == "PARTIALLY_SHIPPING")
    assert len({x["package_status"] for x in partial["line_items"]}) == 2

    ids = [o["id"] for o in orders[:3]]
    got = client.ok("GET", "/order/202309/orders", {"ids": ",".join(ids)})
    assert [o["id"] for o in got["orders"]] == ids
    too_many = ",".join(str(i) for i in range(51))
    assert client.call("GET", "/order/202309/orders", {"ids": too_many}).json()[
        "code"
    ] == (36009004)


# ---- fulfilment ----
def _pick(client, ids, shipping_type, single=True):
    for order_id in ids:
        order = detail(client, order_id)
        if order["shipping_type"] == shipping_type and (
            len(order["packages"]) == 1 or not single
        ):
            ids.remove(order_id)
            return order
    raise AssertionError("no suitable order")


def _ship(client, package_id, body):
    path = f"/fulfillment/202309/packages/{package_id}/ship"
    return client.call("POST", path, body=body).json()


def test_ship_pickup_drop_off_and_self_shipment_until_completed(sim, client):
    ids = new_orders(sim, 10, shipping_type="TIKTOK")
    ids += new_orders(sim, 4, shipping_type="SELLER")
    pickup = _pick(client, ids, "TIKTOK")
    drop = _pick(client, ids, "TIKTOK")
    own = _pick(client, ids, "SELLER")
    pkg_path = "/fulfillment/202309/packages/{}"

    pid = pickup["packages"][0]["id"]
    slots = client.ok("GET", pkg_path.format(pid) + "/handover_time_slots")
    assert slots["can_pickup"] and slots["pickup_slots"][0]["avaliable"]
    slot = {k: slots["pickup_slots"][0][k] for k in ("start_time", "end_time")}
    bad = _ship(client, pid, {"handover_method": "PICKUP", "pickup_slot": {"x": 1}})
    assert bad["code"] != 0
    assert (
        _ship(client, pid, {"handover_method": "PICKUP", "pickup_slot": slot})["code"]
        == 0
    )
    assert (
        _ship(client, pid, {"handover_method": "PICKUP", "pickup_slot": slot})["code"]
        != 0
    )  # already shipped

    did = drop["packages"][0]["id"]
    assert _ship(client, did, {"handover_method": "DROP_OFF"})["code"] == 0

    oid = own["packages"][0]["id"]
    assert _ship(client, oid, {"handover_method": "DROP_OFF"})["code"] != 0
    shipment = {"tracking_number": "MYOWN123", "shipping_provider_id": "0"}
    assert _ship(client, oid, {"self_shipment": shipment})["code"] != 0
    shipment["shipping_provider_id"] = "7129736286421747458"
    assert _ship(client, oid, {"self_shipment": shipment})["code"] == 0

    for order, method in ((pickup, "PICKUP"), (drop, "DROP_OFF"), (own, None)):
        fresh = detail(client, order["id"])
        assert fresh["status"] == "AWAITING_COLLECTION"
        package = client.ok("GET", pkg_path.format(fresh["packages"][0]["id"]))
        assert package["package_status"] == "PROCESSING"
        assert package["tracking_number"] == fresh["line_items"][0]["tracking_number"]
        if method:
            assert package["handover_method"] == method
    assert detail(client, own["id"])["tracking_number"] == "MYOWN123"

    advance(sim, 4 * DAY)
    for order in (pickup, drop, own):
        assert detail(client, order["id"])["status"] == "DELIVERED"
        track = client.ok("GET", f"/fulfillment/202309/orders/{order['id']}/tracking")
        stamps = [e["update_time_millis"] for e in track["tracking"]]
        assert len(stamps) == 3 and stamps == sorted(stamps, reverse=True)
        assert "delivered" in track["tracking"][0]["description"]
    advance(sim, 2.5 * DAY)  # 72 h after delivery; the token lives 7 days
    assert detail(client, pickup["id"])["status"] == "COMPLETED"
    pkgs = state(sim)["orders"][pickup["id"]]["packages"]
    assert pkgs[pid]["status"] == "COMPLETED" and pkgs[pid]["handover_method"]


def test_multi_package_order_goes_through_partially_shipping(sim, client):
    orders, _, _ = all_orders(client, body={"order_status": "AWAITING_SHIPMENT"})
    candidates = [o for o in orders if len(o["packages"]) > 1]
    new = new_orders(sim, 20, shipping_type="TIKTOK")
    candidates += [detail(client, i) for i in new]
    order = next(
        o
        for o in candidates
        if len(o["packages"]) > 1 and o["shipping_type"] == "TIKTOK"
    )
    first, second = (p["id"] for p in order["packages"][:2])
    assert _ship(client, first, {"handover_method": "DROP_OFF"})["code"] == 0
    assert detail(client, order["id"])["status"] == "PARTIALLY_SHIPPING"
    for package in order["packages"][1:]:
        assert (
            _ship(client, package["id"], {"handover_method": "DROP_OFF"})["code"] == 0
        )
    assert detail(client, order["id"])["status"] == "AWAITING_COLLECTION"
    assert second


def test_shipping_label_pdf(sim, client):
    ids = new_orders(sim, 5, shipping_type="TIKTOK")
    ids += new_orders(sim, 5, shipping_type="SELLER")
    order = _pick(client, ids, "TIKTOK")
    own = _pick(client, ids, "SELLER")
    pid = order["packages"][0]["id"]
    doc_path = f"/fulfillment/202309/packages/{pid}/shipping_documents"
    query = {"document_type": "SHIPPING_LABEL", "document_format": "PDF"}
    assert client.call("GET", doc_path, query).json()["code"] != 0  # before shipping
    assert _ship(client, pid, {"handover_method": "DROP_OFF"})["code"] == 0
    data = client.ok("GET", doc_path, query)
    tracking = detail(client, order["id"])["tracking_number"]
    assert data["tracking_number"] == tracking
    pdf = requests.get(data["doc_url"], timeout=5)
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    body = pdf.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert tracking.encode() in body
    # the cross-reference table points at the objects
    xref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[xref:].startswith(b"xref")
    rows = body[xref:].split(b"\n")[3:8]
    for number, row in enumerate(rows, 1):
        offset = int(row.split()[0])
        assert body[offset:].startswith(b"%d 0 obj" % number)
    # seller shipping has no TikTok label
    oid = own["packages"][0]["id"]
    shipment = {"tracking_number": "X1", "shipping_provider_id": "7129736286421747458"}
    assert _ship(client, oid, {"self_shipment": shipment})["code"] == 0
    resp = client.call(
        "GET", f"/fulfillment/202309/packages/{oid}/shipping_documents", query
    )
    assert resp.json()["code"] == 21008017


# ---- cancellations ----
def _cancels(client, body):
    path = "/return_refund/202309/cancellations/search"
    return client.ok("POST", path, {"page_size": "50"}, body)["cancellations"]


def test_cancellation_approve_reject_and_on_hold_auto_approve(sim, client):
    ids = new_orders(sim, 2)
    for order_id in ids:
        resp = requests.post(
            sim.url + f"/_sim/orders/{order_id}/buyer_cancel",
            json={"reason": "Ordered by mistake"},
            timeout=5,
        )
        assert resp.status_code == 200
    assert all(detail(client, i)["is_buyer_request_cancel"] for i in ids)
    pending = _cancels(
        client,
        {"order_ids": ids, "cancel_status": ["CANCELLATION_REQUEST_PENDING"]},
    )
    assert len(pending) == 2
    assert all(c["cancel_type"] == "BUYER_CANCEL" for c in pending)
    assert pending[0]["seller_next_action_response"][0]["action"] == (
        "SELLER_RESPOND_CANCEL"
    )
    by_order = {c["order_id"]: c["cancel_id"] for c in pending}
    base = "/return_refund/202309/cancellations/{}/{}"

    approve = base.format(by_order[ids[0]], "approve")
    first = client.call("POST", approve, {"idempotency_key": "k-1"}, {}).json()
    again = client.call("POST", approve, {"idempotency_key": "k-1"}, {}).json()
    assert first["code"] == 0 and again == first  # idempotent replay
    assert client.call("POST", approve, body={}).json()["code"] != 0
    cancelled = detail(client, ids[0])
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancellation_initiator"] == "BUYER"
    assert not cancelled["is_buyer_request_cancel"]

    reject = base.format(by_order[ids[1]], "reject")
    assert client.call("POST", reject, body={}).json()["code"] == 25001001
    body = {"reject_reason": "seller_reject_apply_product_has_been_packed"}
    assert client.call("POST", reject, body=body).json()["code"] == 0
    kept = detail(client, ids[1])
    assert kept["status"] == "AWAITING_SHIPMENT" and not kept["is_buyer_request_cancel"]
    rejected = _cancels(client, {"cancel_status": ["CANCELLATION_REQUEST_CANCEL"]})
    assert [c["cancel_id"] for c in rejected] == [by_order[ids[1]]]

    decisions = state(sim)["cancellations"]
    assert decisions[by_order[ids[0]]]["decisions"][0]["decision"] == "SELLER_APPROVED"
    assert decisions[by_order[ids[1]]]["reject_reason"] == body["reject_reason"]
    advance(sim, 2 * 3600)
    done = _cancels(client, {"cancel_ids": [by_order[ids[0]]]})[0]
    assert done["cancel_status"] == "CANCELLATION_REQUEST_COMPLETE"

    (hold,) = new_orders(sim, 1, "ON_HOLD")
    resp = requests.post(sim.url + f"/_sim/orders/{hold}/buyer_cancel", timeout=5)
    assert resp.json()["cancel_type"] == "CANCEL"
    assert detail(client, hold)["status"] == "CANCELLED"


# ---- stock ----
def test_inventory_update(sim, client):
    stock = state(sim)["stock"]
    mug = stock["MUG"]
    path = f"/product/202309/products/{mug['product_id']}/inventory/update"
    body = {"skus": [{"id": mug["sku_id"], "inventory": [{"quantity": 42}]}]}
    assert client.ok("POST", path, body=body) == {}
    assert state(sim)["stock"]["MUG"]["inventory"] == {"7068517275539719942": 42}

    tee = stock["TSHIRT-M"]
    tee_path = f"/product/202309/products/{tee['product_id']}/inventory/update"
    body = {
        "skus": [
            {"id": tee["sku_id"], "inventory": [{"quantity": 100000}]},
            {"id": stock["TSHIRT-L"]["sku_id"], "inventory": [{"quantity": 7}]},
            {"id": mug["sku_id"], "inventory": [{"quantity": 7}]},
            {
                "id": stock["TSHIRT-S"]["sku_id"],
                "inventory": [{"warehouse_id": "nope", "quantity": 3}],
            },
        ]
    }
    errors = client.ok("POST", tee_path, body=body)["errors"]
    assert [e["detail"]["sku_id"] for e in errors] == [
        tee["sku_id"],
        mug["sku_id"],
        stock["TSHIRT-S"]["sku_id"],
    ]
    after = state(sim)["stock"]
    assert after["TSHIRT-L"]["inventory"] == {"7068517275539719942": 7}
    assert after["TSHIRT-M"]["inventory"] == tee["inventory"]

    bag = stock["BACKPACK-GREY"]
    bag_path = f"/product/202309/products/{bag['product_id']}/inventory/update"
    one = {"warehouse_id": "7068517275539719942", "quantity": 5}
    body = {"skus": [{"id": bag["sku_id"], "inventory": [one]}]}
    assert client.ok("POST", bag_path, body=body)["errors"][0]["code"] == 12019028
    two = {"warehouse_id": "7068517275539719943", "quantity": 9}
    body = {"skus": [{"id": bag["sku_id"], "inventory": [one, two]}]}
    assert client.ok("POST", bag_path, body=body) == {}
    assert state(sim)["stock"]["BACKPACK-GREY"]["inventory"] == {
        "7068517275539719942": 5,
        "7068517275539719943": 9,
    }
    missing = "/product/202309/products/999/inventory/update"
    assert client.call("POST", missing, body=body).json()["code"] == 12052032
    assert len(state(sim)["stock_updates"]) == 3


# ---- webhooks ----
class Receiver(PushReceiver):
    def __init__(self):
        super().__init__("/hook")

    def wait(self, count, timeout=5):
        deadline = time.time() + timeout
        while len(self.received) < count and time.time() < deadline:
            time.sleep(0.01)
        return [json.loads(raw) for _h, raw in self.received]


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_webhooks_are_signed_and_delivered(sim, client, receiver):
    requests.post(sim.url + "/_sim/push_config", json={"url": receiver.url}, timeout=5)
    (order_id,) = new_orders(sim, 1)
    bodies = receiver.wait(1)
    assert bodies[0]["type"] == 1 and bodies[0]["data"]["order_id"] == order_id
    assert bodies[0]["data"]["order_status"] == "AWAITING_SHIPMENT"
    assert bodies[0]["shop_id"] and bodies[0]["tts_notification_id"]
    for headers, raw in receiver.received:
        expected = hmac.new(
            APP_SECRET.encode(), APP_KEY.encode() + raw, hashlib.sha256
        ).hexdigest()
        assert headers["Authorization"] == expected

    requests.post(sim.url + f"/_sim/orders/{order_id}/buyer_cancel", timeout=5)
    bodies = receiver.wait(2)
    assert bodies[1]["type"] == 11
    assert bodies[1]["data"]["cancel_status"] == "CANCELLATION_REQUEST_PENDING"
    assert bodies[1]["data"]["cancellations_role"] == "BUYER"

    resp = requests.post(sim.url + "/_sim/push", json={"order_id": order_id}, timeout=5)
    bodies = receiver.wait(3)
    assert bodies[2]["tts_notification_id"] == resp.json()["notification_id"]

    requests.post(sim.url + "/_sim/faults", json={"duplicates": 1}, timeout=5)
    requests.post(sim.url + "/_sim/push", json={"order_id": order_id}, timeout=5)
    bodies = receiver.wait(5)
    assert bodies[3] == bodies[4]
    pushes = sim.wait_for_pushes(5)
    assert len(pushes) == 5 and all(p["ok"] for p in pushes)


def test_failed_push_is_recorded_and_retried(sim):
    sim.push_url = "http://127.0.0.1:9/unreachable"
    new_orders(sim, 1)
    pushes = sim.wait_for_pushes(1)
    assert pushes[0]["ok"] is False
    advance(sim, 3 * 60)
    pushes = sim.wait_for_pushes(2)
    assert len(pushes) == 2 and pushes[1]["attempt"] == 2


# ---- faults ----
def _set_faults(sim, faults):
    requests.post(sim.url + "/_sim/faults", json=faults, timeout=5)


def test_429_and_5xx_fire_at_their_rate(sim, client):
    _set_faults(sim, {"rate_429": 0.2, "retry_after": 2})
    path = "/authorization/202309/shops"
    statuses = [client.call("GET", path, cipher=False) for _ in range(200)]
    limited = [r for r in statuses if r.status_code == 429]
    assert 25 <= len(limited) <= 55
    assert limited[0].headers["Retry-After"] == "2"
    assert limited[0].json()["code"] == 36009002
    assert state(sim)["faults"]["fired"]["rate_429"] == len(limited)

    _set_faults(sim, {"rate_5xx": 0.1})
    statuses = [client.call("GET", path, cipher=False) for _ in range(200)]
    failed = [r for r in statuses if r.status_code == 503]
    assert 8 <= len(failed) <= 35
    assert failed[0].json()["code"] == 36009003

    _set_faults(sim, {"latency": 0.02})
    started = time.monotonic()
    for _ in range(10):
        assert client.call("GET", path, cipher=False).status_code == 200
    assert time.monotonic() - started >= 0.2

    _set_faults(sim, {"timeout": 0.1, "timeout_seconds": 0.01})
    for _ in range(100):
        assert client.call("GET", path, cipher=False).status_code == 200
    assert 3 <= state(sim)["faults"]["fired"]["timeout"] <= 20


def _is_malformed(order):
    return (
        "line_items" not in order
        or "total_amount" not in order["payment"]
        or not isinstance(order["create_time"], int)
        or order["status"] is None
    )


def test_record_faults_fire_at_their_rate(sim, client):
    truth = {i: o["update_time"] for i, o in state(sim)["orders"].items()}
    path = "/order/202309/orders/search"
    _set_faults(sim, {"malformed": 0.2})
    served = []
    for _ in range(10):
        served += client.ok("POST", path, {"page_size": "100"}, {})["orders"]
    bad = sum(_is_malformed(o) for o in served)
    assert 35 <= bad <= 90

    _set_faults(sim, {"duplicates": 0.2})
    pages = [client.ok("POST", path, {"page_size": "100"}, {}) for _ in range(10)]
    extra = sum(len(p["orders"]) - 30 for p in pages)
    assert 35 <= extra <= 90
    assert all(p["total_count"] == 30 for p in pages)

    _set_faults(sim, {"out_of_order": 0.2})
    served = []
    for _ in range(10):
        served += client.ok("POST", path, {"page_size": "100"}, {})["orders"]
    stale = sum(o["update_time"] < truth[o["id"]] for o in served)
    assert 30 <= stale <= 90
    assert all(o["update_time"] <= truth[o["id"]] for o in served)

    _set_faults(sim, {})
    orders, _, _ = all_orders(client)
    assert not any(_is_malformed(o) for o in orders) and len(orders) == 30


def test_out_of_order_serves_previous_snapshot_after_a_change(sim, client):
    (order_id,) = new_orders(sim, 1, shipping_type="TIKTOK")
    order = detail(client, order_id)
    package_id = order["packages"][0]["id"]
    assert _ship(client, package_id, {"handover_method": "DROP_OFF"})["code"] == 0
    current = detail(client, order_id)
    assert current["status"] == "AWAITING_COLLECTION"
    _set_faults(sim, {"out_of_order": 1})
    stale = detail(client, order_id)
    assert stale["status"] == "AWAITING_SHIPMENT"
    assert stale["update_time"] <= current["update_time"]
    assert "tracking_number" not in stale


# ---- tokopedia & determinism ----
def test_tokopedia_shop_is_a_tiktok_shop_in_region_id():
    with TikTokSimulator(orders=12, seed=5, tokopedia=True) as sim:
        client = Client(sim, get_token(sim)["data"]["access_token"])
        shop = client.ok("GET", "/authorization/202309/shops", cipher=False)["shops"]
        assert shop[0]["region"] == "ID"
        orders, _, _ = all_orders(client)
        assert {o["payment"]["currency"] for o in orders} == {"IDR"}
        assert {o["commerce_platform"] for o in orders} == {"TIKTOK_SHOP", "TOKOPEDIA"}
        assert all(re.fullmatch(r"\d+", o["payment"]["total_amount"]) for o in orders)


def test_seeded_state_is_stable_under_time_and_moves_with_the_clock(sim, client):
    before = state(sim)["orders"]
    pending = [i for i, o in before.items() if o["is_buyer_request_cancel"]]
    assert pending
    orders, _, _ = all_orders(client)
    assert {o["id"]: o["status"] for o in orders} == {
        i: o["status"] for i, o in before.items()
    }
    advance(sim, 3 * DAY)
    after = state(sim)["orders"]
    moved = {before[i]["status"]: after[i]["status"] for i in before}
    assert moved["ON_HOLD"] == "AWAITING_SHIPMENT"
    assert moved["AWAITING_COLLECTION"] in ("IN_TRANSIT", "DELIVERED")
    assert moved["IN_TRANSIT"] == "DELIVERED"
    assert all(after[i]["status"] == "CANCELLED" for i in pending)  # auto-approved
    partial = [i for i, o in before.items() if o["status"] == "PARTIALLY_SHIPPING"]
    assert all(
        {p["status"] for p in after[i]["packages"].values()} >= {"FULFILLING"}
        or {p["status"] for p in after[i]["packages"].values()} >= {"COMPLETED"}
        for i in partial
    )


def test_generation_is_deterministic():
    one = TikTokSimulator(orders=20, seed=9)
    two = TikTokSimulator(orders=20, seed=9)
    assert list(one.orders) == list(two.orders)
    assert [o["status"] for o in one.orders.values()] == [
        o["status"] for o in two.orders.values()
    ]
