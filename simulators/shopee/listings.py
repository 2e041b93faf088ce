"""The shop's items (``GET /api/v2/product/get_item_base_info``).

MORE_API_FACTS section 2: ``get_item_list`` pages the item ids (offset,
``page_size`` ≤ 100), ``get_item_base_info`` reads up to 50 of them
(``item_id_list``, comma-separated): ``item_sku``, ``item_status``, ``has_model``
and, for an item without models, its ``price_info`` and ``stock_info_v2``; the
models of the others come from ``get_model_list`` (``model_id``, ``model_sku``,
their own price and stock).
"""

from ..core import route

#: at most this many items per get_item_base_info call
MAX_ITEM_IDS = 50
#: when the seeded items were listed, before the simulator's start
LISTED_BEFORE = 30 * 86400


class ShopeeListings:
    """``get_item_base_info``, from the catalogue and stock the shop holds."""

    def _listed_at(self):
        """When the seeded items were listed (fixed for the simulator's life)."""
        if getattr(self, "_items_listed_at", None) is None:
            self._items_listed_at = int(self.now()) - LISTED_BEFORE
        return self._items_listed_at

    def _item_update_time(self, item):
        updates = getattr(self, "stock_updates", None) or []
        times = [
            int(u.get("at") or 0)
            for u in updates
            if u.get("item_id") == item["item_id"]
        ]
        return max([self._listed_at()] + times)

    def _render_item_base(self, item):
        has_model = any(m["model_id"] for m in item["models"])
        record = {
            "item_id": item["item_id"],
            "category_id": 100017,
            "item_name": item["item_name"],
            "item_sku": item["item_sku"],
            "create_time": self._listed_at(),
            "update_time": self._item_update_time(item),
            "item_status": "NORMAL",
            "has_model": has_model,
            "weight": str(item["weight"]),
            "condition": "NEW",
        }
        if not has_model:
            record["price_info"] = self._price_info(item)
            record["stock_info_v2"] = self._stock_info(item, item["models"][0])
        return record

    @route("GET", "/api/v2/product/get_item_base_info")
    def get_item_base_info(self, req):
        error = self._check(req)
        if error:
            return error
        raw = [x for x in (req.query.get("item_id_list") or "").split(",") if x]
        try:
            ids = [int(x) for x in raw]
        except ValueError:
            return self._error("error_param", "Wrong parameters, detail: item_id_list.")
        if not 1 <= len(ids) <= MAX_ITEM_IDS:
            return self._error(
                "error_param",
                "Wrong parameters, detail: item_id_list size should be [1,50].",
            )
        items = [self.item_by_id[i] for i in ids if i in self.item_by_id]
        return self._envelope(
            {"item_list": [self._render_item_base(item) for item in items]}
        )
