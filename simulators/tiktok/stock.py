"""Inventory updates (``/product/202309/products/{id}/inventory/update``)."""

from .common import (
    E_INV_ALL_WAREHOUSES,
    E_INV_CHECK,
    E_INV_NO_PRODUCT,
    E_INV_NO_WAREHOUSE,
    E_INV_NOT_IN_PRODUCT,
    E_INV_QUANTITY,
    E_INV_SKU_REQUIRED,
    E_INV_WAREHOUSE_REQUIRED,
    ApiError,
    api,
)


class TikTokStock:
    """Stock per SKU and warehouse, checked like the real API."""

    def _sku_inventory(self, sku):
        """{warehouse_id: quantity} of a SKU: what is left of the quantities the
        seller pushed, the seeded inventory before any push."""
        left = self.seller_stock.available_by_location(sku["seller_sku"])
        return dict(sorted((sku["inventory"] if left is None else left).items()))

    # ==== stock ====
    @api("POST", "/product/202309/products/{product_id}/inventory/update")
    def inventory_update(self, req):
        product = self.products.get(req.params["product_id"])
        if product is None:
            return self._error(E_INV_NO_PRODUCT, "The product does not exist")
        try:
            body = self._body(req)
        except ApiError as exc:
            return self._api_error(exc)
        skus = body.get("skus")
        if not isinstance(skus, list) or not skus:
            return self._error(E_INV_SKU_REQUIRED, "The SKU ID is necessary")
        errors = []
        for entry in skus:
            error = self._update_sku(product, entry if isinstance(entry, dict) else {})
            if error:
                errors.append(error)
        return self._ok({"errors": errors} if errors else {})

    def _update_sku(self, product, entry):
        sku_id = str(entry.get("id") or "")
        if not sku_id:
            return {"code": E_INV_SKU_REQUIRED, "message": "The SKU ID is necessary"}
        sku = next((s for s in self.skus.values() if s["id"] == sku_id), None)
        if sku is None or sku["product_id"] != product["id"]:
            return {
                "code": E_INV_NOT_IN_PRODUCT,
                "message": "The SKU does not belong to the product",
                "detail": {"sku_id": sku_id},
            }
        new, extra = self._check_inventory(sku, entry.get("inventory"))
        if extra or not new:
            return {
                "code": extra[0]["code"] if len(extra) == 1 else E_INV_CHECK,
                "message": extra[0]["message"] if len(extra) == 1 else "Check failed",
                "detail": {"sku_id": sku_id, "extra_errors": extra},
            }
        sku["inventory"].update(new)
        self.seller_stock.push(
            sku["seller_sku"],
            sum(sku["inventory"].values()),
            int(self.now()),
            locations=dict(sorted(sku["inventory"].items())),
        )
        self.stock_updates.append(
            {
                "time": int(self.now()),
                "product_id": product["id"],
                "sku_id": sku_id,
                "seller_sku": sku["seller_sku"],
                "inventory": dict(new),
            }
        )
        return None

    def _check_inventory(self, sku, inventory):
        warehouses = sku["inventory"]
        if not isinstance(inventory, list) or not inventory:
            return {}, [
                {
                    "code": E_INV_WAREHOUSE_REQUIRED,
                    "message": "SKU must contain a " "valid warehouse.",
                }
            ]
        new, extra = {}, []
        for item in inventory:
            item = item if isinstance(item, dict) else {}
            warehouse = str(item.get("warehouse_id") or "")
            if not warehouse and len(warehouses) == 1:
                warehouse = next(iter(warehouses))
            if warehouse not in warehouses:
                extra.append(
                    {
                        "warehouse_id": warehouse,
                        "code": E_INV_NO_WAREHOUSE
                        if warehouse
                        else (E_INV_WAREHOUSE_REQUIRED),
                        "message": "The warehouse does not exist"
                        if warehouse
                        else "SKU must contain a valid warehouse.",
                    }
                )
                continue
            quantity = item.get("quantity")
            # Update Inventory: "non-negative numbers (include number 0) and less
            # than 99999" (TikTok Partner Center's page, as generated into
            # lywzx/tiktok-partner-api UpdateInventory.ts): 0 shows a SKU sold out
            if type(quantity) is not int or not 0 <= quantity <= 99999:
                extra.append(
                    {
                        "warehouse_id": warehouse,
                        "code": E_INV_QUANTITY,
                        "message": "stock count is invalid",
                    }
                )
                continue
            new[warehouse] = quantity
        if not extra and set(new) != set(warehouses):
            extra.append(
                {
                    "code": E_INV_ALL_WAREHOUSES,
                    "message": "Multiple warehouses detected. Include all warehouse "
                    "IDs and the corresponding details and try again.",
                }
            )
        return new, extra
