"""Fast tests of the generic REST order source (BigLedger job) simulator."""

import pytest
import requests

from simulators.rest import RestSimulator

AUTH = {"Authorization": "Bearer rest-token", "X-Tenant-Code": "TENANT1"}


@pytest.fixture
def sim():
    with RestSimulator(orders=40, seed=3) as server:
        yield server


@pytest.fixture
def http():
    with requests.Session() as session:
        session.headers.update(AUTH)
        yield session


def page(sim, http, **params):
    resp = http.get(f"{sim.url}/api/v1/sales-orders", params=params, timeout=5)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["paging"]["count"] == len(body["data"])
    return body


def fetch_all(sim, http, cursor=None, limit=7, **params):
    records = []
    for _ in range(1000):
        query = dict(params, limit=limit)
        if cursor:
            query["cursor"] = cursor
        body = page(sim, http, **query)
        records.extend(body["data"])
        assert len(body["data"]) <= limit or sim.faults.values
        cursor = body["paging"]["next_cursor"]
        if not body["paging"]["has_more"]:
            return records, cursor
    raise AssertionError("paging never ended")


def push(sim, http, order_id, **body):
    return http.post(
        f"{sim.url}/api/v1/sales-orders/{order_id}/status", json=body, timeout=5
    )


def state(sim):
    return sim.inspect()["orders"]


def test_generator_variety_and_determinism(sim):
    orders = state(sim)
    assert len(orders) == 40
    assert {o["status"] for o in orders.values()} == {"ACTIVE", "DELETED"}
    assert len({o["branch_key"] for o in orders.values()}) == 3
    assert {o["marketplace"] for o in orders.values()} == {"LAZADA", "SHOPEE"}
    item_statuses = {s for o in orders.values() for s in o["item_statuses"]}
    assert {"pending", "ready_to_ship", "shipped"} <= item_statuses
    assert any(len(o["item_keys"]) > 1 for o in orders.values())
    with RestSimulator(orders=40, seed=3) as twin:
        other = state(twin)

    def strip(data):
        return {
            k: {f: v for f, v in o.items() if f != "updated_at"}
            for k, o in data.items()
        }

    assert strip(other) == strip(orders)
    branches = {b["branch_key"] for b in sim.inspect()["branches"]}
    assert {o["branch_key"] for o in orders.values()} <= branches
    assert all(
        k.startswith("EMP-ITEM-") for o in orders.values() for k in o["item_keys"]
    )


def test_paging_returns_each_order_exactly_once(sim, http):
    records, cursor = fetch_all(sim, http, limit=7)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == 40
    assert [r["version"] for r in records] == sorted(r["version"] for r in records)
    assert any(any(ord(c) > 127 for c in r["customer"]["name"]) for r in records)
    # resume from the stored cursor: nothing new
    body = page(sim, http, cursor=cursor)
    assert body["data"] == [] and body["paging"]["has_more"] is False
    assert body["paging"]["next_cursor"] == cursor
    # a change moves the order behind the cursor: it comes back exactly once
    new = next(
        r for r in records if r["order_status"] == "NEW" and r["status"] == "ACTIVE"
    )
    assert push(sim, http, new["id"], action="confirm").status_code == 200
    resp = requests.post(f"{sim.url}/_sim/sales-orders/new", json={}, timeout=5)
    assert resp.status_code == 201
    created = resp.json()["data"]["id"]
    again, _ = fetch_all(sim, http, cursor=cursor, limit=1)
    assert [r["id"] for r in again] == [new["id"], created]
    assert again[0]["order_status"] == "CONFIRMED"
    # bad paging parameters
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "zz!"}):
        resp = http.get(f"{sim.url}/api/v1/sales-orders", params=params, timeout=5)
        assert resp.status_code == 400
        assert resp.json()["error"]["code"] in ("invalid_parameter", "invalid_cursor")


def test_seed_job_filter_with_paging(sim, http):
    orders = state(sim)
    expected = {
        oid
        for oid, o in orders.items()
        if o["status"] != "DELETED" and "ready_to_ship" in o["item_statuses"]
    }
    assert expected and len(expected) < len(orders)
    records, _ = fetch_all(
        sim, http, limit=3, status__ne="DELETED", item_status="ready_to_ship"
    )
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) and set(ids) == expected
    records, _ = fetch_all(
        sim,
        http,
        limit=4,
        filter="hdr.status != 'DELETED' AND item_status = 'ready_to_ship'",
    )
    assert {r["id"] for r in records} == expected


