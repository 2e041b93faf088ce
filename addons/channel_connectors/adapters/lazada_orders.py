"""Lazada orders (with their ``items``) read into normalised orders.

:class:`LazadaOrderParser` is a mixin of :class:`~.lazada.LazadaAdapter`: the status,
the lines, the packages, the partners and the amounts are each read by their own
method, which a subclass of the adapter can override.
"""

from datetime import UTC, datetime

from .base import NormalisedOrder, ParseError
from .tools import order_amounts

# the order's status when its items disagree: the least advanced open status wins
STATUS_ORDER = [
    "unpaid",
    "pending",
    "packed",
    "ready_to_ship",
    "shipped",
    "delivered",
    "failed",
    "returned",
    "canceled",
]


def _parse_datetime(value):
    """'2018-02-09T22:44:30+08:00' or '2014-10-15 19:12:15 +0800' -> naive UTC."""
    if isinstance(value, int | float):
        stamp = value / 1000.0 if value > 10**11 else value
        return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
    text = str(value).strip()
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S%z"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.astimezone(UTC).replace(tzinfo=None)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _money(value):
    if value in (None, ""):
        return 0.0
    return float(str(value).replace(",", ""))


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _status_rank(status):
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else -1


class LazadaOrderParser:
    """Reading of Lazada orders; mixed into :class:`~.lazada.LazadaAdapter`."""

    def parse_order(self, raw):
        try:
            return self._parse_order(raw)
        except ParseError:
            raise
        except (
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            OverflowError,
            OSError,
        ) as exc:
            raise ParseError(
                f"Lazada order cannot be read: {exc.__class__.__name__}: {exc}",
                payload=raw,
            ) from exc

    def _parse_order(self, raw) -> NormalisedOrder:
        external_id, items, status = self._order_header(raw)
        customer_name = self._customer_name(raw)
        lines, packages, found = self._order_items(items, external_id, raw)
        buyer_id = self._buyer_id(raw, items)
        amounts = self._order_amounts(raw, items)
        billing = raw.get("address_billing") or {}
        shipping = raw.get("address_shipping") or billing
        payment_method = raw.get("payment_method") or ""
        return {
            "external_id": external_id,
            "status": status,
            "updated_at": _parse_datetime(raw["updated_at"]),
            "created_at": _parse_datetime(raw["created_at"]),
            "currency": raw.get("currency")
            or next((i.get("currency") for i in items if i.get("currency")), None),
            "customer": self._partner(billing, customer_name, raw, buyer_id),
            "shipping": self._partner(shipping, customer_name, raw, buyer_id),
            "lines": lines,
            "amounts": amounts,
            "payment_method": payment_method,
            "cod": payment_method.upper() in ("COD", "CASH_ON_DELIVERY"),
            "courier": found["courier"],
            "tracking_ref": found["tracking_ref"],
            "cancel_requested": found["cancel_requested"],
            "cancel_reason": found["cancel_reason"],
            "branch_key": raw.get("warehouse_code") or "",
            "packages": packages,
            "raw": raw,
        }

    def _order_header(self, raw):
        """(external_id, items, status) of ``raw``, checked."""
        external_id = self.external_id_of(raw)
        items = raw.get("items")
        if not isinstance(items, list):
            raise ParseError(f"Lazada order {external_id} has no items", payload=raw)
        statuses = raw.get("statuses")
        if (
            not isinstance(statuses, list)
            or not statuses
            or not all(isinstance(s, str) and s for s in statuses)
        ):
            raise ParseError(
                f"Lazada order {external_id}: bad statuses {statuses!r}", payload=raw
            )
        status = min(set(statuses), key=_status_rank)
        if len(set(statuses)) > 1 and "canceled" in statuses:
            open_statuses = set(statuses) - {"canceled"}
            status = min(open_statuses, key=_status_rank)
        return external_id, items, status

    @staticmethod
    def _customer_name(raw):
        return " ".join(
            filter(
                None,
                [raw.get("customer_first_name"), raw.get("customer_last_name")],
            )
        ).strip()

    def _order_items(self, items, external_id, raw):
        """(lines, packages, found) of the items, read in one pass; ``found`` holds
        the order's courier, tracking_ref, cancel_requested and cancel_reason."""
        lines = {}
        packages = {}
        found = {
            "courier": "",
            "tracking_ref": "",
            "cancel_requested": False,
            "cancel_reason": "",
        }
        for item in items:
            self._add_item_line(lines, item, external_id, raw)
            if _truthy(item.get("need_cancel_confirm")):
                found["cancel_requested"] = True
                found["cancel_reason"] = item.get("reason") or found["cancel_reason"]
            if item.get("package_id"):
                packages.setdefault(item["package_id"], self._item_package(item))
            found["courier"] = found["courier"] or item.get("shipment_provider") or ""
            found["tracking_ref"] = (
                found["tracking_ref"] or item.get("tracking_code") or ""
            )
        return list(lines.values()), list(packages.values()), found

    @staticmethod
    def _add_item_line(lines, item, external_id, raw):
        """Count ``item`` in ``lines`` (one line per SKU, price and cancellation)."""
        if not isinstance(item, dict):
            raise ParseError(f"Lazada order {external_id}: bad item", payload=raw)
        sku = item.get("sku")
        if not sku:
            raise ParseError(
                f"Lazada order {external_id}: item without SKU", payload=raw
            )
        price = _money(item.get("item_price"))
        key = (sku, price, item.get("status") == "canceled")
        item_id = str(item["order_item_id"])
        line = lines.get(key)
        if line:
            line["quantity"] += 1
            line["item_ids"].append(item_id)
            return
        lines[key] = {
            "external_id": item_id,
            "sku": sku,
            "name": item.get("name") or sku,
            "quantity": 1.0,
            "price_unit": price,
            "item_ref": str(item.get("shop_sku") or item.get("sku_id") or ""),
            "item_ids": [item_id],
            "cancelled": item.get("status") == "canceled",
        }

    @staticmethod
    def _item_package(item):
        return {
            "id": item["package_id"],
            "tracking_ref": item.get("tracking_code") or "",
            "status": item.get("status"),
        }

    @staticmethod
    def _buyer_id(raw, items):
        return str(
            raw.get("buyer_id")
            or next((i.get("buyer_id") for i in items if i.get("buyer_id")), "")
        )

    @staticmethod
    def _order_amounts(raw, items):
        """The ``amounts`` dict (MORE_API_FACTS section 5), from the items that
        are not cancelled (of all when every one is: the order is cancelled, its
        lines stay as they were):

        - ``items``: their ``item_price`` (prices include tax: an item's
          ``tax_amount`` is the part of its ``paid_price`` that is tax, never
          added on top, so ``tax`` is 0);
        - the vouchers split by who funds them: ``seller_discount`` their
          ``voucher_seller``, ``platform_discount`` their ``voucher_platform``
          (Lazada pays it to the seller in the settlement);
        - ``shipping``: the order's ``shipping_fee``, what the buyer pays for
          shipping (``shipping_fee_original`` less the shipping fee discounts of
          the seller and of Lazada: the seller's shipping cost and Lazada's
          subsidy are settlement items, not discounts of the order);
        - ``total``, what the buyer paid: their ``paid_price`` plus the shipping
          fee.

        A part of the item prices the buyer did not pay that neither voucher
        explains is the Lazada Bonus of each side (``voucher_seller_lpi``,
        ``voucher_platform_lpi``) when they explain it, else the seller's."""
        _money(raw.get("price"))  # a malformed order total is refused
        sold = [i for i in items if i.get("status") != "canceled"] or items
        cancelled = [i for i in items if i not in sold]

        def total(rows, key):
            return round(sum(_money(row.get(key)) for row in rows), 2)

        if raw.get("shipping_fee") not in (None, ""):
            shipping_fee = _money(raw.get("shipping_fee"))
        else:  # the items carry the order's shipping fee
            shipping_fee = total(sold, "shipping_amount")
        seller = total(sold, "voucher_seller")
        platform = total(sold, "voucher_platform")
        if not any("voucher_seller" in i or "voucher_platform" in i for i in items):
            # items without the split: the order's, else its voucher as the
            # seller's
            if "voucher_seller" in raw or "voucher_platform" in raw:
                seller = _money(raw.get("voucher_seller"))
                platform = _money(raw.get("voucher_platform"))
            else:
                seller, platform = _money(raw.get("voucher")), 0.0
        items_total = total(sold, "item_price")
        if any("paid_price" in i for i in sold):
            paid = total(sold, "paid_price")
        else:
            paid = round(items_total - seller - platform, 2)
        rest = round(items_total - seller - platform - paid, 2)
        if abs(rest) >= 0.005:
            bonus_seller = total(sold, "voucher_seller_lpi")
            bonus_platform = total(sold, "voucher_platform_lpi")
            if (bonus_seller or bonus_platform) and abs(
                rest - bonus_seller - bonus_platform
            ) < 0.005:
                seller = round(seller + bonus_seller, 2)
                platform = round(platform + bonus_platform, 2)
            else:
                seller = round(seller + rest, 2)
        return order_amounts(
            items_total,
            shipping_fee,
            seller,
            platform,
            round(paid + shipping_fee, 2),
            cancelled=total(cancelled, "item_price"),
        )

    @staticmethod
    def _partner(address, fallback_name, raw, buyer_id=""):
        if not isinstance(address, dict):
            raise ParseError("Lazada address is not an object", payload=raw)
        name = " ".join(
            filter(None, [address.get("first_name"), address.get("last_name")])
        ).strip()
        phone = address.get("phone") or address.get("phone2") or ""
        country = address.get("country") or ""
        return {
            "external_id": buyer_id,
            "name": name or fallback_name or phone or "Lazada buyer",
            "email": address.get("email") or raw.get("customer_email") or "",
            "phone": phone,
            "street": address.get("address1") or "",
            "street2": address.get("address2") or "",
            "city": address.get("city") or "",
            "zip": address.get("post_code") or "",
            "state": "",
            "country_code": country if len(country) == 2 else "",
            "country_name": country if len(country) != 2 else "",
            "vat": raw.get("tax_code") or "",
            "is_company": False,
        }
