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
        """The ``amounts`` dict (adapters/base.py), split by the order's escrow
        detail (``order_income``, which ``get_orders`` adds as ``escrow_detail``):

        - ``items``: Σ quantity × model_discounted_price (the seller's selling price,
          the seller's own item discounts already in it);
        - ``shipping``: buyer_paid_shipping_fee; ``fees``: buyer_transaction_fee;
        - ``seller_discount``: voucher_from_seller, plus the part of the escrow's
          seller_discount that the item prices do not already carry;
        - ``platform_discount``: voucher_from_shopee + coins + shopee_discount
          (Shopee pays them to the seller; its shipping rebate is a settlement item);
        - ``total``: buyer_total_amount (else the order's total_amount).

        Without an escrow detail (an unpaid order), or one that does not add up to
        what the buyer paid, the split is guessed from get_order_detail, which has
        only the items and the total: what the buyer paid on top of the items is
        shipping, a shortfall a voucher, reported as the seller's; such amounts say
        ``split_known`` False."""
        items_total = round(
            sum(line["quantity"] * line["price_unit"] for line in lines), 2
        )
        total = _money(raw.get("total_amount"), "total_amount")
        detail = raw.get("escrow_detail")
        income = detail.get("order_income") if isinstance(detail, dict) else None
        if isinstance(income, dict):
            amounts = self._escrow_amounts(income, items_total, total)
            if amounts is not None:
                return amounts
        rest = round(total - items_total, 2)
        voucher = -rest if rest < 0 else 0.0
        return {
            "items": items_total,
            "shipping": rest if rest > 0 else 0.0,
            "seller_discount": voucher,
            "platform_discount": 0.0,
            "voucher": voucher,
            "fees": 0.0,
            "total": total,
            "split_known": False,
        }

    @staticmethod
    def _escrow_amounts(income, items_total, total):
        """The amounts of an ``order_income``, or None when they do not add up."""

        def value(field):
            return _money(income.get(field) or 0.0, field)

        if income.get("buyer_total_amount") is not None:
            total = value("buyer_total_amount")
        original = value("order_original_price")
        # the seller's discounts the selling prices already carry
        in_prices = max(round(original - items_total, 2), 0.0) if original else 0.0
        seller = round(
            value("voucher_from_seller")
            + max(round(value("seller_discount") - in_prices, 2), 0.0),
            2,
        )
        platform = round(
            value("voucher_from_shopee") + value("coins") + value("shopee_discount"), 2
        )
        amounts = {
            "items": items_total,
            "shipping": value("buyer_paid_shipping_fee"),
            "seller_discount": seller,
            "platform_discount": platform,
            "voucher": round(seller + platform, 2),
            "fees": value("buyer_transaction_fee"),
            "total": total,
            "split_known": True,
        }
        paid = (
            amounts["items"]
            + amounts["shipping"]
            + amounts["fees"]
            - amounts["seller_discount"]
            - amounts["platform_discount"]
        )
        return amounts if abs(paid - total) < 0.005 else None

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
