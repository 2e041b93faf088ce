"""The seller's products (``GET /products/get``, GetProducts).

From the open.lazada.com GetProducts page (LED
``data/raw/lazada/apis/product-api/getproducts.json``): ``filter`` is one of all,
live, inactive, deleted, pending, rejected, sold-out (E036 otherwise); ``offset``
(at most 10000, E014) and ``limit`` (at most 50, E019); ``create_after`` /
``create_before`` / ``update_after`` / ``update_before`` in ISO 8601 (E017);
``sku_seller_list``, a JSON array of seller SKUs. The answer is ``data:
{"total_products", "products": [{"item_id", "created_time", "updated_time" (epoch
ms, strings), "status", "attributes": {"name", ...}, "skus": [{"SkuId",
"SellerSku", "ShopSku", "Status", "quantity", "Available", "price",
"special_price", ...}]}]}``. The SKUs are those the orders sell (same ``SkuId``
and ``ShopSku``), their quantity what the last stock update said.
"""

import json
import re
from datetime import datetime

from .. import data
from .common import DAY, ApiError
from .stock import _sku_id

FILTERS = ("all", "live", "inactive", "deleted", "pending", "rejected", "sold-out")
MAX_LIMIT = 50
MAX_OFFSET = 10000
#: the quantity of a SKU no stock update has set yet
SEED_QUANTITY = 100
#: when the seeded products were listed, before the simulator's start
LISTED_BEFORE = 30 * DAY
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:?\d\d|Z)$")


def item_id_of(index):
    """A stable ItemId for the catalogue's product number ``index``."""
    return 3_100_000_000 + (index + 1) * 7_919


class LazadaListings:
    """GetProducts, from the shared catalogue and the stock updates received."""

    def _listed_at(self):
        """When the seeded products were listed (fixed for the simulator's life)."""
        if getattr(self, "_products_listed_at", None) is None:
            self._products_listed_at = int(self.now()) - LISTED_BEFORE
        return self._products_listed_at

    def _sku_quantity(self, seller_sku):
        """What is left to sell: the quantity last pushed less the units sold
        since (:class:`~simulators.core.SellerStock`), the seeded quantity before
        any push."""
        left = self.seller_stock.available(seller_sku)
        return SEED_QUANTITY if left is None else left

    def _render_product(self, index):
        code, name, price, weight, variants = data.PRODUCTS[index]
        listed = self._listed_at()
        sellers = [f"{code}-{v}" for v in variants] if variants else [code]
        updated = max(
            [listed]
            + [int((self.stock.get(s) or {}).get("updated_at") or 0) for s in sellers]
        )
        skus = []
        for seller_sku in sellers:
            sku_id = _sku_id(seller_sku)
            quantity = self._sku_quantity(seller_sku)
            skus.append(
                {
                    "Status": "active",
                    "SkuId": sku_id,
                    "SellerSku": seller_sku,
                    "ShopSku": f"{sku_id}_{self.country.upper()}-{sku_id % 100000}",
                    "quantity": quantity,
                    "Available": quantity,
                    "price": price,
                    "special_price": 0.0,
                    "package_weight": f"{weight:g}",
                    "Url": f"https://www.lazada.{self.country}/-i{item_id_of(index)}"
                    f"-s{sku_id}.html",
                    "Images": [],
                }
            )
        return {
            "item_id": item_id_of(index),
            "primary_category": 10000211,
            "created_time": str(listed * 1000),
            "updated_time": str(updated * 1000),
            "status": "Active",
            "attributes": {"name": name},
            "skus": skus,
        }

    @staticmethod
    def _products_date(params, name):
        value = (params.get(name) or "").strip()
        if not value:
            return None
        value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value)
        if not _ISO.match(value):
            raise ApiError("17", f'E017: "{params.get(name)}" Invalid Date Format')
        value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()

    def _products_query(self, params):
        wanted = (params.get("filter") or "all").strip().lower()
        if wanted not in FILTERS:
            raise ApiError("36", "E036: Invalid status filter")
        try:
            offset = int(params.get("offset") or 0)
            if not 0 <= offset <= MAX_OFFSET:
                raise ValueError(offset)
        except ValueError as exc:
            raise ApiError(
                "14", f'E014: "{params.get("offset")}" Invalid Offset'
            ) from exc
        try:
            limit = int(params.get("limit") or 10)
            if not 1 <= limit <= MAX_LIMIT:
                raise ValueError(limit)
        except ValueError as exc:
            raise ApiError("19", "Invalid Limit") from exc
        skus = None
        if params.get("sku_seller_list"):
            try:
                skus = json.loads(params["sku_seller_list"])
                if not isinstance(skus, list):
                    raise ValueError(skus)
            except ValueError as exc:
                raise ApiError(
                    "70", "E070: You have corrupt data in your sku seller list."
                ) from exc
        dates = {
            name: self._products_date(params, name)
            for name in (
                "create_after",
                "create_before",
                "update_after",
                "update_before",
            )
        }
        return wanted, offset, limit, skus, dates

    @staticmethod
    def _product_matches(product, wanted, skus, dates):
        if wanted in ("inactive", "deleted", "pending", "rejected"):
            return False
        if wanted == "sold-out" and any(s["quantity"] for s in product["skus"]):
            return False
        if skus is not None and not {s["SellerSku"] for s in product["skus"]} & set(
            skus
        ):
            return False
        created = int(product["created_time"]) / 1000
        updated = int(product["updated_time"]) / 1000
        for name, moment, after in (
            ("create_after", created, True),
            ("create_before", created, False),
            ("update_after", updated, True),
            ("update_before", updated, False),
        ):
            bound = dates[name]
            if bound is not None and (moment < bound if after else moment > bound):
                return False
        return True

    def api_products_get(self, params):
        wanted, offset, limit, skus, dates = self._products_query(params)
        products = [self._render_product(i) for i in range(len(data.PRODUCTS))]
        products = [
            p for p in products if self._product_matches(p, wanted, skus, dates)
        ]
        return self._ok(
            data={
                "total_products": len(products),
                "products": products[offset : offset + limit],
            }
        )
