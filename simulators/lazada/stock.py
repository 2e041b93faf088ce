"""Price and stock updates (``product/price_quantity/update``, ...)."""

import xml.etree.ElementTree as ET

from .. import data
from .common import MAX_SKUS, ApiError


class _SkuError(Exception):
    def __init__(self, field, seller_sku, message):
        super().__init__(message)
        self.detail = {
            "field": field,
            "seller_sku": seller_sku or "",
            "message": message,
        }


def _sku_id(sku):
    """A stable numeric SkuId for a SellerSku (no dependency on hash seeds)."""
    value = 0
    for char in sku.encode("utf-8"):
        value = (value * 131 + char) % 1_000_000_007
    return 2_000_000_000 + value


class LazadaStock:
    """The XML stock payloads, validated SKU by SKU."""

    # ---- stock -----------------------------------------------------------------------
    @staticmethod
    def _parse_sku(sku, kind, known):
        """One ``<Sku>`` element -> (SellerSku, raw values, update); tag names are
        matched case-insensitively (the product samples use both cases)."""
        values = {child.tag.lower(): (child.text or "").strip() for child in sku}
        seller_sku = values.get("sellersku")
        if not seller_sku or seller_sku not in known:
            raise _SkuError("SellerSku", seller_sku, "SELLER_SKU_NOT_FOUND")
        fields = (
            {"sellablequantity": ("sellable_quantity", int)}
            if kind == "sellable"
            else {
                "quantity": ("quantity", int),
                "price": ("price", float),
                "saleprice": ("sale_price", float),
            }
        )
        update = {}
        warehouses = {}
        try:
            for tag, (name, cast) in fields.items():
                if values.get(tag):
                    update[name] = cast(values[tag])
            for inv in sku.findall("./MultiWarehouseInventories/*"):
                inv_values = {c.tag.lower(): (c.text or "").strip() for c in inv}
                code = inv_values.get("warehousecode")
                qty = inv_values.get("quantity") or inv_values.get("sellablequantity")
                if code and qty:
                    warehouses[code] = int(qty)
        except ValueError as exc:
            raise _SkuError("Quantity", seller_sku, "invalid number") from exc
        if warehouses:
            update["warehouses"] = warehouses
            total = "sellable_quantity" if kind == "sellable" else "quantity"
            update.setdefault(total, sum(warehouses.values()))
        quantities = [v for k, v in update.items() if k.endswith("quantity")]
        if any(v < 0 for v in quantities + list(warehouses.values())):
            raise _SkuError(
                "quantity",
                seller_sku,
                "THD_INVENTORY_ERR_INV_PARAM_ILLEGAL:illegal parameter:quantity",
            )
        return seller_sku, values, update

    def _stock_update(self, params, kind):
        payload = params.get("payload")
        if not payload:
            raise ApiError(
                "MissingParameter",
                "The input parameter “payload” that is mandatory for processing this "
                "request is not supplied",
            )
        try:
            root = ET.fromstring(payload.encode("utf-8"))
        except ET.ParseError as exc:
            raise ApiError("1000", f"The payload is not valid XML: {exc}") from exc
        skus = root.findall("./Product/Skus/Sku")
        if not skus:
            raise ApiError("501", "Update product failed: no Sku in payload")
        if len(skus) > MAX_SKUS:
            raise ApiError("4171", f"Too many SKUs: {len(skus)}, the maximum is 50")
        known = {entry["sku"] for entry in data.catalogue()}
        updates = []
        detail = []
        for sku in skus:
            try:
                updates.append(self._parse_sku(sku, kind, known))
            except _SkuError as exc:
                detail.append(exc.detail)
        if detail:
            raise ApiError("501", "Update product failed", detail=detail)
        now = self.now()
        for seller_sku, values, update in updates:
            entry = self.stock.setdefault(seller_sku, {"updates": 0})
            entry.update(update)
            entry["updates"] += 1
            entry["item_id"] = values.get("itemid", entry.get("item_id", ""))
            entry["sku_id"] = values.get("skuid", entry.get("sku_id", ""))
            entry["updated_at"] = now
            total = update.get("quantity", update.get("sellable_quantity"))
            if total is not None:
                self.seller_stock.push(
                    seller_sku, total, now, locations=update.get("warehouses")
                )
        return self._ok()

    def api_price_quantity(self, params):
        return self._stock_update(params, "price_quantity")

    def api_sellable(self, params):
        return self._stock_update(params, "sellable")
