"""The ``/api/v1/sales-orders`` API: filtered paging, one order, status actions."""

import copy

from ..core import json_response, route
from .common import (
    ACTIONS,
    OPS,
    RESERVED_PARAMS,
    STATUS_TO_ACTION,
    decode_cursor,
    encode_cursor,
    matches,
    parse_filter_expression,
    parse_time,
    resolve_field,
)


class RestOrders:
    """Listing with filters and cursor, reading and status changes."""

    def public(self, order):
        return {k: copy.deepcopy(v) for k, v in order.items() if k != "updated_ts"}

    def _parse_filters(self, req):
        terms = []
        for key, value in req.query.items():
            if key in RESERVED_PARAMS:
                continue
            field, _, op = key.partition("__")
            op = op or "eq"
            if op not in OPS:
                raise ValueError(f"unknown operator __{op} in {key!r}; use {OPS}")
            values = value.split(",") if op in ("in", "nin") else [value]
            terms.append((field, op, values))
        if req.query.get("filter"):
            terms.extend(parse_filter_expression(req.query["filter"]))
        return [(*resolve_field(field), op, values) for field, op, values in terms]

    def _paging_params(self, req):
        raw = req.query.get("limit", "20")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise ValueError(f"limit must be an integer from 1 to 100, got {raw!r}")
        since_version = (
            decode_cursor(req.query["cursor"]) if req.query.get("cursor") else 0
        )
        since_time = None
        if req.query.get("updated_since"):
            since_time = parse_time(req.query["updated_since"])
        return int(raw), since_version, since_time

    # ---- API -------------------------------------------------------------------------
    @route("GET", "/api/v1/sales-orders")
    def api_list(self, req):
        denied = self._auth(req)
        if denied:
            return denied
        try:
            limit, since, since_time = self._paging_params(req)
            filters = self._parse_filters(req)
        except ValueError as exc:
            code = "invalid_cursor" if "cursor" in str(exc) else "invalid_parameter"
            if "filter" in str(exc) or "operator" in str(exc):
                code = "invalid_filter"
            return self._fail(req, code, str(exc), 400)
        scanned = sorted(
            (o for o in self.orders.values() if o["version"] > since),
            key=lambda o: o["version"],
        )
        page, last, has_more = [], since, False
        for order in scanned:
            if len(page) == limit:
                has_more = True
                break
            last = order["version"]
            if since_time is not None and order["updated_ts"] < since_time:
                continue
            if all(matches(order, *term) for term in filters):
                page.append(order)
        records, served = self._serve(page)
        has_more = has_more or bool(served["malformed"])
        self.pages.append(
            {
                "at": self.now(),
                "query": dict(req.query),
                "ids": [o["id"] for o in page],
                "next_version": last,
                **served,
            }
        )
        return json_response(
            {
                "data": records,
                "paging": {
                    "limit": limit,
                    "count": len(records),
                    "next_cursor": encode_cursor(last),
                    "has_more": has_more,
                },
            }
        )

    def _serve(self, page):
        records = []
        served = {"malformed": [], "duplicates": [], "stale": []}
        for order in page:
            if self.faults.roll("malformed"):
                broken = self.public(order)
                broken.update(
                    doc_number=None,
                    lines="ERR: line data unavailable",
                    amount_total="NaN",
                )
                records.append(broken)
                served["malformed"].append(order["id"])
                self._requeue(order)
                continue
            self._serve_versions(
                order, self.public(order), self.public, records, served
            )
        return records, served

    def _find(self, req):
        order = self.orders.get(req.params["order_id"])
        if order is None:
            return None, self._fail(
                req,
                "not_found",
                f"sales order {req.params['order_id']!r} does not exist",
                404,
            )
        return order, None

    @route("GET", "/api/v1/sales-orders/{order_id}")
    def api_get(self, req):
        order, missing = self._authorised_order(req)
        if missing:
            return missing
        return json_response({"data": self.public(order)})

    @route("POST", "/api/v1/sales-orders/{order_id}/status")
    def api_status(self, req):
        order, missing = self._authorised_order(req)
        if missing:
            return missing
        try:
            body = req.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._fail(req, "invalid_body", "body must be a JSON object", 400)
        action = body.get("action") or STATUS_TO_ACTION.get(body.get("status"))
        record = {
            "at": self.now(),
            "order_id": order["id"],
            "doc_number": order["doc_number"],
            "marketplace": order["marketplace"],
            "action": action or body.get("action") or body.get("status"),
            "tracking_number": body.get("tracking_number"),
            "remark": body.get("remark"),
            "from": order["order_status"],
        }
        self.status_pushes.append(record)
        code, message, status = self._check_action(order, action)
        if code:
            record.update(result="error", error=code, message=message)
            return self._fail(req, code, message, status)
        target, _allowed, line_status = ACTIONS[action]
        unchanged = order["order_status"] == target
        if not unchanged:
            if line_status:
                for line in order["lines"]:
                    if line["item_status"] != "canceled" or line_status == "canceled":
                        line["item_status"] = line_status
            fields = {"order_status": target}
            if body.get("tracking_number"):
                fields["tracking_number"] = body["tracking_number"]
            self._touch(order, **fields)
        record.update(
            result="ok",
            to=target,
            unchanged=unchanged,
            pushed_to_marketplace=not unchanged,
        )
        return json_response({"data": self.public(order), "unchanged": unchanged})

    def _check_action(self, order, action):
        if action not in ACTIONS:
            return (
                "invalid_action",
                f"unknown action {action!r}; use one of {', '.join(ACTIONS)} (or "
                f"status {', '.join(STATUS_TO_ACTION)})",
                400,
            )
        if order["status"] == "DELETED":
            return (
                "order_deleted",
                f"sales order {order['doc_number']} is DELETED",
                409,
            )
        target, allowed, _line = ACTIONS[action]
        current = order["order_status"]
        if current != target and current not in allowed:
            return (
                "invalid_transition",
                f"sales order {order['doc_number']} is {current}; action {action!r} "
                f"({target}) is allowed only from {' or '.join(allowed)}",
                409,
            )
        return None, None, None
