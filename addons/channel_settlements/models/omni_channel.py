import json
import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from odoo.addons.queue_job.job import identity_exact

from ..finance import FinanceError, get_client_class

_logger = logging.getLogger(__name__)

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
SETTLEMENT_PLATFORMS = ("lazada", "shopee", "tiktok")
AMOUNT_FIELDS = ("amount_sales", "amount_refunds", "amount_fees", "amount_net")


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    settlement_enabled = fields.Boolean(
        string="Import Settlements",
        help="Import this channel's settlements and payouts every day.",
    )
    settlement_journal_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.journal",
        string="Clearing Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Settlements and payouts are booked in this journal.",
    )
    settlement_clearing_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Clearing Account",
        check_company=True,
        help="What the marketplace owes the seller: debited by settlements, "
        "credited by payouts.",
    )
    settlement_bank_journal_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.journal",
        string="Payout Bank Journal",
        check_company=True,
        domain="[('type', '=', 'bank')]",
    )
    settlement_partner_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="res.partner",
        string="Marketplace Partner",
        help="The marketplace as a partner: fees, payouts and settled orders that "
        "have no invoice are booked on it.",
    )
    settlement_commission_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Commission Account",
        check_company=True,
    )
    settlement_payment_fee_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Payment Fee Account",
        check_company=True,
    )
    settlement_shipping_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Seller Shipping Account",
        check_company=True,
    )
    settlement_voucher_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Seller Voucher Account",
        check_company=True,
    )
    settlement_ads_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Ads Account",
        check_company=True,
    )
    settlement_wht_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Withholding Tax Account",
        check_company=True,
    )
    settlement_adjustment_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Adjustment Account",
        check_company=True,
    )
    settlement_suspense_account_id = fields.Many2one(
        groups="account.group_account_invoice",
        comodel_name="account.account",
        string="Suspense Account",
        check_company=True,
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

    # ---- accounting set-up ----
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

    def _settlement_fee_account(self, category, fee_code):
        """The account of a fee: the channel's mapping of that code first, then the
        account of its category; an unknown code goes to the suspense account."""
        self.ensure_one()
        mapping = self.settlement_fee_mapping_ids.filtered(
            lambda m: m.fee_code == fee_code
        )[:1]
        if mapping.account_id:
            return mapping.account_id
        category = mapping.category or category
        field = CATEGORY_ACCOUNTS.get(category, CATEGORY_ACCOUNTS["unknown"])[0]
        return self[field] or self.settlement_suspense_account_id

    def _settlement_category(self, fee_code, default):
        mapping = self.settlement_fee_mapping_ids.filtered(
            lambda m: m.fee_code == fee_code
        )[:1]
        return mapping.category or default

    # ---- import ----
    def _settlement_client_class(self):
        self.ensure_one()
        try:
            return get_client_class(self.platform)
        except FinanceError as exc:
            raise UserError(str(exc)) from exc

    def _settlement_fetch(self, date_from, date_to):
        """The settlements and payouts of [date_from, date_to] (see
        :mod:`..finance.base`), read through the channel's order adapter as the
        order sync reads orders (``_connector_call``): the token refreshed before
        it expires, an expired token refreshed once and the import started again,
        the channel's rate limit and quick retries."""
        self.ensure_one()
        client_class = self._settlement_client_class()
        return self._connector_call(
            lambda adapter: client_class(adapter).fetch(date_from, date_to)
        )

    @api.model
    def _cron_import_settlements(self):
        """Dispatcher: one import job per channel (deduplicated)."""
        channels = self.search(
            [
                ("settlement_enabled", "=", True),
                ("platform", "in", SETTLEMENT_PLATFORMS),
            ]
        )
        today = fields.Date.context_today(self)
        for channel in channels:
            date_from = today - timedelta(days=channel.settlement_import_days or 14)
            channel._settlement_enqueue_import(date_from, today)
        return True

    def _settlement_enqueue_import(self, date_from, date_to):
        self.ensure_one()
        return self.with_delay(
            identity_key=identity_exact,
            description=self.env._(
                "%(channel)s: import settlements %(start)s - %(end)s",
                channel=self.name,
                start=date_from,
                end=date_to,
            ),
        )._settlement_import_job(
            fields.Date.to_string(date_from), fields.Date.to_string(date_to)
        )

    def _settlement_import_job(self, date_from, date_to):
        """Import the settlements and payouts of [date_from, date_to] (queue job)."""
        self.ensure_one()
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        # as in the order sync: a retryable error (network, HTTP 429 / 5xx, the
        # platform busy or rate limited) retries the job, any other fails it
        with self._connector_job_guard(
            "import",
            "finance/settlements",
            external_ref=f"{date_from} - {date_to}",
        ):
            data = self._settlement_fetch(date_from, date_to)
        settlements = self.env["channel.settlement"]
        for vals in data["settlements"]:
            settlements |= settlements._settlement_store(self, vals)
        payouts = self.env["channel.payout"]
        for vals in data["payouts"]:
            payouts |= payouts._payout_store(self, vals)
        self.sudo().settlement_last_import = fields.Datetime.now()
        if self.settlement_auto_post:
            settlements.filtered(lambda s: s.state == "draft").action_post()
            payouts.filtered(lambda p: p.state == "paid" and not p.move_id)._try_post()
        self._settlement_refresh_exceptions()
        return self.env._(
            "%(settlements)s settlement(s), %(payouts)s payout(s)",
            settlements=len(settlements),
            payouts=len(payouts),
        )

    # ---- exceptions ----
    def _settlement_order_invoices(self, orders):
        moves = orders.invoice_ids.filtered(lambda m: m.state == "posted")
        return (
            moves.filtered(lambda m: m.move_type == "out_invoice"),
            moves.filtered(lambda m: m.move_type == "out_refund"),
        )

    def _settlement_exception_vals(self):
        """What is wrong on this channel, as exception values."""
        self.ensure_one()
        vals_list = []
        lines = self.env["channel.settlement.line"].search(
            [("channel_id", "=", self.id)]
        )
        tolerance = self.settlement_tolerance or 0.0
        by_order = {}
        for line in lines:
            if line.order_ref:
                by_order.setdefault(line.order_ref, self.env["channel.settlement.line"])
                by_order[line.order_ref] |= line
            if line.category == "unknown":
                vals_list.append(
                    {
                        "exception_type": "unknown_fee",
                        "settlement_id": line.settlement_id.id,
                        "settlement_line_id": line.id,
                        "sale_order_id": line.sale_order_id.id,
                        "order_ref": line.order_ref,
                        "amount_settled": line.amount,
                        "message": self.env._(
                            "Unknown fee type %(code)s (%(name)s)",
                            code=line.fee_code,
                            name=line.name,
                        ),
                    }
                )
        for order_ref, olines in by_order.items():
            order = olines.sale_order_id[:1]
            invoices, refunds = self._settlement_order_invoices(order)
            sales = sum(
                olines.filtered(lambda x: x.category == "sale").mapped("amount")
            )
            refunded = -sum(
                olines.filtered(lambda x: x.category == "refund").mapped("amount")
            )
            common = {
                "settlement_id": olines[:1].settlement_id.id,
                "settlement_line_id": olines[:1].id,
                "sale_order_id": order.id,
                "order_ref": order_ref,
            }
            if sales and not invoices:
                vals_list.append(
                    dict(
                        common,
                        exception_type="settled_not_invoiced",
                        amount_settled=sales,
                        message=self.env._(
                            "Order %(order)s is settled but not invoiced",
                            order=order_ref,
                        ),
                    )
                )
            elif invoices:
                invoiced = sum(invoices.mapped("amount_total"))
                if (
                    sales
                    and float_compare(
                        abs(invoiced - sales), tolerance, precision_digits=2
                    )
                    > 0
                ):
                    vals_list.append(
                        dict(
                            common,
                            exception_type="amount_difference",
                            invoice_id=invoices[:1].id,
                            amount_expected=invoiced,
                            amount_settled=sales,
                            message=self.env._(
                                "Order %(order)s: invoiced %(invoiced)s, "
                                "settled %(settled)s",
                                order=order_ref,
                                invoiced=invoiced,
                                settled=sales,
                            ),
                        )
                    )
            if refunded > 0 and not refunds:
                vals_list.append(
                    dict(
                        common,
                        exception_type="refund_without_credit_note",
                        invoice_id=invoices[:1].id,
                        amount_settled=-refunded,
                        message=self.env._(
                            "Order %(order)s: %(amount)s refunded by the marketplace, "
                            "no credit note",
                            order=order_ref,
                            amount=refunded,
                        ),
                    )
                )
        # invoiced, not settled after N days
        limit = fields.Date.context_today(self) - timedelta(
            days=self.settlement_ageing_days or 0
        )
        invoices = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("invoice_date", "<=", limit),
                ("company_id", "=", self.company_id.id),
                ("line_ids.sale_line_ids.order_id.channel_id", "=", self.id),
            ]
        )
        for invoice in invoices:
            orders = invoice.line_ids.sale_line_ids.order_id
            if any(o.channel_order_ref in by_order for o in orders):
                continue
            vals_list.append(
                {
                    "exception_type": "invoiced_not_settled",
                    "invoice_id": invoice.id,
                    "sale_order_id": orders[:1].id,
                    "order_ref": orders[:1].channel_order_ref,
                    "amount_expected": invoice.amount_total,
                    "age_days": (
                        fields.Date.context_today(self) - invoice.invoice_date
                    ).days,
                    "message": self.env._(
                        "Invoice %(invoice)s is not settled %(days)s days after "
                        "its date",
                        invoice=invoice.name,
                        days=(
                            fields.Date.context_today(self) - invoice.invoice_date
                        ).days,
                    ),
                }
            )
        for vals in vals_list:
            vals.update(channel_id=self.id, company_id=self.company_id.id)
        return vals_list

    def _settlement_refresh_exceptions(self):
        Exception_ = self.env["channel.settlement.exception"].sudo()
        for channel in self:
            Exception_.search([("channel_id", "=", channel.id)]).unlink()
            Exception_.create(channel._settlement_exception_vals())
        return True

    def action_settlement_check(self):
        self._settlement_refresh_exceptions()
        return self.action_settlement_exceptions()

    def action_settlement_exceptions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_settlements.channel_settlement_exception_action"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        return action

    def action_settlement_list(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_settlements.channel_settlement_action"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        action["context"] = {"default_channel_id": self.id}
        return action

    def _settlement_json(self, data):
        return json.dumps(data, default=str, ensure_ascii=False, indent=1)

    def _settlement_log_changes(self, record, old, new):
        changes = [
            self.env._(
                "%(field)s: %(old)s → %(new)s",
                field=record._fields[name].string,
                old=old[name],
                new=new[name],
            )
            for name in AMOUNT_FIELDS
            if float_compare(old[name], new[name], precision_digits=2)
        ]
        return changes

    def _settlement_prepare_line_commands(self, settlement, lines):
        """x2many commands syncing ``settlement.line_ids`` with ``lines`` (by key)."""
        existing = {line.key: line for line in settlement.line_ids}
        commands, changed = [], []
        for vals in lines:
            line = existing.pop(vals["key"], None)
            if line is None:
                commands.append(Command.create(vals))
                changed.append(vals["key"])
            elif any(
                (
                    float_compare(line.amount, vals["amount"], precision_digits=2)
                    if name == "amount"
                    else line[name] != vals[name]
                )
                for name in ("amount", "category", "fee_code", "order_ref")
            ):
                commands.append(Command.update(line.id, vals))
                changed.append(vals["key"])
        commands += [Command.unlink(line.id) for line in existing.values()]
        changed += list(existing)
        return commands, changed
