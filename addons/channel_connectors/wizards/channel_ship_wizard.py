from odoo import api, fields, models

from ..notifications import notify_and_close


class ChannelShipWizard(models.TransientModel):
    """Arrange the shipment of one or many orders on their channels."""

    _name = "channel.ship.wizard"
    _description = "Arrange Shipment on Channel"

    order_ids = fields.Many2many(comodel_name="sale.order", required=True)
    method = fields.Selection(
        selection=[
            ("pickup", "Pickup"),
            ("dropoff", "Drop-off"),
            ("manual", "Manual (own tracking number)"),
        ],
        required=True,
        default="dropoff",
    )
    pickup_date = fields.Date()
    time_slot = fields.Char(help="e.g. 09:00-12:00, as the channel offers it.")
    address_id = fields.Many2one(
        comodel_name="res.partner", string="Pickup Address", help="Where to collect."
    )
    tracking_ref = fields.Char(string="Tracking Number")
    shipping_provider_ref = fields.Char(
        string="Carrier ID",
        help="TikTok Shop: the shipping_provider_id of your own carrier (by "
        "default the channel's Own Carrier ID).",
    )
    needs_provider = fields.Boolean(compute="_compute_needs_provider")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "sale.order" and not res.get(
            "order_ids"
        ):
            res["order_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        if "address_id" in fields_list and not res.get("address_id"):
            res["address_id"] = self.env.company.partner_id.id
        if "shipping_provider_ref" in fields_list and res.get("order_ids"):
            orders = self.env["sale.order"].browse(res["order_ids"][0][2])
            refs = set(orders.channel_id.mapped("seller_shipping_provider_ref"))
            if len(refs) == 1:
                res["shipping_provider_ref"] = refs.pop() or False
        return res

    @api.depends("order_ids")
    def _compute_needs_provider(self):
        for wizard in self:
            wizard.needs_provider = any(
                wizard.order_ids.channel_id.mapped("connector_needs_provider_id")
            )

    def _prepare_params(self):
        """The arrange-shipment parameters (as the bulk action's)."""
        self.ensure_one()
        return {
            "method": self.method,
            "pickup_date": fields.Date.to_string(self.pickup_date)
            if self.pickup_date
            else False,
            "time_slot": self.time_slot or False,
            "address_id": self.address_id.id or False,
            "tracking_ref": self.tracking_ref or False,
            "shipping_provider_ref": self.shipping_provider_ref or False,
        }

    def action_arrange(self):
        self.ensure_one()
        orders = self.order_ids._connector_arrange_shipment(self._prepare_params())
        return notify_and_close(
            self.env._("Shipment requested for %(count)s order(s).", count=len(orders))
        )
