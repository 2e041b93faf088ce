"""The distributors' configuration, seeded parts and their time-driven drift."""

import random

from .. import data
from .common import DATA_BRANDS, DEFAULT_DISTRIBUTORS, EXTRA_PARTS, FORMATS, _ean13


class DistributorState:
    """The initial distributors and parts from the seed, and ``tick()``."""

    # ---- configuration and state ----------------------------------------------------
    def _distributor_configs(self):
        wanted = self.options.get("distributors")
        defaults = {d["code"]: d for d in DEFAULT_DISTRIBUTORS}
        if not wanted:
            wanted = [dict(d) for d in DEFAULT_DISTRIBUTORS]
        configs = []
        for index, item in enumerate(wanted):
            item = {"code": item} if isinstance(item, str) else dict(item)
            code = item["code"]
            base = dict(
                defaults.get(code)
                or {
                    "name": f"{code.title()} (simulated)",
                    "format": FORMATS[index % len(FORMATS)],
                    "realtime": index % 2 == 0,
                    "currency": "GBP",
                    "prefix": code[:2].upper(),
                }
            )
            base.update(
                username="reseller",
                password=f"{code}-password",
                api_key=f"{code}-api-key",
                buyer_identity="RESELLER-001",
                supplier_identity=code.upper(),
                shared_secret=f"{code}-shared-secret",
                webhook_secret=f"{code}-webhook-secret",
                stock_band=base.get("stock_band"),
                dispatch_url=None,
            )
            base.update(item)
            if base["format"] not in FORMATS:
                raise ValueError(f"distributor {code}: unknown format {base['format']}")
            configs.append(base)
        return configs

    def _make_parts(self, dist):
        rng = self.rng
        parts = {}
        entries = [
            (
                p["sku"],
                rng.choice(DATA_BRANDS),
                p["name"],
                "Lifestyle",
                p["price"],
                p["weight"],
            )
            for p in data.catalogue()
        ]
        entries += rng.sample(EXTRA_PARTS, rng.randint(7, len(EXTRA_PARTS)))
        for mpn, brand, desc, category, base_price, weight in entries:
            number = f"{dist['prefix']}{rng.randint(100000, 999999)}"
            while number in parts:
                number = f"{dist['prefix']}{rng.randint(100000, 999999)}"
            stock = 0 if rng.random() < 0.12 else rng.randint(1, 250)
            parts[number] = {
                "part_number": number,
                "mpn": mpn,
                "brand": brand,
                "description": desc,
                "ean": _ean13(rng),
                "category": category,
                "stock": stock,
                "price": round(base_price * rng.uniform(0.55, 0.85), 2),
                "rrp": round(base_price * 1.2, 2),
                "lead_time_days": 1 if stock else rng.randint(5, 21),
                "weight_kg": weight,
            }
        return parts

    def setup_state(self):
        self.t0 = self.now()
        self.period = 0
        self.drift_period = float(self.options.get("drift_period", 3600))
        self.dispatch_after = float(self.options.get("dispatch_after", 3600))
        self.dispatch_url = self.options.get("dispatch_url")
        self.distributors = {d["code"]: d for d in self._distributor_configs()}
        self.parts = {
            code: self._make_parts(d) for code, d in self.distributors.items()
        }
        self.pos = {code: {} for code in self.distributors}
        self.rejected_documents = {code: [] for code in self.distributors}
        self.dispatches = []
        self.order_seq = 0
        self.event_seq = 0
        self._threads = []

    # ---- time ---------------------------------------------------------------------
    def tick(self):
        period = int((self.now() - self.t0) // self.drift_period)
        if period - self.period > 1000:  # a huge jump: drift the last 1000 periods
            self.period = period - 1000
        while self.period < period:
            self.period += 1
            for code in self.distributors:
                self._drift(code, self.period)
        now = self.now()
        for code, pos in self.pos.items():
            for po in pos.values():
                due = po.get("dispatch_due")
                if (
                    due is not None
                    and now >= due
                    and po["status"]
                    in (
                        "accepted",
                        "partial",
                    )
                ):
                    self._dispatch_po(code, po)

    def _drift(self, code, period):
        rng = random.Random(f"drift-{self.seed}-{code}-{period}")
        for part in self.parts[code].values():
            if rng.random() < 0.6:
                if part["stock"] == 0 and rng.random() < 0.4:
                    part["stock"] = rng.randint(10, 80)
                else:
                    part["stock"] = max(0, part["stock"] + rng.randint(-12, 10))
            if rng.random() < 0.3:
                part["price"] = round(part["price"] * (1 + rng.uniform(-0.04, 0.04)), 2)
            part["lead_time_days"] = (
                1 if part["stock"] else max(part["lead_time_days"], rng.randint(5, 21))
            )
