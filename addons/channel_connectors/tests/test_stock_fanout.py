"""Every stock change reaches every channel that sells the SKU, coalesced into one
push job per channel, and the platforms (simulated, over HTTP) take the quantity."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .stock_common import StockChannelsCommon


@tagged("post_install", "-at_install")
class TestStockFanout(StockChannelsCommon):
    def dirty(self, channel):
        return self.env["omni.channel.product"].search(
            [("channel_id", "=", channel.id), ("stock_dirty", "=", True)]
        )

    def test_order_on_one_channel_pushed_to_every_channel(self):
        """Orders imported from Lazada (buffered, nothing reserved) lower the stock
        Shopee and TikTok Shop show: one push job per channel, the quantity
        every simulator holds is on hand minus what the orders hold."""
        lazada, shopee, tiktok = (
            self.channels[p] for p in ("lazada", "shopee", "tiktok")
        )
        stock_jobs = []
        with trap_jobs() as trap:
            lazada._enqueue_pull()
            for _round in range(10):
                stock_jobs += [
                    j
                    for j in trap.enqueued_jobs
                    if j.method_name == "_export_stock_job"
                ]
                if not trap.enqueued_jobs:
                    break
                if stock_jobs:
                    # the imports are stored: every channel flagged, one job each
                    self.assertTrue(self.dirty(shopee))
                    self.assertTrue(self.dirty(tiktok))
                trap.perform_enqueued_jobs()
        self.assertEqual(
            sorted(j.identity_key for j in stock_jobs),
            sorted(
                f"channel_connectors.stock:{c.id}" for c in (lazada, shopee, tiktok)
            ),
        )
        orders = self.env["sale.order"].search([("channel_id", "=", lazada.id)])
        sold = orders.order_line.product_id & self.env["product.product"].union(
            *self.products.values()
        )
        self.assertTrue(sold, "the Lazada orders sell SKUs the three channels list")
        self.assertTrue(any(self.held(p) for p in sold))
        expected = {
            sku: int(100 - self.held(product))
            for sku, product in self.products.items()
            if product in sold
        }
        for platform in ("lazada", "shopee", "tiktok"):
            pushed = self.sim_stock(platform)
            self.assertEqual(
                {sku: pushed.get(sku) for sku in expected}, expected, platform
            )
            self.assertFalse(self.dirty(self.channels[platform]), platform)
        mapping = self.env["omni.channel.product"].search(
            [("channel_id", "=", shopee.id), ("channel_sku", "=", next(iter(expected)))]
        )
        self.assertEqual(int(mapping.last_stock_sent), expected[mapping.channel_sku])
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", tiktok.id), ("operation", "=", "stock/update")]
        )
        self.assertEqual(log.mapped("state"), ["done"])

    def test_burst_of_changes_one_job_per_channel(self):
        """Fifty orders stored on Lazada: one waiting job per channel (identity
        key); run, each platform gets the final quantity in one call."""
        lazada = self.channels["lazada"]
        sku, product = next(iter(self.products.items()))
        for index in range(50):
            order = self.create_order(
                lazada, lines=[(product, 1, 10.0)], ref=f"BURST-{index}"
            )
            lazada._omni_stock_changed(order.order_line.product_id)
        for platform, channel in self.channels.items():
            jobs = self.stock_jobs(channel)
            self.assertEqual(len(jobs), 1, platform)
            self.assertEqual(
                jobs.identity_key, f"channel_connectors.stock:{channel.id}"
            )
        self.assertEqual(len(self.stock_jobs()), 3)
        self.run_stock_jobs()
        self.assertEqual(self.sim_stock("lazada")[sku], 50)
        self.assertEqual(self.sim_stock("shopee")[sku], 50)
        self.assertEqual(self.sim_stock("tiktok")[sku], 50)
        updates = self.sim_state("shopee")["stock"]["updates"]
        self.assertEqual([u["stock"] for u in updates if u["sku"] == sku], [50])
        # nothing changed since: the next job sends nothing
        lazada._omni_stock_changed(product)
        self.run_stock_jobs()
        updates = self.sim_state("shopee")["stock"]["updates"]
        self.assertEqual(len([u for u in updates if u["sku"] == sku]), 1)

    def test_confirmation_cancellation_and_moves(self):
        """A confirmation, a cancellation, an inventory adjustment and a link made
        each flag every channel's mapping and enqueue their jobs."""
        shopee = self.channels["shopee"]
        sku, product = next(iter(self.products.items()))
        order = self.create_order(shopee, lines=[(product, 4, 10.0)])
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        for change in (
            order.action_confirm,
            order._action_cancel,
            lambda: self.adjust(product, 60.0),
        ):
            with trap_jobs() as trap:
                change()
                self.assertEqual(
                    sorted(
                        j.identity_key
                        for j in trap.enqueued_jobs
                        if j.method_name == "_export_stock_job"
                    ),
                    sorted(
                        f"channel_connectors.stock:{c.id}"
                        for c in self.channels.values()
                    ),
                )
            for platform, channel in self.channels.items():
                self.assertEqual(self.dirty(channel).product_id, product, platform)
            self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        self.run_stock_jobs()
        # a link made: the new mapping's channel (and the others) get the stock
        other = self._create_product("Unlisted", "STK-NEW", 10.0, qty=8.0)
        with trap_jobs() as trap:
            mapping = self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channels["lazada"].id,
                    "channel_sku": sku + "-X",
                    "product_id": other.id,
                }
            )
            self.assertTrue(mapping.stock_dirty)
            trap.assert_jobs_count(1, only=self.channels["lazada"]._export_stock_job)

    def adjust(self, product, quantity):
        """An inventory adjustment of ``product`` to ``quantity`` (applied: a
        done move)."""
        quant = self.env["stock.quant"].search(
            [
                ("product_id", "=", product.id),
                ("location_id", "=", self.warehouse.lot_stock_id.id),
            ]
        )
        quant.inventory_quantity = quantity
        quant.action_apply_inventory()
        self.assertEqual(
            product.with_context(warehouse_id=self.warehouse.id).qty_available, quantity
        )

    def test_other_company_and_plain_orders_untouched(self):
        """A channel of another company selling the same product is not flagged;
        a sale order without channel enqueues nothing when confirmed."""
        company_2 = self.env["res.company"].create({"name": "Other Sdn Bhd"})
        warehouse_2 = self.env["stock.warehouse"].search(
            [("company_id", "=", company_2.id)], limit=1
        )
        channel_2 = self.env["omni.channel"].create(
            {
                "name": "Lazada other company",
                "code": "STK-OTHER",
                "company_id": company_2.id,
                "warehouse_id": warehouse_2.id,
                "platform": "lazada",
                "api_base_url": self.sims["lazada"].url + "/rest",
            }
        )
        sku, product = next(iter(self.products.items()))
        with trap_jobs() as trap:
            mapping_2 = self.env["omni.channel.product"].create(
                {
                    "channel_id": channel_2.id,
                    "channel_sku": sku,
                    "product_id": product.id,
                }
            )
            trap.assert_jobs_count(1)
        mapping_2.stock_dirty = False
        with trap_jobs() as trap:
            order = self.create_order(
                self.channels["tiktok"], lines=[(product, 2, 10.0)]
            )
            self.channels["tiktok"]._omni_stock_changed(product)
            self.assertEqual(len(trap.enqueued_jobs), 3)
            self.assertNotIn(
                f"channel_connectors.stock:{channel_2.id}",
                [j.identity_key for j in trap.enqueued_jobs],
            )
        self.assertFalse(mapping_2.stock_dirty)
        self.assertEqual(channel_2._connector_free_qty(product)[product.id], 0.0)
        order._action_cancel()
        # a plain sale order: nothing flagged, nothing enqueued
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        plain = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 3})
                ],
            }
        )
        with trap_jobs() as trap:
            plain.action_confirm()
            plain._action_cancel()
            trap.assert_jobs_count(0)
        self.assertFalse(
            self.env["omni.channel.product"].search([("stock_dirty", "=", True)])
        )

    def test_line_edited_or_removed(self):
        """A buffered order's line edited or removed changes what it holds: every
        channel is flagged; a line of a quotation without channel flags nothing."""
        sku, product = next(iter(self.products.items()))
        order = self.create_order(
            self.channels["lazada"],
            lines=[(product, 2, 10.0), (self.product_a, 1, 5.0)],
        )
        line = order.order_line.filtered(lambda ln: ln.product_id == product)
        for change in (
            lambda: line.write({"product_uom_qty": 9}),
            line.unlink,
        ):
            self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
            with trap_jobs() as trap:
                change()
                self.assertEqual(trap.jobs_count(), 3)
            for platform, channel in self.channels.items():
                self.assertEqual(self.dirty(channel).product_id, product, platform)
        self.run_stock_jobs()
        self.assertEqual(self.sim_stock("shopee")[sku], 100)
        plain = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 3})
                ],
            }
        )
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        with trap_jobs() as trap:
            plain.order_line.product_uom_qty = 5
            plain.order_line.unlink()
            trap.assert_jobs_count(0)
        self.assertFalse(
            self.env["omni.channel.product"].search([("stock_dirty", "=", True)])
        )
