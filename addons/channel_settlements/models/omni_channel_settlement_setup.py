from odoo import models

from .omni_channel import CATEGORY_ACCOUNTS


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    def _settlement_account(self, code, name, account_type, reconcile=False):
        Account = self.env["account.account"].with_company(self.company_id)
        account = Account.search(
            [*Account._check_company_domain(self.company_id), ("code", "=", code)],
            limit=1,
        )
        if not account:
            account = Account.create(
                {
                    "code": code,
                    "name": name,
                    "account_type": account_type,
                    "reconcile": reconcile,
                }
            )
        return account

    def _prepare_settlement_journal_vals(self):
        return {
            "name": self.env._("%(channel)s settlements", channel=self.name),
            "code": f"MKT{self.id}"[-5:],
            "type": "general",
            "company_id": self.company_id.id,
        }

    def action_settlement_setup(self):
        """Create what is missing: clearing journal and account, fee accounts,
        marketplace partner, payout bank journal (sensible defaults)."""
        for channel in self:
            vals = {}
            if not channel.settlement_clearing_account_id:
                vals["settlement_clearing_account_id"] = channel._settlement_account(
                    f"119{channel.id:03d}",
                    channel.env._("%(channel)s clearing", channel=channel.name),
                    "asset_current",
                    reconcile=True,
                ).id
            if not channel.settlement_journal_id:
                vals["settlement_journal_id"] = (
                    self.env["account.journal"]
                    .create(channel._prepare_settlement_journal_vals())
                    .id
                )
            if not channel.settlement_bank_journal_id:
                vals["settlement_bank_journal_id"] = (
                    channel._settlement_bank_journal().id
                )
            if not channel.settlement_partner_id:
                vals["settlement_partner_id"] = (
                    self.env["res.partner"]
                    .create(
                        {
                            "name": channel.name,
                            "is_company": True,
                            "company_id": channel.company_id.id,
                        }
                    )
                    .id
                )
            for field, code, name, account_type in CATEGORY_ACCOUNTS.values():
                if not channel[field]:
                    vals[field] = channel._settlement_account(
                        code, name, account_type
                    ).id
            if vals:
                channel.write(vals)
        return True

    def _settlement_bank_journal(self):
        """The bank journal payouts arrive in: one in the channel's currency (a
        bank journal without currency is in the company's)."""
        self.ensure_one()
        company = self.company_id
        currency = self.currency_id or company.currency_id
        domain = [("type", "=", "bank"), ("company_id", "=", company.id)]
        if currency == company.currency_id:
            domain += [
                "|",
                ("currency_id", "=", False),
                ("currency_id", "=", currency.id),
            ]
        else:
            domain += [("currency_id", "=", currency.id)]
        bank = self.env["account.journal"].search(domain, limit=1)
        if bank or currency == company.currency_id:
            return bank
        return self.env["account.journal"].create(
            {
                "name": self.env._(
                    "%(channel)s payouts (%(currency)s)",
                    channel=self.name,
                    currency=currency.name,
                ),
                "code": f"PO{self.id:03d}"[-5:],
                "type": "bank",
                "currency_id": currency.id,
                "company_id": company.id,
            }
        )

    def _settlement_check_setup(self):
        self.ensure_one()
        if not (
            self.settlement_journal_id
            and self.settlement_clearing_account_id
            and self.settlement_suspense_account_id
            and self.settlement_partner_id
        ):
            self.sudo().action_settlement_setup()

    def _settlement_fee_mapping(self, fee_code):
        return self.settlement_fee_mapping_ids.filtered(
            lambda m: m.fee_code == fee_code
        )[:1]

    def _settlement_fee_account(self, category, fee_code):
        """The account of a fee: the channel's mapping of that code first, then the
        account of its category; an unknown code goes to the suspense account."""
        self.ensure_one()
        mapping = self._settlement_fee_mapping(fee_code)
        if mapping.account_id:
            return mapping.account_id
        category = mapping.category or category
        field = CATEGORY_ACCOUNTS.get(category, CATEGORY_ACCOUNTS["unknown"])[0]
        return self[field] or self.settlement_suspense_account_id

    def _settlement_category(self, fee_code, default):
        return self._settlement_fee_mapping(fee_code).category or default
