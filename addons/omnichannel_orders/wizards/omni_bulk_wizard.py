from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.omni_bulk_operation import OPERATIONS, SYNC_LIMIT


class OmniBulkWizard(models.TransientModel):
    """Start a bulk operation on the orders selected in the order desk."""

    _name = "omni.bulk.wizard"
    _description = "Order Desk Bulk Action"

    operation = fields.Selection(selection=OPERATIONS, required=True)
    order_ids = fields.Many2many(comodel_name="sale.order", string="Orders")
    order_count = fields.Integer(
        string="Selected Orders", compute="_compute_order_count"
    )
    run_in_background = fields.Boolean(compute="_compute_order_count")
    # arrange shipment: one set of options for all the orders
    ship_method = fields.Selection(
        selection=[
            ("pickup", "Pickup"),
            ("dropoff", "Drop-off"),
            ("manual", "Manual (own courier and tracking number)"),
        ],
        string="Shipping Method",
        default="pickup",
    )
    pickup_date = fields.Date()
    time_slot = fields.Char(help="e.g. 09:00-12:00, as the courier offers it.")
    pickup_address_id = fields.Many2one(
        comodel_name="res.partner",
        string="Pickup Location",
        default=lambda self: self.env.company.partner_id,
    )
    courier = fields.Char()
    tracking_ref = fields.Char(string="Tracking Number")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if (
            context.get("active_model") == "sale.order"
            and context.get("active_ids")
            and "order_ids" in fields_list
            and not res.get("order_ids")
        ):
            res["order_ids"] = [fields.Command.set(context["active_ids"])]
        return res

    @api.depends("order_ids")
    def _compute_order_count(self):
        for wizard in self:
            wizard.order_count = len(wizard.order_ids)
            wizard.run_in_background = wizard.order_count > SYNC_LIMIT

    def _prepare_params(self):
        self.ensure_one()
        if self.operation != "arrange_shipment":
            return {}
        if self.ship_method == "pickup" and not self.pickup_date:
            raise UserError(self.env._("Choose the pickup date."))
        address = self.pickup_address_id
        return {
            "method": self.ship_method,
            "pickup_date": fields.Date.to_string(self.pickup_date)
            if self.pickup_date
            else False,
            "time_slot": self.time_slot or False,
            "address_id": address.id or False,
            "courier": self.courier or False,
            "tracking_ref": self.tracking_ref or False,
        }

    def action_start(self):
        self.ensure_one()
        operation = self.env["omni.bulk.operation"]._omni_start(
            self.operation, self.order_ids, self._prepare_params()
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": operation._name,
            "res_id": operation.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
