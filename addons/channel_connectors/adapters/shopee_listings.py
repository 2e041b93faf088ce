"""The shop's Shopee items and models as listings.

:class:`ShopeeListings` is a mixin of :class:`~.shopee.ShopeeAdapter`. MORE_API_FACTS
section 2 (LED ``guides/api-best-practices/product-base-info-management.md``):
``v2.product.get_item_list`` pages the item ids (``offset``, ``page_size`` ≤ 100,
``item_status``), ``v2.product.get_item_base_info`` reads up to 50 items
(``item_sku``, ``has_model``; the price and stock of an item without models) and
``v2.product.get_model_list`` the models of the others (``model_id``,
``model_sku``, their price and stock per ``location_id``). A listing's ``sku_ref``
is ``item_id:model_id`` (0 without models), as the orders' lines and the stock
updates use it.
"""

from .base import ParseError

#: items asked per get_item_list page / read per get_item_base_info call
ITEMS_PAGE = 100
BASE_INFO_BATCH = 50
#: the items listed: those for sale
ITEM_STATUSES = "NORMAL"


def _number(value, what, item_id):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"Shopee item {item_id}: bad {what} {value!r}") from exc


class ShopeeListings:
    """``fetch_listings`` / ``parse_listing``; mixed into the Shopee adapter. A
    raw product is ``{"item": <base info>, "models": <get_model_list> or None}``."""

    def fetch_listings(self, cursor=None):
        offset = int(cursor or 0)
        page = self.call(
            "GET",
            "/api/v2/product/get_item_list",
            {"offset": offset, "page_size": ITEMS_PAGE, "item_status": ITEM_STATUSES},
        )
        ids = [i["item_id"] for i in page.get("item") or [] if i.get("item_id")]
        raws = []
        for start in range(0, len(ids), BASE_INFO_BATCH):
            chunk = ids[start : start + BASE_INFO_BATCH]
            base = self.call(
                "GET",
                "/api/v2/product/get_item_base_info",
                {"item_id_list": ",".join(str(i) for i in chunk)},
            )
            for item in base.get("item_list") or []:
                models = None
                if isinstance(item, dict) and item.get("has_model"):
                    models = self.call(
                        "GET",
                        "/api/v2/product/get_model_list",
                        {"item_id": item.get("item_id")},
                    )
                raws.append({"item": item, "models": models})
        if not (page.get("has_next_page") and ids):
            return raws, None
        return raws, str(page.get("next_offset") or offset + len(ids))

    def parse_listing(self, raw):
        item = raw.get("item") if isinstance(raw, dict) else None
        if not isinstance(item, dict) or not item.get("item_id"):
            raise ParseError(f"Shopee item without item_id: {raw!r:.200}", payload=raw)
        try:
            return self._parse_item_listings(item, raw.get("models"))
        except ParseError as exc:
            exc.payload = raw
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ParseError(
                f"Shopee item {item['item_id']} cannot be read: "
                f"{exc.__class__.__name__}: {exc}",
                payload=raw,
            ) from exc

    def _parse_item_listings(self, item, models):
        item_id = int(item["item_id"])
        name = (item.get("item_name") or "").strip()
        status = str(item.get("item_status") or "")
        if not item.get("has_model"):
            return [
                self._shopee_listing(
                    item_id, 0, item.get("item_sku"), name, status, item
                )
            ]
        if not isinstance(models, dict) or not isinstance(models.get("model"), list):
            raise ParseError(f"Shopee item {item_id}: has_model but no model list")
        listings = []
        for model in models["model"]:
            label = (model.get("model_name") or "").strip()
            listings.append(
                self._shopee_listing(
                    item_id,
                    int(model["model_id"]),
                    model.get("model_sku"),
                    f"{name} ({label})" if name and label else name or label,
                    status,
                    model,
                )
            )
        return listings

    @staticmethod
    def _shopee_listing(item_id, model_id, sku, name, status, record):
        """One listing of an item (``model_id`` 0) or a model: ``record`` has its
        ``price_info`` and ``stock_info_v2``."""
        prices = record.get("price_info") or [{}]
        stock = record.get("stock_info_v2") or {}
        summary = stock.get("summary_info") or {}
        quantity = summary.get("total_available_stock")
        if quantity is None and stock.get("seller_stock"):
            quantity = sum(s.get("stock") or 0 for s in stock["seller_stock"])
        seller_sku = str(sku or "").strip()
        return {
            "item_ref": str(item_id),
            "sku_ref": f"{item_id}:{model_id}",
            "seller_sku": seller_sku,
            "name": name or seller_sku,
            "price": _number(prices[0].get("original_price"), "price", item_id),
            "currency": prices[0].get("currency") or None,
            "quantity": _number(quantity, "stock", item_id),
            "barcode": "",
            "status": status,
        }
