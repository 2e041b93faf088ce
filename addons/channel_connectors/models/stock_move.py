from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """A done move (a receipt, a delivery, an inventory adjustment, a return
        restocked) changes the free quantity every channel of its company sells."""
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda m: m.state == "done")
        if done:
            self.env["omni.channel"]._connector_stock_fanout(
                done.product_id, done.company_id
            )
        return moves
