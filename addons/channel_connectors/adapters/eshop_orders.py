"""E-shop ``<Order>`` elements read into normalised orders.

:class:`EshopOrderParser` is a mixin of :class:`~.eshop.EshopXmlAdapter`: the state,
the lines, the cost lines, the amounts, the partners and the delivery are each read
by their own method, which a subclass of the adapter can override. The XML helpers
of the adapter live here too.
"""

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation

from .base import NormalisedOrder, ParseError
from .tools import iso_datetime as _datetime
from .tools import with_version as _with_version


def _parse_xml(data):
    if isinstance(data, ET.Element):
        return data
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise ValueError("empty document")
    head = data[:2048].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data.upper():
        raise ValueError("documents with a DTD or entities are not accepted")
    return ET.fromstring(data)


def _text(elem, path, default=""):
    if elem is None:
        return default
    value = elem.findtext(path)
    return value.strip() if value is not None else default


def _decimal(value, what):
    raw = (value or "").strip()
    if "," in raw and "." not in raw and raw.count(",") == 1:
        raw = raw.replace(",", ".")  # Polish decimal comma
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"{what} {value!r} is not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{what} {value!r} is not a number")
    return number


def _money(value):
    return float(value.quantize(Decimal("0.01")))


def _bool(value):
    return (value or "").strip().lower() in ("true", "1", "yes")


