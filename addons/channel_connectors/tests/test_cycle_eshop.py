"""The e-shop XML exchange through the sync engine, against the simulator: only
importable orders come in (buffered), confirming in Odoo sends Potwierdzone,
delivered + invoiced sends Zrealizowane, errors land in the sync log."""

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from .common import ENGINE_LOGGER, ConnectorCommon, OrderSourceMixin


@tagged("post_install", "-at_install")
class TestEshopCycle(OrderSourceMixin, ConnectorCommon):
    platform = "eshop_xml"
    simulator = ("eshop", "EshopSimulator")
    simulator_options = {"orders": 25, "seed": 7, "export_delay": 60}

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            app_key="eshop-key",
            page_limit=7,
        )

    # ---- helpers ---------------------------------------------------------------------
    def sim_order_id(self, **wanted):
        return next(
            oid
            for oid, order in sorted(self.sim_orders().items())
            if all(order[key] == value for key, value in wanted.items())
        )

    def map_skus(self, order):
        for sku in sorted(set(order.order_line.mapped("channel_sku")) - {False}):
            product = self._create_product(sku.title(), f"ES-{sku}", 10.0, qty=50.0)
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": sku,
                    "product_id": product.id,
                }
            )
        # the mappings relink the open lines
        self.assertFalse(order.order_line.filtered("is_unlinked"))

    def perform_failing(self, trap, exception):
        """Perform the first trapped job, which must raise ``exception`` (no
        assertRaises: its savepoint would roll the sync log back)."""
        job = trap.enqueued_jobs[0]
        trap.enqueued_jobs.remove(job)
        try:
            job.perform()
        except exception as exc:
            return exc
        self.fail(f"{exception.__name__} was expected")

    def logs(self, **domain):
        return self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    # ---- tests -----------------------------------------------------------------------
    def test_only_importable_orders_imported_buffered(self):
        sim = self.sim_orders()
        waiting = self.sim_order_id(state="awaiting_customer", payment="TRANSFER")
        self.pull()
        orders = self.channel_orders()
        importable = {
            oid for oid, o in sim.items() if o["released"] and o["importable"]
        }
        self.assertEqual(set(orders.mapped("channel_order_ref")), importable)
        self.assertNotIn(waiting, orders.mapped("channel_order_ref"))
        self.assertEqual(self.channel.import_cursor, str(self.sim_state()["cursor"]))
        for order in orders:
            expected = sim[order.channel_order_ref]
            self.assertEqual(order.channel_status, expected["state"])
            self.assertEqual(order.channel_amount_total, float(expected["total"]))
            if expected["state"] == "cancelled":
                self.assertEqual(order.lifecycle_state, "cancelled")
            else:
                self.assertEqual(order.lifecycle_state, "buffered")
                self.assertEqual(order.state, "draft")
        # the buyer confirms: the next pull (from the cursor) brings the order in
        self.sim_post(f"/_sim/orders/{waiting}/customer_confirm")
        self.pull()
        order = self.order_of(waiting)
        self.assertTrue(order)
        self.assertEqual(order.channel_status, "awaiting_shop")
        self.assertEqual(order.lifecycle_state, "buffered")
        self.assertEqual(len(self.channel_orders()), len(orders) + 1)
        self.assertEqual(
            [e["order_ids"] for e in self.sim_state()["exports"]][-1], [int(waiting)]
        )

    def test_confirm_then_fulfil(self):
        external_id = self.sim_order_id(state="awaiting_shop", payment="TRANSFER")
        self.pull()
        order = self.order_of(external_id)
        self.assertEqual(order.lifecycle_state, "buffered")
        self.map_skus(order)
        # confirming in Odoo (the order leaves the buffer): Potwierdzone
        with self.jobs() as trap:
            order.action_channel_accept()
            self.run_jobs(trap)
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertEqual(self.sim_orders()[external_id]["state"], "confirmed")
        update = self.sim_state()["status_updates"][-1]
        self.assertEqual(
            (update["order_id"], update["status"]), (external_id, "Potwierdzone")
        )
        self.pull()
        self.assertEqual(order.channel_status, "confirmed")
        # a tracking number, the delivery and the invoice: Zrealizowane
        with self.jobs() as trap:
            order.tracking_ref = "INPOST-1234567890"
            self.deliver(order)
            self.run_jobs(trap)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(order.lifecycle_state, "fulfilled")
        sim_order = self.sim_orders()[external_id]
        self.assertEqual(sim_order["state"], "fulfilled")
        self.assertIn(["FS", invoice.name], sim_order["documents"])
        self.assertEqual(sim_order["tracking"], "INPOST-1234567890")
        # the delivery note (WZ) goes with it, and Zrealizowane is sent once
        delivery = order.picking_ids.filtered(lambda p: p.state == "done")
        self.assertTrue(delivery)
        self.assertIn(["WZ", delivery.name], sim_order["documents"])
        fulfilled = [
            u
            for u in self.sim_state()["status_updates"]
            if u["order_id"] == external_id and u["status"] == "Zrealizowane"
        ]
        self.assertEqual(len(fulfilled), 1)
        self.assertTrue(order.channel_fulfilled_sent)
        with self.jobs() as trap:
            order._connector_enqueue_fulfilled()
            self.assertFalse(trap.enqueued_jobs)
        self.pull()
        self.assertEqual(order.channel_status, "fulfilled")
        self.assertFalse(self.logs(state="failed"))
        self.assertEqual(
            self.env["sale.order"].search_count(
                [
                    ("channel_id", "=", self.channel.id),
                    ("channel_order_ref", "=", external_id),
                ]
            ),
            1,
        )

    def test_illegal_transition_in_sync_log(self):
        external_id = self.sim_order_id(state="awaiting_shop")
        self.pull()
        order = self.order_of(external_id)
        # the shop cancels the order meanwhile; Odoo confirms it
        self.sim_post(f"/_sim/orders/{external_id}/event", {"event": "cancel"})
        with self.jobs() as trap, mute_logger(ENGINE_LOGGER):
            order.action_channel_accept()
            error = self.perform_failing(trap, UserError)
        self.assertIn("it cannot become 'Potwierdzone'", str(error))
        (log,) = self.logs(state="failed", operation="order/accept")
        self.assertIn(f"order {external_id} is 'Anulowane' (cancelled)", log.message)
        self.assertEqual(log.external_ref, external_id)
        self.assertEqual(self.sim_orders()[external_id]["state"], "cancelled")
        # the next pull brings the cancellation
        self.pull()
        self.assertEqual(order.channel_status, "cancelled")
        self.assertEqual(order.lifecycle_state, "cancelled")

    def test_errors_in_sync_log(self):
        # malformed records: skipped and logged with their payload, good copies follow
        self.sim_post("/_sim/faults", {"malformed": 0.3})
        with mute_logger(ENGINE_LOGGER):
            self.pull()
        skipped = self.logs(state="skipped")
        self.assertTrue(skipped)
        self.assertTrue(all('Malformed="true"' in log.payload for log in skipped))
        # the XML record names its order: the log has the reference and a Retry
        self.assertTrue(all(skipped.mapped("external_ref")))
        self.assertEqual(set(skipped.mapped("retry_method")), {"_import_order_job"})
        self.sim_post("/_sim/faults", {})
        with self.jobs() as trap:
            skipped[0].action_retry()
            self.assertEqual(
                [(j.method_name, j.args[0]) for j in trap.enqueued_jobs],
                [("_import_order_job", skipped[0].external_ref)],
            )
            self.run_jobs(trap)
        self.assertTrue(self.order_of(skipped[0].external_ref))
        importable = {
            oid
            for oid, o in self.sim_orders().items()
            if o["released"] and o["importable"]
        }
        self.assertEqual(
            set(self.channel_orders().mapped("channel_order_ref")), importable
        )
        # 429: the job is retried after the shop's Retry-After
        self.sim_post(
            "/_sim/faults", {"rate_429": 1.0, "burst_429": 9, "retry_after": 9}
        )
        with self.jobs() as trap:
            self.channel._enqueue_pull()
            error = self.perform_failing(trap, RetryableJobError)
        self.assertEqual(error.seconds, 9)
        self.assertTrue(self.logs(state="failed", operation="orders/list"))
        # a wrong API key: a clear, final error
        self.sim_post("/_sim/faults", {})
        self.channel.app_key = "not-the-key"
        with self.jobs() as trap, mute_logger(ENGINE_LOGGER):
            self.channel._enqueue_pull()
            self.perform_failing(trap, UserError)
        messages = self.logs(state="failed", operation="orders/list").mapped("message")
        self.assertTrue(any("wrong X-Api-Key" in m for m in messages), messages)
