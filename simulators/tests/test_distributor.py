"""Fast tests of the distributor simulator: PO reception in the three standards, feeds,
real-time queries, dispatch notifications and fault injection."""

import csv
import hashlib
import hmac
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
import requests

from simulators.core import Faults, PushReceiver
from simulators.distributor import DistributorSimulator

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
UBL_RESP = "urn:oasis:names:specification:ubl:schema:xsd:OrderResponse-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
OT = "http://www.opentrans.org/XMLSchema/2.1"
BME = "http://www.bmecat.org/bmecat/2005"
NS = {"r": UBL_RESP, "cac": CAC, "cbc": CBC, "ot": OT, "bme": BME}


# ---- sample documents, written from the standards' minimum content -------------------
def ubl_order(po_id, lines, currency="GBP"):
    """UBL 2.1 Order, Peppol BIS Ordering 3 profile; lines = [(part, qty, price)]."""
    order_lines = "".join(
        f"""
  <cac:OrderLine>
    <cac:LineItem>
      <cbc:ID>{n}</cbc:ID>
      <cbc:Quantity unitCode="C62">{qty}</cbc:Quantity>
      <cac:Price><cbc:PriceAmount currencyID="{currency}">{price}</cbc:PriceAmount>
      </cac:Price>
      <cac:Item>
        <cbc:Name>Item {n}</cbc:Name>
        <cac:SellersItemIdentification><cbc:ID>{part}</cbc:ID>
        </cac:SellersItemIdentification>
      </cac:Item>
    </cac:LineItem>
  </cac:OrderLine>"""
        for n, (part, qty, price) in enumerate(lines, 1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Order xmlns="{UBL}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
  <cbc:ID>{po_id}</cbc:ID>
  <cbc:IssueDate>2025-03-14</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  <cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>Reseller Ltd</cbc:Name>
  </cac:PartyName></cac:Party></cac:BuyerCustomerParty>
  <cac:SellerSupplierParty><cac:Party><cac:PartyName><cbc:Name>TD SYNNEX</cbc:Name>
  </cac:PartyName></cac:Party></cac:SellerSupplierParty>
  <cac:Delivery><cac:DeliveryLocation><cac:Address>
    <cbc:StreetName>1 Deansgate</cbc:StreetName><cbc:CityName>Manchester</cbc:CityName>
    <cbc:PostalZone>M1 1AE</cbc:PostalZone>
    <cac:Country><cbc:IdentificationCode>GB</cbc:IdentificationCode></cac:Country>
  </cac:Address></cac:DeliveryLocation>
  <cac:DeliveryParty><cac:PartyName><cbc:Name>Zoë O'Brien</cbc:Name></cac:PartyName>
  </cac:DeliveryParty></cac:Delivery>
  <cac:AnticipatedMonetaryTotal>
    <cbc:PayableAmount currencyID="{currency}">100.00</cbc:PayableAmount>
  </cac:AnticipatedMonetaryTotal>{order_lines}
</Order>
"""


def cxml_order(po_id, lines, secret="ingram-shared-secret", kind="new"):
    items = "".join(
        f"""
      <ItemOut quantity="{qty}" lineNumber="{n}">
        <ItemID><SupplierPartID>{part}</SupplierPartID></ItemID>
        <ItemDetail>
          <UnitPrice><Money currency="GBP">{price}</Money></UnitPrice>
          <Description xml:lang="en">Item {n}</Description>
          <UnitOfMeasure>EA</UnitOfMeasure>
        </ItemDetail>
      </ItemOut>"""
        for n, (part, qty, price) in enumerate(lines, 1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">
<cXML payloadID="{po_id}.1@reseller.example" timestamp="2025-03-14T10:00:00+00:00">
  <Header>
    <From><Credential domain="NetworkID"><Identity>RESELLER-001</Identity>
    </Credential></From>
    <To><Credential domain="NetworkID"><Identity>INGRAM</Identity></Credential></To>
    <Sender><Credential domain="NetworkID"><Identity>RESELLER-001</Identity>
      <SharedSecret>{secret}</SharedSecret></Credential>
      <UserAgent>odoo-test</UserAgent></Sender>
  </Header>
  <Request deploymentMode="test">
    <OrderRequest>
      <OrderRequestHeader orderID="{po_id}" orderDate="2025-03-14T10:00:00+00:00"
          type="{kind}">
        <Total><Money currency="GBP">100.00</Money></Total>
        <ShipTo><Address><Name xml:lang="en">Zoë O'Brien</Name><PostalAddress>
          <Street>1 Deansgate</Street><City>Manchester</City>
          <PostalCode>M1 1AE</PostalCode><Country isoCountryCode="GB">UK</Country>
        </PostalAddress></Address></ShipTo>
        <BillTo><Address><Name xml:lang="en">Reseller Ltd</Name></Address></BillTo>
      </OrderRequestHeader>{items}
    </OrderRequest>
  </Request>
</cXML>
"""


def opentrans_order(po_id, lines):
    items = "".join(
        f"""
    <ORDER_ITEM>
      <LINE_ITEM_ID>{n}</LINE_ITEM_ID>
      <PRODUCT_ID><bme:SUPPLIER_PID>{part}</bme:SUPPLIER_PID></PRODUCT_ID>
      <QUANTITY>{qty}</QUANTITY>
      <bme:ORDER_UNIT>C62</bme:ORDER_UNIT>
      <PRODUCT_PRICE_FIX><bme:PRICE_AMOUNT>{price}</bme:PRICE_AMOUNT>
      </PRODUCT_PRICE_FIX>
    </ORDER_ITEM>"""
        for n, (part, qty, price) in enumerate(lines, 1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ORDER xmlns="{OT}" xmlns:bme="{BME}" version="2.1" type="standard">
  <ORDER_HEADER>
    <ORDER_INFO>
      <ORDER_ID>{po_id}</ORDER_ID>
      <ORDER_DATE>2025-03-14</ORDER_DATE>
      <PARTIES>
        <PARTY><bme:PARTY_ID type="buyer_specific">reseller</bme:PARTY_ID>
          <PARTY_ROLE>buyer</PARTY_ROLE></PARTY>
        <PARTY><bme:PARTY_ID type="supplier_specific">exertis</bme:PARTY_ID>
          <PARTY_ROLE>supplier</PARTY_ROLE></PARTY>
        <PARTY><bme:PARTY_ID type="buyer_specific">customer-42</bme:PARTY_ID>
          <PARTY_ROLE>delivery</PARTY_ROLE></PARTY>
      </PARTIES>
      <ORDER_PARTIES_REFERENCE>
        <bme:BUYER_IDREF type="buyer_specific">reseller</bme:BUYER_IDREF>
        <bme:SUPPLIER_IDREF type="supplier_specific">exertis</bme:SUPPLIER_IDREF>
        <SHIPMENT_PARTIES_REFERENCE>
          <DELIVERY_IDREF type="buyer_specific">customer-42</DELIVERY_IDREF>
        </SHIPMENT_PARTIES_REFERENCE>
      </ORDER_PARTIES_REFERENCE>
      <bme:CURRENCY>GBP</bme:CURRENCY>
    </ORDER_INFO>
  </ORDER_HEADER>
  <ORDER_ITEM_LIST>{items}
  </ORDER_ITEM_LIST>
  <ORDER_SUMMARY><TOTAL_ITEM_NUM>{len(lines)}</TOTAL_ITEM_NUM></ORDER_SUMMARY>
</ORDER>
"""


BUILDERS = {"ingram": cxml_order, "techdata": ubl_order, "exertis": opentrans_order}


def post_po(sim, code, doc, credentials=True):
    kwargs = {"auth": ("reseller", f"{code}-password")} if credentials else {}
    return requests.post(
        f"{sim.url}/{code}/orders",
        data=doc.encode("utf-8"),
        headers={"Content-Type": "application/xml"},
        timeout=5,
        **kwargs,
    )


def in_stock(sim, code, count=2, minimum=5):
    """MPNs (data.catalogue() SKUs) of parts with enough stock."""
    stock = sim.inspect()["stock"][code]
    parts = [p for p in stock.values() if p["stock"] >= minimum]
    return parts[:count]


def remove(doc, tag):
    """Drop the first element ``tag`` (with its content) from a document."""
    new = re.sub(rf"<{tag}\b[^>]*?(/>|>.*?</{tag}>)", "", doc, count=1, flags=re.S)
    assert new != doc, tag
    return new


@pytest.fixture(scope="module")
def server():
    with DistributorSimulator(
        seed=3, dispatch_after=600, dispatch_retry_delay=0.01
    ) as running:
        yield running


@pytest.fixture
def sim(server):
    """The module's server, back to its seeded initial state (one server per module:
    stopping a server costs half a second)."""
    server.flush_dispatches()
    server.faults = Faults(None, server.seed)
    server.clock_offset = 0.0
    server.reset()
    return server


# ---- PO reception --------------------------------------------------------------------
def test_each_format_is_acknowledged(sim):
    for code in ("ingram", "techdata", "exertis"):
        parts = in_stock(sim, code)
        lines = [
            (parts[0]["mpn"], 2, parts[0]["price"]),
            (parts[1]["part_number"], 1, 9),
        ]
        before = parts[0]["stock"]
        resp = post_po(sim, code, BUILDERS[code](f"PO-{code}-1", lines))
        assert resp.status_code == 200, resp.text
        assert resp.headers["X-Order-Status"] == "accepted"
        root = ET.fromstring(resp.content)
        if code == "ingram":
            assert root.tag == "cXML"
            assert root.find("Response/Status").get("code") == "200"
        elif code == "techdata":
            assert root.tag == f"{{{UBL_RESP}}}OrderResponse"
            assert root.findtext("cbc:OrderResponseCode", namespaces=NS) == "AP"
            assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == (
                "PO-techdata-1"
            )
            codes = root.findall("cac:OrderLine/cac:LineItem/cbc:LineStatusCode", NS)
            assert [c.text for c in codes] == ["5", "5"]
        else:
            assert root.tag == f"{{{OT}}}ORDERRESPONSE"
            info = "ot:ORDERRESPONSE_HEADER/ot:ORDERRESPONSE_INFO/ot:ORDER_ID"
            assert root.findtext(info, namespaces=NS) == "PO-exertis-1"
            qty = root.findall("ot:ORDERRESPONSE_ITEM_LIST/*/ot:QUANTITY", NS)
            assert [q.text for q in qty] == ["2", "1"]
        po = sim.inspect()["orders"][code][f"PO-{code}-1"]
        assert (
            po["status"] == "accepted"
            and po["format"] == sim.distributors[code]["format"]
        )
        assert [line["accepted_qty"] for line in po["lines"]] == [2, 1]
        assert po["lines"][1]["price_mismatch"] is True
        assert po["ship_to"]
        assert po["raw"].startswith("<?xml")
        assert sim.inspect()["stock"][code][parts[0]["part_number"]]["stock"] == (
            before - 2
        )


@pytest.mark.parametrize(
    "code,tag,expected",
    [
        ("techdata", "cbc:IssueDate", "cbc:IssueDate"),
        ("techdata", "cac:BuyerCustomerParty", "cac:BuyerCustomerParty"),
        ("techdata", "cac:SellerSupplierParty", "cac:SellerSupplierParty"),
        ("techdata", "cbc:DocumentCurrencyCode", "cbc:DocumentCurrencyCode"),
        ("techdata", "cac:SellersItemIdentification", "SellersItemIdentification"),
        ("ingram", "BillTo", "BillTo"),
        ("ingram", "SupplierPartID", "SupplierPartID"),
        ("ingram", "Total", "Total/Money"),
        ("ingram", "UserAgent", "Header/Sender/UserAgent"),
        ("exertis", "ORDER_ID", "ORDER_ID"),
        ("exertis", "bme:SUPPLIER_IDREF", "bme:SUPPLIER_IDREF"),
        ("exertis", "bme:SUPPLIER_PID", "bme:SUPPLIER_PID"),
        ("exertis", "ORDER_SUMMARY", "TOTAL_ITEM_NUM"),
    ],
)
def test_missing_element_is_named(sim, code, tag, expected):
    part = in_stock(sim, code, 1)[0]
    doc = remove(BUILDERS[code]("PO-BAD", [(part["mpn"], 1, 1)]), tag)
    resp = post_po(sim, code, doc)
    assert resp.status_code == 400
    if code == "ingram":
        status = ET.fromstring(resp.content).find("Response/Status")
        assert status.get("code") == "400"
        assert expected in status.text
    else:
        assert expected in resp.json()["message"], resp.json()
    assert "PO-BAD" not in sim.inspect()["orders"][code]
    assert sim.inspect()["rejected_documents"][code][-1]["status"] == 400


def test_invalid_values_and_root(sim):
    part = in_stock(sim, "techdata", 1)[0]
    doc = ubl_order("PO-X", [(part["mpn"], 1, 1)]).replace("2025-03-14", "14/03/2025")
    assert "cbc:IssueDate" in post_po(sim, "techdata", doc).json()["message"]
    doc = ubl_order("PO-X", [(part["mpn"], 1, 1)], currency="USD")
    assert "USD" in post_po(sim, "techdata", doc).json()["message"]
    doc = opentrans_order("PO-X", [(part["mpn"], 1, 1)])
    resp = post_po(sim, "techdata", doc)
    assert resp.status_code == 400 and "root element" in resp.json()["message"]
    doc = opentrans_order("PO-X", [("A", 1, 1)]).replace('"2.1"', '"1.0"')
    assert "ORDER@version" in post_po(sim, "exertis", doc).json()["message"]
    assert post_po(sim, "exertis", "<ORDER").status_code == 400


def test_wrong_credentials_rejected(sim):
    part = in_stock(sim, "ingram", 1)[0]
    lines = [(part["mpn"], 1, 1)]
    resp = post_po(sim, "ingram", cxml_order("PO-A", lines, secret="guess"))
    assert resp.status_code == 401
    assert ET.fromstring(resp.content).find("Response/Status").get("code") == "401"
    resp = post_po(sim, "techdata", ubl_order("PO-A", lines), credentials=False)
    assert resp.status_code == 401 and "Basic" in resp.headers["WWW-Authenticate"]
    resp = requests.post(
        f"{sim.url}/exertis/orders",
        data=opentrans_order("PO-A", lines),
        auth=("reseller", "wrong"),
        timeout=5,
    )
    assert resp.status_code == 401
    resp = requests.get(
        f"{sim.url}/techdata/feed.csv", headers={"X-Api-Key": "nope"}, timeout=5
    )
    assert resp.status_code == 401
    assert not any(sim.inspect()["orders"].values())


def test_duplicate_po_is_idempotent(sim):
    part = in_stock(sim, "techdata", 1)[0]
    doc = ubl_order("PO-DUP", [(part["mpn"], 3, part["price"])])
    first = post_po(sim, "techdata", doc)
    second = post_po(sim, "techdata", doc)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert second.headers["X-Duplicate"] == "true"
    state = sim.inspect()
    assert list(state["orders"]["techdata"]) == ["PO-DUP"]
    assert state["orders"]["techdata"]["PO-DUP"]["duplicates_received"] == 1
    assert state["stock"]["techdata"][part["part_number"]]["stock"] == part["stock"] - 3
    doc = cxml_order("PO-DUP", [(in_stock(sim, "ingram", 1)[0]["mpn"], 1, 1)])
    assert post_po(sim, "ingram", doc).content == post_po(sim, "ingram", doc).content


def test_unknown_part_and_stock_shortage(sim):
    a, b = in_stock(sim, "exertis", 2)
    control = f"{sim.url}/_sim/exertis/parts"
    requests.post(f"{control}/{a['mpn']}", json={"stock": 2}, timeout=5)
    requests.post(f"{control}/{b['mpn']}", json={"stock": 0}, timeout=5)
    lines = [(a["mpn"], 5, 1), (b["mpn"], 1, 1), ("NO-SUCH-PART", 1, 1)]
    resp = post_po(sim, "exertis", opentrans_order("PO-SHORT", lines))
    assert resp.status_code == 200 and resp.headers["X-Order-Status"] == "partial"
    root = ET.fromstring(resp.content)
    items = root.findall("ot:ORDERRESPONSE_ITEM_LIST/ot:ORDERRESPONSE_ITEM", NS)
    assert [i.findtext("ot:QUANTITY", namespaces=NS) for i in items] == ["2", "0", "0"]
    remarks = [i.findtext("ot:REMARKS", namespaces=NS) for i in items]
    assert remarks == [
        "partial: insufficient_stock",
        "rejected: out_of_stock",
        "rejected: unknown_part",
    ]
    po = sim.inspect()["orders"]["exertis"]["PO-SHORT"]
    statuses = [line["status"] for line in po["lines"]]
    assert statuses == ["partial", "rejected", "rejected"]
    resp = post_po(sim, "techdata", ubl_order("PO-NONE", [("NOPE", 1, 1)]))
    root = ET.fromstring(resp.content)
    assert root.findtext("cbc:OrderResponseCode", namespaces=NS) == "RE"


def test_cxml_delete_cancels(sim):
    part = in_stock(sim, "ingram", 1)[0]
    lines = [(part["mpn"], 2, 1)]
    post_po(sim, "ingram", cxml_order("PO-DEL", lines))
    resp = post_po(sim, "ingram", cxml_order("PO-DEL", lines, kind="delete"))
    assert resp.status_code == 200 and resp.headers["X-Order-Status"] == "cancelled"
    state = sim.inspect()
    assert state["orders"]["ingram"]["PO-DEL"]["status"] == "cancelled"
    assert state["stock"]["ingram"][part["part_number"]]["stock"] == part["stock"]
    resp = post_po(sim, "ingram", cxml_order("PO-UPD", lines, kind="update"))
    assert resp.status_code == 406


# ---- feeds ---------------------------------------------------------------------------
def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def parse_xml(content):
    return [
        {child.tag: child.text or "" for child in product}
        for product in ET.fromstring(content).findall("product")
    ]


def is_malformed(row):
    try:
        float(row["price"])
        if not row["stock"].startswith(">"):
            int(row["stock"])
    except ValueError:
        return True
    return not row["part_number"]


def test_feeds_parse_and_drift(sim):
    key = {"X-Api-Key": "techdata-api-key"}
    csv_resp = requests.get(f"{sim.url}/techdata/feed.csv", headers=key, timeout=5)
    assert csv_resp.headers["Content-Type"].startswith("text/csv")
    rows = parse_csv(csv_resp.text)
    skus = {row["mpn"] for row in rows}
    assert {"MUG", "TSHIRT-S", "CABLE-USBC"} <= skus
    assert set(rows[0]) >= {"part_number", "mpn", "stock", "price", "currency"}
    assert not any(is_malformed(row) for row in rows)
    xml_resp = requests.get(
        f"{sim.url}/techdata/feed.xml",
        params={"api_key": "techdata-api-key"},
        timeout=5,
    )
    xml_rows = parse_xml(xml_resp.content)
    assert xml_rows == rows
    # exertis bands big stock numbers
    banded = parse_csv(
        requests.get(
            f"{sim.url}/exertis/feed.csv",
            auth=("reseller", "exertis-password"),
            timeout=5,
        ).text
    )
    assert all(r["stock"] == ">100" or int(r["stock"]) <= 100 for r in banded)
    sim.advance(2 * 3600)
    later = parse_csv(
        requests.get(f"{sim.url}/techdata/feed.csv", headers=key, timeout=5).text
    )
    assert later != rows
    assert {r["part_number"] for r in later} == {r["part_number"] for r in rows}
    assert any(a["stock"] != b["stock"] for a, b in zip(rows, later, strict=True))
    assert any(a["price"] != b["price"] for a, b in zip(rows, later, strict=True))


def test_feed_drift_is_deterministic(sim):
    feeds = []
    for _ in range(2):
        sim.reset()
        sim.advance(5 * 3600)
        url = f"{sim.url}/ingram/feed.csv?api_key=ingram-api-key"
        feeds.append(requests.get(url, timeout=5).text)
    assert feeds[0] == feeds[1]
    assert sim.inspect()["period"] == 5


def test_malformed_and_duplicate_rows(sim):
    sim.faults.update({"malformed": 0.2})
    key = {"X-Api-Key": "ingram-api-key"}
    rows = []
    for fmt in ("csv", "xml") * 4:
        resp = requests.get(f"{sim.url}/ingram/feed.{fmt}", headers=key, timeout=5)
        rows += parse_csv(resp.text) if fmt == "csv" else parse_xml(resp.content)
    bad = sum(is_malformed(row) for row in rows)
    assert bad == sim.faults.fired["malformed"]
    assert 0.1 < bad / len(rows) < 0.3, (bad, len(rows))
    sim.faults.update({"duplicates": 0.25})
    rows = parse_csv(
        requests.get(f"{sim.url}/ingram/feed.csv", headers=key, timeout=5).text
    )
    distinct = {row["part_number"] for row in rows}
    assert len(rows) - len(distinct) == sim.faults.fired["duplicates"] > 0


# ---- real-time -----------------------------------------------------------------------
def test_realtime_only_for_realtime_distributors(sim):
    for code in ("ingram", "techdata"):
        part = in_stock(sim, code, 1)[0]
        resp = requests.get(
            f"{sim.url}/{code}/realtime",
            params={"parts": f"{part['mpn']},NOPE"},
            headers={"X-Api-Key": f"{code}-api-key"},
            timeout=5,
        )
        assert resp.status_code == 200, resp.text
        found, missing = resp.json()["results"]
        assert found["stock"] == part["stock"] and found["price"] == part["price"]
        assert (
            found["currency"] == "GBP" and found["part_number"] == part["part_number"]
        )
        assert missing == {
            "requested": "NOPE",
            "found": False,
            "status": "unknown_part",
        }
        resp = requests.post(
            f"{sim.url}/{code}/realtime",
            json={"parts": [part["part_number"]]},
            auth=("reseller", f"{code}-password"),
            timeout=5,
        )
        assert resp.json()["results"][0]["mpn"] == part["mpn"]
    resp = requests.get(
        f"{sim.url}/exertis/realtime?parts=MUG",
        headers={"X-Api-Key": "exertis-api-key"},
        timeout=5,
    )
    assert resp.status_code == 501
    assert resp.json()["error"] == "realtime_not_supported"
    assert "feed" in resp.json()["message"]
    resp = requests.get(f"{sim.url}/nowhere/realtime?parts=MUG", timeout=5)
    assert resp.status_code == 404


# ---- dispatch ------------------------------------------------------------------------
@pytest.fixture
def receiver():
    rec = PushReceiver("/dispatch", status=204)
    yield rec
    rec.close()


def test_dispatch_notification_after_time_passes(sim, receiver):
    requests.post(f"{sim.url}/_sim/dispatch_config", json={"url": receiver.url})
    a, b = in_stock(sim, "techdata", 2)
    lines = [(a["mpn"], 2, 1), (b["mpn"], 1, 1), ("NOPE", 1, 1)]
    post_po(sim, "techdata", ubl_order("PO-SHIP", lines))
    sim.advance(300)
    sim.flush_dispatches()
    assert receiver.received == []
    requests.post(f"{sim.url}/_sim/clock", json={"advance": 400}, timeout=5)
    assert receiver.event.wait(5)
    sim.flush_dispatches()
    headers, body = receiver.received[0]
    payload = json.loads(body)
    assert payload["po_id"] == "PO-SHIP" and payload["distributor"] == "techdata"
    assert payload["tracking_number"] and payload["carrier"]
    assert [(x["mpn"], x["quantity"]) for x in payload["lines"]] == [
        (a["mpn"], 2),
        (b["mpn"], 1),
    ]
    signature = hmac.new(b"techdata-webhook-secret", body, hashlib.sha256).hexdigest()
    assert headers["X-Signature"] == f"sha256={signature}"
    state = sim.inspect()
    po = state["orders"]["techdata"]["PO-SHIP"]
    assert po["status"] == "dispatched"
    assert po["tracking_number"] == payload["tracking_number"]
    assert state["dispatches"][0]["status"] == "delivered"
    assert len(receiver.received) == 1
    status = requests.get(
        f"{sim.url}/techdata/orders/PO-SHIP",
        headers={"X-Api-Key": "techdata-api-key"},
        timeout=5,
    ).json()
    assert status["tracking_number"] == payload["tracking_number"]


def test_dispatch_on_control_and_duplicates(sim, receiver):
    requests.post(f"{sim.url}/_sim/dispatch_config", json={"url": receiver.url})
    sim.faults.update({"duplicates": 1})
    part = in_stock(sim, "ingram", 1)[0]
    post_po(sim, "ingram", cxml_order("PO-NOW", [(part["mpn"], 1, 1)]))
    resp = requests.post(f"{sim.url}/_sim/ingram/orders/PO-NOW/dispatch", timeout=5)
    assert resp.status_code == 200
    tracking = resp.json()["payload"]["tracking_number"]
    sim.flush_dispatches()
    assert len(receiver.received) == 2
    assert all(
        json.loads(body)["tracking_number"] == tracking for _, body in receiver.received
    )
    resp = requests.post(f"{sim.url}/_sim/ingram/orders/PO-NOW/dispatch", timeout=5)
    assert resp.status_code == 409


def test_dispatch_failure_recorded(sim):
    requests.post(
        f"{sim.url}/_sim/dispatch_config", json={"url": "http://127.0.0.1:9/x"}
    )
    part = in_stock(sim, "exertis", 1)[0]
    post_po(sim, "exertis", opentrans_order("PO-FAIL", [(part["mpn"], 1, 1)]))
    requests.post(f"{sim.url}/_sim/exertis/orders/PO-FAIL/dispatch", timeout=5)
    sim.flush_dispatches()
    record = sim.inspect()["dispatches"][0]
    assert record["status"] == "failed" and len(record["attempts"]) == 3
    assert "error" in record["attempts"][0]


# ---- faults --------------------------------------------------------------------------
def test_429_and_5xx_rates(sim):
    sim.faults.update({"rate_429": 0.1, "rate_5xx": 0.1, "retry_after": 2})
    session = requests.Session()
    session.headers["X-Api-Key"] = "ingram-api-key"
    codes = []
    for _ in range(300):
        resp = session.get(f"{sim.url}/ingram/realtime?parts=MUG", timeout=5)
        codes.append(resp.status_code)
        if resp.status_code == 429:
            assert resp.headers["Retry-After"] == "2"
            assert resp.json()["error"] == "too_many_requests"
    assert 15 <= codes.count(429) <= 45, codes.count(429)
    assert 12 <= codes.count(500) + codes.count(503) <= 45
    assert codes.count(500) and codes.count(503)
    assert codes.count(200) == 300 - codes.count(429) - codes.count(500) - codes.count(
        503
    )
    # control routes are never faulted
    sim.faults.update({"rate_5xx": 1})
    assert session.get(f"{sim.url}/_sim/state", timeout=5).status_code == 200
    assert session.get(f"{sim.url}/ingram/feed.csv", timeout=5).status_code in (
        500,
        503,
    )


# ---- configuration, inspection, cancellation -----------------------------------------
def test_distributors_option_and_state(sim):
    custom = DistributorSimulator(
        distributors=["ingram", {"code": "westcoast", "format": "ubl", "realtime": 0}]
    )
    state = custom.inspect()["distributors"]
    assert list(state) == ["ingram", "westcoast"]
    assert state["ingram"]["format"] == "cxml" and state["westcoast"]["format"] == "ubl"
    assert state["westcoast"]["api_key"] == "westcoast-api-key"
    skus = {p["mpn"] for p in custom.inspect()["stock"]["westcoast"].values()}
    assert "KETTLE" in skus
    with pytest.raises(ValueError):
        DistributorSimulator(distributors=[{"code": "x", "format": "edifact"}])
    part = in_stock(sim, "techdata", 1)[0]
    post_po(sim, "techdata", ubl_order("PO/2025/7", [(part["mpn"], 1, 1)]))
    state = requests.get(f"{sim.url}/_sim/state", timeout=5).json()
    po = state["orders"]["techdata"]["PO/2025/7"]
    assert po["ack"].startswith("<?xml") and po["lines"][0]["mpn"] == part["mpn"]


def test_delete_order(sim):
    part = in_stock(sim, "exertis", 1)[0]
    post_po(sim, "exertis", opentrans_order("PO-CXL", [(part["mpn"], 4, 1)]))
    url = f"{sim.url}/exertis/orders/PO-CXL"
    key = {"X-Api-Key": "exertis-api-key"}
    assert requests.get(url, headers=key, timeout=5).json()["status"] == "accepted"
    resp = requests.delete(url, headers=key, timeout=5)
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
    assert (
        sim.inspect()["stock"]["exertis"][part["part_number"]]["stock"]
        == (part["stock"])
    )
    sim.advance(3600)  # a cancelled PO is never dispatched
    assert sim.inspect()["dispatches"] == []
    assert requests.delete(f"{url}-NOPE", headers=key, timeout=5).status_code == 404
