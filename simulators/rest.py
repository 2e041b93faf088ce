"""Generic REST/JSON order source simulator (BigLedger "Ecomsync" sales-order hub).

Marketplace orders (Lazada/Shopee) land in a sales-order hub; a scheduled job pulls
them with a token, a tenant code, a page limit, external-key mappings for branch,
item and customer, and a status filter (seed 000). Status changes made by the user
(confirm, prepare shipment, delivered) are pushed back and relayed to the marketplace.

Authentication: ``Authorization: Bearer <token>`` (option ``token``, default
``rest-token``; wrong or missing -> 401) and ``X-Tenant-Code: <tenant>`` (option
``tenant``, default ``TENANT1``; wrong or missing -> 403). Errors are
``{"error": {"code": .., "message": ..}}``.

API:

- ``GET /api/v1/sales-orders?limit=N&cursor=C&updated_since=T&<filters>``
  ``{"data": [order..], "paging": {"limit", "count", "next_cursor", "has_more"}}``.
  Orders come oldest change first; every change gives the order a new ``version``
  (a global change sequence) and moves it behind the cursor, so paging from a cursor
  returns each changed order exactly once. ``next_cursor`` is opaque; keep the last
  one to resume the next run. ``limit`` 1..100 (default 20). ``updated_since`` is
  ISO 8601 (``2025-01-31T10:00:00Z``) or epoch seconds, compared with ``updated_at``.
- ``GET /api/v1/sales-orders/{id}``  one order (``{"data": order}``)
- ``POST /api/v1/sales-orders/{id}/status``  ``{"action": "confirm" |
  "prepare_shipment" | "delivered" | "cancel", "tracking_number"?,
  "shipping_provider"?, "remark"?}`` (``{"status": "CONFIRMED" | "READY_TO_SHIP" |
  "DELIVERED" | "CANCELLED"}`` is accepted too). 200 ``{"data": order,
  "unchanged": bool}``; 409 ``invalid_transition`` / ``order_deleted``.

Filter syntax (all conditions are ANDed):

- query parameters ``<field>=v`` (equal), ``<field>__ne=v``, ``<field>__in=a,b``,
  ``<field>__nin=a,b``;
- and/or ``filter=<field> = 'v' and <field> != 'v' and <field> in ('a','b')``
  (``<>`` and ``not in`` work too; a ``hdr.`` prefix on header fields is allowed).

Fields: header ``id doc_number status order_status marketplace branch_key
customer_key currency``; extension ``extension.<name>`` (alias ``ext.<name>``), e.g.
``extension.marketplace_status``; line fields ``item_status item_key item_code``
(alias ``lines.<name>``): ``=``/``in`` match when ANY line matches, ``!=``/``not in``
when NO line matches. Values compare as exact strings. The seed's job filter is
``status__ne=DELETED&item_status=ready_to_ship``.

Order: ``id`` (guid), ``doc_number``, ``status`` (ACTIVE | DELETED), ``order_status``
(NEW -> CONFIRMED -> READY_TO_SHIP -> SHIPPED -> DELIVERED, or CANCELLED),
``marketplace``, ``branch_key``/``branch_code``, ``customer_key``/``customer``,
``extension`` {marketplace_status, marketplace_order_id, marketplace_shop}, ``lines``
[{line_no, item_key, item_code, item_name, qty, unit_price, discount, amount,
item_status (pending | ready_to_ship | shipped | delivered | canceled), extension}],
amounts (``amount_subtotal amount_discount amount_shipping amount_tax amount_total``,
MYR), ``tracking_number``, ``created_at``, ``updated_at``, ``version``.

Control (never on the real hub): ``POST /_sim/sales-orders/new`` (JSON, all optional:
marketplace, branch_key, item_status) and ``POST /_sim/sales-orders/{id}/update``
(JSON: ``status``, ``order_status``, ``item_status`` for every line) simulate
marketplace-side changes.

Faults in pages: ``malformed`` serves a broken record (``lines`` not a list, amounts
not numbers, no doc_number) and re-queues the order so a good copy follows later;
``duplicates`` repeats a record right after itself; ``out_of_order`` serves an older
version (lower ``version``, older ``updated_at``) right after the current one.
"""

