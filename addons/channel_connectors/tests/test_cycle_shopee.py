"""Full cycle of a Shopee order through the sync engine and the Shopee simulator."""

from odoo.tests import tagged

from .common import ConnectorCommon, load_simulator

PARTNER_ID = "2001887"
PARTNER_KEY = "shopee-partner-key"
SHOP_ID = "600001"


@tagged("post_install", "-at_install")
class TestShopeeCycle(ConnectorCommon):
    platform = "shopee"

    @classmethod
    def _start_simulator(cls):
        simulator = load_simulator("shopee", "ShopeeSimulator")
        return simulator(orders=25, seed=7).start()

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            api_base_url=cls.sim.url,
            app_key=PARTNER_ID,
            app_secret=PARTNER_KEY,
            shop_id=SHOP_ID,
            page_limit=7,
            initial_import_days=30,
        )

    def _authorise(self):
        code = self.sim_post("/_sim/auth/code")["code"]
        self.channel._connector_exchange_code(code)

    def map_skus(self, order):
        """A product per SKU of ``order``, in stock, mapped with its item ref."""
        for line in order.order_line.filtered("channel_sku"):
            product = self._create_product(
                line.channel_sku.title(), f"P-{line.channel_sku}", 10.0, qty=50.0
            )
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": line.channel_sku,
                    "channel_item_ref": line.channel_item_ref,
                    "product_id": product.id,
                }
            )

    def import_again(self, external_id):
        with self.jobs() as trap:
            self.channel._enqueue_import(external_id)
            self.run_jobs(trap)

    def test_full_cycle(self):
        """import → confirm → ship (drop-off) with tracking → status on Shopee →
        delivery → invoice; stock pushed after the delivery."""
        orders = self.sim_state()["orders"]
        external_id = next(
            order_sn
            for order_sn, data in sorted(orders.items())
            if data["status"] == "READY_TO_SHIP"
            and data["channel"] == "Ninja Van"
            and len(data["packages"]) == 1
        )
        self.pull()
        self.assertEqual(
            set(self.channel_orders().mapped("channel_order_ref")), set(orders)
        )
        order = self.channel_orders().filtered(
            lambda o: o.channel_order_ref == external_id
        )
        self.assertEqual(order.channel_status, "READY_TO_SHIP")
        self.assertAlmostEqual(
            order.channel_amount_total, orders[external_id]["amounts"]["total_amount"]
        )
        self.map_skus(order)
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        with self.jobs() as trap:
            order.action_channel_accept()
            self.assertEqual(order.state, "sale")
            wizard = (
                self.env["channel.ship.wizard"]
                .with_context(active_model="sale.order", active_ids=order.ids)
                .create({"method": "dropoff"})
            )
            wizard.action_arrange()
            self.run_jobs(trap)
        self.assertTrue(order.channel_shipped)
        sim_order = self.sim_state()["orders"][external_id]
        self.assertEqual(sim_order["status"], "PROCESSED")
        self.assertEqual(sim_order["shipping_methods"], ["dropoff"])
        self.assertEqual(order.channel_status, "PROCESSED")
        # the integrated channel gives its tracking number a little later (the
        # order's update time does not move: Odoo gets it with the next status)
        self.sim_post("/_sim/clock", {"advance": 60})
        # the label
        order.action_channel_print_label()
        self.assertTrue(order.label_printed)
        self.assertTrue(order.channel_label_id.raw.startswith(b"%PDF"))
        # collected by the courier: SHIPPED on Shopee, and in Odoo after a pull
        self.sim_post("/_sim/clock", {"advance": 4000})
        sim_order = self.sim_state()["orders"][external_id]
        self.assertEqual(sim_order["status"], "SHIPPED")
        self.import_again(external_id)
        self.assertEqual(order.channel_status, "SHIPPED")
        self.assertTrue(order.tracking_ref)
        self.assertEqual(sim_order["tracking_numbers"], [order.tracking_ref])
        # the delivery: invoice posted, stock pushed
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, order.amount_total)
        self.assertEqual(order.lifecycle_state, "fulfilled")
        stock = self.sim_state()["stock"]
        for line in order.order_line.filtered("channel_sku"):
            mapping = self.env["omni.channel.product"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("product_id", "=", line.product_id.id),
                ]
            )
            self.assertTrue(mapping.stock_sent_at)
            self.assertEqual(
                stock["by_sku"][line.channel_sku], int(mapping.last_stock_sent)
            )
        # a later pull does not duplicate it
        self.pull()
        self.assertEqual(
            self.env["sale.order"].search_count(
                [
                    ("channel_id", "=", self.channel.id),
                    ("channel_order_ref", "=", external_id),
                ]
            ),
            1,
        )
