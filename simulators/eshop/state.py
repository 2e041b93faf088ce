"""The e-shop's seeded orders, their history, the changes and the totals."""

import datetime
from decimal import Decimal

from .. import data
from .common import (
    COMPANIES,
    COST_VAT_RATE,
    DELIVERIES,
    MATRIX,
    PAYMENTS,
    STATES,
    VOUCHERS,
    gross_vat,
    money,
    vat_rate,
)


class EshopState:
    """The initial orders from the seed, state changes, ``tick()`` and totals."""

    # ---- state -----------------------------------------------------------------------
    def setup_state(self):
        self.orders = {}
        self.history = {}  # id -> [snapshot of every exported version]
        self.seq = 0
        self.next_id = 1001
        self.status_updates = []
        self.errors = []
        self.exports = []
        self.deliveries = {d[0]: d for d in DELIVERIES}
        self.payments = {p[0]: p for p in PAYMENTS}
        now = self.now()
        rng = self.rng
        count = self.order_count
        targets = list(STATES) + [
            rng.choices(list(STATES), weights=[15, 5, 8, 5, 30, 15, 15, 7], k=1)[0]
            for _ in range(max(count - len(STATES), 0))
        ]
        targets = targets[:count]
        rng.shuffle(targets)
        ages = sorted(
            (rng.uniform(1800, 14 * 86400) for _ in range(count)), reverse=True
        )
        if count >= 5:
            ages[-1] = 15.0  # the newest order is still inside the export delay
            targets[-1] = "awaiting_shop"
        events = []
        for target, age in zip(targets, ages, strict=True):
            order = self._generate_order(target, now - age)
            path = self._path(order, target)
            last = min(order["placed_at"] + 3 * 86400, now - 1)
            times = sorted(rng.uniform(order["placed_at"], last) for _ in path[1:])
            events.append((order["placed_at"], order["id"], "placed", target))
            for state, when in zip(path[1:], times, strict=True):
                events.append((when, order["id"], "state", state))
            release = order["placed_at"] + self.export_delay
            if release <= now:
                events.append((release, order["id"], "release", None))
        for when, order_id, kind, state in sorted(events, key=lambda e: e[:2]):
            order = self.orders[order_id]
            if kind == "release":
                self._release(order, when)
            elif kind == "state":
                self._change(
                    order, when, state=state, **self._history_fields(order, state)
                )

    def _path(self, order, target):
        path = ["awaiting_customer"]
        if target == "awaiting_customer":
            return path
        delivery = self.deliveries[order["delivery"]]
        ptype = self.payments[order["payment"]][1]
        if delivery[3]:
            path.append("awaiting_shipping_cost")
        if target == "awaiting_shipping_cost":
            return path
        if target == "cancelled":
            return (
                path
                + (["awaiting_shop"] if self.rng.random() < 0.5 else [])
                + ["cancelled"]
            )
        if ptype == "online":
            path.append("awaiting_payment")
        elif ptype == "instalment":
            path.append("awaiting_instalment")
        if target in ("awaiting_payment", "awaiting_instalment"):
            return path
        path.append("awaiting_shop")
        if target in ("confirmed", "fulfilled"):
            path.append("confirmed")
        if target == "fulfilled":
            path.append("fulfilled")
        return path

    def _history_fields(self, order, state):
        """ERP documents and tracking of orders that moved before the simulation."""
        year = datetime.datetime.fromtimestamp(
            order["placed_at"], datetime.timezone.utc
        ).year
        number = order["id"] - 1000
        if state == "confirmed":
            return {"documents": [("RO", f"RO/{number}/{year}")]}
        if state != "fulfilled":
            return {}
        fields = {
            "documents": order["documents"]
            + [("FS", f"FS/{number}/{year}"), ("WZ", f"WZ/{number}/{year}")]
        }
        if order["delivery"] != "PICKUP":
            fields["tracking"] = f"PL{order['id']:06d}{self.rng.randint(1000, 9999)}"
            fields["carrier"] = order["delivery"]
        return fields

    def _pick_methods(self, target):
        rng = self.rng
        if target == "awaiting_payment":
            return rng.choice(["DPD", "INPOST", "POCZTA"]), "PAYU"
        if target == "awaiting_instalment":
            return rng.choice(["DPD", "INPOST"]), "RATY"
        if target == "awaiting_shipping_cost":
            return "PALLET", rng.choice(MATRIX["PALLET"])
        delivery = rng.choices(list(MATRIX), weights=[30, 30, 15, 15, 5], k=1)[0]
        return delivery, rng.choice(MATRIX[delivery])

    def _generate_order(self, target, placed_at):
        rng = self.rng
        delivery, payment = self._pick_methods(target)
        buyer = data.buyer(rng)
        lines = [
            {"sku": item["sku"], "qty": item["qty"]}
            for item in data.order_lines(rng, max_lines=5)
        ]
        voucher = rng.choice(VOUCHERS)[0] if rng.random() < 0.2 else None
        company = rng.choice(COMPANIES) if rng.random() < 0.25 else None
        comment = rng.choice(
            [
                "",
                "",
                "Proszę o kontakt telefoniczny przed dostawą.",
                "Prezent – bez paragonu w paczce 🎁",
            ]
        )
        return self._create_order(
            placed_at, buyer, lines, delivery, payment, voucher, company, comment
        )

    def _create_order(
        self, placed_at, buyer, lines, delivery, payment, voucher, company, comment
    ):
        catalogue = {item["sku"]: item for item in data.catalogue()}
        order_id = self.next_id
        self.next_id += 1
        year = datetime.datetime.fromtimestamp(placed_at, datetime.timezone.utc).year
        order = {
            "id": order_id,
            "number": f"ZAM/{order_id}/{year}",
            "state": "awaiting_customer",
            "placed_at": placed_at,
            "modified_at": placed_at,
            "released": False,
            "version": None,
            "customer": buyer,
            "company": company,
            "delivery": delivery,
            "payment": payment,
            "payment_status": self._payment_status(payment, "awaiting_customer"),
            "delivery_fee": money(self.deliveries[delivery][2]),
            "lines": [
                {
                    "sku": line["sku"],
                    "name": catalogue[line["sku"]]["name"],
                    "qty": int(line["qty"]),
                    "price": money(catalogue[line["sku"]]["price"]),
                }
                for line in lines
            ],
            "voucher": voucher,
            "comment": comment,
            "documents": [],
            "tracking": None,
            "carrier": None,
        }
        self.orders[order_id] = order
        self.history[order_id] = []
        return order

    def _payment_status(self, payment, state, previous=None):
        ptype = self.payments[payment][1]
        if state == "cancelled" and previous:
            return previous
        if ptype in ("cod", "cash"):
            if state == "fulfilled":
                return "paid"
            return "cash_on_delivery" if ptype == "cod" else "pay_at_pickup"
        if ptype in ("online", "instalment"):
            if state in ("awaiting_customer", "awaiting_shipping_cost"):
                return "not_started"
            if state in ("awaiting_payment", "awaiting_instalment"):
                return "pending"
            return "paid" if ptype == "online" else "approved"
        return "paid" if state == "fulfilled" else "unpaid"

    # ---- changes ---------------------------------------------------------------------
    def _release(self, order, when=None):
        order["released"] = True
        order["version"] = self._next_seq()
        self._snapshot(order)

    def _change(self, order, when=None, state=None, **fields):
        if state:
            order["payment_status"] = self._payment_status(
                order["payment"], state, order["payment_status"]
            )
            order["state"] = state
        order.update(fields)
        order["modified_at"] = self.now() if when is None else when
        if order["released"]:
            order["version"] = self._next_seq()
            self._snapshot(order)

    def tick(self):
        now = self.now()
        due = [
            o
            for o in self.orders.values()
            if not o["released"] and o["placed_at"] + self.export_delay <= now
        ]
        for order in sorted(due, key=lambda o: (o["placed_at"], o["id"])):
            self._release(order)

    def _after_customer_step(self, order, done):
        """Next state once the customer-side step ``done`` is over."""
        ptype = self.payments[order["payment"]][1]
        order_of_steps = ["customer", "shipping_cost", "payment"]
        rest = order_of_steps[order_of_steps.index(done) + 1 :]
        if "shipping_cost" in rest and self.deliveries[order["delivery"]][3]:
            return "awaiting_shipping_cost"
        if "payment" in rest and ptype == "online":
            return "awaiting_payment"
        if "payment" in rest and ptype == "instalment":
            return "awaiting_instalment"
        return "awaiting_shop"

    def customer_confirm(self, order):
        if order["state"] != "awaiting_customer":
            return f"order {order['id']} is {order['state']}, not awaiting_customer"
        self._change(order, state=self._after_customer_step(order, "customer"))
        return None

    # ---- totals ----------------------------------------------------------------------
    def totals(self, order):
        """The order's gross total, its VAT and net. The VAT of each line is
        rounded to the cent (the items', the delivery and payment fees', at the
        standard rate); the voucher reduces the goods of each VAT rate in
        proportion to their gross value, the parts rounded to the cent, highest
        rate first, the lowest rate taking the rest (``voucher_split``)."""
        goods_by_rate = {}
        tax = Decimal()
        for line in order["lines"]:
            gross = money(line["price"] * line["qty"])
            rate = vat_rate(line["sku"])
            goods_by_rate[rate] = goods_by_rate.get(rate, Decimal()) + gross
            tax += gross_vat(gross, rate)
        goods = sum(goods_by_rate.values(), Decimal())
        costs = []
        if order["delivery_fee"]:
            costs.append(
                (
                    "delivery",
                    self.deliveries[order["delivery"]][1],
                    None,
                    order["delivery_fee"],
                )
            )
            tax += gross_vat(order["delivery_fee"], COST_VAT_RATE)
        pay_fee = money(self.payments[order["payment"]][3])
        if pay_fee:
            costs.append(
                ("payment_fee", self.payments[order["payment"]][2], None, pay_fee)
            )
            tax += gross_vat(pay_fee, COST_VAT_RATE)
        split = []
        if order["voucher"]:
            code, kind, value = next(v for v in VOUCHERS if v[0] == order["voucher"])
            amount = value if kind == "fixed" else money(goods * value / 100)
            amount = min(amount, goods)
            costs.append(("voucher", f"Kupon rabatowy {code}", code, -amount))
            split = self.voucher_split(amount, goods_by_rate)
            tax -= sum((gross_vat(part, rate) for rate, part in split), Decimal())
        total = money(goods + sum((c[3] for c in costs), Decimal()))
        return {
            "goods": money(goods),
            "costs": costs,
            "voucher_split": split,
            "total": total,
            "net": total - tax,
            "tax": tax,
        }

    @staticmethod
    def voucher_split(amount, goods_by_rate):
        """[(rate, part)] of the voucher ``amount`` over the goods of each VAT
        rate: in proportion to their gross value, highest rate first, the last
        rate taking the rest so that the parts add up to the voucher."""
        base = sum(goods_by_rate.values(), Decimal())
        rates = sorted(goods_by_rate, reverse=True)
        split, left = [], amount
        for position, rate in enumerate(rates):
            if position == len(rates) - 1:
                part = left
            else:
                part = money(amount * goods_by_rate[rate] / base) if base else Decimal()
            left -= part
            split.append((rate, part))
        return split