import base64
import copy
import datetime
import re
import uuid

from . import data
from .core import (
    OrderFeedMixin,
    SimServer,
    constant_time_equal,
    iso_utc,
    json_response,
    route,
)

BRANCHES = [
    ("EMP-BR-1001", "KL", "Kuala Lumpur HQ"),
    ("EMP-BR-1002", "PG", "Pulau Pinang – Bayan Lepas"),
    ("EMP-BR-1003", "JB", "Johor Bahru"),
]
MARKETPLACES = {"LAZADA": "Lazada MY – Ecomsync Store", "SHOPEE": "Shopee MY – 官方店"}
ORDER_STATUSES = (
    "NEW",
    "CONFIRMED",
    "READY_TO_SHIP",
    "SHIPPED",
    "DELIVERED",
    "CANCELLED",
)
ACTIONS = {
    # action -> (target, allowed from, line status after)
    "confirm": ("CONFIRMED", ("NEW",), None),
    "prepare_shipment": ("READY_TO_SHIP", ("CONFIRMED",), "ready_to_ship"),
    "delivered": ("DELIVERED", ("READY_TO_SHIP", "SHIPPED"), "delivered"),
    "cancel": ("CANCELLED", ("NEW", "CONFIRMED"), "canceled"),
}
STATUS_TO_ACTION = {target: action for action, (target, _f, _l) in ACTIONS.items()}
ITEM_STATUSES = ("pending", "ready_to_ship", "shipped", "delivered", "canceled")
HEADER_FIELDS = (
    "id",
    "doc_number",
    "status",
    "order_status",
    "marketplace",
    "branch_key",
    "customer_key",
    "currency",
)
LINE_FIELDS = ("item_status", "item_key", "item_code")
RESERVED_PARAMS = ("limit", "cursor", "updated_since", "filter")
OPS = ("eq", "ne", "in", "nin")


def error(code, message, status, headers=None):
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def encode_cursor(version):
    return base64.urlsafe_b64encode(f"v1:{version}".encode()).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, version = raw.split(":")
        if prefix != "v1" or not version.isdigit():
            raise ValueError
        return int(version)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def parse_time(value):
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"updated_since {value!r} is neither ISO 8601 nor epoch seconds"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


FILTER_TERM = re.compile(
    r"^\s*(?P<field>[\w.]+)\s*(?P<op>!=|<>|=|not\s+in|in)\s*"
    r"(?P<value>'[^']*'|\((?:\s*'[^']*'\s*,?)*\))\s*$",
    re.IGNORECASE,
)


def parse_filter_expression(expression):
    """``a = 'x' and b != 'y' and c in ('p','q')`` -> [(field, op, values)]."""
    terms = []
    for part in re.split(r"\s+and\s+", expression.strip(), flags=re.IGNORECASE):
        if not part.strip():
            continue
        match = FILTER_TERM.match(part)
        if not match:
            raise ValueError(f"cannot parse filter term {part.strip()!r}")
        op = re.sub(r"\s+", " ", match["op"].lower())
        op = {"=": "eq", "!=": "ne", "<>": "ne", "in": "in", "not in": "nin"}[op]
        values = re.findall(r"'([^']*)'", match["value"])
        terms.append((match["field"], op, values))
    return terms


