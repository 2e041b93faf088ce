from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import DropshipCommon

SALE_LOGGER = "odoo.addons.supplier_dropship.models.sale_order"


@tagged("post_install", "-at_install")
class TestTouchlessDispatch(DropshipCommon):
    """The touchless cron only dispatches chunk jobs, oldest orders first; an
    order that failed backs off, so old failing orders never starve new ones."""

    def create_failing_order(self):
        order = self.create_dropship_order(
            [(self.kettle, 1, self.ingram)], channel=self.channel_touchless
        )
        # an imported line with a unit of another category: cannot be planned
        self.store_foreign_unit(order.order_line)
        return order

    def create_good_order(self):
        return self.create_dropship_order(
            [(self.earbuds, 2, self.techdata)], channel=self.channel_touchless
        )

    def not_shipped_notes(self, order):
        return len(
            order.message_ids.filtered(lambda m: "Not shipped" in (m.body or ""))
        )

    def run_cron(self, **kwargs):
        """One cron run and the jobs it enqueued, as the job runner performs
        them; the orders it dispatched."""
        SaleOrder = self.env["sale.order"]
        with trap_jobs() as trap:
            dispatched = SaleOrder._cron_dropship_touchless(**kwargs)
            if trap.enqueued_jobs:
                with self.assertLogs(SALE_LOGGER, level="WARNING"):
                    trap.perform_enqueued_jobs()
        return dispatched

    def assert_backing_off(self, order, attempts, minutes):
        now = fields.Datetime.now()
        self.assertFalse(order._dropship_purchase_orders())
        self.assertEqual(order.dropship_attempt_count, attempts, order.name)
        wait = order.dropship_next_attempt - now
        self.assertGreater(wait, timedelta(minutes=minutes - 1), order.name)
        self.assertLessEqual(wait, timedelta(minutes=minutes), order.name)

    def test_chunk_jobs_ship_a_new_order_in_the_first_run(self):
        failing = (
            self.create_failing_order()
            | self.create_failing_order()
            | self.create_failing_order()
        )
        good = self.create_good_order()
        SaleOrder = self.env["sale.order"]
        with trap_jobs() as trap:
            dispatched = SaleOrder._cron_dropship_touchless(chunk_size=2)
            # oldest first, in jobs of two orders, deduplicated
            self.assertEqual(dispatched.ids, (failing | good).ids)
            trap.assert_jobs_count(2)
            for chunk in (failing[:2], failing[2] | good):
                trap.assert_enqueued_job(
                    chunk._dropship_touchless_job,
                    properties={"identity_key": identity_exact},
                )
            # the cron itself ships nothing, and does not hand the same orders
            # to a second job while the first holds them
            self.assertFalse(good._dropship_purchase_orders())
            self.assertFalse(SaleOrder._cron_dropship_touchless(chunk_size=2))
            trap.assert_jobs_count(2)
            with self.assertLogs(SALE_LOGGER, level="WARNING") as logs:
                trap.perform_enqueued_jobs()
        self.assertEqual(len(logs.records), 3, logs.output)
        po = good._dropship_purchase_orders()
        self.assertEqual(po.dropship_distributor_id, self.techdata)
        self.assertEqual(po.dropship_transmission_state, "acknowledged")
        self.assertFalse(good.dropship_next_attempt)
        self.assertEqual(good.dropship_attempt_count, 0)
        for order in failing:
            self.assert_backing_off(order, 1, 5)
        # the next run does not try them again before their back-off is over
        self.assertFalse(self.run_cron(chunk_size=2))

    def test_oldest_orders_first(self):
        waiting = self.create_good_order()
        failing = self.create_failing_order() | self.create_failing_order()
        # newer orders never hold up an older one
        dispatched = self.run_cron(limit=2)
        self.assertEqual(
            waiting._dropship_purchase_orders().dropship_transmission_state,
            "acknowledged",
        )
        self.assertEqual(dispatched.ids, [waiting.id, failing[0].id])
        self.assertEqual(self.run_cron(limit=2), failing[1])
        self.assertFalse(self.run_cron(limit=2))
        for order in failing:
            self.assert_backing_off(order, 1, 5)

    def test_failing_old_orders_do_not_starve_new_ones(self):
        # more failing old orders than a run takes
        old = [self.create_failing_order() for _ in range(3)]
        first = self.run_cron(limit=2)
        good = self.create_good_order()
        second = self.run_cron(limit=2)
        # the first run after it came ships the new order; the orders that just
        # failed are not tried again before their back-off, each was tried once
        self.assertEqual(
            good._dropship_purchase_orders().dropship_transmission_state,
            "acknowledged",
        )
        for order in old:
            self.assertEqual(self.not_shipped_notes(order), 1, order.name)
            self.assert_backing_off(order, 1, 5)
        # oldest first
        self.assertEqual(first.ids, [old[0].id, old[1].id])
        self.assertEqual(second.ids, [old[2].id, good.id])
        # once its back-off is over an order is tried again, and waits twice as
        # long after failing again
        old[0].dropship_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        self.assertEqual(self.run_cron(limit=2), old[0])
        self.assert_backing_off(old[0], 2, 10)
        self.assertEqual(self.not_shipped_notes(old[0]), 2)
        self.assertEqual(self.not_shipped_notes(old[1]), 1)
        # fixed, it ships at its next attempt and its back-off is forgotten
        old[0].order_line.product_uom = self.env.ref("uom.product_uom_unit")
        old[0].dropship_next_attempt = fields.Datetime.now() - timedelta(seconds=1)
        with trap_jobs() as trap:
            self.assertEqual(self.env["sale.order"]._cron_dropship_touchless(), old[0])
            trap.perform_enqueued_jobs()
        self.assertTrue(old[0]._dropship_purchase_orders())
        self.assertEqual(old[0].dropship_attempt_count, 0)
        self.assertFalse(old[0].dropship_next_attempt)
