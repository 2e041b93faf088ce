from odoo import api, models


class SaleOrder(models.Model):
    """A channel order carries its channel's fiscal position (its tax
    treatment), whoever the customer is; other orders keep Odoo's."""

    _inherit = "sale.order"

    @api.depends("partner_shipping_id", "partner_id", "company_id", "channel_id")
    def _compute_fiscal_position_id(self):
        before = {order: order.fiscal_position_id for order in self}
        res = super()._compute_fiscal_position_id()
        for order in self:
            position = order.channel_id.fiscal_position_id
            if not position or position.company_id != order.company_id:
                continue
            order.fiscal_position_id = position
            if before[order] == position:
                # Odoo offers to update the taxes when the position changes: it
                # did not
                order.show_update_fpos = False
        return res
