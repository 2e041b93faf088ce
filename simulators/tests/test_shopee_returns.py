"""Shopee simulator: returns and refunds (``/api/v2/returns/*``), buyers who ask
for them, and the escrow they change."""

import time

import pytest

from simulators.shopee import ShopeeSimulator

from .helpers import advance, control, sim_post, state
from .test_shopee import DAY, Client


@pytest.fixture()
def sim():
    with ShopeeSimulator(orders=30, seed=3) as server:
        yield server


@pytest.fixture()
def client(sim):
    c = Client(sim)
    c.authorize()
    return c


def delivered(sim, status="TO_CONFIRM_RECEIVE"):
    return next(
        sn for sn, o in sorted(state(sim)["orders"].items()) if o["status"] == status
    )


def ok(resp):
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["error"] == "", body
    return body["response"]


def failed(resp, error):
    body = resp.json()
    assert resp.status_code >= 400
    assert body["error"] == error, body
    return body["message"]


def detail(client, return_sn):
    return ok(client.get("/api/v2/returns/get_return_detail", return_sn=return_sn))


def list_returns(client, **params):
    now = int(time.time())
    query = {"page_no": 0, "page_size": 100}
    query.update(
        params or {"update_time_from": now - 14 * DAY, "update_time_to": now + 60}
    )
    return ok(client.get("/api/v2/returns/get_return_list", **query))


def test_buyer_asks_seller_accepts_parcel_arrives_refunded(sim, client):
    sn = delivered(sim)
    order = state(sim)["orders"][sn]
    due = int(sim.now()) + 2 * DAY
    created = control(
        sim,
        "returns/new",
        {
            "order_sn": sn,
            "reason": "ITEM_DAMAGED",
            "text_reason": "The mug arrived broken",
            "images": ["https://cf.shopee.example/file/proof1"],
            "due_date": due,
        },
    )
    return_sn = created["return_sn"]
    # the order waits for the return, its escrow too
    assert state(sim)["orders"][sn]["status"] == "TO_RETURN"
    listed = list_returns(client)
    assert [r["return_sn"] for r in listed["return"]] == [return_sn]
    assert listed["more"] is False
    record = detail(client, return_sn)
    assert record["status"] == "REQUESTED"
    assert record["order_sn"] == sn
    assert record["due_date"] == due
    assert record["reason"] == "ITEM_DAMAGED"
    assert record["image"] == ["https://cf.shopee.example/file/proof1"]
    assert record["negotiation"]["negotiation_status"] == "PENDING_RESPOND"
    assert record["needs_logistics"] is True
    goods = min(
        sum(
            i["model_discounted_price"] * i["model_quantity_purchased"]
            for i in sim.orders[sn]["items"]
        ),
        order["amounts"]["total_amount"],
    )
    assert record["refund_amount"] == pytest.approx(goods)
    assert sum(i["amount"] for i in record["item"]) == sum(
        i["qty"] for i in order["items"]
    )
    # a parcel is not due before the seller agreed
    assert sim_post(sim, f"returns/{return_sn}/parcel").status_code == 409
    ok(client.post("/api/v2/returns/accept_offer", {"return_sn": return_sn}))
    record = detail(client, return_sn)
    assert record["status"] == "PROCESSING"
    assert record["return_ship_due_date"] > 0
    control(sim, f"returns/{return_sn}/parcel")
    record = detail(client, return_sn)
    assert record["reverse_logistic_status"] == "LOGISTICS_DELIVERY_DONE"
    assert record["tracking_number"]
    ok(client.post("/api/v2/returns/confirm", {"return_sn": return_sn}))
    inspected = state(sim)
    assert inspected["returns"][return_sn]["status"] == "ACCEPTED"
    assert inspected["returns"][return_sn]["refunded_amount"] == pytest.approx(goods)
    assert [d["action"] for d in inspected["returns"][return_sn]["decisions"]] == [
        "accept_offer",
        "confirm",
    ]
    # the order completes; its escrow is released with the refund
    assert inspected["orders"][sn]["status"] == "COMPLETED"
    escrow = inspected["finance"]["escrows"][sn]
    assert escrow["refund_amount"] == pytest.approx(goods)
    escrow_detail = ok(client.get("/api/v2/payment/get_escrow_detail", order_sn=sn))
    assert escrow_detail["return_order_sn_list"] == [return_sn]
    # a second confirmation is refused in the platform's shape
    message = failed(
        client.post("/api/v2/returns/confirm", {"return_sn": return_sn}), "error_data"
    )
    assert "ACCEPTED" in message


