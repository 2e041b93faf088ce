import base64
import io
import json
import time
from unittest.mock import patch

from odoo import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader, PdfFileWriter

from odoo.addons.queue_job.job import identity_exact
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import OmniCommon


def blank_pdf():
    writer = PdfFileWriter()
    writer.addBlankPage(width=288, height=432)  # a 4x6" label
    stream = io.BytesIO()
    writer.write(stream)
    return base64.b64encode(stream.getvalue())


@tagged("post_install", "-at_install")
class TestBulk(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="desk_bulk",
            groups="omnichannel_orders.group_order_desk_user",
        )
        cls.channel_manual_invoice = cls._create_channel(
            "Wholesale", "WHS", invoice_policy="manual"
        )

    def _start(self, operation, orders, user=None, **wizard_values):
        """Start a bulk action as the order desk does: the list's action opens the
        wizard on the selected orders."""
        env = self.env(user=user or self.user)
        wizard = Form(
            env["omni.bulk.wizard"].with_context(
                active_model="sale.order",
                active_ids=orders.ids,
                default_operation=operation,
            )
        )
        for name, value in wizard_values.items():
            setattr(wizard, name, value)
        action = wizard.save().action_start()
        self.assertEqual(action["res_model"], "omni.bulk.operation")
        return env["omni.bulk.operation"].browse(action["res_id"])

    def _reasons(self, operation):
        return {
            line.order_id: line.message
            for line in operation.line_ids.filtered(lambda ln: ln.state == "failed")
        }

    def test_thousand_orders_confirm(self):
        """1,000 orders in one action: 10 jobs of 100; 1% fail, with their reason,
        and the 990 others are confirmed. Lightweight orders (one service line,
        nothing to deliver) keep the test short: the job machinery, not the
        confirmation, is under test."""
        started = time.time()
        service = self.env["product.product"].create(
            {"name": "Gift wrapping", "type": "service", "list_price": 5.0}
        )
        proof_channel = self._create_channel(
            "B2B desk", "B2B", channel_type="manual", require_payment_proof=True
        )
        vals_list = [
            {
                "partner_id": self.customer.id,
                "channel_id": (
                    proof_channel if index in (150, 151) else self.channel
                ).id,
                "channel_order_ref": f"BULK-{index:04d}",
                "order_line": [
                    Command.create({"product_id": service.id, "product_uom_qty": 1.0})
                ],
            }
            for index in range(1000)
        ]
        orders = (
            self.env["sale.order"]
            .with_context(omni_no_auto_process=True, tracking_disable=True)
            .create(vals_list)
        )
        cancelled = orders[500:508]
        cancelled._action_cancel()
        no_proof = orders[150:152]
        self.assertEqual(no_proof.channel_id, proof_channel)
        with trap_jobs() as trap:
            operation = self.env["omni.bulk.operation"]._omni_start("confirm", orders)
            trap.assert_jobs_count(10, only=operation._run_chunk)
            parts = [
                job for job in trap.enqueued_jobs if job.method_name == "_run_chunk"
            ]
            job = parts[0]
            self.assertEqual(job.channel, "root.omnichannel")
            self.assertEqual(job.identity_key, identity_exact(job))
            self.assertEqual(
                sorted(part.args[0] for part in parts),
                [orders[start : start + 100].ids for start in range(0, 1000, 100)],
            )
            self.assertEqual(operation.state, "queued")
            self.assertEqual(operation.progress, 0.0)
            (report,) = (
                job
                for job in trap.enqueued_jobs
                if job.method_name == "_omni_bulk_report"
            )
            self.assertEqual(report.depends_on, set(parts))
            self.assertEqual(report.channel, "root.omnichannel")
            trap.perform_enqueued_jobs()
        # who started it is told the outcome (a bus notification)
        self.flush_history()
        notes = self.env["bus.bus"].search(
            [("message", "like", "Bulk operation finished")]
        )
        self.assertEqual(len(notes), 1)
        self.assertIn("990 done, 10 failed", notes.message)
        self.assertEqual(operation.total_count, 1000)
        self.assertEqual(operation.done_count, 990)
        self.assertEqual(operation.failed_count, 10)
        self.assertEqual(operation.state, "done")
        self.assertEqual(operation.progress, 100.0)
        reasons = self._reasons(operation)
        self.assertEqual(set(reasons), set(cancelled | no_proof))
        for order in cancelled:
            self.assertIn("Only quotations can be confirmed", reasons[order])
        for order in no_proof:
            self.assertIn("without a payment proof", reasons[order])
        confirmed = orders - cancelled - no_proof
        self.assertEqual(set(confirmed.mapped("state")), {"sale"})
        self.assertEqual(set(no_proof.mapped("state")), {"draft"})
        self.assertEqual(set(cancelled.mapped("state")), {"cancel"})
        # history of the orders confirmed beside a failure is kept
        self.flush_history()
        neighbour = orders[149]
        self.assertTrue(
            neighbour.omni_event_ids.filtered(
                lambda e: e.event_type == "lifecycle" and e.to_value == "Confirmed"
            )
        )
        # a job run again (retry) does not process its orders twice
        operation._run_chunk(orders[:100].ids)
        self.assertEqual(len(operation.line_ids), 1000)
        self.assertLess(time.time() - started, 120)

    def test_small_selection_runs_at_once(self):
        orders = self.create_order() | self.create_order() | self.create_order()
        orders[2].action_confirm()
        operation = self._start("confirm", orders)
        self.assertEqual(operation.state, "done")
        self.assertEqual((operation.done_count, operation.failed_count), (2, 1))
        self.assertEqual(orders[:2].mapped("state"), ["sale", "sale"])
        self.assertEqual(len(orders[:2].picking_ids), 2, "handed to the warehouse")
        self.assertIn("this order is Sales Order", self._reasons(operation)[orders[2]])
        self.assertEqual(operation.create_uid, self.user)

    def _progress_notifications(self, partner):
        """The ``omni_bulk_progress`` payloads sent to ``partner``, oldest first."""
        self.env.cr.precommit.run()  # the bus writes its notifications at commit
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", partner.id], separators=(",", ":")
        )
        messages = [
            json.loads(note.message)
            for note in self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", channel)], order="id")
        ]
        return [m["payload"] for m in messages if m["type"] == "omni_bulk_progress"]

    def test_progress_on_the_bus(self):
        """Each chunk tells its starter how far the operation is, order by order."""
        orders = self.create_order() | self.create_order()
        orders[1].action_confirm()
        operation = self._start("confirm", orders)
        payloads = self._progress_notifications(self.user.partner_id)
        self.assertEqual(len(payloads), 1)
        payload = payloads[0]
        self.assertEqual(payload["operation_id"], operation.id)
        self.assertEqual(
            (payload["total"], payload["done"], payload["failed"]), (2, 1, 1)
        )
        self.assertEqual((payload["state"], payload["progress"]), ("done", 100.0))
        self.assertEqual(
            [(r["order_id"], r["state"]) for r in payload["results"]],
            [(orders[0].id, "done"), (orders[1].id, "failed")],
        )
        self.assertIn("Sales Order", payload["results"][1]["message"])
        self.assertEqual(payload["results"][0]["order"], orders[0].display_name)

    def test_progress_of_each_chunk(self):
        """A queued operation: one notification per chunk job, counts growing."""
        orders = self.env["sale.order"]
        for _index in range(25):
            orders |= self.create_order()
        chunk_size = patch(
            "odoo.addons.omnichannel_orders.models.omni_bulk_operation.CHUNK_SIZE", 10
        )
        with chunk_size, trap_jobs() as trap:
            operation = (
                self.env["omni.bulk.operation"]
                .with_user(self.user)
                ._omni_start("confirm", orders)
            )
            self.assertFalse(self._progress_notifications(self.user.partner_id))
            trap.perform_enqueued_jobs()
        payloads = self._progress_notifications(self.user.partner_id)
        # the parts run in any order: the count grows by each part's orders
        sizes = [len(p["results"]) for p in payloads]
        self.assertEqual(sorted(sizes), [5, 10, 10])
        self.assertEqual(
            [p["done"] for p in payloads], [sum(sizes[: i + 1]) for i in range(3)]
        )
        self.assertEqual([p["state"] for p in payloads], ["running"] * 2 + ["done"])
        self.assertEqual(operation.done_count, 25)

    def test_invoices(self):
        orders = (
            self.create_order(channel=self.channel_manual_invoice)
            | self.create_order(channel=self.channel_manual_invoice)
            | self.create_order(channel=self.channel_manual_invoice)
        )
        orders[:2].action_confirm()
        operation = self._start("invoice", orders)
        self.assertEqual((operation.done_count, operation.failed_count), (2, 1))
        self.assertEqual(orders[:2].mapped("invoice_status"), ["invoiced"] * 2)
        self.assertEqual(set(orders[:2].invoice_ids.mapped("state")), {"posted"})
        self.assertIn("nothing to invoice", self._reasons(operation)[orders[2]])

    def test_cancellations(self):
        orders = self.create_order() | self.create_order() | self.create_order()
        orders.action_confirm()
        orders[:2]._omni_register_cancel_request("Changed my mind")
        operation = self._start("cancel_approve", orders)
        self.assertEqual((operation.done_count, operation.failed_count), (2, 1))
        self.assertEqual(orders.mapped("state"), ["cancel", "cancel", "sale"])
        self.assertIn("no pending cancellation", self._reasons(operation)[orders[2]])
        orders[2]._omni_register_cancel_request("Too late")
        operation = self._start("cancel_reject", orders[2])
        self.assertEqual(operation.done_count, 1)
        self.assertEqual(orders[2].cancel_request_state, "rejected")
        self.assertEqual(orders[2].state, "sale")

    def test_print_labels_merged(self):
        orders = self.create_order() | self.create_order() | self.create_order()
        orders[:3].action_confirm()
        for order in orders[:2]:
            self.env["ir.attachment"].create(
                {
                    "name": f"label-{order.name}.pdf",
                    "datas": blank_pdf(),
                    "mimetype": "application/pdf",
                    "res_model": "sale.order",
                    "res_id": order.id,
                }
            )
        operation = self._start("print_labels", orders)
        self.assertEqual((operation.done_count, operation.failed_count), (2, 1))
        self.assertIn("no shipping label", self._reasons(operation)[orders[2]])
        self.assertEqual(orders.mapped("label_printed"), [True, True, False])
        action = operation.action_download_labels()
        self.assertIn(str(operation.label_attachment_id.id), action["url"])
        merged = base64.b64decode(operation.label_attachment_id.datas)
        self.assertEqual(len(PdfFileReader(io.BytesIO(merged)).pages), 2)

    def test_arrange_shipment(self):
        orders = self.create_order() | self.create_order()
        orders[0].action_confirm()
        operation = self._start(
            "arrange_shipment",
            orders,
            ship_method="pickup",
            pickup_date="2030-01-15",
            time_slot="09:00-12:00",
        )
        self.assertEqual(
            operation.params,
            {
                "method": "pickup",
                "pickup_date": "2030-01-15",
                "time_slot": "09:00-12:00",
                "address_id": self.env.company.partner_id.id,
                "courier": False,
                "tracking_ref": False,
            },
        )
        self.assertEqual((operation.done_count, operation.failed_count), (1, 1))
        self.assertIn("Confirm the order first", self._reasons(operation)[orders[1]])
        picking = orders[0].picking_ids
        self.assertEqual(str(picking.scheduled_date.date()), "2030-01-15")
        self.assertIn(
            "09:00-12:00",
            " ".join(filter(None, orders[0].omni_event_ids.mapped("note"))),
        )

    def test_operation_views_and_menu(self):
        operation = self._start("confirm", self.create_order())
        views = operation.get_views([(False, "form"), (False, "list")])
        self.assertIn("progressbar", views["views"]["form"]["arch"])
        menu = self.env.ref("omnichannel_orders.omni_bulk_operation_menu")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids()
        )
        self.assertEqual(
            self.env["omni.bulk.operation"].with_user(self.user).search([]), operation
        )
