"""Fast tests of the e-shop (Comarch e-Sklep <-> ERP XML exchange) simulator."""

import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests

from simulators.eshop import EshopSimulator

from .helpers import sim_post

KEY = {"X-Api-Key": "eshop-key"}


@pytest.fixture
def sim():
    with EshopSimulator(orders=30, seed=3, export_delay=60) as server:
        yield server


def export(sim, since=0, limit=10, headers=KEY):
    resp = requests.get(
        f"{sim.url}/api/orders/export",
        params={"since": since, "limit": limit},
        headers=headers,
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    assert resp.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert resp.headers["Content-Type"].startswith("application/xml")
    return ET.fromstring(resp.content)


def export_all(sim, since=0, limit=7):
    """Every <Order> element served while paging from ``since``; the final cursor."""
    elements = []
    for _ in range(1000):
        root = export(sim, since, limit)
        elements.extend(root.findall("Order"))
        assert int(root.get("Count")) == len(root)
        since = int(root.get("NextCursor"))
        if root.get("HasMore") == "false":
            return elements, since
    raise AssertionError("export never ended")


def push_status(sim, updates, headers=KEY):
    root = ET.Element("StatusUpdates")
    for update in updates:
        el = ET.SubElement(root, "StatusUpdate")
        for tag in ("OrderId", "Status", "TrackingNumber", "Carrier"):
            if tag in update:
                ET.SubElement(el, tag).text = str(update[tag])
        for kind, number in update.get("documents", []):
            ET.SubElement(el, "Document", Type=kind).text = number
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return requests.post(
        f"{sim.url}/api/orders/status",
        data=body,
        headers={**headers, "Content-Type": "application/xml"},
        timeout=5,
    )


def results(resp):
    assert resp.status_code == 200, resp.text
    root = ET.fromstring(resp.content)
    return root, {r.get("OrderId"): r for r in root.findall("Result")}


def orders_in(sim, state):
    return [
        int(oid) for oid, o in sim.inspect()["orders"].items() if o["state"] == state
    ]


def test_generator_covers_every_state_and_is_deterministic(sim):
    state = sim.inspect()["orders"]
    assert len(state) == 30
    assert {o["state"] for o in state.values()} == {
        "awaiting_customer",
        "awaiting_shipping_cost",
        "awaiting_payment",
        "awaiting_instalment",
        "awaiting_shop",
        "confirmed",
        "fulfilled",
        "cancelled",
    }
    assert {o["payment"] for o in state.values()} >= {"COD", "TRANSFER", "PAYU"}
    assert any(o["voucher"] for o in state.values())
    assert any(len(o["lines"]) > 1 for o in state.values())
    with EshopSimulator(orders=30, seed=3, export_delay=60) as twin:
        other = twin.inspect()["orders"]

    def strip(orders):
        return {
            k: {f: v for f, v in o.items() if f not in ("placed_at", "modified_at")}
            for k, o in orders.items()
        }

    assert strip(other) == strip(state)


def test_export_paging_returns_every_changed_order_exactly_once(sim):
    elements, cursor = export_all(sim, limit=7)
    ids = [int(e.get("Id")) for e in elements]
    assert len(ids) == len(set(ids))
    versions = [int(e.get("Version")) for e in elements]
    assert versions == sorted(versions)
    released = {int(k) for k, o in sim.inspect()["orders"].items() if o["released"]}
    assert set(ids) == released
    assert len(released) == 29  # the newest order is inside the 60 s delay
    # nothing changed: the next sync from the cursor is empty
    root = export(sim, cursor)
    assert len(root) == 0 and root.get("NextCursor") == str(cursor)
    # a change (the shop confirms for the customer) shows exactly that order once
    waiting = orders_in(sim, "awaiting_customer")[0]
    resp = requests.post(
        f"{sim.url}/api/orders/{waiting}/confirm_for_customer", headers=KEY, timeout=5
    )
    assert resp.status_code == 200, resp.text
    elements, cursor2 = export_all(sim, cursor)
    assert [int(e.get("Id")) for e in elements] == [waiting]
    assert cursor2 > cursor
    # an order with an unparsable limit/cursor is a precise 400
    resp = requests.get(
        f"{sim.url}/api/orders/export?since=abc", headers=KEY, timeout=5
    )
    assert resp.status_code == 400
    assert ET.fromstring(resp.content).findtext("Code") == "invalid_parameter"


def test_export_delay_is_respected(sim):
    _, cursor = export_all(sim)
    resp = sim_post(sim, "orders/new", {"customer_confirmed": True})
    assert resp.status_code == 201
    new_id = resp.json()["id"]
    assert resp.json()["state"] == "awaiting_shop"
    assert len(export(sim, cursor)) == 0
    resp = requests.get(f"{sim.url}/api/orders/{new_id}", headers=KEY, timeout=5)
    assert resp.status_code == 404
    assert ET.fromstring(resp.content).findtext("Code") == "not_yet_exported"
    sim.advance(30)
    assert len(export(sim, cursor)) == 0
    requests.post(f"{sim.url}/_sim/clock", json={"advance": 31}, timeout=5)
    elements, _ = export_all(sim, cursor)
    ids = [int(e.get("Id")) for e in elements]
    # the seeded order placed 15 s before start is released too
    assert new_id in ids and len(ids) == len(set(ids)) == 2
    order = next(e for e in elements if int(e.get("Id")) == new_id)
    assert order.get("Importable") == "true"
    assert order.find("State").get("Code") == "awaiting_shop"


def test_customer_confirmation_gates_import(sim):
    waiting = orders_in(sim, "awaiting_customer")
    elements, cursor = export_all(sim)
    by_id = {int(e.get("Id")): e for e in elements}
    for order_id in waiting:
        elem = by_id[order_id]
        assert elem.get("Importable") == "false"
        assert elem.findtext("NotImportableReason") == "awaiting_customer_confirmation"
        assert elem.findtext("State") == "oczekuje na potwierdzenie klienta"
    target = waiting[0]
    _, res = results(push_status(sim, [{"OrderId": target, "Status": "Potwierdzone"}]))
    error = res[str(target)].find("Error")
    assert res[str(target)].get("Success") == "false"
    assert error.get("Code") == "illegal_transition"
    assert "not importable (awaiting_customer_confirmation)" in error.text
    assert "allowed only from awaiting_shop" in error.text
    # the customer confirms (control API); a TRANSFER/COD order then waits for the shop
    state = sim.inspect()["orders"][str(target)]
    resp = sim_post(sim, f"orders/{target}/customer_confirm")
    assert resp.status_code == 200
    expected = {
        "PAYU": "awaiting_payment",
        "RATY": "awaiting_instalment",
    }.get(state["payment"], "awaiting_shop")
    if state["delivery"] == "PALLET":
        expected = "awaiting_shipping_cost"
    assert resp.json()["state"] == expected
    assert sim_post(sim, f"orders/{target}/customer_confirm").status_code == 409
    elements, _ = export_all(sim, cursor)
    assert [int(e.get("Id")) for e in elements] == [target]
    assert elements[0].find("State").get("Code") == expected


def test_online_payment_shipping_cost_and_instalment_gates(sim):
    resp = sim_post(sim, "orders/new", {"delivery": "PALLET", "payment": "PAYU"})
    order_id = resp.json()["id"]
    assert sim_post(sim, f"orders/{order_id}/customer_confirm").json()["state"] == (
        "awaiting_shipping_cost"
    )
    resp = sim_post(
        sim,
        f"orders/{order_id}/event",
        {"event": "shipping_cost_approved", "amount": "199.00"},
    )
    assert resp.json()["state"] == "awaiting_payment"
    resp = sim_post(sim, f"orders/{order_id}/event", {"event": "bogus"})
    assert resp.status_code == 409
    resp = sim_post(sim, f"orders/{order_id}/event", {"event": "payment_received"})
    assert resp.json()["state"] == "awaiting_shop"
    assert resp.json()["payment_status"] == "paid"
    sim.advance(61)
    elem = ET.fromstring(
        requests.get(f"{sim.url}/api/orders/{order_id}", headers=KEY, timeout=5).content
    )
    cost = {c.get("Type"): c.findtext("AmountGross") for c in elem.iter("CostLine")}
    assert cost["delivery"] == "199.00"
    assert elem.get("Importable") == "true"
    # instalment rejected -> cancelled
    resp = sim_post(sim, "orders/new", {"delivery": "DPD", "payment": "RATY"})
    order_id = resp.json()["id"]
    sim_post(sim, f"orders/{order_id}/customer_confirm")
    resp = sim_post(sim, f"orders/{order_id}/event", {"event": "instalment_rejected"})
    assert resp.json()["state"] == "cancelled"
    # the delivery/payment matrix is enforced
    resp = sim_post(sim, "orders/new", {"delivery": "PICKUP", "payment": "COD"})
    assert resp.status_code == 400
    matrix = ET.fromstring(
        requests.get(f"{sim.url}/api/matrix", headers=KEY, timeout=5).content
    )
    combos = {(c.get("Delivery"), c.get("Payment")) for c in matrix.iter("Combination")}
    assert ("DPD", "COD") in combos and ("PICKUP", "COD") not in combos


def test_status_import_moves_state_and_rejects_illegal_moves(sim):
    shop = orders_in(sim, "awaiting_shop")
    released = [oid for oid in shop if sim.inspect()["orders"][str(oid)]["released"]]
    first, second = released[:2]
    _, cursor = export_all(sim)
    root, res = results(
        push_status(
            sim,
            [
                {
                    "OrderId": first,
                    "Status": "Potwierdzone",
                    "documents": [("RO", "RO/1")],
                },
                {"OrderId": second, "Status": "Zrealizowane"},
                {"OrderId": 999999, "Status": "Confirmed"},
                {"OrderId": first + 0, "Status": "W drodze"},
                {"Status": "Confirmed"},
            ],
        )
    )
    assert root.get("Accepted") == "1"
    assert root.get("Rejected") == "4"
    results_list = root.findall("Result")
    assert results_list[0].get("Success") == "true"
    assert results_list[0].find("State").get("Code") == "confirmed"
    error = results_list[1].find("Error")
    assert error.get("Code") == "illegal_transition"
    assert error.text == (
        f"order {second} is 'oczekuje na potwierdzenie sklepu' (awaiting_shop); it "
        "cannot become 'Zrealizowane' (fulfilled): allowed only from confirmed"
    )
    assert results_list[2].find("Error").get("Code") == "unknown_order"
    assert results_list[3].find("Error").get("Code") == "unknown_status"
    assert results_list[4].find("Error").get("Code") == "missing_field"
    # Fulfilled (English name) with invoice, goods issue and tracking
    _, res = results(
        push_status(
            sim,
            [
                {
                    "OrderId": first,
                    "Status": "Fulfilled",
                    "documents": [("FS", "FS/7/2025"), ("WZ", "WZ/7/2025")],
                    "TrackingNumber": "0000123456789",
                    "Carrier": "DPD",
                }
            ],
        )
    )
    assert res[str(first)].get("Success") == "true"
    state = sim.inspect()["orders"][str(first)]
    assert state["state"] == "fulfilled"
    assert state["tracking"] == "0000123456789"
    assert ["FS", "FS/7/2025"] in state["documents"]
    assert ["RO", "RO/1"] in state["documents"]
    # repeating the same status is accepted and changes nothing
    _, res = results(push_status(sim, [{"OrderId": first, "Status": "Zrealizowane"}]))
    assert res[str(first)].get("Unchanged") == "true"
    # going backwards is refused
    _, res = results(push_status(sim, [{"OrderId": first, "Status": "Potwierdzone"}]))
    assert "allowed only from awaiting_shop" in res[str(first)].findtext("Error")
    # the status changes are exported once, with the ERP documents
    elements, _ = export_all(sim, cursor)
    assert [int(e.get("Id")) for e in elements] == [first]
    assert elements[0].findtext("Status") == "Zrealizowane"
    docs = {d.get("Type") for d in elements[0].iter("Document")}
    assert docs == {"RO", "FS", "WZ"}
    inspected = sim.inspect()
    assert len(inspected["status_updates"]) == 8
    assert {e["code"] for e in inspected["errors"]} >= {
        "illegal_transition",
        "unknown_order",
        "unknown_status",
        "missing_field",
    }
    # a body that is not XML
    resp = requests.post(
        f"{sim.url}/api/orders/status", data=b"<StatusUpdates>", headers=KEY, timeout=5
    )
    assert resp.status_code == 400
    assert ET.fromstring(resp.content).findtext("Code") == "invalid_xml"


def test_wrong_api_key_is_rejected(sim):
    for method, path in (
        ("GET", "/api/orders/export"),
        ("GET", "/api/matrix"),
        ("POST", "/api/orders/status"),
        ("GET", "/api/orders/1001"),
    ):
        for headers in ({"X-Api-Key": "nope"}, {}):
            resp = requests.request(
                method, sim.url + path, headers=headers, data=b"<x/>", timeout=5
            )
            assert resp.status_code == 401
            assert ET.fromstring(resp.content).findtext("Code") == "unauthorized"
    assert sim.inspect()["status_updates"] == []


def test_custom_api_key_option():
    with EshopSimulator(orders=5, seed=1, api_key="s3cret") as sim:
        assert export(sim, headers={"X-Api-Key": "s3cret"}) is not None
        resp = requests.get(f"{sim.url}/api/matrix", headers=KEY, timeout=5)
        assert resp.status_code == 401


def test_fault_rates_in_exports():
    with EshopSimulator(orders=300, seed=5, export_delay=60) as sim:
        released = {int(k) for k, o in sim.inspect()["orders"].items() if o["released"]}
        sim.faults.update({"malformed": 0.2, "duplicates": 0.1, "out_of_order": 0.15})
        elements, _ = export_all(sim, limit=25)
        fired = sim.faults.fired
        malformed = [e for e in elements if e.get("Malformed") == "true"]
        assert len(malformed) == fired["malformed"]
        assert all(e.find("Lines") is None for e in malformed)
        good = [e for e in elements if e.get("Malformed") is None]
        # a malformed order is served again, well-formed, at a later cursor
        assert {int(e.get("Id")) for e in good} == released
        rolled = len(released) + len(malformed)
        assert 0.14 < len(malformed) / rolled < 0.26
        # duplicates: the identical element right after itself
        dups = [
            a
            for a, b in zip(good, good[1:], strict=False)
            if ET.tostring(a) == ET.tostring(b)
        ]
        assert len(dups) == fired["duplicates"]
        assert 0.05 < len(dups) / len(released) < 0.15
        # out of order: a lower Version of the order that was just served
        stale = [
            b
            for a, b in zip(good, good[1:], strict=False)
            if a.get("Id") == b.get("Id")
            and int(b.get("Version")) < int(a.get("Version"))
        ]
        assert len(stale) == fired["out_of_order"] > 10


def test_http_faults_answer_in_xml():
    with EshopSimulator(orders=5, seed=2) as sim:
        sim_post(sim, "faults", {"rate_5xx": 0.3})
        codes = [
            requests.get(f"{sim.url}/api/matrix", headers=KEY, timeout=5)
            for _ in range(200)
        ]
        errors = [r for r in codes if r.status_code == 503]
        assert 0.2 < len(errors) / 200 < 0.4
        assert ET.fromstring(errors[0].content).findtext("Code") == (
            "service_unavailable"
        )
        sim_post(sim, "faults", {"rate_429": 0.2, "burst_429": 2, "retry_after": 3})
        codes = [
            requests.get(f"{sim.url}/api/matrix", headers=KEY, timeout=5)
            for _ in range(200)
        ]
        limited = [r for r in codes if r.status_code == 429]
        assert 0.2 < len(limited) / 200 < 0.5  # bursts of two
        assert limited[0].headers["Retry-After"] == "3"
        assert ET.fromstring(limited[0].content).findtext("RetryAfter") == "3"
        # control endpoints never fail
        assert requests.get(f"{sim.url}/_sim/state", timeout=5).status_code == 200


def test_money_adds_up_with_the_vat_of_each_line(sim):
    """TotalPrice = the lines + the cost lines; TotalTax = the VAT of each line,
    rounded to the cent (items, fees at 23 %, less the voucher split by rate);
    TotalNet = TotalPrice - TotalTax. Orders mix VAT rates."""
    elements, _cursor = export_all(sim)
    rates = set()
    for elem in elements:
        lines = elem.findall("Lines/Line")
        gross = {}
        tax = Decimal()
        for line in lines:
            rate = Decimal(line.findtext("TaxRate"))
            amount = Decimal(line.findtext("LineTotalGross"))
            assert amount == Decimal(line.findtext("UnitPriceGross")) * int(
                line.findtext("Quantity")
            )
            gross[rate] = gross.get(rate, Decimal()) + amount
            tax += vat(amount, rate)
            rates.add(rate)
        costs = Decimal()
        voucher = Decimal()
        for cost in elem.findall("CostLines/CostLine"):
            amount = Decimal(cost.findtext("AmountGross"))
            costs += amount
            if cost.get("Type") == "voucher":
                voucher -= amount
            else:
                assert cost.findtext("TaxRate") == "23"
                tax += vat(amount, Decimal(23))
        base, left = sum(gross.values()), voucher
        for position, rate in enumerate(sorted(gross, reverse=True)):
            last = position == len(gross) - 1
            part = left if last else cents(voucher * gross[rate] / base)
            left -= part
            tax -= vat(part, rate)
        total = Decimal(elem.findtext("TotalPrice"))
        assert total == sum(gross.values()) + costs
        assert Decimal(elem.findtext("TotalTax")) == tax
        assert Decimal(elem.findtext("TotalNet")) == total - tax
    assert rates == {Decimal(23), Decimal(8), Decimal(5)}


def cents(value):
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def vat(gross, rate):
    return cents(gross * rate / (100 + rate))