def resolve_field(field):
    """-> ("header"|"ext"|"line", name) or ValueError."""
    name = field[4:] if field.startswith("hdr.") else field
    if name in HEADER_FIELDS:
        return "header", name
    for prefix in ("extension.", "ext."):
        if name.startswith(prefix) and len(name) > len(prefix):
            return "ext", name[len(prefix) :]
    if name.startswith("lines."):
        name = name[len("lines.") :]
    if name in LINE_FIELDS:
        return "line", name
    raise ValueError(
        f"unknown filter field {field!r}; use one of {', '.join(HEADER_FIELDS)}, "
        f"extension.<name>, {', '.join(LINE_FIELDS)}"
    )


def matches(order, kind, name, op, values):
    if kind == "line":
        found = any(str(line.get(name)) in values for line in order["lines"])
        return found if op in ("eq", "in") else not found
    source = order if kind == "header" else order["extension"]
    value = source.get(name)
    hit = value is not None and str(value) in values
    return hit if op in ("eq", "in") else not hit


def marketplace_status(lines):
    statuses = {line["item_status"] for line in lines}
    for status in ("canceled", "delivered", "shipped"):
        if statuses == {status}:
            return status
    if statuses <= {"shipped", "delivered"}:
        return "shipped"
    if "ready_to_ship" in statuses or "shipped" in statuses:
        return "ready_to_ship"
    return "pending"


