from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        products = moves.filtered(lambda m: m.state == "done").product_id
        if products:
            channels = (
                self.env["omni.channel.product"]
                .sudo()
                .search([("product_id", "in", products.ids)])
                .channel_id
            )
            if channels:
                channels._omni_stock_changed(products)
        return moves
