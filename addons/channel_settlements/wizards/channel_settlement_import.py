from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class ChannelSettlementImport(models.TransientModel):
    _name = "channel.settlement.import"
    _description = "Import Settlements"

    channel_ids = fields.Many2many(
        comodel_name="omni.channel",
        string="Channels",
        domain="[('settlement_supported', '=', True)]",
    )
    date_from = fields.Date(
        required=True,
        default=lambda self: fields.Date.context_today(self) - timedelta(days=30),
    )
    date_to = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self)
    )

    @api.model
    def default_get(self, fields_list):
        vals = super().default_get(fields_list)
        if (
            "channel_ids" in fields_list
            and self.env.context.get("active_model") == "omni.channel"
        ):
            vals["channel_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        return vals

    def action_import(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(self.env._("The start date is after the end date."))
        if not self.channel_ids:
            raise UserError(self.env._("Choose at least one channel."))
        for channel in self.channel_ids:
            channel._settlement_enqueue_import(self.date_from, self.date_to)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "The import runs in the background: see the settlements."
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
