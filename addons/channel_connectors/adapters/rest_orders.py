"""REST hub sales orders read into normalised orders.

:class:`RestOrderParser` is a mixin of :class:`~.rest.RestAdapter`: the header, the
lines, the customer, the amounts and the lines the filter keeps are each read by
their own method, which a subclass of the adapter can override.
"""

import math

from .base import NormalisedOrder, ParseError
from .tools import iso_datetime as _datetime
from .tools import with_version as _with_version


def _number(value, what, default=None):
    if value is None and default is not None:
        return default
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} {value!r} is not a number") from exc
    if not math.isfinite(number):
        raise ValueError(f"{what} {value!r} is not a number")
    return number


def _str(value):
    return "" if value is None else str(value).strip()


def _line_matches(line, conditions):
    for key, op, values in conditions:
        hit = line[key] in values
        if hit != (op in ("eq", "in")):
            return False
    return True


class RestOrderParser:
    """Reading of hub sales orders; mixed into :class:`~.rest.RestAdapter` (which
    sets ``line_conditions`` from the connection's filter)."""

    line_conditions = ()

    def parse_order(self, raw):
        if not isinstance(raw, dict):
            raise ParseError(
                "REST source: a sales order that is not a JSON object", payload=raw
            )
        label = raw.get("doc_number") or raw.get("id") or "?"
        try:
            return self._parse_order(raw)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ParseError(
                f"REST source sales order {label}: {exc}", payload=raw
            ) from exc

    def _parse_order(self, raw) -> NormalisedOrder:
        order_id, number, order_status, record_status = self._order_header(raw)
        lines = self._order_lines(raw.get("lines"))
        address, customer = self._order_customer(raw)
        extension = raw.get("extension") or {}
        if not isinstance(extension, dict):
            raise ValueError("extension is not an object")
        amounts = self._order_amounts(raw)
        kept, skipped, hub_amounts = self._filter_lines(lines, amounts)
        return {
            "external_id": order_id,
            "order_number": number,
            "version": raw.get("version"),
            "status": "DELETED" if record_status == "DELETED" else order_status,
            "order_status": order_status,
            "record_status": record_status,
            "deleted": record_status == "DELETED",
            "updated_at": _with_version(
                _datetime(raw.get("updated_at"), "updated_at"), raw.get("version")
            ),
            "created_at": _datetime(raw.get("created_at"), "created_at"),
            "currency": _str(raw.get("currency")),
            "customer": customer,
            "shipping": dict(address),
            "lines": kept,
            "skipped_lines": skipped,
            "importable": bool(kept),
            "not_importable_reason": "" if kept else "no line matches the filter",
            "amounts": amounts,
            "hub_amounts": hub_amounts,
            "payment_method": _str(raw.get("payment_method")),
            "cod": False,
            "courier": _str(raw.get("shipping_provider")),
            "tracking_ref": _str(raw.get("tracking_number")),
            "cancel_requested": False,
            "cancel_reason": "",
            "branch_key": _str(raw.get("branch_key")),
            "branch_code": _str(raw.get("branch_code")),
            "marketplace": _str(raw.get("marketplace")),
            "marketplace_order_id": _str(extension.get("marketplace_order_id")),
            "marketplace_status": _str(extension.get("marketplace_status")),
            "marketplace_shop": _str(extension.get("marketplace_shop")),
            "packages": [],
            "raw": raw,
        }

    @staticmethod
    def _order_header(raw):
        """(hub id, document number, flow status, record status)."""
        order_id = _str(raw.get("id"))
        if not order_id:
            raise ValueError("id is missing")
        number = _str(raw.get("doc_number"))
        if not number:
            raise ValueError("doc_number is missing")
        order_status = _str(raw.get("order_status"))
        if not order_status:
            raise ValueError("order_status is missing")
        return order_id, number, order_status, _str(raw.get("status")) or "ACTIVE"

    def _order_lines(self, raw_lines):
        if not isinstance(raw_lines, list) or not raw_lines:
            raise ValueError(f"lines is not a non-empty list: {raw_lines!r}"[:200])
        return [
            self._order_line(line, index) for index, line in enumerate(raw_lines, 1)
        ]

    @staticmethod
    def _order_line(line, index):
        if not isinstance(line, dict):
            raise ValueError(f"line {index} is not an object")
        code = _str(line.get("item_code"))
        key = _str(line.get("item_key"))
        if not code and not key:
            raise ValueError(f"line {index} has neither item_code nor item_key")
        quantity = _number(line.get("qty"), f"line {index} qty")
        price = _number(line.get("unit_price"), f"line {index} unit_price")
        discount = _number(line.get("discount"), f"line {index} discount", 0.0)
        amount = line.get("amount")
        extension = line.get("extension") or {}
        rate = line.get("tax_rate")
        return {
            "external_id": _str(line.get("line_no")) or str(index),
            "sku": code,
            "name": _str(line.get("item_name")) or code or key,
            "quantity": quantity,
            "price_unit": price,
            "discount": discount,
            "price_total": _number(amount, f"line {index} amount")
            if amount is not None
            else round(price * quantity - discount, 2),
            "item_ref": key,
            "tax_rate": _number(rate, f"line {index} tax_rate")
            if rate is not None
            else None,
            "tax_amount": _number(line.get("tax_amount"), f"line {index} tax_amount")
            if line.get("tax_amount") is not None
            else None,
            "status": _str(line.get("item_status")),
            "marketplace_item_id": _str(extension.get("marketplace_item_id")),
        }

    @staticmethod
    def _order_customer(raw):
        """(the address, the customer: the address with its key, VAT...)."""
        customer_raw = raw.get("customer") or {}
        if not isinstance(customer_raw, dict):
            raise ValueError("customer is not an object")
        address = {
            "name": _str(customer_raw.get("name")),
            "email": _str(customer_raw.get("email")),
            "phone": _str(customer_raw.get("phone")),
            "street": _str(customer_raw.get("address1")),
            "street2": _str(customer_raw.get("address2")),
            "city": _str(customer_raw.get("city")),
            "zip": _str(customer_raw.get("postcode")),
            "state": _str(customer_raw.get("state")),
            "country_code": _str(customer_raw.get("country")).upper(),
        }
        customer_key = _str(raw.get("customer_key"))
        if not customer_key and not address["name"]:
            raise ValueError("neither customer_key nor a customer name")
        customer = dict(
            address,
            external_id=customer_key,
            vat=_str(customer_raw.get("tax_id")),
            is_company=False,
        )
        return address, customer

    @staticmethod
    def _order_amounts(raw):
        discount = _number(raw.get("amount_discount"), "amount_discount", 0.0)
        return {
            "items": _number(raw.get("amount_subtotal"), "amount_subtotal"),
            "shipping": _number(raw.get("amount_shipping"), "amount_shipping", 0.0),
            "voucher": discount,
            "seller_discount": discount,
            "platform_discount": 0.0,
            "fees": 0.0,
            "cancelled": 0.0,
            "tax": _number(raw.get("amount_tax"), "amount_tax", 0.0),
            "total": _number(raw.get("amount_total"), "amount_total"),
        }

    def _filter_lines(self, lines, amounts):
        """(the lines the filter's line conditions keep, the others, the hub's
        amounts); ``amounts`` recomputed from the kept lines when some are left
        out."""
        kept = [li for li in lines if _line_matches(li, self.line_conditions)]
        skipped = [
            {key: li[key] for key in ("external_id", "sku", "item_ref", "status")}
            for li in lines
            if li not in kept
        ]
        hub_amounts = dict(amounts)
        if skipped:
            items = round(sum(li["price_unit"] * li["quantity"] for li in kept), 2)
            voucher = round(sum(li["discount"] for li in kept), 2)
            # the tax on top of the kept lines: theirs where the hub gives it per
            # line, else none of the hub's (it is not split by line)
            tax = round(sum(li["tax_amount"] or 0.0 for li in kept), 2)
            amounts.update(
                items=items,
                voucher=voucher,
                seller_discount=voucher,
                tax=tax,
                total=round(items - voucher + amounts["shipping"] + tax, 2),
            )
        return kept, skipped, hub_amounts
