"""dropship.po.transmission: the record of one sending (fields, creation once
per purchase order and kind), sending now or by a retry job, and the refusal.
The sending itself is in ``dropship_po_transmission_send.py``."""

import logging

import psycopg2

from odoo import api, fields, models
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import identity_exact

from .dropship_distributor import PO_FORMATS

_logger = logging.getLogger(__name__)

RETRY_SECONDS = 60
#: the states of a transmission (and of a purchase order's transmission)
TRANSMISSION_STATES = [
    ("to_send", "To send"),
    ("sent", "Sent"),
    ("acknowledged", "Acknowledged"),
    ("rejected", "Rejected"),
    ("failed", "Failed (will retry)"),
]


class TransientTransmissionError(Exception):
    """The distributor could not be reached or asked us to come back later."""

    def __init__(self, message, retry_after=RETRY_SECONDS):
        super().__init__(message)
        self.retry_after = retry_after


class DropshipPoTransmission(models.Model):
    """One sending of a drop-ship purchase order: the electronic document to the
    distributor, or the PDF by e-mail. At most one per purchase order and kind."""

    _name = "dropship.po.transmission"
    _description = "Drop-ship PO Transmission"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _rec_name = "purchase_order_id"

    purchase_order_id = fields.Many2one(
        comodel_name="purchase.order",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
    )
    distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        required=True,
        ondelete="restrict",
        index=True,
        readonly=True,
    )
    company_id = fields.Many2one(
        related="purchase_order_id.company_id", store=True, index=True
    )
    kind = fields.Selection(
        selection=[
            ("document", "Purchase order"),
            ("account_manager", "PDF to the account manager"),
        ],
        required=True,
        default="document",
        readonly=True,
    )
    po_format = fields.Selection(
        selection=PO_FORMATS,
        string="Format",
        required=True,
        readonly=True,
    )
    state = fields.Selection(
        selection=TRANSMISSION_STATES,
        default="to_send",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    ack_status = fields.Selection(
        selection=[
            ("accepted", "Accepted"),
            ("partial", "Partly accepted"),
            ("rejected", "Rejected"),
        ],
        string="Acknowledgement",
        readonly=True,
    )
    distributor_order_ref = fields.Char(
        string="Distributor Order", readonly=True, index=True
    )
    endpoint = fields.Char(readonly=True, help="URL or e-mail address.")
    request_body = fields.Text(string="Request", readonly=True)
    response_status = fields.Integer(string="HTTP Status", readonly=True)
    response_body = fields.Text(string="Acknowledgement Document", readonly=True)
    message = fields.Text(readonly=True)
    attempt_count = fields.Integer(string="Attempts", readonly=True)
    sent_at = fields.Datetime(readonly=True)
    mail_id = fields.Many2one(comodel_name="mail.mail", readonly=True)

    _sql_constraints = [
        (
            "order_kind_uniq",
            "unique(purchase_order_id, kind)",
            "A purchase order is transmitted once per kind.",
        ),
    ]

    # ------------------------------------------------------------------ creation
    @api.model
    def _prepare_transmission_vals(self, order, distributor, kind):
        return {
            "purchase_order_id": order.id,
            "distributor_id": distributor.id,
            "kind": kind,
            "po_format": "pdf" if kind == "account_manager" else distributor.po_format,
        }

    @api.model
    def _ensure(self, order, distributor, kind):
        """The transmission of ``order`` of ``kind``, created when missing; a
        concurrent creation (two Ship clicks at once) resolves to the same row."""
        return self._ensure_many([(order, distributor, kind)])

    @api.model
    def _ensure_many(self, wanted):
        """The transmissions of ``wanted`` ((order, distributor, kind) triples),
        in that order, the missing ones created: one search and one ``create``
        for all of them (one savepoint). When a concurrent Ship created some of
        them first, they are created one by one and the others are kept."""
        wanted = list(wanted)
        if not wanted:
            return self.browse()
        domain = [
            ("purchase_order_id", "in", list({order.id for order, _d, _k in wanted})),
            ("kind", "in", list({kind for _o, _d, kind in wanted})),
        ]
        found = {(t.purchase_order_id.id, t.kind): t for t in self.search(domain)}
        missing = {}
        for order, distributor, kind in wanted:
            key = (order.id, kind)
            if key not in found and key not in missing:
                missing[key] = self._prepare_transmission_vals(order, distributor, kind)
        if missing:
            try:
                with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                    created = self.create(list(missing.values()))
                found.update(zip(missing, created, strict=True))
            except psycopg2.IntegrityError:
                for vals in missing.values():
                    try:
                        with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                            self.create(vals)
                    except psycopg2.IntegrityError:
                        continue
                found = {
                    (t.purchase_order_id.id, t.kind): t for t in self.search(domain)
                }
        ids = [
            found[order.id, kind].id
            for order, _distributor, kind in wanted
            if (order.id, kind) in found
        ]
        return self.browse(list(dict.fromkeys(ids)))

    # ------------------------------------------------------------------ actions
    def action_send(self):
        """Send (or resend after a failure) now."""
        for transmission in self.filtered(lambda t: t.state in ("to_send", "failed")):
            transmission._send_or_schedule()
        return True

    # ------------------------------------------------------------------ sending
    def _send_or_schedule(self):
        """Send now; a transient failure leaves the transmission ``failed`` and
        enqueues a retry job. ``False`` after a transient failure."""
        self.ensure_one()
        try:
            self._send()
        except TransientTransmissionError as exc:
            self._schedule_retry(str(exc), exc.retry_after)
            return False
        return True

    def _send_isolated(self):
        """:meth:`_send_or_schedule`, for sending many at once: an unexpected
        error (neither transient nor a refusal, which have their own states) is
        logged and leaves this transmission ``failed`` with a retry job instead
        of undoing the purchase orders already sent. As ``mail.mail`` does, no
        savepoint (a flush per purchase order): only errors outside the
        database are caught, a database error still aborts. ``False`` after a
        transient failure (the distributor did not take it)."""
        self.ensure_one()
        try:
            return self._send_or_schedule()
        except psycopg2.Error:
            raise
        except Exception as exc:
            _logger.exception(
                "Drop-ship PO %s not transmitted", self.purchase_order_id.name
            )
            self._schedule_retry(
                self.env._(
                    "%(order)s not transmitted: %(error)s",
                    order=self.purchase_order_id.name,
                    error=str(exc) or repr(exc),
                )
            )
            return True

    def _schedule_retry(self, message, eta=RETRY_SECONDS):
        """Mark the transmission ``failed`` and enqueue a job to send it again."""
        self.ensure_one()
        self.write({"state": "failed", "message": message})
        self.with_delay(
            eta=eta,
            max_retries=10,
            identity_key=identity_exact,
            description=self.env._("Transmit %s again", self.purchase_order_id.name),
        )._job_send()

    def _job_send(self):
        """Job: send; transient failures are retried by queue_job."""
        self.ensure_one()
        if self.state not in ("to_send", "failed"):
            return self.env._("Nothing to do: %s", self.state)
        try:
            self._send()
        except TransientTransmissionError as exc:
            raise RetryableJobError(str(exc), seconds=exc.retry_after) from exc
        return self.state

    def _reject(self, message, keep_ack=False):
        """The distributor (or our configuration) refused the order: a clear
        state, a log entry and an activity for the buyer."""
        self.ensure_one()
        order = self.purchase_order_id
        vals = {"state": "rejected", "message": message}
        if not keep_ack:
            vals["ack_status"] = "rejected"
        self.write(vals)
        _logger.warning(
            "Drop-ship PO %s rejected by %s: %s",
            order.name,
            self.distributor_id.name,
            message,
        )
        order.message_post(
            body=self.env._(
                "Transmission to %(dist)s rejected: %(message)s",
                dist=self.distributor_id.name,
                message=message,
            )
        )
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Drop-ship PO rejected by %s", self.distributor_id.name),
            note=message,
            user_id=(order.user_id or self.env.user).id,
        )
        return False
