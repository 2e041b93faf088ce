from odoo import api, fields, models

EXCEPTION_TYPES = [
    ("settled_not_invoiced", "Settled, not invoiced"),
    ("invoiced_not_settled", "Invoiced, not settled"),
    ("amount_difference", "Amount difference"),
    ("refund_without_credit_note", "Refund without credit note"),
    ("unknown_fee", "Unknown fee type"),
]


class ChannelSettlementException(models.Model):
    """Something an accountant must look at, found by comparing settlements with
    invoices (recomputed after every import and posting)."""

    _name = "channel.settlement.exception"
    _description = "Settlement Exception"
    _order = "channel_id, exception_type, id"
    _check_company_auto = True

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    exception_type = fields.Selection(
        selection=EXCEPTION_TYPES, string="Type", required=True, index=True
    )
    message = fields.Char()
    settlement_id = fields.Many2one(
        comodel_name="channel.settlement", ondelete="cascade"
    )
    settlement_line_id = fields.Many2one(
        comodel_name="channel.settlement.line", ondelete="cascade"
    )
    sale_order_id = fields.Many2one(comodel_name="sale.order", ondelete="cascade")
    invoice_id = fields.Many2one(comodel_name="account.move", ondelete="cascade")
    order_ref = fields.Char(string="Channel Order No.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_expected = fields.Monetary(string="Invoiced")
    amount_settled = fields.Monetary(string="Settled")
    difference = fields.Monetary(compute="_compute_difference", store=True)
    age_days = fields.Integer(string="Age (days)")

    @api.depends("amount_settled", "amount_expected")
    def _compute_difference(self):
        for exception in self:
            exception.difference = exception.amount_settled - exception.amount_expected

    def action_open_records(self):
        """Open what the exception is about: the invoice (and its order), the order,
        or the settlement."""
        self.ensure_one()
        if self.exception_type in ("unknown_fee", "settled_not_invoiced") and (
            not self.sale_order_id or self.exception_type == "unknown_fee"
        ):
            return self.settlement_id._get_records_action()
        if self.invoice_id:
            return self.invoice_id._get_records_action()
        if self.sale_order_id:
            return self.sale_order_id._get_records_action()
        return self.settlement_id._get_records_action()
