"""Shopee's ``/_sim/*`` control routes and its inspection view."""

from ..core import json_object, json_response, route
from .common import BUYER_CANCEL_REASONS, DAY


class ShopeeControl:
    """Test controls (pushes, new orders, payment, buyer cancel) and ``inspect()``."""

    # ---- control endpoints -----------------------------------------------------------
    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        body = json_object(req) or {}
        self.push_url = body.get("url") or None
        return json_response({"push_url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = json_object(req) or {}
        order = self.orders.get(body.get("order_sn") or "")
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if not self.push_url:
            return json_response({"error": "no push_url configured"}, 400)
        code = int(body.get("code", 3))
        if code == 4:
            package = order["packages"][0]
            payload = {
                "ordersn": order["order_sn"],
                "package_number": package["package_number"],
                "tracking_no": package["tracking_number"],
                "update_time": order["update_time"],
            }
        else:
            code = 3
            payload = {
                "ordersn": order["order_sn"],
                "status": order["status"],
                "update_time": order["update_time"],
                "completed_scenario": "",
                "items": [],
            }
        msg = self._push(code, payload, force=True)
        return json_response({"queued": msg})

    @route("POST", "/_sim/orders/new", api=False)
    def sim_orders_new(self, req):
        body = json_object(req) or {}
        count = int(body.get("count", 1))
        status = body.get("status", "READY_TO_SHIP")
        if status not in ("UNPAID", "READY_TO_SHIP"):
            return json_response({"error": "status must be UNPAID/READY_TO_SHIP"}, 400)
        lines, error = self._requested_lines(body)
        if error:
            return json_response({"error": error}, 400)
        force = bool(body.get("force"))
        now = self.now()
        created = []
        for _ in range(count):
            order = self._new_order("UNPAID", int(now), now, lines=lines, force=force)
            if order is None:  # nothing left that the buyer wants
                continue
            self._push(
                3,
                {
                    "ordersn": order["order_sn"],
                    "status": "UNPAID",
                    "update_time": order["update_time"],
                    "completed_scenario": "",
                    "items": [],
                },
            )
            if status == "READY_TO_SHIP":
                self._pay(order)
            created.append(order["order_sn"])
        return json_response(
            {"order_sn_list": created, "not_created": count - len(created)}
        )

    def _pay(self, order):
        at = int(self.now())
        order["pay_time"] = at
        order["ship_by_date"] = at + order["days_to_ship"] * DAY
        self._set_status(order, "READY_TO_SHIP", at)

    @route("POST", "/_sim/orders/{order_sn}/pay", api=False)
    def sim_order_pay(self, req):
        order = self.orders.get(req.params["order_sn"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] != "UNPAID":
            return json_response({"error": "order is not UNPAID"}, 409)
        self._pay(order)
        return json_response({"order_sn": order["order_sn"], "status": order["status"]})

    @route("POST", "/_sim/orders/{order_sn}/buyer_cancel", api=False)
    def sim_buyer_cancel(self, req):
        order = self.orders.get(req.params["order_sn"])
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if order["status"] not in ("UNPAID", "READY_TO_SHIP", "PROCESSED"):
            return json_response(
                {"error": f"cannot request cancellation in {order['status']}"}, 409
            )
        body = json_object(req) or {}
        order["buyer_cancel_reason"] = body.get("reason") or BUYER_CANCEL_REASONS[0]
        if order["status"] == "UNPAID":
            # unpaid orders are cancelled at once, without the seller's decision
            order["cancel_by"] = "buyer"
            order["cancel_reason"] = order["buyer_cancel_reason"]
            self._set_status(order, "CANCELLED")
        else:
            order["prev_status"] = order["status"]
            order["due_at"] = None
            self._set_status(order, "IN_CANCEL")
        return json_response({"order_sn": order["order_sn"], "status": order["status"]})

    # ---- inspection ------------------------------------------------------------------
    def inspect(self):
        orders = {}
        for sn, order in self.orders.items():
            orders[sn] = {
                "status": order["status"],
                "prev_status": order["prev_status"],
                "create_time": order["create_time"],
                "update_time": order["update_time"],
                "cod": order["cod"],
                "paid": bool(order["pay_time"]),
                "currency": order["currency"],
                "amounts": dict(order["amounts"]),
                "channel": order["channel"]["name"],
                "logistics_channel_id": order["channel"]["logistics_channel_id"],
                "shipping_methods": sorted(
                    {p["ship_mode"] for p in order["packages"] if p["ship_mode"]}
                ),
                "tracking_numbers": [
                    p["tracking_number"]
                    for p in order["packages"]
                    if p["tracking_number"]
                ],
                "packages": [
                    {
                        "package_number": p["package_number"],
                        "ship_mode": p["ship_mode"],
                        "ship_params": p["ship_params"],
                        "tracking_number": p["tracking_number"],
                        "logistics_status": self._logistics_status(order, p),
                        "skus": [order["items"][i]["sku"] for i in p["item_index"]],
                    }
                    for p in order["packages"]
                ],
                "items": [
                    {
                        "sku": i["sku"],
                        "item_id": i["item_id"],
                        "model_id": i["model_id"],
                        "qty": i["model_quantity_purchased"],
                    }
                    for i in order["items"]
                ],
                "cancellation": {
                    "cancel_by": order["cancel_by"],
                    "cancel_reason": order["cancel_reason"],
                    "buyer_cancel_reason": order["buyer_cancel_reason"],
                },
                "decisions": list(order["decisions"]),
                "history": list(order["history"]),
            }
        by_sku = {}
        for item in self.items:
            for model in item["models"]:
                by_sku[model["sku"]] = sum(self._model_stock(item, model).values())
        return {
            "partner_id": self.partner_id,
            "shop_id": self.shop_id,
            "orders": orders,
            "finance": self.finance_inspect(),
            "stock": {
                "by_item": {
                    str(item_id): {str(m): qty for m, qty in models.items()}
                    for item_id, models in self.stock.items()
                },
                "by_sku": by_sku,
                "updates": list(self.stock_updates),
            },
            "seller_stock": self.seller_stock.report(),
            "catalogue": [
                {
                    "item_id": item["item_id"],
                    "item_sku": item["item_sku"],
                    "models": [
                        {"model_id": m["model_id"], "sku": m["sku"]}
                        for m in item["models"]
                    ],
                }
                for item in self.items
            ],
            "push_url": self.push_url,
            "pushes": [dict(p) for p in self.pushes],
            "documents": {k: dict(v) for k, v in self.docs.items()},
            "tokens": {
                "access_tokens": len(self.tokens),
                "refresh_tokens": len(self.refresh_tokens),
                "refresh_tokens_used": sum(
                    1 for r in self.refresh_tokens.values() if r["used"]
                ),
            },
        }
