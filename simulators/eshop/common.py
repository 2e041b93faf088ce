"""The e-shop's states, methods, VAT and its XML helpers, shared by the modules."""

import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal

from .. import data
from ..core import Response

XML_CT = "application/xml; charset=utf-8"


CENT = Decimal("0.01")


VAT = Decimal("0.23")


#: the VAT rate (%) on each product card (by product code, else the standard 23 %):
#: the shop sells at gross prices, the rate is the product's (reduced 8 % and 5 %
#: rates for the catalogue's mug and notebook, so that orders mix rates)
VAT_RATES = {"MUG": Decimal(8), "NOTEBOOK": Decimal(5)}
STANDARD_VAT_RATE = Decimal(23)
#: the delivery and payment fees are services at the standard rate
COST_VAT_RATE = STANDARD_VAT_RATE


def vat_rate(sku):
    """The VAT rate (%) of ``sku``'s product card."""
    return VAT_RATES.get(split_sku(sku)[0], STANDARD_VAT_RATE)


def gross_vat(gross, rate):
    """The VAT contained in the gross amount ``gross`` at ``rate`` %, to the cent
    (half up; the shop rounds the VAT of each line)."""
    return money(gross * rate / (100 + rate))


STATES = {
    "awaiting_customer": "oczekuje na potwierdzenie klienta",
    "awaiting_shipping_cost": "oczekuje na ustalenie kosztów przesyłki",
    "awaiting_payment": "oczekuje na płatność online",
    "awaiting_instalment": "oczekuje na decyzję serwisu ratalnego",
    "awaiting_shop": "oczekuje na potwierdzenie sklepu",
    "confirmed": "Potwierdzone",
    "fulfilled": "Zrealizowane",
    "cancelled": "Anulowane",
}


NOT_IMPORTABLE = {
    "awaiting_customer": "awaiting_customer_confirmation",
    "awaiting_shipping_cost": "awaiting_shipping_cost_approval",
    "awaiting_payment": "awaiting_online_payment",
    "awaiting_instalment": "awaiting_instalment_approval",
}


# e-Sklep order status as the ERP sees it
SHOP_STATUS = {
    "confirmed": "Potwierdzone",
    "fulfilled": "Zrealizowane",
    "cancelled": "Anulowane",
}


ERP_STATUS_NAMES = {
    "potwierdzone": "confirmed",
    "confirmed": "confirmed",
    "zrealizowane": "fulfilled",
    "fulfilled": "fulfilled",
    "anulowane": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


# target state -> states the ERP may move it from
ERP_TRANSITIONS = {
    "confirmed": ("awaiting_shop",),
    "fulfilled": ("confirmed",),
    "cancelled": ("awaiting_shop", "confirmed"),
}


DELIVERIES = [
    ("DPD", "Kurier DPD", "14.99", False),
    ("INPOST", "InPost Paczkomat 24/7", "12.99", False),
    ("POCZTA", "Poczta Polska – paczka pocztowa", "9.99", False),
    ("PICKUP", "Odbiór osobisty – sklep Kraków, ul. Floriańska", "0.00", False),
    ("PALLET", "Przesyłka paletowa (koszt ustalany indywidualnie)", "0.00", True),
]


PAYMENTS = [
    ("TRANSFER", "transfer", "Przelew tradycyjny", "0.00"),
    ("COD", "cod", "Za pobraniem", "5.00"),
    ("PAYU", "online", "Płatność online PayU", "0.00"),
    ("RATY", "instalment", "Raty – Santander Consumer Bank", "0.00"),
    ("CASH", "cash", "Gotówka przy odbiorze osobistym", "0.00"),
]


MATRIX = {
    "DPD": ("TRANSFER", "COD", "PAYU", "RATY"),
    "INPOST": ("TRANSFER", "COD", "PAYU", "RATY"),
    "POCZTA": ("TRANSFER", "COD", "PAYU"),
    "PICKUP": ("CASH", "TRANSFER", "PAYU"),
    "PALLET": ("TRANSFER", "PAYU"),
}


VOUCHERS = [("RABAT10", "fixed", Decimal("10.00")), ("LATO5", "percent", Decimal(5))]


COMPANIES = [
    ("Hurtownia Żółć Sp. z o.o.", "6762460122"),
    (
        "Przedsiębiorstwo Handlowo-Usługowe „Łoś” Grzegorz Brzęczyszczykiewicz",
        "5261040828",
    ),
    ("Zakład Usług Informatycznych ĘĄŚ s.c.", "9451957532"),
]


PRODUCT_CODES = sorted((p[0] for p in data.PRODUCTS), key=len, reverse=True)


def money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def xml_bytes(root):
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def xml_response(root, status=200, headers=None):
    return Response(status, xml_bytes(root), XML_CT, headers)


def sub(parent, tag, text=None, **attrs):
    elem = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()})
    if text is not None:
        elem.text = str(text)
    return elem


def error_xml(code, message, status, headers=None, **extra):
    root = ET.Element("Error")
    sub(root, "Code", code)
    sub(root, "Message", message)
    for key, value in extra.items():
        sub(root, key, value)
    return xml_response(root, status, headers)


def split_sku(sku):
    for code in PRODUCT_CODES:
        if sku == code:
            return code, ""
        if sku.startswith(code + "-"):
            return code, sku[len(code) + 1 :]
    return sku, ""
