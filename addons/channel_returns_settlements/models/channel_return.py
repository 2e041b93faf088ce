"""channel.return: the settlement lines that refund it (the platform's refund
lines of its order), reconciled with its credit note by the settlement."""

from odoo import api, fields, models


class ChannelReturn(models.Model):
    _inherit = "channel.return"

    settlement_line_ids = fields.Many2many(
        comodel_name="channel.settlement.line",
        string="Settlement Refund Lines",
        compute="_compute_settlement_line_ids",
        groups="account.group_account_invoice",
    )
    settled_refund_amount = fields.Monetary(
        compute="_compute_settlement_line_ids",
        groups="account.group_account_invoice",
        help="What the platform's settlements took back for the order's refunds",
    )

    @api.depends("order_id")
    def _compute_settlement_line_ids(self):
        lines = self.env["channel.settlement.line"].search(
            [
                ("sale_order_id", "in", self.order_id.ids),
                ("category", "=", "refund"),
            ]
        )
        for record in self:
            mine = lines.filtered(
                lambda line, r=record: line.sale_order_id == r.order_id
            )
            record.settlement_line_ids = mine
            record.settled_refund_amount = -sum(mine.mapped("amount"))
