"""TikTok Shop orders (Order API 202309) read into normalised orders.

:class:`TikTokOrderParser` is a mixin of :class:`~.tiktok.TikTokAdapter`: the lines,
the customer and address, the amounts and the packages are each read by their own
method, which a subclass of the adapter can override.
"""

from .base import NormalisedOrder, ParseError
from .tools import epoch_stamps, order_amounts, recipient_partners
from .tools import money as _money


class TikTokOrderParser:
    """Reading of TikTok orders; mixed into :class:`~.tiktok.TikTokAdapter`."""

    def parse_order(self, raw):
        return self._parse_guarded(raw, "TikTok", "id")

    def _parse_order(self, raw) -> NormalisedOrder:
        order_id, status, items, payment = self._order_header(raw)
        lines = self._order_lines(items)
        customer, shipping = self._order_partners(raw)
        amounts = self._order_amounts(payment, lines, items)
        packages = self._order_packages(raw, items)
        return {
            "external_id": order_id,
            "status": status,
            **epoch_stamps(raw),
            "currency": payment.get("currency") or "",
            "customer": customer,
            "shipping": shipping,
            "lines": lines,
            "amounts": amounts,
            "payment_method": raw.get("payment_method_name") or "",
            "cod": bool(raw.get("is_cod")),
            "courier": self._order_courier(raw, items),
            "tracking_ref": raw.get("tracking_number")
            or next((p["tracking_ref"] for p in packages if p["tracking_ref"]), ""),
            "cancel_requested": bool(raw.get("is_buyer_request_cancel")),
            "cancel_reason": raw.get("cancel_reason")
            or next((i["cancel_reason"] for i in items if i.get("cancel_reason")), ""),
            "packages": packages,
            "raw": raw,
        }

    def _order_header(self, raw):
        """(id, status, line_items, payment) of ``raw``, checked."""
        order_id = raw.get("id")
        if not order_id or not isinstance(order_id, str):
            raise ParseError(f"TikTok order without id: {raw!r:.200}", payload=raw)
        status = raw.get("status")
        if not status or not isinstance(status, str):
            raise ParseError(f"TikTok order {order_id}: no status", payload=raw)
        self._require_times(raw, f"TikTok order {order_id}")
        items = raw.get("line_items")
        if not isinstance(items, list) or not items:
            raise ParseError(f"TikTok order {order_id}: no line_items", payload=raw)
        payment = raw.get("payment")
        if not isinstance(payment, dict):
            raise ParseError(f"TikTok order {order_id}: no payment", payload=raw)
        return order_id, status, items, payment

    def _order_lines(self, items):
        """One line_item per unit: the lines aggregate them by SKU."""
        by_sku = {}
        for item in items:
            if not isinstance(item, dict):
                raise ValueError(f"line_items entry is not an object: {item!r:.100}")
            sku_id = item["sku_id"]
            if not sku_id:
                raise ValueError("line item without sku_id")
            price = self._unit_price(item)
            line = by_sku.get(sku_id)
            if line is None:
                line = by_sku[sku_id] = self._new_line(item, sku_id)
            line["quantity"] += 1
            line["_total"] += price
            line["line_item_ids"].append(str(item.get("id") or ""))
        lines = []
        for line in by_sku.values():
            line["price_unit"] = round(line.pop("_total") / line["quantity"], 6)
            lines.append(line)
        return lines

    @staticmethod
    def _new_line(item, sku_id):
        """The line of ``sku_id``, before its units are counted."""
        name = item.get("product_name") or ""
        if item.get("sku_name"):
            name = f"{name} ({item['sku_name']})" if name else item["sku_name"]
        return {
            "external_id": str(sku_id),
            "sku": item.get("seller_sku") or "",
            "name": name or item.get("seller_sku") or str(sku_id),
            "quantity": 0,
            "price_unit": 0.0,
            "item_ref": f"{item.get('product_id') or ''}:{sku_id}",
            "line_item_ids": [],
            "_total": 0.0,
        }

    def _order_partners(self, raw):
        """(customer, shipping) partner dicts of ``raw``."""
        customer, shipping = recipient_partners(raw, self._address)
        customer["external_id"] = str(raw.get("user_id") or "")
        customer["email"] = raw.get("buyer_email") or ""
        customer["name"] = (
            shipping["name"] or customer["email"] or customer["external_id"]
        )
        return customer, shipping

    @staticmethod
    def _address(address):
        levels = {}
        for info in address.get("district_info") or []:
            if isinstance(info, dict):
                levels[info.get("address_level") or ""] = info.get("address_name") or ""
        name = address.get("name") or " ".join(
            x for x in (address.get("first_name"), address.get("last_name")) if x
        )
        street = address.get("address_line1") or address.get("address_detail") or ""
        street2 = ", ".join(
            x
            for x in (
                address.get("address_line2"),
                address.get("address_line3"),
                address.get("address_line4"),
            )
            if x
        )
        if not street:
            street = address.get("full_address") or ""
        return {
            "external_id": "",
            "name": name,
            "email": "",
            "phone": address.get("phone_number") or "",
            "street": street,
            "street2": street2,
            "city": levels.get("L2") or levels.get("L3") or "",
            "zip": address.get("postal_code") or "",
            "state": levels.get("L1") or "",
            "country_code": (address.get("region_code") or "").upper(),
            "vat": "",
            "is_company": False,
        }

    @staticmethod
    def _unit_price(item):
        """A unit's price before the discounts, which the amounts carry split by
        who funds them (its sale price where the split is not given)."""
        if item.get("original_price") not in (None, ""):
            return _money(item["original_price"], "original_price")
        return _money(item.get("sale_price"), "sale_price")

    @staticmethod
    def _order_amounts(payment, lines, items):
        """The ``amounts`` dict: the units' prices, their discounts split by who
        funds them (``seller_discount``, ``platform_discount`` of each unit), the
        shipping fee the buyer paid, the tax added on top (``tax``) and
        ``total_amount``.

        ``shipping_fee`` is what the buyer paid for shipping: the seller's and the
        platform's shipping discounts (``shipping_fee_seller_discount``,
        ``shipping_fee_platform_discount``) are already out of it, as
        ``total_amount = sub_total + shipping_fee + tax`` says, and the statement
        pays the seller ``customer_paid_shipping_fee_amount`` (that fee) and
        charges the actual fee: neither discount is a discount of the items. The
        seller's shipping discount costs the seller the difference in the
        settlement; the platform's is a settlement credit
        (``platform_shipping_fee_discount_amount``), not ``platform_discount``."""
        items_total = round(
            sum(line["quantity"] * line["price_unit"] for line in lines), 2
        )
        if payment.get("total_amount") in (None, ""):
            # a payment without its total is broken, not free
            raise ValueError("payment without total_amount")
        total = _money(payment.get("total_amount"), "payment.total_amount")
        shipping_fee = _money(payment.get("shipping_fee"), "payment.shipping_fee")
        tax = _money(payment.get("tax"), "payment.tax")
        split = [i for i in items if i.get("original_price") not in (None, "")]
        seller = round(
            sum(_money(i.get("seller_discount"), "seller_discount") for i in split), 2
        )
        platform = round(
            sum(_money(i.get("platform_discount"), "platform_discount") for i in split),
            2,
        )
        # whatever else is not items + shipping + tax is a discount outside the
        # unit prices: the seller's
        rest = round(items_total + shipping_fee + tax - seller - platform - total, 2)
        if abs(rest) >= 0.005:
            seller = round(seller + rest, 2)
        return order_amounts(
            items_total, shipping_fee, seller, platform, total, tax=tax
        )

    @staticmethod
    def _order_packages(raw, items):
        """The packages, their tracking number and status read from their units."""
        packages = []
        raw_packages = raw.get("packages") or []
        for package in raw_packages:
            package_id = str(package.get("id") or "")
            units = [i for i in items if str(i.get("package_id") or "") == package_id]
            single = (
                (raw.get("tracking_number") or "") if len(raw_packages) == 1 else ""
            )
            packages.append(
                {
                    "id": package_id,
                    "tracking_ref": next(
                        (
                            i["tracking_number"]
                            for i in units
                            if i.get("tracking_number")
                        ),
                        single,
                    ),
                    "status": next(
                        (i["package_status"] for i in units if i.get("package_status")),
                        "",
                    ),
                }
            )
        return packages

    @staticmethod
    def _order_courier(raw, items):
        return raw.get("shipping_provider") or next(
            (
                i["shipping_provider_name"]
                for i in items
                if i.get("shipping_provider_name")
            ),
            "",
        )
