"""sale.order: what the order desk's form shows: whether an order is a channel
order (the form of the desk) or a quotation, the channel's next step (the one
primary button) and the channel status as a readable label."""

from odoo import api, fields, models

#: the next step of a channel order, one primary button each (the connectors add
#: theirs: Accept, Arrange Shipment, Print Label)
NEXT_ACTIONS = [("none", "Nothing to do"), ("confirm", "Confirm")]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    omni_channel_form = fields.Boolean(
        string="Channel Order Form",
        compute="_compute_omni_channel_form",
        help="The order desk shows this order as a channel order (lifecycle, next "
        "step, channel status), not as a quotation sent to a customer.",
    )
    omni_next_action = fields.Selection(
        selection=NEXT_ACTIONS,
        string="Next Step",
        compute="_compute_omni_next_action",
        help="What the order desk does next with this channel order.",
    )
    channel_status_label = fields.Char(
        compute="_compute_channel_status_label",
        help="The order's status on the channel, in words (the channel's own code "
        "is the Channel Status).",
    )

    @api.depends("channel_id", "channel_id.channel_type", "customer_type")
    def _compute_omni_channel_form(self):
        for order in self:
            order.omni_channel_form = order._omni_uses_channel_form()

    def _omni_uses_channel_form(self):
        """Extension point: a channel order uses the order desk's form; a plain
        quotation, an order of a quote tool and a manual B2B quote (sent to the
        customer) keep Odoo's quotation form."""
        self.ensure_one()
        channel = self.channel_id
        if not channel or channel.channel_type == "quote":
            return False
        return not (channel.channel_type == "manual" and self.customer_type == "b2b")

    @api.depends("omni_channel_form", "state")
    def _compute_omni_next_action(self):
        for order in self:
            order.omni_next_action = (
                order._omni_next_action() if order.omni_channel_form else "none"
            )

    def _omni_next_action(self):
        """Extension point: the next step of this channel order (a value of
        ``omni_next_action``). Without a connector: confirm a quotation."""
        self.ensure_one()
        return "confirm" if self.state in ("draft", "sent") else "none"

    @api.depends("channel_status", "channel_id.platform")
    def _compute_channel_status_label(self):
        for order in self:
            order.channel_status_label = order._omni_channel_status_label()

    def _omni_channel_status_label(self):
        """Extension point: the channel status in words (the connectors ask the
        platform's adapter); here the channel's code as it is."""
        self.ensure_one()
        return self.channel_status or False

    def get_formview_id(self, access_uid=None):
        """Channel orders open in the order desk's form for its users (links,
        many2one buttons); everyone else gets Odoo's form."""
        user = self.env["res.users"].browse(access_uid) if access_uid else self.env.user
        if (
            len(self) == 1
            and self.channel_id
            and user.has_group("omnichannel_orders.group_order_desk_user")
        ):
            view = self.env.ref(
                "omnichannel_orders.sale_order_view_form_desk", raise_if_not_found=False
            )
            if view:
                return view.id
        return super().get_formview_id(access_uid=access_uid)
