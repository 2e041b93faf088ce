from odoo import fields, models


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
