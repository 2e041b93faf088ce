"""Lazada's seeded orders and their time-driven lifecycle."""

import random

from .. import data
from ..core import AuthCodes, SellerStock
from .common import (
    BUYER_CANCEL_REASONS,
    CANCELLABLE_BY_BUYER,
    COUNTRY,
    DAY,
    HOUR,
    PAYMENT_METHODS,
    SHIPMENT_PROVIDERS,
    STATUSES,
)


class LazadaState:
    """The initial orders from the seed, status changes and ``tick()``."""

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.orders = {}  # order_id -> order
        self.items = {}  # order_item_id -> item (also referenced from its order)
        self.packages = {}  # package_id -> {"order_id", "item_ids", ...}
        self.reverse_orders = {}  # reverse_order_id -> {...}
        self.stock = {}  # SellerSku -> {...}
        self.seller_stock = SellerStock()  # what is left to sell, per SellerSku
        self.codes = AuthCodes()
        self.access_tokens = {}
        self.refresh_tokens = {}
        self.decisions = []
        self.pushes = []
        self._faults_seen = None
        self._order_seq = 0
        self._item_seq = 0
        self._package_seq = 0
        self._token_seq = 0
        # the shipping fee discounts have a generator of their own: the orders of a
        # seed (statuses, items, vouchers) stay what they were before they existed
        self.shipping_rng = random.Random(f"lazada-shipping-{self.seed}")
        now = self.now()
        for index in range(self.order_count):
            status = (
                STATUSES[index]
                if index < len(STATUSES)
                else self.rng.choices(
                    STATUSES, weights=(2, 5, 2, 3, 3, 6, 2, 1, 1), k=1
                )[0]
            )
            created = now - self.rng.uniform(HOUR, 10 * DAY)
            self._new_order(status, created, now)
        self._finance_setup()
        self._finance_tick(now)

    def _new_order(
        self, status, created, now, cancel_requests=True, lines=None, force=False
    ):
        """A new order in ``status`` (its lines: ``lines``, else the buyer's pick;
        kept to the stock left unless ``force``); None when the buyer can order
        nothing."""
        rng = self.rng
        self._order_seq += 1
        order_id = 500000000000000 + self._order_seq * 1000 + rng.randint(1, 999)
        buyer = data.buyer(rng)
        units = []
        for line in self._buyer_lines(lines, force, max_lines=3):
            units.extend([line] * line["qty"])
        units = units[:6]
        if not units:
            return None
        cod = status != "unpaid" and rng.random() < 0.35
        payment_method = "COD" if cod else rng.choice(PAYMENT_METHODS)
        shipping_original = rng.choice([0.0, 0.0, 1.99, 3.5, 5.0])
        voucher_seller = rng.choice([0.0, 0.0, 0.0, 2.0, 5.0])
        voucher_platform = rng.choice([0.0, 0.0, 0.0, 0.0, 3.0])
        ship_seller, ship_platform = self._shipping_discounts(shipping_original)
        # what the buyer pays for shipping, after the shipping fee discounts
        shipping_fee = round(shipping_original - ship_seller - ship_platform, 2)
        # when the current status began (consistent with the time-driven transitions,
        # so a fresh simulator does not move until its clock does)
        if status == "ready_to_ship":
            since = now - rng.uniform(0, self.ship_after * 0.8)
        elif status == "shipped":
            since = now - rng.uniform(0, self.deliver_after * 0.8)
        else:
            since = created + rng.uniform(0, now - created)
        since = min(max(since, created), now)
        street_extra = (
            "Opposite the old wet market, behind the blue petrol station, "
            "enter via the loading bay gate and call the guardhouse on arrival"
        )
        address = {
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "phone": buyer["phone"],
            "phone2": "",
            "address1": buyer["address1"],
            "address2": buyer["address2"],
            "address3": street_extra if rng.random() < 0.3 else "",
            "address4": "",
            "address5": buyer["city"],
            "addressDsitrict": "",
            "city": buyer["city"],
            "post_code": buyer["zip"],
            "country": COUNTRY.get(buyer["country"].lower(), (buyer["country"],))[0],
        }
        order = {
            "order_id": order_id,
            "created_at": created,
            "updated_at": since,
            "buyer": buyer,
            "address": address,
            "payment_method": payment_method,
            "shipping_fee": shipping_fee,
            "shipping_original": shipping_original,
            "shipping_discount_seller": ship_seller,
            "shipping_discount_platform": ship_platform,
            "voucher_seller": voucher_seller,
            "voucher_platform": voucher_platform,
            "voucher_code": f"SV{rng.randint(1000, 9999)}" if voucher_seller else "",
            "buyer_note": rng.choice(["", "", "Please pack carefully 🙏", "红色"]),
            "item_ids": [],
            "stale": None,
        }
        package = None
        if status in ("packed", "ready_to_ship", "shipped", "delivered", "returned"):
            package = self._new_package(order_id, rng.choice(SHIPMENT_PROVIDERS))
        elif status == "failed":
            package = self._new_package(order_id, rng.choice(SHIPMENT_PROVIDERS))
        for position, unit in enumerate(units):
            self._item_seq += 1
            item_id = 600000000000000 + self._item_seq * 1000 + rng.randint(1, 999)
            item_status = status
            if (
                len(units) > 1
                and status in ("pending", "ready_to_ship")
                and (position == len(units) - 1 and rng.random() < 0.2)
            ):
                item_status = "canceled"  # a partially cancelled order
            item = {
                "order_item_id": item_id,
                "order_id": order_id,
                "sku": unit["sku"],
                "name": unit["name"],
                "variation": unit["name"].rsplit("(", 1)[-1].rstrip(")")
                if unit["name"].endswith(")")
                else "",
                "item_price": unit["price"],
                "voucher_seller": voucher_seller if position == 0 else 0.0,
                "voucher_platform": voucher_platform if position == 0 else 0.0,
                # the order's shipping is its first item's
                "shipping_amount": shipping_fee if position == 0 else 0.0,
                "shipping_original": shipping_original if position == 0 else 0.0,
                "shipping_discount_seller": ship_seller if position == 0 else 0.0,
                "shipping_discount_platform": ship_platform if position == 0 else 0.0,
                "status": item_status,
                "prev_status": None,
                "status_since": since,
                "created_at": created,
                "updated_at": since,
                "tracking_code": "",
                "shipment_provider": "",
                "package_id": "",
                "invoice_number": "",
                "reason": "",
                "cancel_return_initiator": "",
                "need_cancel_confirm": False,
                "is_cancel_pending": False,
                "cancel_pending_since": None,
                "cancel_trigger_time": None,
                "reverse_order_id": None,
                "cancel_decision": None,
            }
            if package and item_status != "canceled":
                self._attach(item, package)
            if item_status == "canceled":
                item["reason"] = rng.choice(BUYER_CANCEL_REASONS)
                item["cancel_return_initiator"] = "cancellation-customer"
            elif item_status == "returned":
                item["reason"] = "Item damaged"
                item["cancel_return_initiator"] = "return-customer"
            elif item_status == "failed":
                item["reason"] = "Failed delivery"
                item["cancel_return_initiator"] = "cancellation-failed Delivery"
            self.items[item_id] = item
            order["item_ids"].append(item_id)
            if item_status != "canceled":
                self.seller_stock.sell(item["sku"])
        self.orders[order_id] = order
        # some buyers asked to cancel (need_cancel_confirm) and wait for the seller
        if cancel_requests and status in ("pending", "packed") and rng.random() < 0.3:
            self._buyer_cancel(order, None, since)
        return order

    def _shipping_discounts(self, original):
        """(seller's, Lazada's) discount of a shipping fee of ``original``: a free
        shipping voucher of Lazada's, a seller's shipping discount, or both in
        part; none on most orders."""
        if not original:
            return 0.0, 0.0
        draw = self.shipping_rng.random()
        if draw < 0.2:
            return 0.0, original  # free shipping, funded by Lazada
        if draw < 0.35:
            return min(1.0, original), 0.0  # the seller's shipping discount
        if draw < 0.45:
            half = round(original / 2, 2)
            return round(original - half, 2), half  # shared
        return 0.0, 0.0

    def _new_package(self, order_id, provider):
        self._package_seq += 1
        package_id = f"FP{self.seed % 1000:03d}{self._package_seq:09d}"
        tracking = (
            f"LZ{self.country.upper()}{self.seed % 100:02d}{self._package_seq:08d}"
        )
        package = {
            "package_id": package_id,
            "order_id": order_id,
            "tracking_number": tracking,
            "shipment_provider": provider["name"],
            "item_ids": [],
        }
        self.packages[package_id] = package
        return package

    def _attach(self, item, package):
        item["package_id"] = package["package_id"]
        item["tracking_code"] = package["tracking_number"]
        item["shipment_provider"] = package["shipment_provider"]
        package["item_ids"].append(item["order_item_id"])

    def _order_items(self, order):
        return [self.items[item_id] for item_id in order["item_ids"]]

    def _buyer_cancel(self, order, item_ids, when):
        items = [
            item
            for item in self._order_items(order)
            if (item_ids is None or item["order_item_id"] in item_ids)
            and item["status"] in CANCELLABLE_BY_BUYER
            and not item["need_cancel_confirm"]
            and not item["is_cancel_pending"]
        ]
        if not items:
            return None
        reverse_id = order["order_id"] + 900000000000000
        while reverse_id in self.reverse_orders:
            reverse_id += 1
        reason = self.rng.choice(BUYER_CANCEL_REASONS)
        for item in items:
            item["need_cancel_confirm"] = True
            item["reverse_order_id"] = reverse_id
            item["cancel_trigger_time"] = when + self.cancel_confirm_after
            item["reason"] = reason
            item["updated_at"] = when
        order["updated_at"] = max(order["updated_at"], when)
        self.reverse_orders[reverse_id] = {
            "reverse_order_id": reverse_id,
            "order_id": order["order_id"],
            "item_ids": [item["order_item_id"] for item in items],
            "reason": reason,
            "state": "requested",
            "requested_at": when,
        }
        return reverse_id

    def _set_status(self, item, status, when, push=True):
        """Change one item's status; remember the stale snapshot and queue a push."""
        if item["status"] == status:
            return
        order = self.orders[item["order_id"]]
        if order.get("stale_at") != when:
            # the snapshot before this change (several items may change at once)
            order["stale"] = self._render_order(order)
            order["stale_at"] = when
        item["prev_status"] = item["status"]
        item["status"] = status
        item["status_since"] = when
        item["updated_at"] = when
        order["updated_at"] = max(order["updated_at"], when)
        if push:
            self._queue_push(order, item, when)

    # ---- time ------------------------------------------------------------------------
    def tick(self):
        now = self.now()
        for item in self.items.values():
            status = item["status"]
            if (
                item["need_cancel_confirm"]
                and item["cancel_trigger_time"]
                and now >= item["cancel_trigger_time"]
            ):
                # the seller did not answer in time: the order auto-cancels
                when = item["cancel_trigger_time"]
                self._decide_item(item, True, when, decision="auto")
                continue
            if item["is_cancel_pending"] and item["cancel_pending_since"] is not None:
                when = item["cancel_pending_since"] + self.cancel_pending_after
                if now >= when:
                    item["is_cancel_pending"] = False
                    item["cancel_pending_since"] = None
                    item["updated_at"] = when
                    self._set_status(item, "canceled", when)
                continue
            if (
                status == "ready_to_ship"
                and now >= item["status_since"] + self.ship_after
            ):
                self._set_status(
                    item, "shipped", item["status_since"] + self.ship_after
                )
                status = "shipped"
            if status == "shipped" and now >= item["status_since"] + self.deliver_after:
                self._set_status(
                    item, "delivered", item["status_since"] + self.deliver_after
                )
        self._finance_tick(now)
