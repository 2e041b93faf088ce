"""Shopee get_order_detail payloads read into normalised orders.

:class:`ShopeeOrderParser` is a mixin of :class:`~.shopee.ShopeeAdapter`: each part of
the order (lines, customer and address, amounts, packages) is read by its own method,
which a subclass of the adapter can override.
"""

from .base import NormalisedOrder, ParseError
from .tools import epoch_stamps, recipient_partners
from .tools import money as _money


class ShopeeOrderParser:
    """Reading of Shopee orders; mixed into :class:`~.shopee.ShopeeAdapter`."""

    def parse_order(self, raw):
        return self._parse_guarded(raw, "Shopee", "order_sn")

    def _parse_order(self, raw) -> NormalisedOrder:
        order_sn, status, items = self._order_header(raw)
        lines = self._order_lines(items)
        customer, shipping = self._order_partners(raw)
        amounts = self._order_amounts(raw, lines)
        packages = self._order_packages(raw)
        return {
            "external_id": order_sn,
            "status": status,
            **epoch_stamps(raw),
            "currency": raw.get("currency") or "",
            "customer": customer,
            "shipping": shipping,
            "lines": lines,
            "amounts": amounts,
            "payment_method": raw.get("payment_method")
            or ("COD" if raw.get("cod") else ""),
            "cod": bool(raw.get("cod")),
            "courier": self._order_courier(raw),
            "tracking_ref": next(
                (p["tracking_ref"] for p in packages if p["tracking_ref"]), ""
            ),
            "cancel_requested": status == "IN_CANCEL",
            "cancel_reason": raw.get("buyer_cancel_reason")
            or raw.get("cancel_reason")
            or "",
            "packages": packages,
            "raw": raw,
        }

    def _order_header(self, raw):
        """(order_sn, order_status, item_list) of ``raw``, checked."""
        order_sn = raw.get("order_sn")
        if not order_sn or not isinstance(order_sn, str):
            raise ParseError(
                f"Shopee order without order_sn: {raw!r:.200}", payload=raw
            )
        status = raw.get("order_status")
        if not status or not isinstance(status, str):
            raise ParseError(f"Shopee order {order_sn}: no order_status", payload=raw)
        self._require_times(raw, f"Shopee order {order_sn}")
        items = raw.get("item_list")
        if not isinstance(items, list):
            raise ParseError(f"Shopee order {order_sn}: no item_list", payload=raw)
        return order_sn, status, items

    def _order_lines(self, items):
        """The order lines of ``item_list``, each with a unique ``external_id``."""
        lines = []
        seen = set()
        for item in items:
            line = self._order_line(item)
            # order_item_id is the item_id outside bundle deals: not unique per model
            external_id = line["item_ref"]
            if external_id in seen:  # same model twice (bundle deals, add-ons)
                external_id = f"{external_id}#{len(lines)}"
            seen.add(external_id)
            lines.append({"external_id": external_id, **line})
        return lines

    def _order_line(self, item):
        """One ``item_list`` entry as a line, without its ``external_id``."""
        if not isinstance(item, dict):
            raise ValueError(f"item_list entry is not an object: {item!r:.100}")
        item_id = item["item_id"]
        model_id = item.get("model_id") or 0
        quantity = item["model_quantity_purchased"]
        if not isinstance(quantity, int) or quantity < 0:
            raise ValueError(f"bad model_quantity_purchased {quantity!r}")
        price = _money(item.get("model_discounted_price"), "model_discounted_price")
        ref = f"{int(item_id)}:{int(model_id)}"
        name = item.get("item_name") or ""
        if item.get("model_name"):
            name = f"{name} ({item['model_name']})" if name else item["model_name"]
        return {
            "sku": item.get("model_sku") or item.get("item_sku") or "",
            "name": name or item.get("model_sku") or item.get("item_sku") or "",
            "quantity": quantity,
            "price_unit": price,
            "item_ref": ref,
        }

    def _order_partners(self, raw):
        """(customer, shipping) partner dicts of ``raw``."""
        customer, shipping = recipient_partners(raw, self._address)
        customer["external_id"] = str(raw.get("buyer_user_id") or "")
        customer["name"] = shipping["name"] or raw.get("buyer_username") or ""
        shipping["external_id"] = ""
        return customer, shipping

    @staticmethod
    def _address(address):
        street2 = ", ".join(
            x for x in (address.get("town"), address.get("district")) if x
        )
        return {
            "external_id": "",
            "name": address.get("name") or "",
            "email": "",
            "phone": address.get("phone") or "",
            "street": address.get("full_address") or "",
            "street2": street2,
            "city": address.get("city") or "",
            "zip": address.get("zipcode") or "",
            "state": address.get("state") or "",
            "country_code": (address.get("region") or "").upper(),
            "vat": "",
            "is_company": False,
        }

    def _order_amounts(self, raw, lines):
        """The ``amounts`` dict: items, shipping, voucher, fees, total."""
        items_total = round(
            sum(line["quantity"] * line["price_unit"] for line in lines), 2
        )
        total = _money(raw.get("total_amount"), "total_amount")
        # get_order_detail has no buyer-paid shipping fee: what the buyer paid on top
        # of the (discounted) items is shipping; a shortfall is a voucher.
        rest = round(total - items_total, 2)
        return {
            "items": items_total,
            "shipping": rest if rest > 0 else 0.0,
            "voucher": -rest if rest < 0 else 0.0,
            "fees": 0.0,
            "total": total,
        }

    def _order_packages(self, raw):
        """The order's packages: id, tracking_ref, status."""
        return [
            {
                "id": str(package.get("package_number") or ""),
                "tracking_ref": package.get("tracking_number") or "",
                "status": package.get("logistics_status") or "",
            }
            for package in raw.get("package_list") or []
        ]

    def _order_courier(self, raw):
        """The order's carrier, else the first package's."""
        return raw.get("shipping_carrier") or next(
            (
                p.get("shipping_carrier")
                for p in raw.get("package_list") or []
                if p.get("shipping_carrier")
            ),
            "",
        )
