"""The order acknowledgements: cXML response, UBL OrderResponse, openTRANS."""

import datetime as dt
import time
from xml.sax.saxutils import escape, quoteattr

from .common import NS_BME, NS_CAC, NS_CBC, NS_OT, NS_UBL_RESPONSE


# ---- acknowledgements ----------------------------------------------------------------
def _iso(ts):
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(value):
    return f"{value:.2f}"


def cxml_response(code, text, message="", payload_id=""):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">\n'
        f"<cXML payloadID={quoteattr(payload_id)} "
        f'timestamp="{_iso(time.time())}" xml:lang="en-GB">\n'
        f'  <Response>\n    <Status code="{code}" text={quoteattr(text)}>'
        f"{escape(message)}</Status>\n  </Response>\n</cXML>\n"
    )


UBL_LINE_CODES = {"accepted": "5", "partial": "3", "rejected": "7"}


UBL_ORDER_CODES = {"accepted": "AP", "partial": "CA", "rejected": "RE"}


def _ubl_ack_line(line, currency):
    note = line["reason"] or line["status"]
    return f"""  <cac:OrderLine>
    <cac:LineItem>
      <cbc:ID>{escape(line["line_id"])}</cbc:ID>
      <cbc:Note>{escape(note)}</cbc:Note>
      <cbc:LineStatusCode>{UBL_LINE_CODES[line["status"]]}</cbc:LineStatusCode>
      <cbc:Quantity unitCode={quoteattr(line["unit"])}>{line["accepted_qty"]}</cbc:Quantity>
      <cac:Price>
        <cbc:PriceAmount currencyID="{currency}">{_money(line["unit_price"] or 0)}</cbc:PriceAmount>
      </cac:Price>
      <cac:Item>
        <cbc:Name>{escape(line["description"] or "")}</cbc:Name>
        <cac:SellersItemIdentification>
          <cbc:ID>{escape(line["part_number"] or line["part_ref"])}</cbc:ID>
        </cac:SellersItemIdentification>
      </cac:Item>
    </cac:LineItem>
    <cac:OrderLineReference>
      <cbc:LineID>{escape(line["line_id"])}</cbc:LineID>
    </cac:OrderLineReference>
  </cac:OrderLine>
"""  # noqa: E501


def ubl_ack(po, dist, now):
    day, clock = _iso(now)[:10], _iso(now)[11:19]
    lines = "".join(_ubl_ack_line(line, dist["currency"]) for line in po["lines"])
    buyer = escape((po["buyer"] or {}).get("name") or "")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OrderResponse xmlns="{NS_UBL_RESPONSE}" xmlns:cac="{NS_CAC}" xmlns:cbc="{NS_CBC}">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:CustomizationID>urn:fdc:peppol.eu:poacc:trns:order_response:3</cbc:CustomizationID>
  <cbc:ProfileID>urn:fdc:peppol.eu:poacc:bis:ordering:3</cbc:ProfileID>
  <cbc:ID>{escape(po["distributor_order_id"])}-R</cbc:ID>
  <cbc:SalesOrderID>{escape(po["distributor_order_id"])}</cbc:SalesOrderID>
  <cbc:IssueDate>{day}</cbc:IssueDate>
  <cbc:IssueTime>{clock}</cbc:IssueTime>
  <cbc:OrderResponseCode>{UBL_ORDER_CODES[po["status"]]}</cbc:OrderResponseCode>
  <cbc:Note>{escape(po["summary"])}</cbc:Note>
  <cbc:DocumentCurrencyCode>{dist["currency"]}</cbc:DocumentCurrencyCode>
  <cac:OrderReference>
    <cbc:ID>{escape(po["po_id"])}</cbc:ID>
  </cac:OrderReference>
  <cac:SellerSupplierParty>
    <cac:Party>
      <cac:PartyName>
        <cbc:Name>{escape(dist["name"])}</cbc:Name>
      </cac:PartyName>
    </cac:Party>
  </cac:SellerSupplierParty>
  <cac:BuyerCustomerParty>
    <cac:Party>
      <cac:PartyName>
        <cbc:Name>{buyer}</cbc:Name>
      </cac:PartyName>
    </cac:Party>
  </cac:BuyerCustomerParty>
{lines}</OrderResponse>
"""  # noqa: E501


def _ot_ack_line(line):
    remark = line["status"] + (f": {line['reason']}" if line["reason"] else "")
    return f"""    <ORDERRESPONSE_ITEM>
      <LINE_ITEM_ID>{escape(line["line_id"])}</LINE_ITEM_ID>
      <PRODUCT_ID>
        <bme:SUPPLIER_PID>{escape(line["part_number"] or line["part_ref"])}</bme:SUPPLIER_PID>
      </PRODUCT_ID>
      <QUANTITY>{line["accepted_qty"]}</QUANTITY>
      <bme:ORDER_UNIT>{escape(line["unit"])}</bme:ORDER_UNIT>
      <PRODUCT_PRICE_FIX>
        <bme:PRICE_AMOUNT>{_money(line["unit_price"] or 0)}</bme:PRICE_AMOUNT>
      </PRODUCT_PRICE_FIX>
      <REMARKS type="line_status">{escape(remark)}</REMARKS>
    </ORDERRESPONSE_ITEM>
"""  # noqa: E501


def opentrans_ack(po, dist, now):
    buyer = escape((po["buyer"] or {}).get("id") or "buyer")
    seller = escape((po["seller"] or {}).get("id") or dist["code"])
    items = "".join(_ot_ack_line(line) for line in po["lines"])
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ORDERRESPONSE xmlns="{NS_OT}" xmlns:bme="{NS_BME}" version="2.1">
  <ORDERRESPONSE_HEADER>
    <ORDERRESPONSE_INFO>
      <ORDER_ID>{escape(po["po_id"])}</ORDER_ID>
      <ORDERRESPONSE_DATE>{_iso(now)}</ORDERRESPONSE_DATE>
      <SUPPLIER_ORDER_ID>{escape(po["distributor_order_id"])}</SUPPLIER_ORDER_ID>
      <PARTIES>
        <PARTY>
          <bme:PARTY_ID type="buyer_specific">{buyer}</bme:PARTY_ID>
          <PARTY_ROLE>buyer</PARTY_ROLE>
        </PARTY>
        <PARTY>
          <bme:PARTY_ID type="supplier_specific">{seller}</bme:PARTY_ID>
          <PARTY_ROLE>supplier</PARTY_ROLE>
        </PARTY>
      </PARTIES>
      <ORDER_PARTIES_REFERENCE>
        <bme:BUYER_IDREF type="buyer_specific">{buyer}</bme:BUYER_IDREF>
        <bme:SUPPLIER_IDREF type="supplier_specific">{seller}</bme:SUPPLIER_IDREF>
      </ORDER_PARTIES_REFERENCE>
      <bme:CURRENCY>{dist["currency"]}</bme:CURRENCY>
      <REMARKS type="order_status">{po["status"]}: {escape(po["summary"])}</REMARKS>
    </ORDERRESPONSE_INFO>
  </ORDERRESPONSE_HEADER>
  <ORDERRESPONSE_ITEM_LIST>
{items}  </ORDERRESPONSE_ITEM_LIST>
  <ORDERRESPONSE_SUMMARY>
    <TOTAL_ITEM_NUM>{len(po["lines"])}</TOTAL_ITEM_NUM>
  </ORDERRESPONSE_SUMMARY>
</ORDERRESPONSE>
"""
