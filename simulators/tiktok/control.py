"""TikTok Shop's ``/_sim/*`` control routes and its inspection view."""

import hashlib

from ..core import json_response, route
from .common import AUTH_CODE_LIFE, AWAITING_SHIPMENT, ON_HOLD, ON_HOLD_WINDOW, UNPAID


class TikTokControl:
    """Test controls (auth codes, new orders) and ``inspect()``."""

    # ==== other control endpoints ====
    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        now = int(self.now())
        code = (
            "ROW_"
            + hashlib.sha256(
                f"code-{self.seed}-{now}-{len(self.auth_codes)}".encode()
            ).hexdigest()[:32]
        )
        self.auth_codes.issue(code, now + AUTH_CODE_LIFE)
        return json_response({"code": code, "expire_at": now + AUTH_CODE_LIFE})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_new_orders(self, req):
        body = req.json() or {}
        count = int(body.get("count", 1))
        status = body.get("status") or AWAITING_SHIPMENT
        if status not in (UNPAID, ON_HOLD, AWAITING_SHIPMENT):
            return json_response(
                {"error": "status must be UNPAID|ON_HOLD|AWAITING_SHIPMENT"}, 400
            )
        shipping_type = body.get("shipping_type")
        if shipping_type not in (None, "TIKTOK", "SELLER"):
            return json_response({"error": "shipping_type must be TIKTOK|SELLER"}, 400)
        lines, error = self._requested_lines(body)
        if error:
            return json_response({"error": error}, 400)
        force = bool(body.get("force"))
        now = int(self.now())
        ids = []
        for _ in range(count):
            order = self._create_order(
                status, now, created=now, ship=shipping_type, lines=lines, force=force
            )
            if order is None:  # nothing left that the buyer wants
                continue
            if order["paid_time"]:
                order["paid_time"] = now
                order["update_time"] = now
                if status == ON_HOLD:
                    order["hold_until"] = now + ON_HOLD_WINDOW
            self._push_order(order)
            ids.append(order["id"])
        return json_response({"order_ids": ids, "not_created": count - len(ids)})

    def inspect(self):
        orders = {}
        for order in self.orders.values():
            orders[order["id"]] = {
                "status": order["status"],
                "update_time": order["update_time"],
                "total": float(self._money(order["payment"]["total_amount"])),
                # one line per unit, as served
                "lines": [
                    {
                        "sku": line["seller_sku"],
                        # the seller's price before discounts (they are
                        # discount lines of the order, split by who funds them)
                        "price": float(self._money(line["original_price"])),
                        "sale_price": float(self._money(line["sale_price"])),
                    }
                    for line in order["lines"]
                ],
                "shipping_type": order["shipping_type"],
                "is_cod": order["is_cod"],
                "is_buyer_request_cancel": order["buyer_cancel_pending"],
                "packages": {
                    p["id"]: {
                        "status": p["status"],
                        "tracking_number": p["tracking_number"],
                        "handover_method": p["handover_method"],
                        "shipping_provider_id": p["shipping_provider_id"],
                    }
                    for p in order["packages"]
                },
                "cancellations": [
                    c["cancel_id"]
                    for c in self.cancellations.values()
                    if c["order_id"] == order["id"]
                ],
            }
        return {
            "shop": {
                "id": self.shop_id,
                "cipher": self.shop_cipher,
                "region": self.region,
                "tokopedia": self.tokopedia,
            },
            "orders": orders,
            "finance": self.finance_inspect(),
            "cancellations": {
                c["cancel_id"]: {
                    k: c[k]
                    for k in (
                        "order_id",
                        "cancel_type",
                        "cancel_status",
                        "role",
                        "reject_reason",
                        "decisions",
                    )
                }
                for c in self.cancellations.values()
            },
            "stock": {
                s["seller_sku"]: {
                    "sku_id": s["id"],
                    "product_id": s["product_id"],
                    "inventory": self._sku_inventory(s),
                }
                for s in self.skus.values()
            },
            "stock_updates": list(self.stock_updates),
            "seller_stock": self.seller_stock.report(),
            "push_url": self.push_url,
            "pushes": list(self.pushes),
            "events": [
                {k: e[k] for k in ("notification_id", "type", "order_id", "attempts")}
                for e in self.events
            ],
            "access_token": self.access_token,
        }
