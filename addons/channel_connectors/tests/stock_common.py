"""Three marketplaces (Lazada, Shopee, TikTok Shop) in their simulators, each a
channel of the company selling the same products: the stock tests' fixtures."""

import requests

from odoo.addons.omnichannel_orders.tests.common import OmniCommon
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import (
    SHOPEE_CREDENTIALS,
    TIKTOK_CREDENTIALS,
    channel_pricelist,
    load_simulator,
)

MARKETPLACES = {
    "lazada": (
        ("lazada", "LazadaSimulator"),
        "/rest",
        {"app_key": "123456", "app_secret": "helloworld"},
    ),
    "shopee": (("shopee", "ShopeeSimulator"), "", SHOPEE_CREDENTIALS),
    "tiktok": (("tiktok", "TikTokSimulator"), "", TIKTOK_CREDENTIALS),
}


class StockChannelsCommon(OmniCommon):
    """``channels[platform]`` talks to ``sims[platform]`` over HTTP; the SKUs the
    three catalogues share (a TikTok SKU in one warehouse only) map to one
    product each, 100 in stock."""

    simulator_options = {"orders": 12, "seed": 11}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sims, cls.channels = {}, {}
        for platform, (simulator, api_path, credentials) in MARKETPLACES.items():
            sim = load_simulator(*simulator)(**cls.simulator_options).start()
            cls.addClassCleanup(sim.stop)
            cls.sims[platform] = sim
            cls.channels[platform] = cls._create_channel(
                f"{platform.title()} stock",
                f"STK-{platform.upper()}",
                platform=platform,
                api_base_url=sim.url + api_path,
                rate_limit_per_second=0,
                page_limit=20,
                initial_import_days=30,
                pricelist_id=channel_pricelist(
                    cls.env, getattr(sim, "currency", None) or "MYR"
                ).id,
                **credentials,
            )
        cls.refs = cls._catalogue_refs()
        cls.products = {}
        for sku in sorted(cls.refs):
            product = cls._create_product(sku.title(), f"STK-{sku}", 10.0)
            cls.products[sku] = product
            for platform, ref in cls.refs[sku].items():
                cls.env["omni.channel.product"].create(
                    {
                        "channel_id": cls.channels[platform].id,
                        "channel_sku": sku,
                        "channel_item_ref": ref,
                        "product_id": product.id,
                    }
                )
        cls.env["omni.channel.product"].search([]).write({"stock_dirty": False})

    @classmethod
    def _catalogue_refs(cls):
        """{SKU: {platform: item ref}} of the SKUs every simulator sells."""
        shopee = requests.get(cls.sims["shopee"].url + "/_sim/state", timeout=10).json()
        tiktok = requests.get(cls.sims["tiktok"].url + "/_sim/state", timeout=10).json()
        lazada = {entry["sku"] for entry in load_simulator("data", "catalogue")()}
        shopee_refs = {
            model["sku"]: f"{item['item_id']}:{model['model_id']}"
            for item in shopee["catalogue"]
            for model in item["models"]
        }
        tiktok_refs = {
            sku: f"{data['product_id']}:{data['sku_id']}"
            for sku, data in tiktok["stock"].items()
            if len(data["inventory"]) == 1
        }
        return {
            sku: {
                "lazada": False,
                "shopee": shopee_refs[sku],
                "tiktok": tiktok_refs[sku],
            }
            for sku in sorted(lazada & set(shopee_refs) & set(tiktok_refs))
        }

    def setUp(self):
        super().setUp()
        for platform in self.sims:
            self.sim_post(platform, "/_sim/reset")
            self.sim_post(platform, "/_sim/faults", {})
            code = self.sim_post(platform, "/_sim/auth/code")["code"]
            self.channels[platform]._connector_exchange_code(code)

    # ---- simulators ------------------------------------------------------------------
    def sim_post(self, platform, path, json=None):
        resp = requests.post(
            self.sims[platform].url + path, json=json or {}, timeout=10
        )
        resp.raise_for_status()
        return resp.json()

    def sim_state(self, platform):
        resp = requests.get(self.sims[platform].url + "/_sim/state", timeout=10)
        resp.raise_for_status()
        return resp.json()

    def sim_stock(self, platform):
        """{SKU: quantity the simulator holds} of the SKUs Odoo pushed, or
        {SKU: {warehouse/location: quantity}} where the platform keeps them apart."""
        state = self.sim_state(platform)
        if platform == "lazada":
            return {
                sku: entry.get("warehouses") or entry["quantity"]
                for sku, entry in state["stock"].items()
                if entry.get("updates")
            }
        if platform == "shopee":
            pushed = {u["sku"] for u in state["stock"]["updates"]}
            return {
                sku: qty
                for sku, qty in state["stock"]["by_sku"].items()
                if sku in pushed
            }
        pushed = {u["seller_sku"] for u in state["stock_updates"]}
        return {
            sku: (
                data["inventory"]
                if len(data["inventory"]) > 1
                else next(iter(data["inventory"].values()))
            )
            for sku, data in state["stock"].items()
            if sku in pushed
        }

    # ---- jobs ------------------------------------------------------------------------
    def stock_jobs(self, channel=None):
        """The stock push jobs waiting in queue_job (of ``channel``)."""
        domain = [
            ("method_name", "=", "_export_stock_job"),
            ("state", "in", ("pending", "enqueued")),
        ]
        if channel:
            domain.append(
                ("identity_key", "=", f"channel_connectors.stock:{channel.id}")
            )
        return self.env["queue.job"].search(domain)

    def run_stock_jobs(self):
        """Run the waiting stock jobs, as the job runner would."""
        for record in self.stock_jobs():
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()

    def pull(self, platform):
        """Import every order of ``platform``'s simulator, every job run."""
        with trap_jobs() as trap:
            self.channels[platform]._enqueue_pull()
            for _round in range(10):
                if not trap.enqueued_jobs:
                    break
                trap.perform_enqueued_jobs()
            return trap

    def held(self, product):
        """What the buffered channel orders hold of ``product`` (read from the
        orders themselves)."""
        lines = self.env["sale.order.line"].search(
            [
                ("product_id", "=", product.id),
                ("order_id.lifecycle_state", "=", "buffered"),
                ("order_id.channel_id", "!=", False),
            ]
        )
        return sum(lines.mapped("product_uom_qty"))
