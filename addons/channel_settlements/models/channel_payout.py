import logging

from odoo import Command, api, fields, models
from odoo.tools import float_compare

_logger = logging.getLogger(__name__)


class ChannelPayout(models.Model):
    """Money the marketplace sent to the seller's bank for one or more settlements.
    Posted: clearing account → the bank journal's outstanding receipts; matched when
    the bank statement line carrying its reference is imported."""

    _name = "channel.payout"
    _description = "Marketplace Payout"
    _inherit = ["mail.thread", "channel.finance.document"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True)
    external_id = fields.Char(string="Payout ID", required=True, index=True, copy=False)
    bank_ref = fields.Char(
        string="Bank Reference",
        index=True,
        help="What the bank statement line of this payout carries.",
    )
    date = fields.Date(required=True)
    amount = fields.Monetary(tracking=True)
    state = fields.Selection(
        selection=[("pending", "Not Paid Yet"), ("paid", "Paid Out")],
        default="pending",
        required=True,
        tracking=True,
    )
    settlement_ids = fields.One2many(
        comodel_name="channel.settlement", inverse_name="payout_id"
    )
    amount_settled = fields.Monetary(
        string="Settled Net", compute="_compute_amount_settled"
    )
    move_id = fields.Many2one(
        comodel_name="account.move", readonly=True, copy=False, check_company=True
    )
    statement_line_id = fields.Many2one(
        comodel_name="account.bank.statement.line",
        string="Bank Statement Line",
        readonly=True,
        copy=False,
        check_company=True,
    )
    reconcile_state = fields.Selection(
        selection=[
            ("open", "Not Booked"),
            ("posted", "Booked"),
            ("matched", "Matched with the Bank"),
        ],
        compute="_compute_reconcile_state",
        store=True,
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This payout is already imported for that channel.",
        ),
    ]

    @api.depends("settlement_ids.amount_net")
    def _compute_amount_settled(self):
        for payout in self:
            payout.amount_settled = sum(payout.settlement_ids.mapped("amount_net"))

    @api.depends("move_id.state", "statement_line_id")
    def _compute_reconcile_state(self):
        for payout in self:
            if payout.statement_line_id:
                payout.reconcile_state = "matched"
            elif payout.move_id.state == "posted":
                payout.reconcile_state = "posted"
            else:
                payout.reconcile_state = "open"

    # ---- import ----
    @api.model
    def _prepare_payout_vals(self, channel, vals):
        return {
            "name": channel.env._(
                "%(channel)s payout %(ref)s",
                channel=channel.name,
                ref=vals["external_id"],
            ),
            "channel_id": channel.id,
            "external_id": vals["external_id"],
            "bank_ref": vals.get("bank_ref") or vals["external_id"],
            "date": vals["date"],
            "amount": vals["amount"],
            "state": vals.get("state") or "pending",
            "currency_id": self._finance_currency(channel, vals.get("currency")).id,
            "raw_payload": channel._settlement_json(vals.get("raw")),
        }

    @api.model
    def _payout_store(self, channel, vals):
        payout = self.search(
            [("channel_id", "=", channel.id), ("external_id", "=", vals["external_id"])]
        )
        record_vals = self._prepare_payout_vals(channel, vals)
        if not payout:
            payout = self.create(record_vals)
        else:
            record_vals.pop("channel_id")
            if payout.move_id:  # booked: only the status may still move
                record_vals = {
                    k: v
                    for k, v in record_vals.items()
                    if k in ("state", "raw_payload")
                }
            if (
                float_compare(payout.amount, vals["amount"], precision_digits=2)
                and "amount" in record_vals
            ):
                payout.message_post(
                    body=self.env._(
                        "Amount changed: %(old)s → %(new)s",
                        old=payout.amount,
                        new=vals["amount"],
                    )
                )
            payout.write(record_vals)
        settlements = self.env["channel.settlement"].search(
            [
                ("channel_id", "=", channel.id),
                ("external_id", "in", vals.get("settlements") or []),
            ]
        )
        settlements.filtered(lambda s: s.payout_id != payout).write(
            {"payout_id": payout.id}
        )
        return payout

    # ---- posting ----
    def _outstanding_account(self):
        self.ensure_one()
        bank = self.channel_id.settlement_bank_journal_id
        method = bank.inbound_payment_method_line_ids.filtered("payment_account_id")[:1]
        if method.payment_account_id:
            return method.payment_account_id
        company = self.company_id
        chart = self.with_context(allowed_company_ids=company.root_id.ids).env[
            "account.chart.template"
        ]
        return (
            chart.ref(
                "account_journal_payment_debit_account_id", raise_if_not_found=False
            )
            or company.transfer_account_id
        )

    def _amount_vals(self, sign):
        """The amount fields of a journal item of the payout (``sign`` 1 or -1),
        in its currency (the clearing account's reconciliation with the
        settlements books the exchange difference)."""
        return self._journal_item_amounts(sign * self.amount)

    def _prepare_move_vals(self):
        self.ensure_one()
        channel = self.channel_id
        partner = channel.settlement_partner_id
        return {
            "move_type": "entry",
            "journal_id": channel.settlement_journal_id.id,
            "date": self.date,
            "ref": f"{self.name} ({self.bank_ref})",
            "company_id": self.company_id.id,
            "currency_id": (self.currency_id or self.company_id.currency_id).id,
            "line_ids": [
                Command.create(
                    {
                        "name": self.bank_ref,
                        "account_id": self._outstanding_account().id,
                        "partner_id": partner.id,
                        **self._amount_vals(1),
                    }
                ),
                Command.create(
                    {
                        "name": self.bank_ref,
                        "account_id": channel.settlement_clearing_account_id.id,
                        "partner_id": partner.id,
                        **self._amount_vals(-1),
                    }
                ),
            ],
        }

    def _try_post(self):
        """Post paid payouts whose settlements are all posted."""
        ready = self.filtered(
            lambda p: p.state == "paid"
            and not p.move_id
            and p.settlement_ids
            and all(s.state == "posted" for s in p.settlement_ids)
        )
        return ready.action_post()

    def action_post(self):
        self.env["channel.settlement"]._check_posting_rights()
        for payout in self.filtered(lambda p: not p.move_id):
            payout.channel_id._settlement_check_setup()
            move = self.env["account.move"].create(payout._prepare_move_vals())
            move.action_post()
            payout.move_id = move
            payout._reconcile_clearing()
            payout._match_statement_lines()
        return True

    def _reconcile_clearing(self):
        self.ensure_one()
        clearing = self.channel_id.settlement_clearing_account_id
        lines = (self.move_id | self.settlement_ids.move_id).line_ids.filtered(
            lambda line: line.account_id == clearing and not line.reconciled
        )
        if lines.filtered(lambda x: x.balance > 0) and lines.filtered(
            lambda x: x.balance < 0
        ):
            lines.reconcile()

    def _unpost(self):
        for payout in self.filtered("move_id"):
            if payout.statement_line_id:
                payout.statement_line_id.action_undo_reconciliation()
            if payout.move_id.state == "posted":
                payout.move_id.button_draft()
            payout.move_id.button_cancel()
            payout.write({"move_id": False, "statement_line_id": False})
        return True

    # ---- bank matching ----
    def _outstanding_line(self):
        self.ensure_one()
        account = self._outstanding_account()
        return self.move_id.line_ids.filtered(
            lambda line: line.account_id == account and not line.reconciled
        )

    def _matches(self, st_line):
        self.ensure_one()
        label = " ".join(
            filter(None, [st_line.payment_ref, st_line.move_id.ref])
        ).upper()
        refs = {r.upper() for r in (self.bank_ref, self.external_id) if r}
        return (
            any(ref in label for ref in refs)
            and not float_compare(st_line.amount, self.amount, precision_digits=2)
            and st_line.journal_id == self.channel_id.settlement_bank_journal_id
        )

    def _match_statement_lines(self, st_lines=None):
        """Match posted, unmatched payouts with unreconciled bank statement lines
        that carry their reference and amount: the statement line's suspense
        counterpart becomes the outstanding receipts line, reconciled with the
        payout's (Odoo Community has no reconciliation widget)."""
        StLine = self.env["account.bank.statement.line"]
        for payout in self.filtered(lambda p: p.move_id and not p.statement_line_id):
            candidates = st_lines
            if candidates is None:
                candidates = StLine.search(
                    [
                        (
                            "journal_id",
                            "=",
                            payout.channel_id.settlement_bank_journal_id.id,
                        ),
                        ("is_reconciled", "=", False),
                        ("amount", "=", payout.amount),
                    ]
                )
            for st_line in candidates.filtered(lambda x: not x.is_reconciled):
                if payout._matches(st_line) and payout._reconcile_statement_line(
                    st_line
                ):
                    break
        return True

    def _reconcile_statement_line(self, st_line):
        self.ensure_one()
        out_line = self._outstanding_line()
        _liquidity, suspense, other = st_line._seek_for_lines()
        if not out_line or not suspense or other:
            return False
        st_line.move_id.with_context(skip_readonly_check=True, force_delete=True).write(
            {
                "line_ids": [
                    Command.unlink(suspense.id),
                    Command.create(
                        {
                            "name": suspense.name or self.bank_ref,
                            "account_id": out_line.account_id.id,
                            "partner_id": self.channel_id.settlement_partner_id.id,
                            "currency_id": suspense.currency_id.id,
                            "amount_currency": suspense.amount_currency,
                            "balance": suspense.balance,
                        }
                    ),
                ]
            }
        )
        _liquidity, _suspense, counterpart = st_line._seek_for_lines()
        (counterpart + out_line).reconcile()
        self.statement_line_id = st_line
        self.message_post(
            body=self.env._(
                "Matched with the bank statement line %(line)s",
                line=st_line.display_name,
            )
        )
        return True
