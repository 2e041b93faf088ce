"""The product catalogue and the stock APIs (``/api/v2/product/*``)."""

from .. import data
from ..core import route
from .common import CURRENCIES

#: get_item_list's item_status values (the ItemStatus enum of the public shopee-sdk)
ITEM_STATUSES = (
    "NORMAL",
    "BANNED",
    "UNLIST",
    "REVIEWING",
    "SELLER_DELETE",
    "SHOPEE_DELETE",
)


def build_items():
    """Shopee items/models for the shared catalogue: item per product, model per
    variant (model_id 0 and model_sku "" for products without variants)."""
    items = []
    for index, (code, name, price, weight, variants) in enumerate(data.PRODUCTS):
        item_id = 3000000000 + (index + 1) * 1111
        models = []
        for vindex, variant in enumerate(variants):
            models.append(
                {
                    "model_id": item_id * 100 + vindex + 1,
                    "model_name": variant,
                    "model_sku": f"{code}-{variant}",
                    "sku": f"{code}-{variant}",
                }
            )
        if not variants:
            models.append(
                {"model_id": 0, "model_name": "", "model_sku": "", "sku": code}
            )
        items.append(
            {
                "item_id": item_id,
                "item_name": name,
                "item_sku": code,
                "price": price,
                "weight": weight,
                "models": models,
            }
        )
    return items


class ShopeeStock:
    """``update_stock``, ``get_item_list`` and ``get_model_list``."""

    def _price_info(self, item):
        """An item's (or model's) ``price_info``: its price in the shop's currency
        (as its orders sell it)."""
        factor = CURRENCIES.get(self.region, ("MYR", 1.0))[1]
        price = item["price"] * factor
        price = float(round(price)) if self.currency in ("VND", "IDR") else price
        price = round(price, 2)
        return [
            {
                "currency": self.currency,
                "original_price": price,
                "current_price": price,
            }
        ]

    def _stock_info(self, item, model):
        """A model's ``stock_info_v2``: what is left per location."""
        stock = self._model_stock(item, model)
        return {
            "summary_info": {
                "total_reserved_stock": 0,
                "total_available_stock": sum(stock.values()),
            },
            "seller_stock": [
                {"location_id": location, "stock": quantity}
                for location, quantity in stock.items()
            ],
        }

    # ---- product / stock -------------------------------------------------------------
    @route("POST", "/api/v2/product/update_stock")
    def update_stock(self, req):
        body, error = self._checked_body(req)
        if error:
            return error
        item = self.item_by_id.get(body.get("item_id"))
        if item is None:
            return self._error(
                "error_param",
                f"Wrong parameters, detail: item_id {body.get('item_id')}.",
            )
        stock_list = body.get("stock_list")
        if not isinstance(stock_list, list) or not 1 <= len(stock_list) <= 50:
            return self._error(
                "error_param", "Wrong parameters, detail: stock_list limit [1,50]."
            )
        models = {m["model_id"]: m for m in item["models"]}
        success, failure = [], []
        for entry in stock_list:
            model_id = entry.get("model_id", 0) if isinstance(entry, dict) else None
            seller_stock = (
                entry.get("seller_stock") if isinstance(entry, dict) else None
            )
            if model_id not in models:
                failure.append(
                    {"model_id": model_id, "failed_reason": "model_id is invalid"}
                )
                continue
            if (
                not isinstance(seller_stock, list)
                or not seller_stock
                or not all(
                    isinstance(s, dict)
                    and isinstance(s.get("stock"), int)
                    and not isinstance(s.get("stock"), bool)
                    and s["stock"] >= 0
                    for s in seller_stock
                )
            ):
                failure.append(
                    {"model_id": model_id, "failed_reason": "seller_stock is invalid"}
                )
                continue
            total = sum(s["stock"] for s in seller_stock)
            self.stock[item["item_id"]][model_id] = total
            locations = {}
            for entry_stock in seller_stock:
                location_id = str(entry_stock.get("location_id") or "")
                locations[location_id] = (
                    locations.get(location_id, 0) + entry_stock["stock"]
                )
            self.seller_stock.push(
                models[model_id]["sku"], total, int(self.now()), locations=locations
            )
            location = seller_stock[0].get("location_id", "")
            success.append(
                {"model_id": model_id, "location_id": location, "stock": total}
            )
            self.stock_updates.append(
                {
                    "item_id": item["item_id"],
                    "model_id": model_id,
                    "sku": models[model_id]["sku"],
                    "stock": total,
                    "at": int(self.now()),
                }
            )
        return self._envelope({"success_list": success, "failure_list": failure})

    @route("GET", "/api/v2/product/get_item_list")
    def get_item_list(self, req):
        error = self._check(req)
        if error:
            return error
        try:
            offset = int(req.query.get("offset", 0))
            page_size = int(req.query.get("page_size", 10))
            since = int(req.query.get("update_time_from") or 0)
            until = int(req.query.get("update_time_to") or 0)
        except ValueError:
            return self._error("error_param", "Wrong parameters, detail: offset.")
        if not 1 <= page_size <= 100 or offset < 0:
            return self._error(
                "error_param", "Wrong parameters, detail: page_size should be [1,100]."
            )
        statuses = {
            s.strip() for s in (req.query.get("item_status") or "").split(",") if s
        }
        unknown = statuses - set(ITEM_STATUSES)
        if unknown:
            return self._error(
                "error_param", f"Wrong parameters, detail: item_status {unknown}."
            )
        # every seeded item is NORMAL (listed and for sale)
        items = [
            i
            for i in self.items
            if (not statuses or "NORMAL" in statuses)
            and (not since or self._item_update_time(i) >= since)
            and (not until or self._item_update_time(i) <= until)
        ]
        page = items[offset : offset + page_size]
        more = offset + page_size < len(items)
        return self._envelope(
            {
                "item": [
                    {
                        "item_id": i["item_id"],
                        "item_status": "NORMAL",
                        "update_time": self._item_update_time(i),
                    }
                    for i in page
                ],
                "total_count": len(items),
                "has_next_page": more,
                "next_offset": offset + page_size if more else 0,
            }
        )

    @route("GET", "/api/v2/product/get_model_list")
    def get_model_list(self, req):
        error = self._check(req)
        if error:
            return error
        try:
            item = self.item_by_id.get(int(req.query.get("item_id", "")))
        except ValueError:
            item = None
        if item is None:
            return self._error("error_param", "Wrong parameters, detail: item_id.")
        models = [
            {
                "model_id": m["model_id"],
                "model_name": m["model_name"],
                "model_sku": m["model_sku"],
                "price_info": self._price_info(item),
                "stock_info_v2": self._stock_info(item, m),
            }
            for m in item["models"]
            if m["model_id"]
        ]
        return self._envelope(
            {
                "tier_variation": [
                    {"name": "Variation", "option_list": [{"option": m["model_name"]}]}
                    for m in item["models"][:1]
                    if m["model_id"]
                ],
                "model": models,
            }
        )
