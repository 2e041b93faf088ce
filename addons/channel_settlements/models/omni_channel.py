from odoo import api, fields, models
from odoo.exceptions import UserError

from ..finance import CLIENTS

# category -> (field of the account on the channel, default code, name, type)
CATEGORY_ACCOUNTS = {
    "commission": (
        "settlement_commission_account_id",
        "6291",
        "Marketplace commissions",
        "expense",
    ),
    "payment_fee": (
        "settlement_payment_fee_account_id",
        "6292",
        "Marketplace payment fees",
        "expense",
    ),
    "shipping": (
        "settlement_shipping_account_id",
        "6293",
        "Marketplace shipping borne by the seller",
        "expense",
    ),
    "voucher": (
        "settlement_voucher_account_id",
        "6294",
        "Seller-funded vouchers",
        "expense",
    ),
    "ads": ("settlement_ads_account_id", "6295", "Marketplace ads", "expense"),
    "withholding_tax": (
        "settlement_wht_account_id",
        "1195",
        "Withholding tax withheld by marketplaces",
        "asset_current",
    ),
    "adjustment": (
        "settlement_adjustment_account_id",
        "6296",
        "Marketplace adjustments",
        "expense",
    ),
    "unknown": (
        "settlement_suspense_account_id",
        "1199",
        "Marketplace settlement suspense",
        "asset_current",
    ),
}


def _accounting_field(comodel_name, string, **kwargs):
    """A journal or an account of the channel's settlement accounting (seen by
    the billing group)."""
    return fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name=comodel_name,
        string=string,
        check_company=True,
        **kwargs,
    )


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    settlement_supported = fields.Boolean(
        compute="_compute_settlement_supported",
        search="_search_settlement_supported",
        help="A finance client imports this platform's settlements.",
    )
    settlement_enabled = fields.Boolean(
        string="Import Settlements",
        help="Import this channel's settlements and payouts every day.",
    )
    settlement_journal_id = _accounting_field(
        "account.journal",
        "Clearing Journal",
        domain="[('type', '=', 'general')]",
        help="Settlements and payouts are booked in this journal.",
    )
    settlement_clearing_account_id = _accounting_field(
        "account.account",
        "Clearing Account",
        help="What the marketplace owes the seller: debited by settlements, "
        "credited by payouts.",
    )
    settlement_bank_journal_id = _accounting_field(
        "account.journal", "Payout Bank Journal", domain="[('type', '=', 'bank')]"
    )
    settlement_partner_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="res.partner",
        string="Marketplace Partner",
        help="The marketplace as a partner: fees, payouts and settled orders that "
        "have no invoice are booked on it.",
    )
    settlement_commission_account_id = _accounting_field(
        "account.account", "Commission Account"
    )
    settlement_payment_fee_account_id = _accounting_field(
        "account.account", "Payment Fee Account"
    )
    settlement_shipping_account_id = _accounting_field(
        "account.account", "Seller Shipping Account"
    )
    settlement_voucher_account_id = _accounting_field(
        "account.account", "Seller Voucher Account"
    )
    settlement_ads_account_id = _accounting_field("account.account", "Ads Account")
    settlement_wht_account_id = _accounting_field(
        "account.account", "Withholding Tax Account"
    )
    settlement_adjustment_account_id = _accounting_field(
        "account.account", "Adjustment Account"
    )
    settlement_suspense_account_id = _accounting_field(
        "account.account",
        "Suspense Account",
        help="Unknown fee types are booked here and flagged.",
    )
    settlement_tolerance = fields.Float(
        string="Amount Tolerance",
        default=0.05,
        help="A settled amount differing from the invoiced one by more than this is "
        "an exception.",
    )
    settlement_ageing_days = fields.Integer(
        string="Settlement Ageing (days)",
        default=21,
        help="An invoice not settled this many days after its date is an exception.",
    )
    settlement_import_days = fields.Integer(
        string="Settlement Import Window (days)",
        default=14,
        help="The daily import reads this many days back (settlements change until "
        "they are paid out).",
    )
    settlement_last_import = fields.Datetime(copy=False, readonly=True)
    settlement_auto_post = fields.Boolean(
        help="Post settlements and payouts as soon as they are imported."
    )
    settlement_fee_mapping_ids = fields.One2many(
        groups="account.group_account_invoice",
        comodel_name="channel.settlement.fee.mapping",
        inverse_name="channel_id",
        string="Fee Mapping",
    )
    settlement_count = fields.Integer(
        groups="account.group_account_invoice", compute="_compute_settlement_count"
    )
    settlement_exception_count = fields.Integer(
        groups="account.group_account_invoice", compute="_compute_settlement_count"
    )

    @api.depends("platform")
    def _compute_settlement_supported(self):
        for channel in self:
            channel.settlement_supported = channel.platform in CLIENTS

    def _search_settlement_supported(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(self.env._("Unsupported search on settlement support."))
        supported = (operator == "=") == bool(value)
        return [("platform", "in" if supported else "not in", list(CLIENTS))]

    def _compute_settlement_count(self):
        Settlement = self.env["channel.settlement"]
        Exception_ = self.env["channel.settlement.exception"]
        counts = dict(
            Settlement._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        issues = dict(
            Exception_._read_group(
                [("channel_id", "in", self.ids)], ["channel_id"], ["__count"]
            )
        )
        for channel in self:
            channel.settlement_count = counts.get(channel, 0)
            channel.settlement_exception_count = issues.get(channel, 0)

    def action_settlement_list(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_settlements.channel_settlement_action"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        action["context"] = {"default_channel_id": self.id}
        return action

    def action_settlement_exceptions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_settlements.channel_settlement_exception_action"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        return action
