import base64
import logging

from psycopg2 import errorcodes
from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import split_every
from odoo.tools.pdf import merge_pdf

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

_logger = logging.getLogger(__name__)

#: orders per queue job
CHUNK_SIZE = 100
#: up to this many orders, the operation runs at once, in the request
SYNC_LIMIT = 20
#: database errors a job must not swallow: the job is retried instead
CONCURRENCY_ERRORS = {
    errorcodes.LOCK_NOT_AVAILABLE,
    errorcodes.SERIALIZATION_FAILURE,
    errorcodes.DEADLOCK_DETECTED,
}

OPERATIONS = [
    ("confirm", "Confirm"),
    ("arrange_shipment", "Arrange Shipment"),
    ("print_labels", "Print Labels"),
    ("invoice", "Create Invoices"),
    ("cancel_approve", "Approve Cancellations"),
    ("cancel_reject", "Reject Cancellations"),
]


class OmniBulkOperation(models.Model):
    """One bulk action of the order desk over any number of orders: confirm,
    arrange shipment, print labels, invoice, answer cancellation requests.

    The orders are processed in chunks of 100 by queue jobs (or at once for a
    small selection, through the same code); each order gets a result line, done
    or failed with the reason, and a failure never stops the other orders."""

    _name = "omni.bulk.operation"
    _description = "Order Desk Bulk Operation"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    operation = fields.Selection(selection=OPERATIONS, required=True, readonly=True)
    order_ids = fields.Many2many(
        comodel_name="sale.order",
        relation="omni_bulk_operation_sale_order_rel",
        column1="operation_id",
        column2="order_id",
        string="Orders",
        readonly=True,
    )
    params = fields.Json(
        string="Parameters",
        readonly=True,
        help="The operation's options, e.g. the shipping method and pickup slot.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    total_count = fields.Integer(string="Total", readonly=True)
    line_ids = fields.One2many(
        comodel_name="omni.bulk.operation.line",
        inverse_name="operation_id",
        string="Results",
        readonly=True,
    )
    failure_ids = fields.One2many(
        comodel_name="omni.bulk.operation.line",
        inverse_name="operation_id",
        string="Failures",
        domain=[("state", "=", "failed")],
        readonly=True,
    )
    done_count = fields.Integer(string="Done", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    pending_count = fields.Integer(string="To Do", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts")
    state = fields.Selection(
        selection=[("queued", "Queued"), ("running", "Running"), ("done", "Done")],
        compute="_compute_counts",
    )
    job_uuids = fields.Char(readonly=True, copy=False)
    job_failed_count = fields.Integer(
        string="Failed Jobs",
        compute="_compute_counts",
        help="Jobs that stopped before processing their orders (see Queue Jobs).",
    )
    label_attachment_id = fields.Many2one(
        comodel_name="ir.attachment", string="Labels", readonly=True, copy=False
    )

    def _compute_counts(self):
        """From the result lines (never written on the operation itself, so that
        parallel jobs do not fight over its row)."""
        groups = self.env["omni.bulk.operation.line"]._read_group(
            [("operation_id", "in", self.ids)],
            ["operation_id", "state"],
            ["__count"],
        )
        counts = {(operation.id, state): count for operation, state, count in groups}
        for operation in self:
            done = counts.get((operation.id, "done"), 0)
            failed = counts.get((operation.id, "failed"), 0)
            jobs = operation._omni_jobs()
            active = jobs.filtered(
                lambda j: j.state in ("wait_dependencies", "pending", "enqueued")
                or j.state == "started"
            )
            operation.done_count = done
            operation.failed_count = failed
            operation.pending_count = max(operation.total_count - done - failed, 0)
            operation.job_failed_count = len(
                jobs.filtered(lambda j: j.state == "failed")
            )
            operation.progress = (
                100.0 * (done + failed) / operation.total_count
                if operation.total_count
                else 100.0
            )
            if not operation.pending_count or (jobs and not active):
                operation.state = "done"
            elif done or failed or jobs.filtered(lambda j: j.state == "started"):
                operation.state = "running"
            else:
                operation.state = "queued"

    def _omni_jobs(self):
        self.ensure_one()
        uuids = (self.job_uuids or "").split(",")
        if not self.job_uuids:
            return self.env["queue.job"].sudo()
        return self.env["queue.job"].sudo().search([("uuid", "in", uuids)])

    # ------------------------------------------------------------------ start
    @api.model
    def _omni_start(self, operation, orders, params=None):
        """Create the bulk operation of ``operation`` over ``orders`` and start it."""
        if not orders:
            raise UserError(self.env._("Select the orders to process."))
        label = dict(self._fields["operation"]._description_selection(self.env))[
            operation
        ]
        bulk = self.create(
            {
                "name": self.env._(
                    "%(operation)s: %(count)s orders",
                    operation=label,
                    count=len(orders),
                ),
                "operation": operation,
                "order_ids": [fields.Command.set(orders.ids)],
                "params": params or {},
                "company_id": orders[:1].company_id.id or self.env.company.id,
                "total_count": len(orders),
            }
        )
        bulk._omni_enqueue(orders.ids)
        return bulk

    def _omni_enqueue(self, order_ids):
        """Split the orders in chunks: one queue job per chunk; a small selection
        runs at once, through the same ``_run_chunk``."""
        self.ensure_one()
        if len(order_ids) <= SYNC_LIMIT:
            self._run_chunk(order_ids)
            return
        chunks = list(split_every(CHUNK_SIZE, order_ids, list))
        # the jobs' channel is their job function's (data/queue_job_data.xml)
        parts = [
            self.delayable(
                description=self.env._(
                    "%(name)s (part %(index)s of %(count)s)",
                    name=self.name,
                    index=index,
                    count=len(chunks),
                ),
                identity_key=identity_exact,
            )._run_chunk(chunk)
            for index, chunk in enumerate(chunks, start=1)
        ]
        # when every part is done, one job tells who started the operation
        report = self.delayable(
            description=self.env._("%(name)s: report", name=self.name),
            identity_key=identity_exact,
        )._omni_bulk_report()
        group(*parts).on_done(report).delay()
        self.job_uuids = ",".join(
            part._generated_job.uuid for part in parts if part._generated_job
        )

    def _omni_bulk_report(self):
        """Job (once every part is done): a notification to the user who started
        the operation, with its outcome."""
        self.ensure_one()
        self.invalidate_recordset()
        message = self.env._(
            "%(name)s: %(done)s done, %(failed)s failed.",
            name=self.name,
            done=self.done_count,
            failed=self.failed_count,
        )
        self.create_uid._bus_send(
            "simple_notification",
            {
                "type": "warning" if self.failed_count else "success",
                "title": self.env._("Bulk operation finished"),
                "message": message,
                "sticky": bool(self.failed_count),
            },
        )
        return message

    # ------------------------------------------------------------------ run
    def _run_chunk(self, order_ids):
        """Job: process the orders ``order_ids`` (ids) of this operation, record
        one result line per order, and return a summary."""
        self.ensure_one()
        Line = self.env["omni.bulk.operation.line"]
        seen = set(
            Line.search(
                [("operation_id", "=", self.id), ("order_id", "in", order_ids)]
            ).order_id.ids
        )
        todo = [order_id for order_id in order_ids if order_id not in seen]
        orders = self.env["sale.order"].browse(todo)
        existing = orders.exists()
        results = {}
        for order_id in set(todo) - set(existing.ids):
            results[order_id] = ("failed", self.env._("The order was deleted."), None)
        eligible = self.env["sale.order"]
        for order in existing:
            reason = self._omni_bulk_check(order)
            if reason:
                results[order.id] = ("failed", reason, None)
            else:
                eligible |= order
        self._omni_bulk_process(eligible, results)
        Line.create(
            [
                {
                    "operation_id": self.id,
                    "order_id": order_id if order_id in existing.ids else False,
                    "state": state,
                    "message": message,
                    "attachment_id": attachment.id if attachment else False,
                }
                for order_id, (state, message, attachment) in sorted(results.items())
            ]
        )
        self._omni_bulk_notify_progress(results)
        done = sum(1 for state, _m, _a in results.values() if state == "done")
        return self.env._(
            "%(done)s done, %(failed)s failed",
            done=done,
            failed=len(results) - done,
        )

    def _omni_bulk_notify_progress(self, results):
        """Tell who started the operation how far it is, with the result of each
        order of ``results`` (``{order id: (state, message, attachment)}``, those
        just processed): Odoo's bus notification ``omni_bulk_progress``, delivered
        when the chunk's transaction commits; the operation's form follows it."""
        self.ensure_one()
        self.invalidate_recordset(
            ["done_count", "failed_count", "pending_count", "progress", "state"]
        )
        orders = self.env["sale.order"].browse(list(results)).exists()
        names = {order.id: order.display_name for order in orders}
        self.create_uid._bus_send(
            "omni_bulk_progress",
            self._omni_bulk_prepare_progress(
                [
                    {
                        "order_id": order_id if order_id in names else False,
                        "order": names.get(order_id, ""),
                        "state": state,
                        "message": message or "",
                    }
                    for order_id, (state, message, _attachment) in sorted(
                        results.items()
                    )
                ]
            ),
        )

    def _omni_bulk_prepare_progress(self, results):
        """The payload of the progress notification (extension point)."""
        self.ensure_one()
        return {
            "operation_id": self.id,
            "state": self.state,
            "total": self.total_count,
            "done": self.done_count,
            "failed": self.failed_count,
            "progress": self.progress,
            "results": results,
        }

    def _omni_bulk_process(self, orders, results):
        """Run the operation on ``orders`` at once; if that fails, order by order,
        each in its savepoint: the failing orders get their reason, the others
        go through. Concurrency errors are raised so that the job is retried."""
        if not orders:
            return
        try:
            with self.env.cr.savepoint():
                outcome = self._omni_bulk_dispatch(orders) or {}
            # what was done is history now: a later rollback must not lose it
            self._omni_bulk_run_precommit()
        except RetryableJobError:
            raise
        except TransactionRollbackError:
            raise
        except Exception as error:
            if getattr(error, "pgcode", None) in CONCURRENCY_ERRORS:
                raise
            if len(orders) > 1:
                for order in orders:
                    self._omni_bulk_process(order, results)
                return
            message = self._omni_bulk_error_message(error)
            _logger.info("%s failed for %s: %s", self.operation, orders.name, message)
            results[orders.id] = ("failed", message, None)
            return
        for order in orders:
            results[order.id] = ("done", "", outcome.get(order.id))

    def _omni_bulk_run_precommit(self):
        """Write the history and tracking of what went through (a later savepoint
        rollback clears the precommit hooks of the transaction)."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _omni_bulk_error_message(self, error):
        if isinstance(error, UserError) and error.args:
            return str(error.args[0])
        return self.env._(
            "Unexpected error (%(type)s): %(error)s",
            type=type(error).__name__,
            error=str(error),
        )

    # ------------------------------------------------------------------ operations
    def _omni_bulk_check(self, order):
        """Why ``order`` cannot go through this operation (a message for the
        summary), or False. Dispatched to ``_omni_bulk_check_<operation>``."""
        self.ensure_one()
        checker = getattr(self, f"_omni_bulk_check_{self.operation}", None)
        return checker(order) if checker else False

    def _omni_bulk_dispatch(self, orders):
        """Extension point: run this operation on ``orders`` (all or nothing:
        raise to fail them). Dispatched to ``_omni_bulk_do_<operation>``. May
        return ``{order id: ir.attachment}``, the document produced for each order
        (its label)."""
        self.ensure_one()
        handler = getattr(self, f"_omni_bulk_do_{self.operation}", None)
        if handler is None:
            raise UserError(
                self.env._(
                    "The bulk operation %(operation)s is not available.",
                    operation=self.operation,
                )
            )
        return handler(orders)

    def _omni_state_label(self, order):
        return dict(order._fields["state"]._description_selection(self.env)).get(
            order.state, order.state
        )

    def _omni_bulk_check_confirm(self, order):
        if order.state not in ("draft", "sent"):
            return self.env._(
                "Only quotations can be confirmed; this order is %(state)s.",
                state=self._omni_state_label(order),
            )
        if not order.order_line:
            return self.env._("The order has no line.")
        return False

    def _omni_bulk_do_confirm(self, orders):
        orders.action_confirm()

    def _omni_bulk_check_shippable(self, order):
        if order.state != "sale":
            return self.env._(
                "Confirm the order first; it is %(state)s.",
                state=self._omni_state_label(order),
            )
        if order.desk_stage not in ("ordered", "ready"):
            return self.env._("The order is already dispatched.")
        return False

    def _omni_bulk_check_arrange_shipment(self, order):
        return self._omni_bulk_check_shippable(order)

    def _omni_bulk_do_arrange_shipment(self, orders):
        orders._omni_arrange_shipment(dict(self.params or {}))

    def _omni_bulk_check_print_labels(self, order):
        if order.state != "sale":
            return self.env._(
                "Confirm the order first; it is %(state)s.",
                state=self._omni_state_label(order),
            )
        return False

    def _omni_bulk_do_print_labels(self, orders):
        outcome = {}
        for order in orders:
            label = order._omni_get_label()
            if not label:
                raise UserError(
                    self.env._(
                        "%(order)s has no shipping label yet: arrange the shipment "
                        "first.",
                        order=order.name,
                    )
                )
            outcome[order.id] = label
        orders.write({"label_printed": True})
        orders._omni_log_event("label", self.env._("Label printed (bulk)"))
        return outcome

    def _omni_bulk_check_invoice(self, order):
        if order.state != "sale" or order.invoice_status != "to invoice":
            return self.env._("There is nothing to invoice on this order.")
        if order.unlinked_line_count:
            return self.env._(
                "The order has channel SKUs without a product: link them first."
            )
        return False

    def _omni_bulk_do_invoice(self, orders):
        orders._omni_invoice_and_post()

    def _omni_bulk_check_cancel_request(self, order):
        if order.cancel_request_state != "requested":
            return self.env._("There is no pending cancellation request.")
        if order.lifecycle_state == "fulfilled":
            return self.env._(
                "The order is already dispatched and invoiced: answer with a return."
            )
        return False

    def _omni_bulk_check_cancel_approve(self, order):
        return self._omni_bulk_check_cancel_request(order)

    def _omni_bulk_check_cancel_reject(self, order):
        return self._omni_bulk_check_cancel_request(order)

    def _omni_bulk_do_cancel_approve(self, orders):
        orders.action_omni_cancel_request_approve()

    def _omni_bulk_do_cancel_reject(self, orders):
        orders.action_omni_cancel_request_reject()

    # ------------------------------------------------------------------ actions
    def _omni_open_orders(self, state):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.sale_order_action_order_desk"
        )
        action["domain"] = [
            (
                "id",
                "in",
                self.line_ids.filtered(lambda ln: ln.state == state).order_id.ids,
            )
        ]
        action["context"] = {}
        return action

    def action_view_done_orders(self):
        return self._omni_open_orders("done")

    def action_view_failed_orders(self):
        return self._omni_open_orders("failed")

    def action_download_labels(self):
        """One PDF with the labels of every order done, in the orders' order."""
        self.ensure_one()
        labels = self.line_ids.filtered(
            lambda ln: ln.state == "done" and ln.attachment_id
        ).attachment_id
        if not labels:
            raise UserError(self.env._("No label was printed by this operation."))
        merged = merge_pdf([base64.b64decode(label.datas) for label in labels])
        if self.label_attachment_id:
            self.label_attachment_id.unlink()
        self.label_attachment_id = self.env["ir.attachment"].create(
            {
                "name": self.env._("labels-%(id)s.pdf", id=self.id),
                "datas": base64.b64encode(merged),
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.label_attachment_id.id}?download=true",
            "target": "self",
        }