def test_filter_semantics(sim, http):
    orders = state(sim)

    def ids(**params):
        return {r["id"] for r in page(sim, http, limit=100, **params)["data"]}

    def where(pred):
        return {oid for oid, o in orders.items() if pred(o)}

    assert ids(status="DELETED") == where(lambda o: o["status"] == "DELETED")
    assert ids(order_status__in="NEW,CONFIRMED") == where(
        lambda o: o["order_status"] in ("NEW", "CONFIRMED")
    )
    assert ids(order_status__nin="NEW,CONFIRMED") == where(
        lambda o: o["order_status"] not in ("NEW", "CONFIRMED")
    )
    assert ids(**{"extension.marketplace_status": "shipped"}) == where(
        lambda o: o["marketplace_status"] == "shipped"
    )
    assert ids(**{"ext.marketplace_status__ne": "pending"}) == where(
        lambda o: o["marketplace_status"] != "pending"
    )
    # line fields: = means any line, != means no line
    assert ids(item_status__ne="pending") == where(
        lambda o: "pending" not in o["item_statuses"]
    )
    assert ids(**{"lines.item_status__in": "shipped,delivered"}) == where(
        lambda o: {"shipped", "delivered"} & set(o["item_statuses"])
    )
    item = next(iter(orders.values()))["item_keys"][0]
    assert ids(item_key=item) == where(lambda o: item in o["item_keys"])
    assert ids(marketplace="LAZADA", branch_key="EMP-BR-1001") == where(
        lambda o: o["marketplace"] == "LAZADA" and o["branch_key"] == "EMP-BR-1001"
    )
    assert ids(filter="marketplace in ('SHOPEE') and order_status not in ('NEW')") == (
        where(lambda o: o["marketplace"] == "SHOPEE" and o["order_status"] != "NEW")
    )
    # updated_since keeps orders updated at or after the instant
    stamps = sorted(o["updated_at"] for o in orders.values())
    middle = stamps[len(stamps) // 2]
    assert ids(updated_since=middle) == where(lambda o: o["updated_at"] >= middle)
    for params in (
        {"colour": "red"},
        {"status__like": "X"},
        {"filter": "status ~ 'x'"},
        {"updated_since": "yesterday"},
    ):
        resp = http.get(f"{sim.url}/api/v1/sales-orders", params=params, timeout=5)
        assert resp.status_code == 400, params
        assert resp.json()["error"]["code"] in ("invalid_filter", "invalid_parameter")


def test_wrong_token_or_tenant_rejected(sim):
    url = f"{sim.url}/api/v1/sales-orders"
    cases = [
        ({"Authorization": "Bearer nope", "X-Tenant-Code": "TENANT1"}, 401),
        ({"X-Tenant-Code": "TENANT1"}, 401),
        ({"Authorization": "rest-token", "X-Tenant-Code": "TENANT1"}, 401),
        ({"Authorization": "Bearer rest-token", "X-Tenant-Code": "OTHER"}, 403),
        ({"Authorization": "Bearer rest-token"}, 403),
    ]
    for headers, status in cases:
        resp = requests.get(url, headers=headers, timeout=5)
        assert resp.status_code == status
        code = resp.json()["error"]["code"]
        assert code == ("unauthorized" if status == 401 else "forbidden_tenant")
    order_id = next(iter(state(sim)))
    resp = requests.post(
        f"{url}/{order_id}/status", json={"action": "confirm"}, timeout=5
    )
    assert resp.status_code == 401
    assert sim.inspect()["status_pushes"] == []
    with RestSimulator(orders=3, seed=1, token="t0k", tenant="ACME") as other:
        headers = {"Authorization": "Bearer t0k", "X-Tenant-Code": "ACME"}
        resp = requests.get(f"{other.url}/api/v1/sales-orders", headers=headers)
        assert resp.status_code == 200 and len(resp.json()["data"]) == 3


def test_status_push_back(sim, http):
    orders = state(sim)
    new_id = next(
        oid
        for oid, o in orders.items()
        if o["order_status"] == "NEW" and o["status"] == "ACTIVE"
    )
    # wrong order of actions is refused with a precise message
    resp = push(sim, http, new_id, action="delivered")
    assert resp.status_code == 409
    doc = orders[new_id]["doc_number"]
    assert resp.json()["error"] == {
        "code": "invalid_transition",
        "message": f"sales order {doc} is NEW; action 'delivered' (DELIVERED) is "
        "allowed only from READY_TO_SHIP or SHIPPED",
    }
    resp = push(sim, http, new_id, action="confirm")
    assert resp.status_code == 200 and resp.json()["unchanged"] is False
    assert resp.json()["data"]["order_status"] == "CONFIRMED"
    assert push(sim, http, new_id, status="CONFIRMED").json()["unchanged"] is True
    resp = push(sim, http, new_id, action="prepare_shipment", tracking_number="LZ1")
    data = resp.json()["data"]
    assert data["order_status"] == "READY_TO_SHIP"
    assert {line["item_status"] for line in data["lines"]} == {"ready_to_ship"}
    assert data["extension"]["marketplace_status"] == "ready_to_ship"
    assert data["tracking_number"] == "LZ1"
    resp = push(sim, http, new_id, action="delivered")
    assert resp.json()["data"]["order_status"] == "DELIVERED"
    assert resp.json()["data"]["extension"]["marketplace_status"] == "delivered"
    # deleted orders, unknown actions and unknown orders
    deleted = next(oid for oid, o in orders.items() if o["status"] == "DELETED")
    resp = push(sim, http, deleted, action="confirm")
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "order_deleted"
    resp = push(sim, http, new_id, action="teleport")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_action"
    assert push(sim, http, "no-such-id", action="confirm").status_code == 404
    pushes = sim.inspect()["status_pushes"]
    assert [(p["action"], p["result"]) for p in pushes] == [
        ("delivered", "error"),
        ("confirm", "ok"),
        ("confirm", "ok"),
        ("prepare_shipment", "ok"),
        ("delivered", "ok"),
        ("confirm", "error"),
        ("teleport", "error"),
    ]
    assert [p.get("pushed_to_marketplace") for p in pushes[1:5]] == [
        True,
        False,
        True,
        True,
    ]
    assert state(sim)[new_id]["order_status"] == "DELIVERED"


def test_control_updates_are_served_once(sim, http):
    _, cursor = fetch_all(sim, http, limit=50)
    order_id = next(iter(state(sim)))
    resp = requests.post(
        f"{sim.url}/_sim/sales-orders/{order_id}/update",
        json={"status": "DELETED", "item_status": "shipped"},
        timeout=5,
    )
    assert resp.status_code == 200
    records, _ = fetch_all(sim, http, cursor=cursor, status="DELETED")
    assert [r["id"] for r in records] == [order_id]
    assert records[0]["extension"]["marketplace_status"] == "shipped"


def test_fault_rates_in_pages(http):
    with RestSimulator(orders=300, seed=5) as sim:
        sim.faults.update({"malformed": 0.2, "duplicates": 0.1, "out_of_order": 0.15})
        records, _ = fetch_all(sim, http, limit=25)
        fired = sim.faults.fired
        broken = [r for r in records if not isinstance(r["lines"], list)]
        assert len(broken) == fired["malformed"]
        assert all(r["doc_number"] is None for r in broken)
        good = [r for r in records if isinstance(r["lines"], list)]
        assert {r["id"] for r in good} == set(state(sim))
        assert 0.14 < len(broken) / (300 + len(broken)) < 0.26
        dups = [a for a, b in zip(good, good[1:], strict=False) if a == b]
        assert len(dups) == fired["duplicates"]
        assert 0.05 < len(dups) / 300 < 0.15
        stale = [
            b
            for a, b in zip(good, good[1:], strict=False)
            if a["id"] == b["id"] and b["version"] < a["version"]
        ]
        assert len(stale) == fired["out_of_order"]
        assert 0.08 < len(stale) / 300 < 0.22


def test_http_faults_answer_in_json():
    with RestSimulator(orders=5, seed=2) as sim:
        requests.post(f"{sim.url}/_sim/faults", json={"rate_5xx": 0.3}, timeout=5)
        answers = [
            requests.get(f"{sim.url}/api/v1/sales-orders", headers=AUTH, timeout=5)
            for _ in range(200)
        ]
        failed = [r for r in answers if r.status_code == 503]
        assert 0.2 < len(failed) / 200 < 0.4
        assert failed[0].json()["error"]["code"] == "service_unavailable"
        requests.post(
            f"{sim.url}/_sim/faults",
            json={"rate_429": 0.1, "retry_after": 2},
            timeout=5,
        )
        answers = [
            requests.get(f"{sim.url}/api/v1/sales-orders", headers=AUTH, timeout=5)
            for _ in range(200)
        ]
        limited = [r for r in answers if r.status_code == 429]
        assert 0.05 < len(limited) / 200 < 0.15
        assert limited[0].headers["Retry-After"] == "2"
        assert limited[0].json()["error"]["retry_after"] == 2


def test_money_adds_up(sim, http):
    """Each line: amount = qty × unit_price - discount, with its item's SST rate;
    the order: subtotal, discount, shipping and tax make the total."""
    records, _cursor = fetch_all(sim, http)
    rates = set()
    for order in records:
        lines = order["lines"]
        for line in lines:
            assert line["amount"] == round(
                line["qty"] * line["unit_price"] - line["discount"], 2
            )
            rates.add(line["tax_rate"])
        assert order["amount_subtotal"] == round(
            sum(li["qty"] * li["unit_price"] for li in lines), 2
        )
        assert order["amount_discount"] == round(sum(li["discount"] for li in lines), 2)
        assert order["amount_tax"] == 0.0  # marketplace prices include the tax
        assert order["amount_total"] == round(
            order["amount_subtotal"]
            - order["amount_discount"]
            + order["amount_shipping"]
            + order["amount_tax"],
            2,
        )
    assert rates == {10.0, 5.0, 0.0}
    assert any(o["amount_discount"] for o in records)
    assert any(o["amount_shipping"] for o in records)
