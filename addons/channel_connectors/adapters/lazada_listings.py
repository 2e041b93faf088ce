"""The seller's Lazada products (GetProducts, ``/products/get``) as listings.

:class:`LazadaListings` is a mixin of :class:`~.lazada.LazadaAdapter`. MORE_API_FACTS
section 2: ``filter``, ``offset``, ``limit`` (at most 50); each product has its
``skus[]`` with ``SellerSku``, ``SkuId``, ``ShopSku``, ``quantity``, ``price`` and
``special_price``. The orders' items carry the same ``shop_sku`` / ``sku_id``: a
listing's ``sku_ref`` is the ShopSku (the SkuId when there is none).
"""

from .base import ParseError

#: products asked per GetProducts call (Lazada's maximum)
PRODUCTS_LIMIT = 50


def _number(value, what):
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace(",", ""))
    except ValueError as exc:
        raise ParseError(f"Lazada product: bad {what} {value!r}") from exc


class LazadaListings:
    """``fetch_listings`` / ``parse_listing``; mixed into the Lazada adapter."""

    def fetch_listings(self, cursor=None):
        offset = int(cursor or 0)
        data = (
            self._call(
                "/products/get",
                {"filter": "all", "offset": offset, "limit": PRODUCTS_LIMIT},
            ).get("data")
            or {}
        )
        products = data.get("products") or []
        offset += len(products)
        try:
            total = int(data.get("total_products"))
        except (TypeError, ValueError):
            total = None
        more = len(products) == PRODUCTS_LIMIT and (total is None or offset < total)
        return products, (str(offset) if more else None)

    def parse_listing(self, raw):
        if not isinstance(raw, dict) or raw.get("item_id") in (None, ""):
            raise ParseError(
                f"Lazada product without item_id: {raw!r:.200}", payload=raw
            )
        item_ref = str(raw["item_id"])
        skus = raw.get("skus")
        if not isinstance(skus, list):
            raise ParseError(f"Lazada product {item_ref}: no skus", payload=raw)
        name = ((raw.get("attributes") or {}).get("name") or "").strip()
        listings = []
        for sku in skus:
            try:
                listings.append(self._parse_listing_sku(raw, item_ref, name, sku))
            except ParseError as exc:
                exc.payload = raw
                raise
        return listings

    def _parse_listing_sku(self, raw, item_ref, name, sku):
        if not isinstance(sku, dict):
            raise ParseError(f"Lazada product {item_ref}: a SKU is not an object")
        seller_sku = str(sku.get("SellerSku") or "").strip()
        sku_ref = str(sku.get("ShopSku") or sku.get("SkuId") or "").strip()
        if not sku_ref:
            raise ParseError(f"Lazada product {item_ref}: a SKU without ShopSku/SkuId")
        return {
            "item_ref": item_ref,
            "sku_ref": sku_ref,
            "seller_sku": seller_sku,
            "name": name or seller_sku,
            "price": _number(sku.get("price"), "price"),
            "currency": None,
            "quantity": _number(sku.get("quantity"), "quantity"),
            "barcode": "",
            "status": str(sku.get("Status") or raw.get("status") or ""),
        }
