"""A campaign day: three marketplaces sell the same 100 units of three SKUs.

Lazada, Shopee and TikTok Shop, each in its simulator over real HTTP, list the
same three SKUs, linked to three products counted at 100 units each (an inventory
adjustment). The stock is pushed to the three channels, then orders arrive in
bursts on all three at once; the simulators' buyers stop at 0 from the quantity
the channel was last pushed (an order they cannot place is ``not_created``).
Lazada and TikTok Shop orders come in by webhook, Shopee orders by the channel's
pull (and Lazada is pulled too now and then: the pull finds the orders its
webhooks brought in). Between two bursts, the jobs run as queue_job's runner
would: the webhook drains and imports, then the stock pushes. Some orders are
confirmed as they arrive (Odoo reserves them), the others stay buffered (they
hold their units without a reservation).

Three channels selling between two pushes can only keep to the stock if what
they are offered adds up to no more than the free quantity: the channels' share
rules split it 40/30/30 (each rounded down), as a seller does on a campaign day.

What runs concurrently, and what does not: the webhooks are posted by the
simulators' own threads and answered by Odoo's HTTP server (HttpCase's server
thread), at the same time as the other simulators take their orders; but that
server thread works in the test's transaction (HttpCase shares one cursor), so
the test waits for the pushes to be delivered before it runs jobs in its own
thread. The jobs then run one after the other in the test thread: this test does
not run two queue_job workers at once. The race of two workers on one push is
``test_stock_race`` (two database connections)."""

import random

import requests

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.job import Job

from .stock_common import StockChannelsCommon

#: the units of each SKU the seller has for the campaign
CAMPAIGN_STOCK = 100
#: the share (%) of the free quantity each channel offers
SHARES = {"lazada": 40.0, "shopee": 30.0, "tiktok": 30.0}
#: the channels whose orders come in by webhook (the others are pulled)
WEBHOOK_PLATFORMS = ("lazada", "tiktok")
#: bursts of orders, and the buyers' order calls per channel in each
BURSTS = 8
CALLS_PER_BURST = 4


