from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        for move in posted.filtered(lambda m: m.move_type == "out_invoice"):
            orders = move.line_ids.sale_line_ids.order_id
            orders._connector_orders()._connector_on_invoice(move)
        return posted