class RestSimulator(OrderFeedMixin, SimServer):
    name = "rest"

    @property
    def token(self):
        return self.options.get("token", "rest-token")

    @property
    def tenant(self):
        return self.options.get("tenant", "TENANT1")

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        rng = self.rng
        self.orders = {}
        self.history = {}
        self.seq = 0
        self.doc_counter = {}
        self.status_pushes = []
        self.errors = []
        self.pages = []
        self.items = [
            dict(item, item_key=f"EMP-ITEM-{2001 + n}")
            for n, item in enumerate(data.catalogue())
        ]
        self.customers = []
        for n in range(max(4, min(self.order_count // 2, 40))):
            self.customers.append(
                dict(data.buyer(rng), customer_key=f"EMP-CUST-{n + 3001}")
            )
        now = self.now()
        events = []
        for _ in range(self.order_count):
            created = now - rng.uniform(600, 10 * 86400)
            target = rng.choices(ORDER_STATUSES, weights=[25, 15, 20, 15, 15, 10])[0]
            deleted = rng.random() < 0.1
            order = self._new_order(created)
            path = ORDER_STATUSES[1 : ORDER_STATUSES.index(target) + 1]
            if target == "CANCELLED":
                path = ("CANCELLED",)
            steps = list(path) + (["DELETED"] if deleted else [])
            times = sorted(rng.uniform(created, now - 1) for _ in steps)
            events.append((created, order["id"], "created"))
            events.extend(
                (when, order["id"], step)
                for when, step in zip(times, steps, strict=True)
            )
        for when, order_id, step in sorted(events):
            order = self.orders[order_id]
            if step == "created":
                self._touch(order, when)
            elif step == "DELETED":
                self._touch(order, when, status="DELETED")
            else:
                self._move(order, step, when)

    def _new_order(self, created, marketplace=None, branch=None):
        rng = self.rng
        marketplace = marketplace or rng.choice(list(MARKETPLACES))
        branch = branch or rng.choice(BRANCHES)
        customer = rng.choice(self.customers)
        picked = rng.sample(self.items, rng.randint(1, 4))
        lines = []
        for number, item in enumerate(picked, 1):
            qty = rng.randint(1, 3)
            discount = round(item["price"] * qty * rng.choice([0, 0, 0.05, 0.1]), 2)
            lines.append(
                {
                    "line_no": number,
                    "item_key": item["item_key"],
                    "item_code": item["sku"],
                    "item_name": item["name"],
                    "qty": qty,
                    "unit_price": item["price"],
                    "discount": discount,
                    "amount": round(item["price"] * qty - discount, 2),
                    "item_status": rng.choice(["pending", "pending", "ready_to_ship"]),
                    "extension": {
                        "marketplace_item_id": str(rng.randint(10**9, 10**10))
                    },
                }
            )
        self.doc_counter[branch[1]] = self.doc_counter.get(branch[1], 0) + 1
        shipping = rng.choice([0.0, 4.9, 6.5])
        subtotal = round(sum(line["unit_price"] * line["qty"] for line in lines), 2)
        discount = round(sum(line["discount"] for line in lines), 2)
        order = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "doc_number": f"SO-{branch[1]}-{self.doc_counter[branch[1]]:06d}",
            "status": "ACTIVE",
            "order_status": "NEW",
            "marketplace": marketplace,
            "branch_key": branch[0],
            "branch_code": branch[1],
            "customer_key": customer["customer_key"],
            "customer": {
                key: customer[key]
                for key in ("name", "email", "phone", "address1", "address2", "city")
            }
            | {"postcode": customer["zip"], "country": customer["country"]},
            "extension": {
                "marketplace_order_id": str(rng.randint(10**11, 10**12)),
                "marketplace_shop": MARKETPLACES[marketplace],
                "marketplace_status": "pending",
            },
            "currency": "MYR",
            "lines": lines,
            "amount_subtotal": subtotal,
            "amount_discount": discount,
            "amount_shipping": shipping,
            "amount_tax": 0.0,
            "amount_total": round(subtotal - discount + shipping, 2),
            "tracking_number": None,
            "created_at": iso_utc(created),
            "updated_at": iso_utc(created),
            "updated_ts": created,
            "version": 0,
        }
        self.orders[order["id"]] = order
        self.history[order["id"]] = []
        return order

    def _touch(self, order, when=None, **fields):
        order.update(fields)
        order["extension"]["marketplace_status"] = marketplace_status(order["lines"])
        when = self.now() if when is None else when
        order["updated_ts"] = when
        order["updated_at"] = iso_utc(when)
        order["version"] = self._next_seq()
        self._snapshot(order)

    def _move(self, order, target, when=None):
        """Marketplace/hub-side move to ``target`` with matching line statuses."""
        line_status = {
            "READY_TO_SHIP": "ready_to_ship",
            "SHIPPED": "shipped",
            "DELIVERED": "delivered",
            "CANCELLED": "canceled",
        }.get(target)
        if line_status:
            for line in order["lines"]:
                line["item_status"] = line_status
        if target in ("SHIPPED", "DELIVERED") and not order["tracking_number"]:
            prefix = "LZ" if order["marketplace"] == "LAZADA" else "SPX"
            order["tracking_number"] = f"{prefix}MY{self.rng.randint(10**9, 10**10)}"
        self._touch(order, when, order_status=target)

    # ---- API helpers -----------------------------------------------------------------
    def fault_response_429(self):
        retry = int(self.faults.get("retry_after"))
        return json_response(
            {
                "error": {
                    "code": "rate_limited",
                    "message": "too many requests, retry later",
                    "retry_after": retry,
                }
            },
            429,
            {"Retry-After": str(retry)},
        )

    def fault_response_5xx(self):
        return error("service_unavailable", "upstream temporarily unavailable", 503)

    def _fail(self, req, code, message, status, headers=None):
        self.errors.append(
            {
                "at": self.now(),
                "method": req.method,
                "path": req.path,
                "status": status,
                "code": code,
                "message": message,
            }
        )
        return error(code, message, status, headers)

    def _auth(self, req):
        header = req.headers.get("Authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token or not constant_time_equal(token, self.token):
            message = "missing bearer token" if not token else "invalid access token"
            return self._fail(
                req, "unauthorized", message, 401, {"WWW-Authenticate": "Bearer"}
            )
        tenant = req.headers.get("X-Tenant-Code") or ""
        if not constant_time_equal(tenant, self.tenant):
            message = (
                "missing X-Tenant-Code header"
                if not tenant
                else f"token is not valid for tenant {tenant!r}"
            )
            return self._fail(req, "forbidden_tenant", message, 403)
        return None

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
