from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        res = super()._action_done()
        # a warehouse user may validate the delivery of an order they cannot read
        # (Odoo's "own documents" salespeople): its history and invoicing on
        # dispatch are the system's work, not theirs
        done = self.sudo().filtered(lambda p: p.state == "done" and p.sale_id)
        self.env["sale.order"]._omni_log_events(
            [
                (
                    picking.sale_id,
                    "picking",
                    self.env._(
                        "%(picking)s done (%(type)s)",
                        picking=picking.name,
                        type=picking.picking_type_id.name,
                    ),
                    False,
                    picking.picking_type_code,
                )
                for picking in done
            ]
        )
        dispatched = done.filtered(
            lambda p: p.picking_type_code in ("outgoing", "dropship")
        ).sale_id
        dispatched.filtered(
            lambda o: o.channel_id.invoice_policy == "dispatch"
        )._omni_invoice_and_post_safely()
        return res
