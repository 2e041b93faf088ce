"""The REST source's ``/_sim/*`` control routes and its inspection view."""

import copy

from ..core import json_response, route
from .common import (
    BRANCHES,
    ITEM_STATUSES,
    MARKETPLACES,
    ORDER_STATUSES,
    encode_cursor,
    error,
)


class RestControl:
    """Test controls (new orders, updates) and ``inspect()``."""

    # ---- control ---------------------------------------------------------------------
    @route("POST", "/_sim/sales-orders/new", api=False)
    def sim_new(self, req):
        body = req.json()
        marketplace = body.get("marketplace")
        if marketplace and marketplace not in MARKETPLACES:
            return error(
                "invalid", f"marketplace must be one of {list(MARKETPLACES)}", 400
            )
        branch = None
        if body.get("branch_key"):
            branch = next((b for b in BRANCHES if b[0] == body["branch_key"]), None)
            if branch is None:
                return error("invalid", f"unknown branch {body['branch_key']!r}", 400)
        order = self._new_order(self.now(), marketplace, branch)
        if body.get("item_status"):
            for line in order["lines"]:
                line["item_status"] = body["item_status"]
        self._touch(order)
        return json_response({"data": self.public(order)}, 201)

    @route("POST", "/_sim/sales-orders/{order_id}/update", api=False)
    def sim_update(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return error("not_found", "unknown sales order", 404)
        body = req.json()
        if body.get("item_status"):
            if body["item_status"] not in ITEM_STATUSES:
                return error("invalid", f"item_status must be in {ITEM_STATUSES}", 400)
            for line in order["lines"]:
                line["item_status"] = body["item_status"]
        fields = {}
        if body.get("status"):
            fields["status"] = body["status"]
        if body.get("order_status"):
            if body["order_status"] not in ORDER_STATUSES:
                return error(
                    "invalid", f"order_status must be in {ORDER_STATUSES}", 400
                )
            fields["order_status"] = body["order_status"]
        self._touch(order, **fields)
        return json_response({"data": self.public(order)})

    # ---- inspection ------------------------------------------------------------------
    def inspect(self):
        return {
            "orders": {
                oid: {
                    "doc_number": o["doc_number"],
                    "status": o["status"],
                    "order_status": o["order_status"],
                    "marketplace": o["marketplace"],
                    "marketplace_status": o["extension"]["marketplace_status"],
                    "item_statuses": [line["item_status"] for line in o["lines"]],
                    "branch_key": o["branch_key"],
                    "customer_key": o["customer_key"],
                    "item_keys": [line["item_key"] for line in o["lines"]],
                    "tracking_number": o["tracking_number"],
                    "amount_total": o["amount_total"],
                    "version": o["version"],
                    "updated_at": o["updated_at"],
                }
                for oid, o in self.orders.items()
            },
            "cursor": encode_cursor(self.seq),
            "status_pushes": copy.deepcopy(self.status_pushes),
            "errors": list(self.errors),
            "pages": copy.deepcopy(self.pages),
            "branches": [
                {"branch_key": key, "code": code, "name": name}
                for key, code, name in BRANCHES
            ],
            "items": [
                {"item_key": i["item_key"], "item_code": i["sku"], "name": i["name"]}
                for i in self.items
            ],
            "customers": [
                {"customer_key": c["customer_key"], "name": c["name"]}
                for c in self.customers
            ],
            "calls": list(self.calls),
        }
