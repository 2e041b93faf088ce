from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..notifications import notify_and_close


class ChannelImportWizard(models.TransientModel):
    """Pull the orders of a date range again, for orders that did not arrive.
    The import is an upsert: nothing is ever duplicated."""

    _name = "channel.import.wizard"
    _description = "Import Orders from Channel"

    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        required=True,
        domain="[('platform', '!=', 'none')]",
    )
    date_from = fields.Datetime(
        required=True, default=lambda self: fields.Datetime.now() - timedelta(days=1)
    )
    date_to = fields.Datetime(required=True, default=fields.Datetime.now)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "omni.channel":
            res.setdefault("channel_id", self.env.context.get("active_id"))
        return res

    def action_import(self):
        self.ensure_one()
        if self.date_from >= self.date_to:
            raise UserError(self.env._("The start must be before the end."))
        if not self.channel_id.connector_ready:
            raise UserError(
                self.env._(
                    "Channel %(channel)s has no connector.",
                    channel=self.channel_id.name,
                )
            )
        # its progress is told live to the user (omni_channel_import_progress)
        self.channel_id.with_context(omni_import_progress=True)._enqueue_pull(
            since=self.date_from, until=self.date_to, advance_watermark=False
        )
        return notify_and_close(
            self.env._(
                "The orders of %(channel)s are being imported: you are told as "
                "they arrive.",
                channel=self.channel_id.name,
            )
        )
