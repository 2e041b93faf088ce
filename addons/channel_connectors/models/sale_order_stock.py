"""sale.order: a channel order confirmed or cancelled changes the free quantity
every channel of its company sells (the buffered hold becomes a reservation, or
is released)."""

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_confirm(self):
        res = super().action_confirm()
        self._connector_stock_changed()
        return res

    def _action_cancel(self):
        res = super()._action_cancel()
        self._connector_stock_changed()
        return res

    def _connector_stock_changed(self):
        orders = self.filtered("channel_id")
        if orders:
            self.env["omni.channel"]._connector_stock_fanout(
                orders.order_line.product_id, orders.company_id
            )
