"""channel.return.decision: the seller's rejection (with the platform's reason) or
partial refund offer on a marketplace return."""

from odoo import fields, models


class ChannelReturnDecision(models.TransientModel):
    _name = "channel.return.decision"
    _description = "Decision on a marketplace return"

    return_id = fields.Many2one(
        comodel_name="channel.return", required=True, ondelete="cascade"
    )
    decision = fields.Selection(
        [("reject", "Reject"), ("offer", "Offer a partial refund")], required=True
    )
    reason_code = fields.Char(
        help="The platform's reason code (Shopee: the dispute reason id)."
    )
    reason_text = fields.Text(string="Reason")
    currency_id = fields.Many2one(related="return_id.currency_id")
    amount = fields.Monetary(string="Refund Offered")
    refund_amount = fields.Monetary(related="return_id.refund_amount")

    def action_confirm(self):
        self.ensure_one()
        if self.decision == "reject":
            self.return_id.action_reject(self.reason_code, self.reason_text)
        else:
            self.return_id.action_offer(self.amount)
        return {"type": "ir.actions.act_window_close"}
