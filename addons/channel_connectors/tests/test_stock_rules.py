"""The allocation rules of a channel's stock (buffer, share, cap, show 0 below),
overridden per SKU, applied in that order to the free quantity."""

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from .stock_common import StockChannelsCommon


@tagged("post_install", "-at_install")
class TestStockRules(StockChannelsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sku, cls.product = next(iter(cls.products.items()))
        cls.shopee = cls.channels["shopee"]
        cls.mapping = cls.env["omni.channel.product"].search(
            [("channel_id", "=", cls.shopee.id), ("product_id", "=", cls.product.id)]
        )

    def shown(self, free, channel=None, mapping=None):
        """What the channel shows of ``free`` units under its rules."""
        mapping = mapping or self.mapping
        channel = channel or mapping.channel_id
        return channel._prepare_stock_quantity(free, mapping)

    def test_buffer(self):
        self.shopee.stock_buffer = 5
        self.assertEqual(self.shown(100.0), 95)
        self.assertEqual(self.shown(3.0), 0)

    def test_share_rounded_down(self):
        self.shopee.stock_share = 30
        self.assertEqual(self.shown(7.0), 2)
        self.assertEqual(self.shown(10.0), 3)
        self.shopee.stock_share = 70
        self.assertEqual(self.shown(10.0), 7)
        self.shopee.stock_share = 100
        self.assertEqual(self.shown(9.9), 9)

    def test_cap(self):
        self.shopee.stock_cap = 20
        self.assertEqual(self.shown(100.0), 20)
        self.assertEqual(self.shown(12.0), 12)
        self.shopee.stock_cap = 0
        self.assertEqual(self.shown(100.0), 100)

    def test_zero_below(self):
        self.shopee.stock_zero_below = 5
        self.assertEqual(self.shown(4.0), 0)
        self.assertEqual(self.shown(5.0), 5)

    def test_rules_in_order(self):
        """free → minus buffer → × share → at most the cap → 0 below N."""
        self.shopee.write(
            {
                "stock_buffer": 10,
                "stock_share": 50,
                "stock_cap": 30,
                "stock_zero_below": 8,
            }
        )
        self.assertEqual(self.shown(100.0), 30)  # (100 − 10) × 50 % = 45 → cap 30
        self.assertEqual(self.shown(40.0), 15)  # (40 − 10) × 50 %
        self.assertEqual(self.shown(25.0), 0)  # 7 < 8
        self.assertEqual(self.shown(5.0), 0)  # never negative

    def test_per_product_override(self):
        """A SKU with its own rule ignores the channel's; the others follow it."""
        self.shopee.write({"stock_buffer": 10, "stock_share": 50})
        other = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.shopee.id), ("id", "!=", self.mapping.id)],
            limit=1,
        )
        self.mapping.write(
            {"stock_rule_override": True, "stock_buffer": 0, "stock_cap": 15}
        )
        self.assertEqual(self.shown(100.0), 15)
        self.assertEqual(self.shown(100.0, mapping=other), 45)
        self.mapping.stock_rule_override = False
        self.assertEqual(self.shown(100.0), 45)

    def test_bad_rules_refused(self):
        for vals in ({"stock_share": 120}, {"stock_buffer": -1}, {"stock_cap": -5}):
            with (
                self.subTest(vals=vals),
                self.assertRaises(psycopg2.errors.CheckViolation),
                mute_logger("odoo.sql_db"),
                self.env.cr.savepoint(),
            ):
                self.shopee.write(vals)
                self.shopee.flush_recordset()

    def test_rules_pushed_per_channel(self):
        """A rule changed on Shopee flags its SKUs and pushes them: Shopee shows
        the allocated quantity, Lazada the whole free quantity; a SKU's own rule
        reaches Shopee too."""
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        with trap_jobs() as trap:
            self.shopee.write({"stock_buffer": 4, "stock_share": 50})
            trap.assert_jobs_count(1, only=self.shopee._export_stock_job)
            self.assertEqual(
                self.env["omni.channel.product"]
                .search([("stock_dirty", "=", True)])
                .channel_id,
                self.shopee,
            )
            trap.perform_enqueued_jobs()
        shopee_stock = self.sim_stock("shopee")
        self.assertEqual(shopee_stock[self.sku], 48)
        self.assertEqual(set(shopee_stock.values()), {48})
        self.assertEqual(len(shopee_stock), len(self.products))
        # a SKU's own cap
        with trap_jobs() as trap:
            self.mapping.write({"stock_rule_override": True, "stock_cap": 7})
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sim_stock("shopee")[self.sku], 7)
        self.assertEqual(self.mapping.last_stock_sent, 7)
        # an order on TikTok Shop: Lazada shows the free quantity, Shopee its part
        order = self.create_order(
            self.channels["tiktok"], lines=[(self.product, 20, 10.0)]
        )
        with trap_jobs() as trap:
            self.channels["tiktok"]._omni_stock_changed(order.order_line.product_id)
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sim_stock("lazada")[self.sku], 80)
        self.assertEqual(self.sim_stock("shopee")[self.sku], 7)
        self.assertEqual(self.sim_stock("tiktok")[self.sku], 80)
        with trap_jobs() as trap:
            self.mapping.write({"stock_cap": 0, "stock_share": 25})
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sim_stock("shopee")[self.sku], 20)  # 80 × 25 %

    def test_push_switched_on(self):
        """Stock push switched on: every SKU of the channel is pushed."""
        lazada = self.channels["lazada"]
        lazada.stock_sync = False
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        with trap_jobs() as trap:
            self.channels["tiktok"]._omni_stock_changed(self.product)
            self.assertNotIn(
                f"channel_connectors.stock:{lazada.id}",
                [j.identity_key for j in trap.enqueued_jobs],
            )
        with trap_jobs() as trap:
            lazada.stock_sync = True
            trap.assert_jobs_count(1, only=lazada._export_stock_job)
            trap.perform_enqueued_jobs()
        self.assertEqual(len(self.sim_stock("lazada")), len(self.products))
