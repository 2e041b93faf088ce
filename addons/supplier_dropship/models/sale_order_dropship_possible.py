"""sale.order: can any line of the order be drop-shipped (the drop-ship
columns of the order lines show only then)."""

from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    dropship_possible = fields.Boolean(
        string="Drop-ship Possible",
        compute="_compute_dropship_possible",
        help="A line of the order can be drop-shipped: the drop-ship columns show.",
    )

    @api.depends("order_line.dropship_possible")
    def _compute_dropship_possible(self):
        for order in self:
            order.dropship_possible = any(order.order_line.mapped("dropship_possible"))
