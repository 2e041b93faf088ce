import json

from odoo import api, fields, models

from ..notifications import notify_and_close

# the jobs a log entry may enqueue again
RETRY_METHODS = {
    "_import_order_job",
    "_import_orders_job",
    "_export_stock_job",
    "_channel_accept_job",
    "_channel_ship_job",
    "_channel_invoice_number_job",
    "_channel_fulfilled_job",
}


class ChannelSyncLog(models.Model):
    """One exchange with a channel that failed or changed data."""

    _name = "channel.sync.log"
    _description = "Channel Sync Log"
    _order = "id desc"

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    direction = fields.Selection(
        selection=[("import", "Import"), ("export", "Export"), ("webhook", "Webhook")],
        required=True,
    )
    operation = fields.Char(required=True, help="e.g. orders/get, ship_order")
    state = fields.Selection(
        selection=[("done", "Done"), ("failed", "Failed"), ("skipped", "Skipped")],
        required=True,
        default="done",
        index=True,
    )
    res_model = fields.Char(string="Record Model")
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    external_ref = fields.Char(string="External Reference", index=True)
    message = fields.Text()
    payload = fields.Text(help="Excerpt of the data exchanged.")
    attempts = fields.Integer(default=1)
    job_uuid = fields.Char(string="Job", index=True, readonly=True)
    retry_method = fields.Char(readonly=True)
    retry_args = fields.Text(readonly=True)

    @api.model
    def _record(self, vals):
        """Create a log entry, or count one more attempt on the entry the same job
        already wrote for the same failure."""
        if vals.get("job_uuid") and vals.get("state") == "failed":
            previous = self.search(
                [
                    ("job_uuid", "=", vals["job_uuid"]),
                    ("operation", "=", vals["operation"]),
                    ("external_ref", "=", vals.get("external_ref") or False),
                    ("state", "=", "failed"),
                ],
                limit=1,
            )
            if previous:
                previous.write(
                    {
                        "attempts": previous.attempts + 1,
                        "message": vals.get("message"),
                        "payload": vals.get("payload") or previous.payload,
                    }
                )
                return previous
        return self.create(vals)

    def action_retry(self):
        """Enqueue the failed exchange again."""
        retried = self.env["channel.sync.log"]
        for log in self.filtered(lambda entry: entry.retry_method):
            args = json.loads(log.retry_args or "[]")
            if log.res_model and log.res_id:
                target = self.env[log.res_model].browse(log.res_id).exists()
            else:
                target = log.channel_id
            if not target or not hasattr(target, log.retry_method):
                continue
            if log.retry_method not in RETRY_METHODS:
                continue
            delayable = target.with_delay(
                description=self.env._(
                    "Retry %(operation)s %(ref)s",
                    operation=log.operation,
                    ref=log.external_ref or "",
                ),
            )
            getattr(delayable, log.retry_method)(*args)
            retried |= log
        for log in retried:
            log.message = self.env._(
                "Queued again. Previous message: %(message)s", message=log.message or ""
            )
        return notify_and_close(
            self.env._("%(count)s exchange(s) queued again.", count=len(retried))
        )
