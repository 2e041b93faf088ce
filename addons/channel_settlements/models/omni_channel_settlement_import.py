import json
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from odoo.addons.queue_job.job import identity_exact

from ..finance import FinanceError, get_client_class
from .channel_settlement import AMOUNT_FIELDS


class OmniChannel(models.Model):
    _inherit = "omni.channel"

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
                ("settlement_supported", "=", True),
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
