import logging

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import float_is_zero

from ..finance import CATEGORIES, FEE_CATEGORIES

_logger = logging.getLogger(__name__)

POSTING_GROUP = "account.group_account_user"


AMOUNT_FIELDS = ("amount_sales", "amount_refunds", "amount_fees", "amount_net")


class ChannelSettlement(models.Model):
    """What a marketplace settled for one period (a statement, a day of released
    escrows): the gross of each order, every fee by type, refunds, adjustments and
    the net due to the seller."""

    _name = "channel.settlement"
    _description = "Marketplace Settlement"
    _inherit = ["mail.thread", "channel.finance.document"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    platform = fields.Selection(related="channel_id.platform")
    external_id = fields.Char(
        string="Statement / Payout ID", required=True, index=True, copy=False
    )
    date_from = fields.Date(string="Period Start")
    date_to = fields.Date(string="Period End")
    date = fields.Date(required=True, index=True)
    line_ids = fields.One2many(
        comodel_name="channel.settlement.line",
        inverse_name="settlement_id",
        string="Lines",
    )
    amount_sales = fields.Monetary(
        string="Gross", compute="_compute_amounts", store=True, tracking=True
    )
    amount_refunds = fields.Monetary(
        string="Refunds", compute="_compute_amounts", store=True
    )
    amount_fees = fields.Monetary(string="Fees", compute="_compute_amounts", store=True)
    amount_adjustments = fields.Monetary(
        string="Adjustments", compute="_compute_amounts", store=True
    )
    amount_net = fields.Monetary(
        string="Net", compute="_compute_amounts", store=True, tracking=True
    )
    has_unknown_fees = fields.Boolean(compute="_compute_amounts", store=True)
    payout_ref = fields.Char(string="Payout Reference", index=True)
    payout_id = fields.Many2one(
        comodel_name="channel.payout", index=True, check_company=True, copy=False
    )
    state = fields.Selection(
        selection=[("draft", "To Post"), ("posted", "Posted")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
    )
    move_id = fields.Many2one(
        comodel_name="account.move",
        string="Journal Entry",
        readonly=True,
        copy=False,
        check_company=True,
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(channel_id, external_id)",
            "This settlement is already imported for that channel.",
        ),
    ]

    @api.depends("line_ids.amount", "line_ids.category")
    def _compute_amounts(self):
        for settlement in self:
            totals = dict.fromkeys((c for c, _label in CATEGORIES), 0.0)
            for line in settlement.line_ids:
                totals[line.category] += line.amount
            settlement.amount_sales = totals["sale"]
            settlement.amount_refunds = totals["refund"]
            settlement.amount_fees = sum(totals[c] for c in FEE_CATEGORIES)
            settlement.amount_adjustments = totals["adjustment"]
            settlement.amount_net = sum(totals.values())
            settlement.has_unknown_fees = bool(totals["unknown"]) or any(
                line.category == "unknown" for line in settlement.line_ids
            )

    # ---- import ----
    @api.model
    def _prepare_settlement_vals(self, channel, vals):
        return {
            "name": vals.get("name") or vals["external_id"],
            "channel_id": channel.id,
            "external_id": vals["external_id"],
            "date_from": vals.get("date_from"),
            "date_to": vals.get("date_to"),
            "date": vals.get("date") or vals.get("date_to"),
            "currency_id": self._finance_currency(channel, vals.get("currency")).id,
            "payout_ref": vals.get("payout_ref") or False,
            "raw_payload": channel._settlement_json(vals.get("raw")),
        }

    @api.model
    def _prepare_line_vals(self, channel, line):
        return {
            "key": line["key"],
            "order_ref": line["order_ref"] or False,
            "fee_code": line["fee_code"],
            "name": line["name"],
            "category": channel._settlement_category(
                line["fee_code"], line["category"]
            ),
            "amount": line["amount"],
        }

    @api.model
    def _settlement_store(self, channel, vals):
        """Create or update one settlement (idempotent: same external id, lines by
        key). A change of a posted settlement's amounts unposts it and is logged."""
        settlement = self.search(
            [("channel_id", "=", channel.id), ("external_id", "=", vals["external_id"])]
        )
        record_vals = self._prepare_settlement_vals(channel, vals)
        lines = [self._prepare_line_vals(channel, line) for line in vals["lines"]]
        if not settlement:
            record_vals["line_ids"] = [Command.create(line) for line in lines]
            settlement = self.create(record_vals)
            settlement.line_ids._resolve_orders()
            return settlement
        commands, changed = channel._settlement_prepare_line_commands(settlement, lines)
        if not commands and settlement.payout_ref == record_vals["payout_ref"]:
            return settlement
        before = {name: settlement[name] for name in AMOUNT_FIELDS}
        was_posted = settlement.state == "posted"
        if was_posted and changed:
            settlement._unpost()
        record_vals.pop("channel_id")
        settlement.write(dict(record_vals, line_ids=commands))
        settlement.line_ids._resolve_orders()
        after = {name: settlement[name] for name in AMOUNT_FIELDS}
        messages = channel._settlement_log_changes(settlement, before, after)
        if changed:
            body = self.env._(
                "Re-imported: %(count)s line(s) changed (%(keys)s). %(amounts)s",
                count=len(changed),
                keys=", ".join(changed[:10]),
                amounts="; ".join(messages),
            )
            if was_posted:
                body += " " + self.env._("The entry was cancelled: post it again.")
            settlement.message_post(body=body)
        return settlement

    # ---- posting ----
    def _check_posting_rights(self):
        if not self.env.su and not self.env.user.has_group(POSTING_GROUP):
            raise AccessError(
                self.env._("Only accountants can post marketplace settlements.")
            )

    def _order_accounting(self, order):
        """(partner, receivable account, open receivable lines) of an order."""
        channel = self.channel_id
        moves = order.invoice_ids.filtered(
            lambda m: m.state == "posted"
            and m.move_type in ("out_invoice", "out_refund")
        )
        receivables = moves.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        partner = (
            moves[:1].commercial_partner_id
            or order.partner_id.commercial_partner_id
            or channel.settlement_partner_id
        )
        account = (
            receivables[:1].account_id
            or partner.with_company(self.company_id).property_account_receivable_id
        )
        open_lines = receivables.filtered(
            lambda line: line.account_id == account and not line.reconciled
        )
        return partner, account, open_lines

    def _amount_vals(self, amount):
        """The amount fields of a journal item of ``amount`` (in the settlement's
        currency), see ``_journal_item_amounts``."""
        return self._journal_item_amounts(amount)

    def _prepare_move_line_vals(self):
        """Receivable lines per order (sales credit, refunds debit), fee and
        adjustment lines on their accounts, the net on the clearing account
        (in the settlement's currency; the net also takes the rounding of the
        conversion, so that the entry balances)."""
        self.ensure_one()
        orders = {}
        fees = {}
        for line in self.line_ids:
            if line._is_order_side():
                orders.setdefault(line.order_ref or "", []).append(line)
            else:
                account = self.channel_id._settlement_fee_account(
                    line.category, line.fee_code
                )
                key = (account.id, line.fee_code)
                entry = fees.setdefault(key, {"amount": 0.0, "name": line.name})
                entry["amount"] += line.amount
        vals_list = []
        for order_ref, lines in orders.items():
            vals_list += self._prepare_order_move_line_vals(order_ref, lines)
        for (account_id, fee_code), entry in fees.items():
            vals_list += self._prepare_fee_move_line_vals(account_id, fee_code, entry)
        net = self._amount_vals(self.amount_net)
        net["balance"] = -sum(vals["balance"] for vals in vals_list)
        vals_list.append(
            {
                "name": self.env._("%(name)s net", name=self.name),
                "account_id": self.channel_id.settlement_clearing_account_id.id,
                "partner_id": self.channel_id.settlement_partner_id.id,
                **net,
            }
        )
        return vals_list

    def _is_zero(self, amount):
        currency = self.currency_id or self.company_id.currency_id
        return float_is_zero(amount, precision_rounding=currency.rounding)

    def _prepare_order_move_line_vals(self, order_ref, lines):
        """The receivable lines of one order: its sales, the seller's vouchers
        its invoice carries, its refunds."""
        partner, account, _open = self._order_accounting(lines[0].sale_order_id)
        vals_list = []
        for category in ("sale", "voucher", "refund"):
            amount = sum(x.amount for x in lines if x.category == category)
            if self._is_zero(amount):
                continue
            vals_list.append(
                {
                    "name": self.env._(
                        "%(order)s %(what)s",
                        order=order_ref or self.name,
                        what=dict(CATEGORIES)[category],
                    ),
                    "account_id": account.id,
                    "partner_id": partner.id,
                    "channel_order_ref": order_ref or False,
                    **self._amount_vals(-amount),
                }
            )
        return vals_list

    def _prepare_fee_move_line_vals(self, account_id, fee_code, entry):
        """The line of one fee type on its account (``entry``: its total amount
        and label; none when it is zero)."""
        if self._is_zero(entry["amount"]):
            return []
        return [
            {
                "name": f"{entry['name']} [{fee_code}]",
                "account_id": account_id,
                "partner_id": self.channel_id.settlement_partner_id.id,
                **self._amount_vals(-entry["amount"]),
            }
        ]

    def _prepare_move_vals(self):
        self.ensure_one()
        return {
            "move_type": "entry",
            "journal_id": self.channel_id.settlement_journal_id.id,
            "date": self.date,
            "ref": f"{self.name} ({self.external_id})",
            "company_id": self.company_id.id,
            "currency_id": (self.currency_id or self.company_id.currency_id).id,
            "line_ids": [Command.create(v) for v in self._prepare_move_line_vals()],
        }

    def action_post(self):
        """Book each settlement in its clearing journal, pay the orders' invoices
        (reconcile), then post the payout when it is paid out."""
        self._check_posting_rights()
        for settlement in self.filtered(lambda s: s.state == "draft"):
            settlement.channel_id._settlement_check_setup()
            settlement.line_ids._resolve_orders()
            move = self.env["account.move"].create(settlement._prepare_move_vals())
            move.action_post()
            settlement.write({"move_id": move.id, "state": "posted"})
            settlement._reconcile_orders()
            if settlement.has_unknown_fees:
                settlement.message_post(
                    body=self.env._(
                        "Unknown fee types were booked to the suspense account."
                    )
                )
        self.payout_id.filtered(lambda p: p.state == "paid")._try_post()
        self.channel_id._settlement_refresh_exceptions()
        return True

    def _reconcile_orders(self):
        self.ensure_one()
        for order_ref in set(self.line_ids.mapped("order_ref")) - {False}:
            order = self.line_ids.filtered(
                lambda x, ref=order_ref: x.order_ref == ref
            ).sale_order_id[:1]
            if not order:
                continue
            _partner, account, open_lines = self._order_accounting(order)
            own = self.move_id.line_ids.filtered(
                lambda x, ref=order_ref, acc=account: x.channel_order_ref == ref
                and x.account_id == acc
                and not x.reconciled
            )
            # invoices with the settled sales, credit notes with the refunds (so
            # that an invoice shows as paid, not reversed), then what remains
            invoices = open_lines.filtered(
                lambda x: x.move_id.move_type == "out_invoice"
            )
            credits = own.filtered(lambda x: x.balance < 0)
            for theirs, ours in (
                (invoices, credits),
                (open_lines - invoices, own - credits),
            ):
                if theirs and ours:
                    (theirs + ours).reconcile()
            rest = (own + open_lines).filtered(lambda x: not x.reconciled)
            if rest.filtered(lambda x: x.balance > 0) and rest.filtered(
                lambda x: x.balance < 0
            ):
                rest.reconcile()

    def _unpost(self):
        for settlement in self.filtered("move_id"):
            move = settlement.move_id
            if move.state == "posted":
                move.button_draft()
            if move.state == "draft":
                move.button_cancel()
            settlement.write({"move_id": False, "state": "draft"})
        return True

    def action_reset_to_draft(self):
        self._check_posting_rights()
        self.filtered(lambda s: s.payout_id.move_id).payout_id._unpost()
        return self._unpost()
