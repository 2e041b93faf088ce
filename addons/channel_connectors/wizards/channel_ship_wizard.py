from odoo import api, fields, models
from odoo.exceptions import UserError


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

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "sale.order" and not res.get(
            "order_ids"
        ):
            res["order_ids"] = [(6, 0, self.env.context.get("active_ids") or [])]
        if "address_id" in fields_list and not res.get("address_id"):
            res["address_id"] = self.env.company.partner_id.id
        return res

    def _prepare_pickup(self):
        self.ensure_one()
        if self.method != "pickup":
            return None
        address = self.address_id
        return {
            "date": fields.Date.to_string(self.pickup_date)
            if self.pickup_date
            else None,
            "time_slot": self.time_slot or None,
            "address": {
                "name": address.name,
                "street": address.street,
                "city": address.city,
                "zip": address.zip,
                "country_code": address.country_id.code,
                "phone": address.phone,
            }
            if address
            else None,
        }

    def action_arrange(self):
        self.ensure_one()
        if self.method == "manual" and not self.tracking_ref:
            raise UserError(self.env._("A manual shipment needs a tracking number."))
        orders = self.order_ids._connector_check().filtered(
            lambda o: not o.channel_shipped
        )
        pending = orders.filtered(lambda o: o.state != "sale")
        if pending:
            raise UserError(
                self.env._(
                    "Confirm %(orders)s before shipping.",
                    orders=", ".join(pending.mapped("name")),
                )
            )
        pickup = self._prepare_pickup()
        for order in orders:
            order._connector_enqueue(
                "_channel_ship_job",
                self.method,
                tracking_ref=self.tracking_ref or None,
                pickup=pickup,
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "Shipment requested for %(count)s order(s).", count=len(orders)
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