@tagged("post_install", "-at_install")
class TestStockCampaign(StockChannelsCommon, HttpCase):
    simulator_options = {"orders": 0, "seed": 18}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.skus = sorted(cls.refs)[:3]
        # the campaign's products: nothing in stock until they are counted
        cls.campaign = {
            sku: cls._create_product(f"Campaign {sku}", f"CMP-{sku}", 10.0, qty=0.0)
            for sku in cls.skus
        }

    def setUp(self):
        super().setUp()
        self.rng = random.Random(18)
        for platform, channel in self.channels.items():
            channel.stock_share = SHARES[platform]
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        for platform in WEBHOOK_PLATFORMS:
            self.sim_post(
                platform, "/_sim/push_config", {"url": self.webhook_url(platform)}
            )
            self.addCleanup(self.sim_post, platform, "/_sim/push_config", {})

    # ---- helpers ---------------------------------------------------------------------
    def webhook_url(self, platform):
        channel = self.channels[platform]
        return (
            f"{self.base_url()}/channel_connectors/webhook/{channel.id}/"
            f"{channel.sudo().webhook_token}"
        )

    def mapping(self, platform, sku):
        return self.env["omni.channel.product"].search(
            [
                ("channel_id", "=", self.channels[platform].id),
                ("channel_sku", "=", sku),
            ]
        )

    def count(self, product, quantity):
        """An inventory adjustment: ``quantity`` units of ``product`` counted in
        the warehouse's stock."""
        quant = self.env["stock.quant"]._gather(product, self.warehouse.lot_stock_id)
        if not quant:
            quant = self.env["stock.quant"].create(
                {
                    "product_id": product.id,
                    "location_id": self.warehouse.lot_stock_id.id,
                }
            )
        quant.inventory_quantity = quantity
        quant.action_apply_inventory()

    def wait_webhooks(self):
        """Every push the simulators queued has been delivered to (and answered
        by) Odoo's HTTP server."""
        for platform in WEBHOOK_PLATFORMS:
            sim = self.sims[platform]
            waited = (
                sim.wait_pushes(timeout=30)
                if hasattr(sim, "wait_pushes")
                else sim._outbox.wait(30)
            )
            self.assertTrue(waited, f"{platform}: pushes still queued")
        self.env.invalidate_all()

    def run_jobs(self, stock=False):
        """Run the waiting jobs as queue_job's runner would (the jobs a job
        enqueues, and those waiting for it, too): the import side, or (``stock``)
        the stock pushes. Returns how many ran."""
        ran = 0
        for _round in range(20):
            domain = [
                ("state", "in", ("pending", "enqueued")),
                ("method_name", "=" if stock else "!=", "_export_stock_job"),
            ]
            records = self.env["queue.job"].search(domain, order="priority, id")
            if not records:
                return ran
            for record in records:
                job = Job.load(self.env, record.uuid)
                job.perform()
                job.set_done()
                job.store()
                job.enqueue_waiting()
                ran += 1
        self.fail("the jobs kept enqueuing jobs")

    def drain(self):
        """The stock pushes, then whatever the jobs enqueue, until no job waits
        (the runner's queue drained)."""
        for _round in range(10):
            self.run_stock_jobs()
            if not self.run_jobs() and not self.stock_jobs():
                return
        self.fail("the jobs kept enqueuing jobs")

    def burst(self, platform):
        """The buyers' order calls on ``platform``: a few orders of one or two
        campaign SKUs each. Returns how many orders the buyers did not place
        (nothing left)."""
        not_created = 0
        for _call in range(CALLS_PER_BURST):
            skus = self.rng.sample(self.skus, self.rng.choice((1, 2)))
            lines = [{"sku": sku, "qty": self.rng.randint(1, 4)} for sku in skus]
            answer = self.sim_post(
                platform,
                "/_sim/orders/new",
                {"count": self.rng.randint(1, 3), "lines": lines},
            )
            not_created += answer["not_created"]
        return not_created

    def sold(self, platform):
        """{SKU: units} of the simulator's orders of the campaign SKUs (not
        cancelled)."""
        units = dict.fromkeys(self.skus, 0)
        for order in self.sim_state(platform)["orders"].values():
            if platform == "lazada":
                lines = [
                    (item["sku"], 1)
                    for item in order["items"].values()
                    if item["status"] != "canceled"
                ]
            elif platform == "shopee":
                lines = [(item["sku"], item["qty"]) for item in order["items"]]
            else:
                lines = [(line["sku"], 1) for line in order["lines"]]
            for sku, qty in lines:
                if sku in units:
                    units[sku] += qty
        return units

    def seller_stock(self, platform):
        resp = requests.get(self.sims[platform].url + "/_sim/seller_stock", timeout=10)
        resp.raise_for_status()
        return resp.json()["skus"]

    def odoo_sold(self):
        """{SKU: units} of the channel orders in Odoo (not cancelled)."""
        lines = self.env["sale.order.line"].search(
            [
                ("order_id.channel_id", "in", [c.id for c in self.channels.values()]),
                ("order_id.state", "!=", "cancel"),
                ("product_id", "in", [p.id for p in self.campaign.values()]),
            ]
        )
        return {
            sku: sum(
                lines.filtered(lambda ln, p=product: ln.product_id == p).mapped(
                    "product_uom_qty"
                )
            )
            for sku, product in self.campaign.items()
        }

    def confirm_some(self):
        """Confirm every other new channel order (the others stay buffered)."""
        buffered = self.env["sale.order"].search(
            [
                ("channel_id", "in", [c.id for c in self.channels.values()]),
                ("lifecycle_state", "=", "buffered"),
            ],
            order="id",
        )
        confirmed = buffered[::2]
        for order in confirmed:
            order.action_confirm()
        return confirmed

    # ---- the campaign ----------------------------------------------------------------
    def test_campaign_sells_no_more_than_the_stock(self):
        # the SKUs are linked to the campaign's products, counted at 100 each
        for sku, product in self.campaign.items():
            for platform in self.channels:
                self.mapping(platform, sku).product_id = product
            self.count(product, CAMPAIGN_STOCK)
        self.run_stock_jobs()
        for platform in self.channels:
            report = self.seller_stock(platform)
            expected = int(CAMPAIGN_STOCK * SHARES[platform] / 100)
            self.assertEqual(
                {sku: report[sku]["available"] for sku in self.skus},
                dict.fromkeys(self.skus, expected),
                platform,
            )
        confirmed = self.env["sale.order"]
        refused = {platform: 0 for platform in self.channels}
        for index in range(BURSTS):
            # a burst on every channel at once; webhooks answered meanwhile
            for platform in self.channels:
                refused[platform] += self.burst(platform)
            self.wait_webhooks()
            # the runner: webhook drains and imports, the pulls, then the pushes
            self.run_jobs()
            self.channels["shopee"]._enqueue_pull()
            if index % 2:
                self.channels["lazada"]._enqueue_pull()
            self.run_jobs()
            confirmed |= self.confirm_some()
            self.drain()
        sold = {platform: self.sold(platform) for platform in self.channels}
        total = {
            sku: sum(sold[platform][sku] for platform in self.channels)
            for sku in self.skus
        }
        # the campaign sold units on every channel, and most of the stock
        for platform in self.channels:
            self.assertTrue(any(sold[platform].values()), platform)
        self.assertTrue(
            all(total[sku] >= CAMPAIGN_STOCK * 0.9 for sku in self.skus), total
        )
        # no more than the stock was sold across the channels, nothing oversold
        self.assertTrue(all(total[sku] <= CAMPAIGN_STOCK for sku in self.skus), total)
        for platform in self.channels:
            report = self.seller_stock(platform)
            self.assertEqual(
                {sku: report[sku]["oversold"] for sku in self.skus},
                dict.fromkeys(self.skus, 0),
                platform,
            )
        # every order sold is in Odoo, confirmed ones and buffered ones
        self.assertEqual(self.odoo_sold(), total)
        self.assertTrue(confirmed)
        self.assertTrue(
            self.env["sale.order"].search_count(
                [
                    ("channel_id", "in", [c.id for c in self.channels.values()]),
                    ("lifecycle_state", "=", "buffered"),
                ]
            )
        )
        webhook_orders = self.env["sale.order"].search(
            [("channel_id", "=", self.channels["tiktok"].id)]
        )
        self.assertIn("webhook", webhook_orders.omni_event_ids.mapped("actor"))
        # every channel has what Odoo has for it, after the last push
        shown = {}
        for platform, channel in self.channels.items():
            report = self.seller_stock(platform)
            for sku, product in self.campaign.items():
                free = channel._connector_free_qty(product)[product.id]
                self.assertEqual(free, CAMPAIGN_STOCK - total[sku], (platform, sku))
                mapping = self.mapping(platform, sku)
                shown[platform, sku] = channel._prepare_stock_quantity(free, mapping)
                self.assertEqual(
                    report[sku]["available"],
                    shown[platform, sku],
                    (platform, sku, report[sku], free),
                )
        # the buyers stopped at 0: orders they could not place, on every channel
        self.assertTrue(all(refused.values()), refused)
        # no push was refused: each channel took the last quantity Odoo sent
        failed = self.env["channel.sync.log"].search(
            [
                ("channel_id", "in", [c.id for c in self.channels.values()]),
                ("state", "=", "failed"),
            ]
        )
        self.assertFalse(
            failed,
            [(log.channel_id.platform, log.operation, log.message) for log in failed],
        )
        logs = self.env["channel.sync.log"].search(
            [
                ("channel_id", "in", [c.id for c in self.channels.values()]),
                ("operation", "=", "stock/update"),
            ]
        )
        self.assertEqual(set(logs.mapped("state")), {"done"})
        for (platform, sku), quantity in shown.items():
            mapping = self.mapping(platform, sku)
            report = self.seller_stock(platform)[sku]
            where = (platform, sku, report, mapping.last_stock_sent)
            self.assertFalse(mapping.stock_dirty, where)
            self.assertEqual(int(mapping.last_stock_sent), quantity, where)
            self.assertEqual(report["pushed"], quantity, where)
            self.assertEqual(report["sold_since_push"], 0, where)
