from odoo import fields, models

from ..finance import CATEGORIES


class ChannelSettlementFeeMapping(models.Model):
    """How one of the platform's fee types is booked on this channel: its category
    (and so the channel's account of that category) or an account of its own."""

    _name = "channel.settlement.fee.mapping"
    _description = "Marketplace Fee Type Mapping"
    _order = "channel_id, fee_code"
    _check_company_auto = True

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="channel_id.company_id", store=True)
    fee_code = fields.Char(string="Fee Type", required=True)
    name = fields.Char()
    category = fields.Selection(selection=CATEGORIES, required=True)
    account_id = fields.Many2one(
        comodel_name="account.account",
        check_company=True,
        help="Leave empty to use the channel's account of the category.",
    )

    _sql_constraints = [
        (
            "code_uniq",
            "unique(channel_id, fee_code)",
            "A fee type is mapped once per channel.",
        ),
    ]