class EshopOrderParser:
    """Reading of e-shop orders; mixed into :class:`~.eshop.EshopXmlAdapter`."""

    def parse_order(self, raw):
        try:
            elem = _parse_xml(raw)
        except (ValueError, ET.ParseError, TypeError) as exc:
            raise ParseError(
                f"e-shop: unreadable order XML: {exc}", payload=raw
            ) from exc
        if isinstance(raw, ET.Element):
            raw = ET.tostring(raw, encoding="unicode")
        elif isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        label = elem.get("Id") or _text(elem, "Number") or "?"
        try:
            return self._parse_order(elem, raw)
        except (ValueError, KeyError, TypeError) as exc:
            raise ParseError(f"e-shop order {label}: {exc}", payload=raw) from exc

    def _parse_order(self, elem, raw) -> NormalisedOrder:
        order_id, number, state, currency = self._order_header(elem)
        lines, items_total = self._order_lines(elem)
        costs = self._order_costs(elem)
        total = _decimal(_text(elem, "TotalPrice"), "TotalPrice")
        return {
            **self._order_state(elem, order_id, number, state),
            **self._order_dates(elem),
            "currency": currency,
            "customer": self._customer(elem),
            "shipping": self._address(elem.find("DeliveryAddress")),
            "lines": lines,
            "amounts": self._order_amounts(elem, items_total, costs, total),
            "prices_include_tax": True,
            "cost_lines": costs["cost_lines"],
            "voucher_codes": costs["voucher_codes"],
            **self._order_delivery(elem),
            "documents": [
                {"type": doc.get("Type", ""), "number": (doc.text or "").strip()}
                for doc in elem.findall("ErpDocuments/Document")
            ],
            "note": _text(elem, "Comment"),
            "cancel_requested": False,
            "cancel_reason": "",
            "packages": [],
            "raw": raw,
        }

    @staticmethod
    def _order_header(elem):
        """(Id, Number, <State>, Currency) of the ``<Order>``, checked."""
        if elem.tag != "Order":
            raise ValueError(f"expected <Order>, got <{elem.tag}>")
        if _bool(elem.get("Malformed")):
            raise ValueError("the shop marked this record as malformed")
        order_id = elem.get("Id")
        if not order_id:
            raise ValueError("the Id attribute is missing")
        number = _text(elem, "Number")
        if not number:
            raise ValueError("<Number> is missing")
        state = elem.find("State")
        if state is None or not state.get("Code"):
            raise ValueError("<State Code=..> is missing")
        currency = _text(elem, "Currency")
        if not currency:
            raise ValueError("<Currency> is missing")
        return order_id, number, state, currency

    @staticmethod
    def _order_state(elem, order_id, number, state):
        """The order's ids, version, state and importability."""
        importable = elem.get("Importable", "true").strip().lower() != "false"
        state_code = state.get("Code")
        return {
            "external_id": order_id,
            "order_number": number,
            "version": int(elem.get("Version") or 0),
            "status": state_code,
            "status_label": (state.text or "").strip(),
            "shop_status": _text(elem, "Status"),
            "importable": importable,
            "not_importable_reason": ""
            if importable
            else _text(elem, "NotImportableReason") or state_code,
        }

    @staticmethod
    def _order_dates(elem):
        """``updated_at`` (ModifiedAt with the Version) and ``created_at``."""
        return {
            "updated_at": _with_version(
                _datetime(_text(elem, "ModifiedAt"), "ModifiedAt"),
                int(elem.get("Version") or 0),
            ),
            "created_at": _datetime(_text(elem, "PlacedAt"), "PlacedAt"),
        }

    def _order_lines(self, elem):
        """(lines, gross total of the lines) of the ``<Order>``."""
        lines = []
        items_total = Decimal(0)
        for line in elem.findall("Lines/Line"):
            figures = self._line_figures(line)
            items_total += figures[-1]
            lines.append(self._line_values(line, len(lines) + 1, figures))
        if not lines:
            raise ValueError("the order has no lines")
        return lines, items_total

    @staticmethod
    def _line_figures(line):
        """(sku, quantity, unit price, line total) of a ``<Line>``, checked."""
        sku = _text(line, "Sku")
        if not sku:
            raise ValueError(f"line {line.get('No')}: <Sku> is missing")
        quantity = _decimal(_text(line, "Quantity"), f"line {sku} quantity")
        price = _decimal(_text(line, "UnitPriceGross"), f"line {sku} price")
        line_total = (
            _decimal(_text(line, "LineTotalGross"), f"line {sku} total")
            if line.find("LineTotalGross") is not None
            else price * quantity
        )
        return sku, quantity, price, line_total

    @staticmethod
    def _line_values(line, number, figures):
        """The order line of a ``<Line>``, ``number`` its default external_id."""
        sku, quantity, price, line_total = figures
        tax_rate = _text(line, "TaxRate")
        return {
            "external_id": line.get("No") or str(number),
            "sku": sku,
            "name": _text(line, "Name") or sku,
            "quantity": float(quantity),
            "price_unit": _money(price),
            "item_ref": sku,
            "product_code": _text(line, "ProductCode") or sku,
            "variant": _text(line, "Variant"),
            "tax_rate": float(_decimal(tax_rate, "tax rate")) if tax_rate else None,
            "price_total": _money(line_total),
        }

    @staticmethod
    def _order_costs(elem):
        """The ``<CostLines>``: shipping, voucher and fees sums, the cost lines and
        the voucher codes."""
        costs = {"shipping": Decimal(0), "voucher": Decimal(0), "fees": Decimal(0)}
        cost_lines = []
        voucher_codes = []
        for cost in elem.findall("CostLines/CostLine"):
            kind = cost.get("Type") or ""
            amount = _decimal(_text(cost, "AmountGross"), f"cost line {kind} amount")
            if kind == "delivery":
                costs["shipping"] += amount
            elif kind == "voucher":
                costs["voucher"] += -amount if amount < 0 else amount
                if _text(cost, "Code"):
                    voucher_codes.append(_text(cost, "Code"))
            else:
                costs["fees"] += amount
            tax_rate = _text(cost, "TaxRate")
            cost_lines.append(
                {
                    "type": kind,
                    "code": _text(cost, "Code"),
                    "name": _text(cost, "Name"),
                    "amount": _money(amount),
                    "tax_rate": float(_decimal(tax_rate, f"cost line {kind} rate"))
                    if tax_rate
                    else None,
                }
            )
        return dict(costs, cost_lines=cost_lines, voucher_codes=voucher_codes)

    @staticmethod
    def _order_amounts(elem, items_total, costs, total):
        """The ``amounts`` dict (gross: nothing is added on top, ``tax`` is 0). The
        voucher is the shop's own (``seller_discount``); the VAT the gross prices
        contain is ``tax_included`` (``TotalTax``), the net ``net``, when given."""
        total_tax = _text(elem, "TotalTax")
        total_net = _text(elem, "TotalNet")
        return {
            "items": _money(items_total),
            "shipping": _money(costs["shipping"]),
            "voucher": _money(costs["voucher"]),
            "seller_discount": _money(costs["voucher"]),
            "platform_discount": 0.0,
            "fees": _money(costs["fees"]),
            "cancelled": 0.0,
            "tax": 0.0,
            "total": _money(total),
            "tax_included": _money(_decimal(total_tax, "TotalTax"))
            if total_tax
            else None,
            "net": _money(_decimal(total_net, "TotalNet")) if total_net else None,
        }

    @staticmethod
    def _order_delivery(elem):
        """Delivery and payment methods, courier and tracking number."""
        delivery = elem.find("DeliveryMethod")
        payment = elem.find("PaymentMethod")
        tracking = elem.find("TrackingNumber")
        delivery_name = (delivery.text or "").strip() if delivery is not None else ""
        carrier = tracking.get("Carrier", "") if tracking is not None else ""
        return {
            "delivery_method": delivery.get("Id", "") if delivery is not None else "",
            "delivery_method_name": delivery_name,
            "payment_method": payment.get("Id", "") if payment is not None else "",
            "payment_method_name": (payment.text or "").strip()
            if payment is not None
            else "",
            "payment_type": payment.get("Type", "") if payment is not None else "",
            "payment_status": _text(elem, "PaymentStatus"),
            "cod": payment is not None and payment.get("Type") == "cod",
            "courier": carrier or delivery_name,
            "tracking_ref": (tracking.text or "").strip()
            if tracking is not None
            else "",
        }

    def _address(self, addr):
        if addr is None:
            return {}
        return {
            "name": _text(addr, "Name"),
            "company": _text(addr, "Company"),
            "vat": _text(addr, "TaxId"),
            "street": _text(addr, "Street"),
            "street2": _text(addr, "Street2"),
            "zip": _text(addr, "PostalCode"),
            "city": _text(addr, "City"),
            "state": _text(addr, "State"),
            "country_code": _text(addr, "CountryCode").upper(),
            "phone": _text(addr, "Phone"),
            "email": "",
        }

    def _customer(self, elem):
        cust = elem.find("Customer")
        if cust is None:
            raise ValueError("<Customer> is missing")
        invoice = self._address(elem.find("InvoiceAddress"))
        person = _text(cust, "Name") or invoice.get("name", "")
        company = invoice.get("company", "")
        customer = dict(invoice)
        customer.update(
            external_id=cust.get("Id") or "",
            name=company or person,
            contact_name=person,
            email=_text(cust, "Email"),
            phone=_text(cust, "Phone") or invoice.get("phone", ""),
            is_company=bool(company),
            invoice_requested=_bool(_text(cust, "InvoiceRequested")),
        )
        if not customer["name"]:
            raise ValueError("the customer has no name")
        return customer
