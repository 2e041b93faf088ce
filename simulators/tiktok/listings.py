"""The seller's products (``POST /product/202309/products/search`` and
``GET /product/202309/products/{product_id}``).

MORE_API_FACTS section 2: the search takes ``page_size`` (1-100, required) and
``page_token`` in the query, filters in the body (``status``, ``seller_skus``,
``update_time_ge`` / ``update_time_le``, ``create_time_ge`` / ``create_time_le``);
each product has its ``skus[]`` with ``id``, ``seller_sku``, ``price``
(``currency``, ``sale_price``, ``tax_exclusive_price``) and ``inventory[]``
(``warehouse_id``, ``quantity``: what is left to sell), the same SKUs the orders
and the inventory updates know. The product's detail adds, per SKU, its
``identifier_code`` (``{"code", "type"}``, GTIN/EAN/UPC/ISBN) where the seller gave
one and its ``sales_attributes``: here an EAN-13 for every SKU but those of the
notebook (a product listed without one).
"""

from .common import E_CREDENTIALS, E_INV_NO_PRODUCT, ApiError, api

#: the catalogue code of the product listed without identifier codes
NO_IDENTIFIER_CODE = ("NOTEBOOK",)

#: the product statuses the search filters on ("ALL" is every one)
PRODUCT_STATUSES = (
    "ALL",
    "DRAFT",
    "PENDING",
    "FAILED",
    "ACTIVATE",
    "SELLER_DEACTIVATED",
    "PLATFORM_DEACTIVATED",
    "FREEZE",
    "DELETED",
)
#: when the seeded products were listed, before the simulator's start
LISTED_BEFORE = 30 * 86400


class TikTokListings:
    """The product search, from the catalogue the orders sell."""

    def _listed_at(self):
        """When the seeded products were listed (fixed for the simulator's life)."""
        if getattr(self, "_products_listed_at", None) is None:
            self._products_listed_at = int(self.now()) - LISTED_BEFORE
        return self._products_listed_at

    @staticmethod
    def _identifier_code(product, sku):
        """The SKU's EAN-13 (a Malaysian GS1 prefix, the SKU id's digits and the
        check digit), None for a product listed without identifier codes."""
        if product["code"] in NO_IDENTIFIER_CODE:
            return None
        digits = "955" + sku["id"][-9:]
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
        return {"code": digits + str((10 - total % 10) % 10), "type": "EAN"}

    def _render_detail(self, product):
        """GetProduct's ``data``: the search record with, per SKU, its
        identifier code where given and its sales attributes."""
        record = self._render_listing(product)
        skus = {s["id"]: s for s in self.skus.values()}
        for entry in record["skus"]:
            sku = skus[entry["id"]]
            code = self._identifier_code(product, sku)
            if code:
                entry["identifier_code"] = code
            entry["sales_attributes"] = (
                [{"name": "Variation", "value_name": sku["name"]}]
                if sku["name"] != "Default"
                else []
            )
        return record

    def _render_listing(self, product):
        listed = self._listed_at()
        skus = [s for s in self.skus.values() if s["product_id"] == product["id"]]
        return {
            "id": product["id"],
            "title": product["title"],
            "status": "ACTIVATE",
            "sales_regions": [self.region],
            "create_time": listed,
            "update_time": max(
                [listed]
                + [int(u.get("time") or 0) for u in self._listing_updates(product)]
            ),
            "is_not_for_sale": False,
            "skus": [
                {
                    "id": sku["id"],
                    "seller_sku": sku["seller_sku"],
                    "price": {
                        "currency": self.currency,
                        "sale_price": self._money(self._unit(sku["price"])),
                        "tax_exclusive_price": self._money(self._unit(sku["price"])),
                    },
                    "inventory": [
                        {"warehouse_id": warehouse, "quantity": quantity}
                        for warehouse, quantity in self._sku_inventory(sku).items()
                    ],
                }
                for sku in sorted(skus, key=lambda s: s["id"])
            ],
        }

    def _listing_updates(self, product):
        updates = getattr(self, "stock_updates", None) or []
        return [u for u in updates if u.get("product_id") == product["id"]]

    @staticmethod
    def _listing_filter(body, record):
        status = body.get("status") or "ALL"
        if status not in PRODUCT_STATUSES:
            raise ApiError(E_CREDENTIALS, f"Invalid status: {status}")
        if status not in ("ALL", record["status"]):
            return False
        skus = body.get("seller_skus")
        if skus is not None:
            if not isinstance(skus, list):
                raise ApiError(E_CREDENTIALS, "Invalid seller_skus")
            if not {s["seller_sku"] for s in record["skus"]} & set(skus):
                return False
        for field, bound in (("update_time", "update"), ("create_time", "create")):
            low = body.get(f"{bound}_time_ge")
            high = body.get(f"{bound}_time_le")
            if low is not None and record[field] < int(low):
                return False
            if high is not None and record[field] > int(high):
                return False
        return True

    @api("POST", "/product/202309/products/search")
    def products_search(self, req):
        try:
            size = self._page_size(req.query, 100)
            body = self._body(req) if req.body else {}
            records = [self._render_listing(p) for p in self.products.values()]
            records = [r for r in records if self._listing_filter(body, r)]
            records.sort(key=lambda r: r["id"])
            start = 0
            if req.query.get("page_token"):
                start = int(self._decode_token(req.query["page_token"])[0])
        except ApiError as exc:
            return self._api_error(exc)
        except (TypeError, ValueError) as exc:
            return self._api_error(ApiError(E_CREDENTIALS, f"Invalid parameter: {exc}"))
        page = records[start : start + size]
        more = start + size < len(records)
        return self._ok(
            {
                "products": page,
                "total_count": len(records),
                "next_page_token": self._encode_token((start + size, "product"))
                if more
                else "",
            }
        )

    @api("GET", "/product/202309/products/{product_id}")
    def product_detail(self, req):
        product = self.products.get(req.params["product_id"])
        if product is None:
            return self._error(E_INV_NO_PRODUCT, "The product does not exist")
        return self._ok(self._render_detail(product))
