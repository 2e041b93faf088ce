"""The seller's TikTok Shop products as listings.

:class:`TikTokListings` is a mixin of :class:`~.tiktok.TikTokAdapter`. MORE_API_FACTS
section 2: ``POST /product/202309/products/search`` (``page_size`` ≤ 100,
``page_token``) lists the products, ``GET /product/202309/products/{product_id}``
gives each SKU's ``id``, ``seller_sku``, ``price``, ``inventory[]`` (per
``warehouse_id``) and ``identifier_code`` (GTIN/EAN/UPC/ISBN) where the seller gave
one. A listing's ``sku_ref`` is ``product_id:sku_id``, as the orders' lines and the
inventory updates use it.
"""

from urllib.parse import quote

from .base import AdapterError, ParseError, TokenExpired

#: products asked per search page (TikTok's maximum)
SEARCH_PAGE = 100


def _number(value, what, product_id):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"TikTok product {product_id}: bad {what} {value!r}") from exc


class TikTokListings:
    """``fetch_listings`` / ``parse_listing``; mixed into the TikTok adapter. A raw
    product is the product's detail (its search record when the detail cannot be
    read: no identifier codes then)."""

    def fetch_listings(self, cursor=None):
        query = {"page_size": SEARCH_PAGE}
        if cursor:
            query["page_token"] = cursor
        data = self.call("POST", "/product/202309/products/search", query, body={})
        raws = [self._product_detail(p) for p in data.get("products") or []]
        return raws, (data.get("next_page_token") or None)

    def _product_detail(self, product):
        """The detail of a searched product; the search record itself when the
        product cannot be read any more (deleted meanwhile...)."""
        if not isinstance(product, dict) or not product.get("id"):
            return product
        try:
            detail = self.call(
                "GET", f"/product/202309/products/{quote(str(product['id']), safe='')}"
            )
        except TokenExpired:
            raise
        except AdapterError as exc:
            if exc.retryable:
                raise
            return product
        return detail or product

    def parse_listing(self, raw):
        if not isinstance(raw, dict) or not raw.get("id"):
            raise ParseError(f"TikTok product without id: {raw!r:.200}", payload=raw)
        product_id = str(raw["id"])
        skus = raw.get("skus")
        if not isinstance(skus, list):
            raise ParseError(f"TikTok product {product_id}: no skus", payload=raw)
        try:
            return [self._tiktok_listing(raw, product_id, sku) for sku in skus]
        except ParseError as exc:
            exc.payload = raw
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(
                f"TikTok product {product_id} cannot be read: "
                f"{exc.__class__.__name__}: {exc}",
                payload=raw,
            ) from exc

    @staticmethod
    def _tiktok_listing(raw, product_id, sku):
        sku_id = str(sku.get("id") or "")
        if not sku_id:
            raise ParseError(f"TikTok product {product_id}: a SKU without id")
        title = (raw.get("title") or "").strip()
        variant = ", ".join(
            a["value_name"]
            for a in sku.get("sales_attributes") or []
            if isinstance(a, dict) and a.get("value_name")
        )
        price = sku.get("price") or {}
        inventory = sku.get("inventory") or []
        code = sku.get("identifier_code") or {}
        seller_sku = str(sku.get("seller_sku") or "").strip()
        name = f"{title} ({variant})" if title and variant else title or seller_sku
        return {
            "item_ref": product_id,
            "sku_ref": f"{product_id}:{sku_id}",
            "seller_sku": seller_sku,
            "name": name,
            "price": _number(price.get("sale_price"), "price", product_id),
            "currency": price.get("currency") or None,
            "quantity": sum(
                _number(i.get("quantity"), "quantity", product_id) or 0.0
                for i in inventory
            )
            if inventory
            else None,
            "barcode": str(code.get("code") or "").strip()
            if isinstance(code, dict)
            else "",
            "status": str(raw.get("status") or ""),
        }
