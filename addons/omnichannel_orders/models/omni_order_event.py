from odoo import api, fields, models

ACTORS = [
    ("user", "User"),
    ("cron", "Scheduled action"),
    ("webhook", "Webhook"),
    ("job", "Queue job"),
    ("system", "System"),
]


class OmniOrderEvent(models.Model):
    """The history of an order: lifecycle and channel-status changes, pick, pack and
    ship events, label printing, cancellation decisions... who, when, from what to
    what. Written by the order desk itself, never by hand."""

    _name = "omni.order.event"
    _description = "Order Event"
    _order = "date desc, id desc"
    _rec_name = "event_type"

    order_id = fields.Many2one(
        comodel_name="sale.order", required=True, index=True, ondelete="cascade"
    )
    channel_id = fields.Many2one(related="order_id.channel_id", store=True, index=True)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    event_type = fields.Selection(
        selection=[
            ("lifecycle", "Lifecycle"),
            ("channel_status", "Channel status"),
            ("picking", "Pick / pack / ship"),
            ("label", "Label"),
            ("cancel_request", "Cancellation request"),
            ("sync", "Synchronisation"),
        ],
        string="Type",
        required=True,
        index=True,
    )
    from_value = fields.Char(string="From")
    to_value = fields.Char(string="To")
    actor = fields.Selection(selection=ACTORS, required=True, default="user")
    user_id = fields.Many2one(
        comodel_name="res.users", string="By", default=lambda self: self.env.user
    )
    note = fields.Char()

    @api.model
    def _current_actor(self):
        context = self.env.context
        if context.get("omni_actor"):
            return context["omni_actor"]
        if context.get("job_uuid"):
            return "job"
        if context.get("cron_id") or context.get("lastcall"):
            return "cron"
        return "system" if self.env.su and self.env.uid == 1 else "user"
