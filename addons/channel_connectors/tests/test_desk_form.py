"""The order desk's form for orders of a connected channel: the next step on the
channel (the one primary button) and the channel status in words, on the Lazada
simulator."""

from odoo.tests import tagged

from ..adapters import get_adapter_class
from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestLazadaDeskForm(LazadaCommon):
    def test_next_step_follows_the_channel(self):
        created = self.sim_post("/_sim/orders/new", {"count": 1})["order_ids"]
        self.pull()
        order = self.order_of(str(created[0]))
        self.map_skus(order)
        self.assertTrue(order.omni_channel_form)
        self.assertEqual(order.channel_status, "pending")
        self.assertEqual(order.channel_status_label, "Pending")
        # Lazada takes no acceptance: the order is confirmed, packed on shipment
        self.assertEqual(order.omni_next_action, "confirm")
        with self.jobs() as trap:
            order.action_channel_accept()
            self.run_jobs(trap)
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertEqual(order.omni_next_action, "arrange_shipment")
        with self.jobs() as trap:
            self.ship(order, "dropoff")
            self.run_jobs(trap)
        order.invalidate_recordset()
        self.assertTrue(order.channel_shipped)
        self.assertEqual(order.omni_next_action, "print_label")
        order.action_channel_print_label()
        self.assertTrue(order.label_printed)
        self.assertEqual(order.omni_next_action, "none")
        # the raw code stays stored and searchable
        self.assertIn(
            order,
            self.env["sale.order"].search(
                [("channel_status", "=", order.channel_status)]
            ),
        )
        self.assertEqual(
            order.channel_status_label,
            get_adapter_class("lazada").status_label(order.channel_status),
        )

    def test_desk_form_buttons(self):
        """The desk's form has the next step's buttons; Odoo's form does not."""
        views = self.env["sale.order"].get_views(
            [(self.env.ref("omnichannel_orders.sale_order_view_form_desk").id, "form")]
        )
        arch = views["views"]["form"]["arch"]
        for button in (
            "omni_next_accept",
            "omni_next_arrange_shipment",
            "omni_next_print_label",
        ):
            self.assertIn(f'id="{button}"', arch)
        plain = self.env["sale.order"].get_views([(False, "form")])["views"]["form"]
        self.assertNotIn("omni_next_arrange_shipment", plain["arch"])