def test_dispute_with_reason_and_judgement(sim, client):
    sn = delivered(sim, "COMPLETED")
    return_sn = control(sim, "returns/new", {"order_sn": sn, "reason": "CHANGE_MIND"})[
        "return_sn"
    ]
    # RRAOC: the completed order stays completed
    assert state(sim)["orders"][sn]["status"] == "COMPLETED"
    assert detail(client, return_sn)["return_refund_type"] == "RRAOC"
    failed(
        client.post(
            "/api/v2/returns/dispute",
            {"return_sn": return_sn, "dispute_reason_id": 50},
        ),
        "dispute.request.param.error",
    )
    ok(
        client.post(
            "/api/v2/returns/dispute",
            {
                "return_sn": return_sn,
                "email": "seller@example.com",
                "dispute_reason_id": 50,
                "dispute_text_reason": "Buyer changed their mind after use",
                "image_list": [],
            },
        )
    )
    record = detail(client, return_sn)
    assert record["status"] == "JUDGING"
    assert record["dispute_reason"] == 50
    assert record["dispute_text_reason"] == "Buyer changed their mind after use"
    control(sim, f"returns/{return_sn}/judge", {"winner": "seller"})
    assert detail(client, return_sn)["status"] == "CLOSED"
    failed(
        client.post(
            "/api/v2/returns/dispute",
            {
                "return_sn": return_sn,
                "email": "seller@example.com",
                "dispute_reason_id": 50,
            },
        ),
        "error_return_status",
    )


def test_partial_refund_offer_accepted_by_buyer(sim, client):
    sn = delivered(sim, "COMPLETED")
    created = control(sim, "returns/new", {"order_sn": sn, "solution": "REFUND"})
    return_sn, amount = created["return_sn"], created["refund_amount"]
    wallet_before = len(sim.wallet)
    failed(
        client.post(
            "/api/v2/returns/offer",
            {
                "return_sn": return_sn,
                "proposed_solution": "REFUND",
                "proposed_adjusted_refund_amount": amount + 1,
            },
        ),
        "error_param",
    )
    half = round(amount / 2, 2)
    ok(
        client.post(
            "/api/v2/returns/offer",
            {
                "return_sn": return_sn,
                "proposed_solution": "REFUND",
                "proposed_adjusted_refund_amount": half,
            },
        )
    )
    negotiation = detail(client, return_sn)["negotiation"]
    assert negotiation["negotiation_status"] == "PENDING_BUYER_RESPOND"
    assert negotiation["latest_offer_amount"] == half
    control(sim, f"returns/{return_sn}/buyer_offer", {"accept": True})
    record = detail(client, return_sn)
    assert record["status"] == "ACCEPTED"
    assert record["refund_amount"] == half
    # the escrow was released when the order completed: the refund adjusts it
    adjustment = sim.wallet[wallet_before:]
    assert [t["amount"] for t in adjustment] == [-half]


def test_refund_without_return(sim, client):
    sn = delivered(sim)
    return_sn = control(
        sim, "returns/new", {"order_sn": sn, "solution": "REFUND", "amount": 5.0}
    )["return_sn"]
    assert detail(client, return_sn)["needs_logistics"] is False
    ok(client.post("/api/v2/returns/accept_offer", {"return_sn": return_sn}))
    inspected = state(sim)
    assert inspected["returns"][return_sn]["status"] == "ACCEPTED"
    assert inspected["returns"][return_sn]["refunded_amount"] == 5.0
    assert inspected["orders"][sn]["status"] == "COMPLETED"
    assert inspected["finance"]["escrows"][sn]["refund_amount"] == 5.0


def test_validation_windows_and_unknown_returns(sim, client):
    sn = next(
        sn for sn, o in sorted(state(sim)["orders"].items()) if o["status"] == "UNPAID"
    )
    assert sim_post(sim, "returns/new", {"order_sn": sn}).status_code == 409
    now = int(time.time())
    failed(
        client.get(
            "/api/v2/returns/get_return_list",
            page_no=0,
            page_size=101,
        ),
        "error_param",
    )
    failed(
        client.get(
            "/api/v2/returns/get_return_list",
            page_no=0,
            page_size=10,
            update_time_from=now - 16 * DAY,
            update_time_to=now,
        ),
        "error_param",
    )
    failed(
        client.get("/api/v2/returns/get_return_detail", return_sn="NOPE"), "error_data"
    )
    failed(client.post("/api/v2/returns/confirm", {"return_sn": "NOPE"}), "error_data")


def test_paging_and_faults(sim, client):
    created = []
    for sn, order in sorted(state(sim)["orders"].items()):
        if order["status"] in ("TO_CONFIRM_RECEIVE", "COMPLETED"):
            created.append(control(sim, "returns/new", {"order_sn": sn})["return_sn"])
            advance(sim, 1)
    assert len(created) >= 3
    seen, page_no = [], 0
    while True:
        page = list_returns(client, page_no=page_no, page_size=2)
        seen.extend(r["return_sn"] for r in page["return"])
        if not page["more"]:
            break
        page_no += 1
    assert sorted(seen) == sorted(created)
    # the faults of every other endpoint: 5xx, then malformed records
    control(sim, "faults", {"rate_5xx": 1.0})
    resp = client.get("/api/v2/returns/get_return_detail", return_sn=created[0])
    assert resp.status_code in (500, 503)
    assert resp.json()["error"] == "error_server"
    control(sim, "faults", {"malformed": 1.0})
    broken = detail(client, created[0])
    assert broken["status"] is None
    assert broken["refund_amount"] == "NaN"
