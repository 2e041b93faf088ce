from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        string="Channel",
        index=True,
        copy=False,
        check_company=True,
        tracking=True,
    )
    channel_order_ref = fields.Char(
        string="Channel Order No.",
        copy=False,
        index=True,
        help="The order number the channel gave this order.",
    )

    _sql_constraints = [
        (
            "channel_order_ref_uniq",
            "unique(channel_id, channel_order_ref)",
            "This channel order number is already in Odoo for that channel.",
        ),
    ]
