from odoo import api, fields, models


class ChannelFinanceDocument(models.AbstractModel):
    """What a settlement and a payout share: the channel they come from, their
    company and currency, the platform's payload, and journal items in their
    currency."""

    _name = "channel.finance.document"
    _description = "Marketplace Finance Document"

    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    raw_payload = fields.Text(copy=False)

    @api.model
    def _finance_currency(self, channel, code):
        """The currency named ``code`` by the platform, else the channel's."""
        currency = self.env["res.currency"].search([("name", "=", code)], limit=1)
        return currency or channel.currency_id or channel.company_id.currency_id

    def _journal_item_amounts(self, amount):
        """The amount fields of a journal item of ``amount`` in the record's
        currency: in another currency than the company's, the amount stays in that
        currency and is converted at the record's date."""
        self.ensure_one()
        company = self.company_id
        currency = self.currency_id or company.currency_id
        amount = currency.round(amount)
        if currency == company.currency_id:
            return {"balance": amount}
        return {
            "currency_id": currency.id,
            "amount_currency": amount,
            "balance": currency._convert(
                amount, company.currency_id, company, self.date or fields.Date.today()
            ),
        }

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action()
