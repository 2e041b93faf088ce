"""TikTok Shop's seeded orders, packages and products, and their lifecycle."""

from .. import data
from ..core import AuthCodes, SellerStock
from .common import (
    AWAITING_COLLECTION,
    AWAITING_SHIPMENT,
    C_COMPLETE,
    CANCELLED,
    COMPLETE_AFTER,
    COMPLETED,
    DAY,
    DELIVER_AFTER,
    DELIVERED,
    FULFILLING,
    HOUR,
    IN_TRANSIT,
    MULTI_WAREHOUSE_PRODUCTS,
    ON_HOLD,
    ON_HOLD_WINDOW,
    PARTIALLY_SHIPPING,
    PKG_CANCELLED,
    PKG_COMPLETED,
    PROCESSING,
    SELLER_PROVIDERS,
    STATUSES,
    TIKTOK_PROVIDERS,
    TO_FULFILL,
    UNPAID,
    WAREHOUSE_MAIN,
    WAREHOUSE_SECOND,
)


class TikTokState:
    """The initial state from the seed, status changes and ``tick()``."""

    def setup_state(self):
        now = int(self.now())
        self._seq = 0
        self.orders = {}
        self.cancellations = {}
        self.packages = {}  # package_id -> order_id
        self.docs = {}
        self.idempotency = {}
        self.stock_updates = []
        self.seller_stock = SellerStock()  # what is left to sell, per seller SKU
        self.pushes = []
        self.events = []
        self._retries = []
        self.auth_codes = AuthCodes()
        self.refresh_tokens = {}
        self.tokens = {}
        self._setup_products()
        self.access_token = self._issue_token(now, label="seed")["access_token"]
        statuses = [STATUSES[i % len(STATUSES)] for i in range(self.order_count)]
        self.rng.shuffle(statuses)
        for status in statuses:
            self._create_order(status, now)
        pending = [
            o
            for o in self.orders.values()
            if o["status"] == AWAITING_SHIPMENT and not o["buyer_cancel_pending"]
        ]
        if pending and not any(o["buyer_cancel_pending"] for o in self.orders.values()):
            self._open_buyer_cancel(pending[0], "Change of mind", now - 600)
        self.events = []
        self._finance_setup()
        self._finance_tick(now)

    def _setup_products(self):
        self.products = {}
        self.skus = {}  # seller_sku -> sku record
        sku_index = 0
        for index, (code, name, price, _weight, variants) in enumerate(data.PRODUCTS):
            product_id = f"172959{index + 1:013d}"
            warehouses = [WAREHOUSE_MAIN]
            if code in MULTI_WAREHOUSE_PRODUCTS:
                warehouses.append(WAREHOUSE_SECOND)
            product = {"id": product_id, "title": name, "code": code, "skus": []}
            for variant in variants or [None]:
                sku_index += 1
                seller_sku = f"{code}-{variant}" if variant else code
                sku = {
                    "id": f"172938{sku_index:013d}",
                    "product_id": product_id,
                    "seller_sku": seller_sku,
                    "name": variant or "Default",
                    "price": price,
                    "inventory": {w: self.rng.randint(0, 200) for w in warehouses},
                }
                product["skus"].append(sku["id"])
                self.skus[seller_sku] = sku
            self.products[product_id] = product

    # ==== order generation ====
    def _create_order(
        self, status, now, created=None, ship=None, lines=None, force=False
    ):
        """A new order in ``status`` (its lines: ``lines``, else the buyer's pick;
        kept to the stock left unless ``force``); None when the buyer can order
        nothing."""
        rng = self.rng
        buyer = data.buyer(rng)
        lines = self._buyer_lines(lines, force)
        if not lines:
            return None
        if status == PARTIALLY_SHIPPING and len(lines) < 2:
            lines = [dict(x, qty=1) for x in rng.sample(data.catalogue(), 2)]
        if created is None:
            if status in (UNPAID, ON_HOLD):
                created = now - rng.randint(60, 2400)
            else:
                created = now - rng.randint(3 * HOUR, 10 * DAY)
        shipping_type = "SELLER" if rng.random() < 0.2 else "TIKTOK"
        shipping_type = ship or shipping_type
        is_cod = status != UNPAID and rng.random() < 0.2
        order = {
            "id": self._new_id("5764"),
            "status": status,
            "create_time": created,
            "update_time": created,
            "paid_time": None if status == UNPAID else created + rng.randint(5, 120),
            "shipping_type": shipping_type,
            "is_cod": is_cod,
            "buyer": buyer,
            "buyer_message": rng.choice(["", "", "Tolong cepat ya 🙏", "Gift wrap"]),
            "commerce_platform": "TOKOPEDIA"
            if self.tokopedia and rng.random() < 0.5
            else "TIKTOK_SHOP",
            "lines": [],
            "packages": [],
            "buyer_cancel_pending": False,
            "request_cancel_time": None,
            "cancel": None,  # {initiator, reason, time}
            "history": [],
            "hold_until": None,
            "complete_at": None,
            "delivery_time": None,
            "collection_time": None,
            "rts_time": None,
        }
        self._make_lines(order, lines)
        if status != CANCELLED:
            for line in order["lines"]:
                self.seller_stock.sell(line["seller_sku"])
        self._make_payment(order)
        self._make_packages(order, lines)
        self.orders[order["id"]] = order
        self._seed_status(order, status, now)
        return order

    def _make_lines(self, order, lines):
        rng = self.rng
        for item in lines:
            sku = self.skus[item["sku"]]
            price = self._unit(item["price"])
            seller_disc = self._unit(item["price"] * 0.1) if rng.random() < 0.3 else 0
            platform_disc = (
                self._unit(item["price"] * 0.05) if rng.random() < 0.25 else 0
            )
            for _ in range(item["qty"]):  # one line item per unit, as TikTok does
                order["lines"].append(
                    {
                        "id": self._new_id("5770"),
                        "sku_id": sku["id"],
                        "product_id": sku["product_id"],
                        "product_name": self.products[sku["product_id"]]["title"],
                        "sku_name": sku["name"],
                        "seller_sku": sku["seller_sku"],
                        "original_price": price,
                        "seller_discount": seller_disc,
                        "platform_discount": platform_disc,
                        "sale_price": round(price - seller_disc - platform_disc, 2),
                        "package_id": None,
                        "weight": item["weight"],
                    }
                )

    def _make_payment(self, order):
        rng = self.rng
        lines = order["lines"]
        original = round(sum(x["original_price"] for x in lines), 2)
        seller = round(sum(x["seller_discount"] for x in lines), 2)
        platform = round(sum(x["platform_discount"] for x in lines), 2)
        ship_orig = self._unit(rng.choice([4.9, 6.0, 8.5, 12.0]))
        ship_platform = ship_orig if rng.random() < 0.35 else 0  # free-shipping voucher
        ship_seller = (
            self._unit(2.0) if not ship_platform and rng.random() < 0.15 else 0
        )
        ship_fee = round(ship_orig - ship_platform - ship_seller, 2)
        sub_total = round(original - seller - platform, 2)
        order["payment"] = {
            "currency": self.currency,
            "original_total_product_price": original,
            "seller_discount": seller,
            "platform_discount": platform,
            "sub_total": sub_total,
            "original_shipping_fee": ship_orig,
            "shipping_fee_platform_discount": ship_platform,
            "shipping_fee_seller_discount": ship_seller,
            "shipping_fee": ship_fee,
            "tax": 0,
            "total_amount": round(sub_total + ship_fee, 2),
        }

    def _make_packages(self, order, lines):
        by_sku = {}
        for line in order["lines"]:
            by_sku.setdefault(line["seller_sku"], []).append(line)
        groups = list(by_sku.values())
        split = len(groups) >= 2 and (
            order["status"] == PARTIALLY_SHIPPING or self.rng.random() < 0.3
        )
        if split:
            cut = len(groups) // 2
            parts = [sum(groups[:cut], []), sum(groups[cut:], [])]
        else:
            parts = [order["lines"]]
        if order["shipping_type"] == "TIKTOK":
            provider_id, provider = TIKTOK_PROVIDERS[self.region]
        else:
            provider_id, provider = None, None
        for part in parts:
            package = {
                "id": self._new_id("1152"),
                "order_id": order["id"],
                "status": TO_FULFILL,
                "line_ids": [x["id"] for x in part],
                "tracking_number": None,
                "shipping_provider_id": provider_id,
                "shipping_provider_name": provider,
                "handover_method": None,
                "pickup_slot": None,
                "create_time": order["paid_time"] or order["create_time"],
                "update_time": order["paid_time"] or order["create_time"],
                "shipped_at": None,
                "collect_at": None,
                "deliver_at": None,
                "events": [],
            }
            for line in part:
                line["package_id"] = package["id"]
            order["packages"].append(package)
            self.packages[package["id"]] = order["id"]

    def _seed_status(self, order, status, now):
        rng = self.rng
        created = order["create_time"]
        span = max(now - created, 60)

        def at(frac):
            return created + int(span * frac)

        order["update_time"] = order["paid_time"] or created
        if status == ON_HOLD:
            order["hold_until"] = order["paid_time"] + ON_HOLD_WINDOW
        elif status == PARTIALLY_SHIPPING:
            collect_at = now + rng.randint(HOUR, 12 * HOUR)
            self._seed_ship(order["packages"][0], at(0.4), collect_at)
            order["update_time"] = at(0.4)
        elif status == AWAITING_COLLECTION:
            for package in order["packages"]:
                self._seed_ship(package, at(0.5), now + rng.randint(HOUR, 12 * HOUR))
            order["update_time"] = at(0.5)
        elif status in (IN_TRANSIT, DELIVERED, COMPLETED):
            self._seed_shipped_far(order, status, now, at)
        elif status == CANCELLED:
            self._seed_cancelled(order, at(0.3))
        elif status == AWAITING_SHIPMENT and rng.random() < 0.25:
            # requested recently enough that the 48 h response window is still open
            when = max(at(0.6), now - rng.randint(600, 20 * HOUR))
            self._open_buyer_cancel(order, "Change of mind", when, seeded=True)

    def _seed_ship(self, package, shipped, collect_at):
        order = self.orders[package["order_id"]]
        rng = self.rng
        if order["shipping_type"] == "TIKTOK":
            method = rng.choice(["PICKUP", "DROP_OFF"])
            tracking = self._tracking_number()
        else:
            method = None
            provider_id = rng.choice(sorted(SELLER_PROVIDERS))
            package["shipping_provider_id"] = provider_id
            package["shipping_provider_name"] = SELLER_PROVIDERS[provider_id]
            tracking = f"SS{rng.randint(10**9, 10**10 - 1)}"
        package.update(
            status=PROCESSING,
            tracking_number=tracking,
            handover_method=method,
            shipped_at=shipped,
            update_time=shipped,
            collect_at=collect_at,
        )
        order["rts_time"] = order["rts_time"] or shipped
        package["events"].append(
            (shipped, "Seller has arranged shipment, waiting for courier to collect")
        )

    def _seed_shipped_far(self, order, status, now, at):
        rng = self.rng
        for package in order["packages"]:
            self._seed_ship(package, at(0.3), None)
            package["collect_at"] = None
            self._package_event(package, FULFILLING, at(0.45), "Parcel picked up")
            order["collection_time"] = at(0.45)
            if status == IN_TRANSIT:
                package["deliver_at"] = now + rng.randint(6 * HOUR, 36 * HOUR)
            else:
                self._package_event(
                    package, PKG_COMPLETED, at(0.7), "Your package was delivered!"
                )
        order["update_time"] = at(0.45)
        if status != IN_TRANSIT:
            order["delivery_time"] = at(0.7)
            order["update_time"] = at(0.7)
            order["complete_at"] = now + rng.randint(HOUR, COMPLETE_AFTER)
        if status == COMPLETED:
            order["complete_at"] = at(0.95)
            order["update_time"] = at(0.95)

    def _seed_cancelled(self, order, when):
        rng = self.rng
        role = rng.choice(["BUYER", "SELLER", "SYSTEM"])
        reason = {
            "BUYER": "Change of mind",
            "SELLER": "Out of stock",
            "SYSTEM": "Package delivery failed",
        }[role]
        order["cancel"] = {"initiator": role, "reason": reason, "time": when}
        for package in order["packages"]:
            package["status"] = PKG_CANCELLED
            package["update_time"] = when
        order["update_time"] = when
        self._new_cancellation(order, "CANCEL", role, reason, when, C_COMPLETE)

    def _tracking_number(self):
        prefix = "JX" if self.tokopedia else "MYJT"
        return f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}"

    # ==== state changes and time ====
    def _snapshot(self, order):
        order["history"].append(self._render(order))
        del order["history"][:-3]

    def _set_status(self, order, status, when=None, before=None):
        """Change the status, keep the previous version (for ``out_of_order``) and
        push ORDER_STATUS_CHANGE. ``before``: a rendering taken before the caller
        already changed packages."""
        if order["status"] == status:
            if before is not None:
                order["history"].append(before)
                del order["history"][:-3]
                order["update_time"] = int(when or self.now())
            return
        if before is not None:
            order["history"].append(before)
            del order["history"][:-3]
        else:
            self._snapshot(order)
        order["status"] = status
        order["update_time"] = int(when or self.now())
        self._push_order(order)

    def _package_event(self, package, status, when, text):
        package["status"] = status
        package["update_time"] = when
        package["events"].append((when, text))

    def _derive_status(self, order):
        active = [p for p in order["packages"] if p["status"] != PKG_CANCELLED]
        states = {p["status"] for p in active}
        if not active:
            return order["status"]
        if TO_FULFILL in states:
            return PARTIALLY_SHIPPING if len(states) > 1 else AWAITING_SHIPMENT
        if PROCESSING in states:
            return AWAITING_COLLECTION
        if FULFILLING in states:
            return IN_TRANSIT
        return DELIVERED

    def tick(self):
        now = int(self.now())
        for order in self.orders.values():
            self._tick_order(order, now)
        for cancel in self.cancellations.values():
            self._tick_cancellation(cancel, now)
        self._finance_tick(now)
        due = [r for r in self._retries if r[0] <= now]
        if due:
            self._retries = [r for r in self._retries if r[0] > now]
            for _when, event in due:
                self._send_later(event)

    def _tick_order(self, order, now):
        status = order["status"]
        if status == ON_HOLD and now >= order["hold_until"]:
            self._set_status(order, AWAITING_SHIPMENT, order["hold_until"])
            return
        if status not in (PARTIALLY_SHIPPING, AWAITING_COLLECTION, IN_TRANSIT):
            if status == DELIVERED and order["complete_at"] <= now:
                self._set_status(order, COMPLETED, order["complete_at"])
            return
        if not any(self._package_due(p, now) for p in order["packages"]):
            return
        before = self._render(order)
        for package in order["packages"]:
            self._tick_package(order, package, now)
        new = self._derive_status(order)
        if new != status:
            when = max(p["update_time"] for p in order["packages"])
            if new == DELIVERED:
                order["delivery_time"] = when
                order["complete_at"] = when + COMPLETE_AFTER
            self._set_status(order, new, when, before=before)
            if new == DELIVERED and order["complete_at"] <= now:
                self._set_status(order, COMPLETED, order["complete_at"])

    @staticmethod
    def _package_due(package, now):
        if package["status"] == PROCESSING:
            return bool(package["collect_at"]) and package["collect_at"] <= now
        if package["status"] == FULFILLING:
            return bool(package["deliver_at"]) and package["deliver_at"] <= now
        return False

    def _tick_package(self, order, package, now):
        if package["status"] == PROCESSING and package["collect_at"]:
            if package["collect_at"] <= now:
                when = package["collect_at"]
                self._package_event(package, FULFILLING, when, "Parcel picked up")
                order["collection_time"] = order["collection_time"] or when
                package["deliver_at"] = when + DELIVER_AFTER
        if package["status"] == FULFILLING and package["deliver_at"]:
            if package["deliver_at"] <= now:
                self._package_event(
                    package,
                    PKG_COMPLETED,
                    package["deliver_at"],
                    "Your package was delivered!",
                )
