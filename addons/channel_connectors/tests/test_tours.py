"""The order desk's form of a Lazada order in a real browser (headless Chromium),
against the Lazada simulator: confirmed and its shipment arranged from the one
primary button. The last screen is kept as a screenshot."""

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.omnichannel_orders.tests.tour_common import ScreenshotTourMixin
from odoo.addons.queue_job.job import Job

from .test_lazada import LazadaCommon

ORDER_DESK = "/odoo/action-omnichannel_orders.sale_order_action_order_desk"


@tagged("post_install", "-at_install")
class TestMarketplaceOrderTour(ScreenshotTourMixin, LazadaCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="tour_lazada_desk",
            name="Tour Lazada Desk",
            groups="omnichannel_orders.group_order_desk_user",
        )

    def run_stored_jobs(self, method_name):
        """Run the jobs stored for ``method_name`` as the job runner would."""
        records = self.env["queue.job"].search(
            [("method_name", "=", method_name), ("state", "=", "pending")]
        )
        for record in records:
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()
        return records

    def test_arrange_shipment_from_the_primary_button(self):
        created = self.sim_post("/_sim/orders/new", {"count": 1})["order_ids"]
        self.pull()
        order = self.order_of(str(created[0]))
        self.map_skus(order)
        self.assertEqual(order.omni_next_action, "confirm")
        self._start_tour(
            f"{ORDER_DESK}/{order.id}",
            "omni_marketplace_order_tour",
            "omni_marketplace_order_form",
        )
        self.assertEqual(order.state, "sale")
        # the wizard asked the channel: its ship job, run as the runner would
        self.assertTrue(self.run_stored_jobs("_channel_ship_job"))
        self.flush_history()
        self.assertTrue(order.channel_shipped)
        self.assertTrue(order.tracking_ref)
        sim_order = self.sim_orders()[order.channel_order_ref]
        self.assertIn("ready_to_ship", sim_order["statuses"])
        self.assertEqual(order.omni_next_action, "print_label")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_desk_lists_channel_statuses_in_words(self):
        self.pull()
        orders = self.channel_orders()
        self.assertTrue(orders)
        self.assertIn("pending", orders.mapped("channel_status"))
        self._start_tour(ORDER_DESK, "omni_order_desk_tour", "omni_order_desk")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())
