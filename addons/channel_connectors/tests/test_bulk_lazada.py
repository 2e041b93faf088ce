"""The order desk's bulk actions and invoicing on confirmation on a connected
channel (the Lazada simulator): the shipment is arranged and the labels fetched on
the channel, and the invoice number waits for the shipment without retrying."""

import base64
import io

from odoo.tests import tagged
from odoo.tools.pdf import PdfFileReader

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestLazadaBulk(LazadaCommon):
    def confirmed_orders(self, count):
        orders = self.pending_orders(count)
        with self.jobs() as trap:
            orders.action_channel_accept()
            self.run_jobs(trap)
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        return orders

    def pending_orders(self, count):
        """``count`` new pending orders of the simulator, imported and mapped."""
        created = self.sim_post("/_sim/orders/new", {"count": count})["order_ids"]
        self.pull()
        orders = self.channel_orders().filtered(
            lambda o: o.channel_order_ref in {str(ref) for ref in created}
        )
        self.assertEqual(len(orders), count)
        self.map_skus(orders)
        return orders

    def test_bulk_arrange_shipment_and_labels(self):
        orders = self.confirmed_orders(3)
        Bulk = self.env["omni.bulk.operation"]
        with self.jobs() as trap:
            operation = Bulk._omni_start(
                "arrange_shipment", orders, {"method": "dropoff"}
            )
            self.assertEqual(operation.done_count, 3)
            self.assertEqual(
                [j.method_name for j in trap.enqueued_jobs], ["_channel_ship_job"] * 3
            )
            self.run_jobs(trap)
        sim = self.sim_orders()
        for order in orders:
            self.assertTrue(order.channel_shipped)
            self.assertTrue(order.tracking_ref)
            sim_order = sim[order.channel_order_ref]
            self.assertIn("ready_to_ship", sim_order["statuses"])
            self.assertEqual(sim_order["tracking_numbers"], [order.tracking_ref])
        # arranged already: a second bulk action says so
        again = Bulk._omni_start("arrange_shipment", orders[:1], {"method": "dropoff"})
        self.assertEqual(again.failed_count, 1)
        self.assertIn("already arranged", again.failure_ids.message)
        # the labels come from the channel, in one PDF
        operation = Bulk._omni_start("print_labels", orders)
        self.assertEqual((operation.done_count, operation.failed_count), (3, 0))
        self.assertTrue(all(orders.mapped("label_printed")))
        self.assertEqual(
            operation.line_ids.attachment_id, orders.channel_label_id, "stored"
        )
        operation.action_download_labels()
        merged = base64.b64decode(operation.label_attachment_id.datas)
        self.assertTrue(merged.startswith(b"%PDF"))
        pages = sum(
            len(PdfFileReader(io.BytesIO(label.raw)).pages)
            for label in orders.channel_label_id
        )
        self.assertEqual(len(PdfFileReader(io.BytesIO(merged)).pages), pages)

    def test_bulk_labels_need_the_shipment(self):
        orders = self.confirmed_orders(1)
        operation = self.env["omni.bulk.operation"]._omni_start("print_labels", orders)
        self.assertEqual(operation.failed_count, 1)
        self.assertIn("no shipping label yet", operation.failure_ids.message)

    def test_invoice_number_with_invoicing_on_confirmation(self):
        self.channel.invoice_policy = "confirm"
        orders = self.pending_orders(1)
        with self.jobs() as trap:
            orders.action_channel_accept()
            self.flush_history()
            invoice = orders.invoice_ids
            self.assertEqual(invoice.state, "posted")
            # not shipped yet: nothing waits and retries
            self.assertFalse(
                [
                    j
                    for j in trap.enqueued_jobs
                    if j.method_name == "_channel_invoice_number_job"
                ]
            )
            self.ship(orders, "dropoff")
            self.run_jobs(trap)
        self.assertTrue(orders.channel_shipped)
        items = self.sim_orders()[orders.channel_order_ref]["items"]
        self.assertEqual(
            {item["invoice_number"] for item in items.values()}, {invoice.name}
        )
