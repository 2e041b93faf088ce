"""Full cycle of a Shopee order through the sync engine and the Shopee simulator."""

from odoo.tests import tagged

from .common import SHOPEE_CREDENTIALS, ConnectorCommon, MarketplaceCycleMixin


@tagged("post_install", "-at_install")
class TestShopeeCycle(MarketplaceCycleMixin, ConnectorCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS

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
        order = self.order_of(external_id)
        self.assertEqual(order.channel_status, "READY_TO_SHIP")
        self.assertAlmostEqual(
            order.channel_amount_total, orders[external_id]["amounts"]["total_amount"]
        )
        self.map_skus(order)
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        self.accept_and_ship(order, "dropoff")
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
        mappings = self.deliver_and_invoice(order)
        stock = self.sim_state()["stock"]
        for line, mapping in mappings.items():
            self.assertEqual(
                stock["by_sku"][line.channel_sku], int(mapping.last_stock_sent)
            )
        # a later pull does not duplicate it
        self.assert_pulled_once(external_id)
