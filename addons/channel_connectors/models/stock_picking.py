from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        # the channel is told even when the warehouse user cannot read the order
        dispatched = self.sudo().filtered(
            lambda p: p.state == "done"
            and p.sale_id
            and p.picking_type_code in ("outgoing", "dropship")
        )
        for picking in dispatched:
            tracking_ref = (
                picking.carrier_tracking_ref
                if "carrier_tracking_ref" in picking._fields
                else None
            )
            picking.sale_id._connector_on_dispatch(tracking_ref=tracking_ref or None)
        return res
