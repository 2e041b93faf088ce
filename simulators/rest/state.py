"""The REST source's seeded orders and their moves between statuses."""

import uuid

from .. import data
from ..core import iso_utc
from .common import BRANCHES, MARKETPLACES, ORDER_STATUSES, marketplace_status, tax_rate


class RestState:
    """The initial orders from the seed, ``_touch()`` and ``_move()``."""

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
                    "tax_rate": tax_rate(item["sku"]),
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
