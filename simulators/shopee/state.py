"""Shopee's seeded orders and their time-driven lifecycle."""

import random
from datetime import UTC, datetime

from .. import data
from ..core import AuthCodes, SellerStock
from .common import (
    BUYER_CANCEL_REASONS,
    CANCEL_REASONS,
    CHANNELS,
    CONFIRM_DELAY,
    CURRENCIES,
    DAY,
    DELIVERY_DELAY,
    MESSAGES,
    STATES,
    STATUSES,
    TRACKING_DELAY,
    _ascii,
)
from .stock import build_items


class ShopeeState:
    """The initial orders from the seed, status changes and ``tick()``."""

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.items = build_items()
        self.item_by_id = {item["item_id"]: item for item in self.items}
        self.sku_index = {}
        self.stock = {}
        for item in self.items:
            self.stock[item["item_id"]] = {}
            for model in item["models"]:
                self.sku_index[model["sku"]] = (item, model)
                self.stock[item["item_id"]][model["model_id"]] = self.rng.randint(
                    0, 200
                )
        self.seller_stock = SellerStock()  # what is left to sell, per model SKU
        self.codes = AuthCodes()
        self.tokens = {}
        self.refresh_tokens = {}
        self._expire_marker = None
        self.orders = {}
        self.docs = {}
        self.pushes = []
        self.stock_updates = []
        self._pushing = False
        now = self.now()
        statuses = list(STATUSES)
        for index in range(self.order_count):
            if index < len(statuses):
                target = statuses[index]
            else:
                target = self.rng.choices(
                    statuses, weights=[2, 5, 3, 3, 2, 4, 1, 2, 1]
                )[0]
            create_time = int(now - self.rng.uniform(600, 20 * DAY))
            self._new_order(target, create_time, now)
        self._pushing = True
        self._finance_setup()
        self._finance_tick(now)

    def _token(self, nbytes=16):
        return "".join(f"{self.rng.randrange(256):02x}" for _ in range(nbytes))

    def _new_sn(self, create_time):
        prefix = datetime.fromtimestamp(create_time, UTC).strftime("%y%m%d")
        alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
        while True:
            sn = prefix + "".join(self.rng.choice(alphabet) for _ in range(8))
            if sn not in self.orders:
                return sn

    def _new_order(self, target, create_time, now, lines=None, force=False):
        """A new order walked up to ``target`` (its lines: ``lines``, else the
        buyer's pick; kept to the stock left unless ``force``); None when the
        buyer can order nothing."""
        rng = self.rng
        buyer = data.buyer(rng)
        currency, factor = CURRENCIES.get(self.region, ("MYR", 1.0))
        whole = currency in ("VND", "IDR")

        def money(value):
            return float(round(value)) if whole else round(value, 2)

        lines = self._buyer_lines(lines, force)
        if not lines:
            return None
        items = []
        subtotal = 0.0
        for line in lines:
            item, model = self.sku_index[line["sku"]]
            original = money(line["price"] * factor)
            discounted = money(original * (1 - rng.choice([0, 0, 0.1, 0.2])))
            subtotal += discounted * line["qty"]
            items.append(
                {
                    "item_id": item["item_id"],
                    "item_name": item["item_name"],
                    "item_sku": item["item_sku"],
                    "model_id": model["model_id"],
                    "model_name": model["model_name"],
                    "model_sku": model["model_sku"],
                    "sku": line["sku"],
                    "model_quantity_purchased": line["qty"],
                    "model_original_price": original,
                    "model_discounted_price": discounted,
                    "weight": line["weight"],
                    "order_item_id": item["item_id"],
                }
            )
        shipping_fee = money(rng.choice([0.0, 4.9, 8.0]) * factor)
        seller_voucher = money(rng.choice([0, 0, 5]) * factor)
        shopee_voucher = money(rng.choice([0, 0, 0, 3]) * factor)
        if seller_voucher + shopee_voucher >= subtotal:
            seller_voucher = shopee_voucher = 0.0
        # Shopee-funded: coins the buyer redeemed, a campaign discount Shopee rebates
        # (drawn from their own generator: the seeded orders stay what they were)
        extra = random.Random(f"shopee-money-{self.seed}-{len(self.orders)}")
        rest = subtotal - seller_voucher - shopee_voucher
        coins = money(extra.choice([0, 0, 0, 0.5, 1.2]) * factor)
        shopee_discount = money(extra.choice([0, 0, 0, 0, 2]) * factor)
        if coins + shopee_discount >= rest:
            coins = shopee_discount = 0.0
        total = money(
            subtotal
            + shipping_fee
            - seller_voucher
            - shopee_voucher
            - coins
            - shopee_discount
        )
        channel = rng.choice(CHANNELS)
        cod = target != "UNPAID" and rng.random() < 0.25
        # packages: split multi-item orders into two parcels sometimes
        if len(items) >= 2 and rng.random() < 0.35:
            cut = rng.randint(1, len(items) - 1)
            groups = [list(range(cut)), list(range(cut, len(items)))]
        else:
            groups = [list(range(len(items)))]
        packages = [
            {
                "package_number": f"OFG{rng.randint(10**14, 10**15 - 1)}",
                "item_index": group,
                "ship_mode": None,
                "ship_params": None,
                "tracking_number": "",
                "tracking_at": None,
                "arranged_at": None,
            }
            for group in groups
        ]
        sn = self._new_sn(create_time)
        name = buyer["name"]
        street = f"{buyer['address1']}, {buyer['address2']}"
        order = {
            "order_sn": sn,
            "status": "UNPAID",
            "prev_status": None,
            "create_time": create_time,
            "update_time": create_time,
            "pay_time": None,
            "cod": cod,
            "payment_method": "Cash on Delivery"
            if cod
            else rng.choice(["Credit Card/Debit Card", "ShopeePay", "Online Banking"]),
            "region": buyer["country"],
            "currency": currency,
            "buyer_user_id": int(buyer["buyer_id"]) * 100 + rng.randint(10, 99),
            "buyer_username": _ascii(buyer["first_name"]).lower().replace(" ", "")
            + buyer["buyer_id"][-4:],
            "recipient_address": {
                "name": name,
                "phone": buyer["phone"],
                "town": "",
                "district": buyer["address2"].split(",")[-1].strip(),
                "city": buyer["city"],
                "state": STATES.get(buyer["city"], buyer["city"]),
                "region": buyer["country"],
                "zipcode": buyer["zip"],
                "full_address": f"{street}, {buyer['zip']} {buyer['city']}, "
                f"{STATES.get(buyer['city'], '')}, {buyer['country']}",
            },
            "message_to_seller": rng.choice(MESSAGES),
            "items": items,
            "packages": packages,
            "channel": channel,
            "days_to_ship": rng.choice([2, 3]),
            "ship_by_date": 0,
            "amounts": {
                "items_subtotal": money(subtotal),
                "buyer_paid_shipping_fee": shipping_fee,
                "voucher_from_seller": seller_voucher,
                "voucher_from_shopee": shopee_voucher,
                "coins": coins,
                "shopee_discount": shopee_discount,
                "total_amount": total,
            },
            "estimated_shipping_fee": money(rng.choice([4.9, 6.5, 8.0]) * factor),
            "cancel_by": "",
            "cancel_reason": "",
            "buyer_cancel_reason": "",
            "pickup_done_time": 0,
            "history": [{"status": "UNPAID", "update_time": create_time}],
            "due_at": None,
            "decisions": [],
        }
        self.orders[sn] = order
        for line in lines:
            self.seller_stock.sell(line["sku"], line["qty"])
        self._walk_lifecycle(order, target, now)
        return order

    def _model_stock(self, item, model):
        """{location_id: stock} of a model: what is left of the quantity the
        seller pushed, the seeded stock before any push."""
        left = self.seller_stock.available_by_location(model["sku"])
        if left is None:
            return {"": self.stock[item["item_id"]][model["model_id"]]}
        return left

    def _walk_lifecycle(self, order, target, now):
        """Move a new order through its statuses up to ``target``, at increasing
        past times, and schedule its next time-driven transition."""
        rng = self.rng
        channel = order["channel"]
        cod = order["cod"]
        create_time = order["create_time"]
        # walk the lifecycle up to the target status at increasing past times
        paths = {
            "UNPAID": [],
            "READY_TO_SHIP": ["READY_TO_SHIP"],
            "PROCESSED": ["READY_TO_SHIP", "PROCESSED"],
            "SHIPPED": ["READY_TO_SHIP", "PROCESSED", "SHIPPED"],
            "TO_CONFIRM_RECEIVE": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
            ],
            "COMPLETED": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
                "COMPLETED",
            ],
            "IN_CANCEL": ["READY_TO_SHIP", rng.choice(["READY_TO_SHIP", "PROCESSED"])],
            "CANCELLED": rng.choice([["CANCELLED"], ["READY_TO_SHIP", "CANCELLED"]]),
            "TO_RETURN": [
                "READY_TO_SHIP",
                "PROCESSED",
                "SHIPPED",
                "TO_CONFIRM_RECEIVE",
                "TO_RETURN",
            ],
        }
        path = paths[target]
        if target == "IN_CANCEL":
            path = path[:1] if path[1] == "READY_TO_SHIP" else path
            path = path + ["IN_CANCEL"]
        if cod and path and path[0] == "READY_TO_SHIP":
            order["history"] = []  # COD orders are never UNPAID
        span = max(now - create_time - 60, 1)
        times = sorted(create_time + rng.uniform(0, span) for _ in path)
        if order["history"] == [] and times:
            times[0] = create_time
        for status, at in zip(path, times, strict=True):
            at = int(at)
            if status == "READY_TO_SHIP":
                order["pay_time"] = at
                order["ship_by_date"] = at + order["days_to_ship"] * DAY
            elif status == "PROCESSED":
                mode = rng.choice(list(channel["info_needed"]))
                for package in order["packages"]:
                    package.update(
                        ship_mode=mode,
                        ship_params={},
                        arranged_at=at,
                        tracking_at=at + TRACKING_DELAY,
                        tracking_number=self._tracking_number(channel),
                    )
            elif status == "SHIPPED":
                order["pickup_done_time"] = at
            elif status == "CANCELLED":
                order["cancel_by"] = rng.choice(["buyer", "seller", "system"])
                order["cancel_reason"] = rng.choice(
                    list(CANCEL_REASONS.values()) + ["Payment Timeout"]
                )
            elif status == "IN_CANCEL":
                order["prev_status"] = order["status"]
                order["buyer_cancel_reason"] = rng.choice(BUYER_CANCEL_REASONS)
            order["status"] = status
            order["update_time"] = max(at, order["update_time"])
            order["history"].append({"status": status, "update_time": at})
        if order["status"] == "PROCESSED":
            order["due_at"] = now + rng.uniform(600, 7200)
        elif order["status"] == "SHIPPED":
            order["due_at"] = now + rng.uniform(3600, 2 * DAY)
        elif order["status"] == "TO_CONFIRM_RECEIVE":
            order["due_at"] = now + rng.uniform(3600, 3 * DAY)

    def _tracking_number(self, channel):
        prefix = channel["prefix"] or "SOF"
        return f"{prefix}{self.rng.randint(10**11, 10**12 - 1)}"

    # ---- time ------------------------------------------------------------------------
    def tick(self):
        now = self.now()
        for order in self.orders.values():
            for package in order["packages"]:
                if (
                    package["ship_mode"]
                    and not package["tracking_number"]
                    and package["tracking_at"] is not None
                    and now >= package["tracking_at"]
                    and order["status"] not in ("CANCELLED",)
                ):
                    package["tracking_number"] = self._tracking_number(order["channel"])
                    self._push_tracking(order, package, int(package["tracking_at"]))
            while order["due_at"] is not None and now >= order["due_at"]:
                at = int(order["due_at"])
                status = order["status"]
                if status == "PROCESSED":
                    if not all(p["tracking_number"] for p in order["packages"]):
                        # wait for the 3PL's tracking numbers, then for the pickup
                        order["due_at"] = max(
                            now + 1,
                            *(p["tracking_at"] or now for p in order["packages"]),
                        )
                        break
                    order["pickup_done_time"] = at
                    self._set_status(order, "SHIPPED", at)
                    order["due_at"] = at + DELIVERY_DELAY
                elif status == "SHIPPED":
                    self._set_status(order, "TO_CONFIRM_RECEIVE", at)
                    order["due_at"] = at + CONFIRM_DELAY
                elif status == "TO_CONFIRM_RECEIVE":
                    self._set_status(order, "COMPLETED", at)
                    order["due_at"] = None
                else:
                    order["due_at"] = None
        for doc in self.docs.values():
            if doc["status"] == "PROCESSING" and now >= doc["ready_at"]:
                doc["status"] = "READY"
                self._push(
                    15,
                    {
                        "ordersn": doc["order_sn"],
                        "package_number": doc["package_number"],
                        "status": "READY",
                    },
                )
        self._finance_tick(now)

    def _set_status(self, order, status, at=None):
        at = int(self.now() if at is None else at)
        at = max(at, order["update_time"])
        order["status"] = status
        order["update_time"] = at
        order["history"].append({"status": status, "update_time": at})
        self._push(
            3,
            {
                "ordersn": order["order_sn"],
                "status": status,
                "update_time": at,
                "completed_scenario": "",
                "items": [],
            },
        )

    def _push_tracking(self, order, package, at):
        self._push(
            4,
            {
                "ordersn": order["order_sn"],
                "package_number": package["package_number"],
                "tracking_no": package["tracking_number"],
                "update_time": at,
            },
        )
