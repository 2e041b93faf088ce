from odoo import api, models


class AccountBankStatementLine(models.Model):
    _inherit = "account.bank.statement.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._channel_match_payouts()
        return lines

    def _channel_match_payouts(self):
        """A bank line carrying a posted payout's reference and amount is matched."""
        inbound = self.filtered(lambda line: line.amount > 0 and not line.is_reconciled)
        if not inbound:
            return False
        payouts = (
            self.env["channel.payout"]
            .sudo()
            .search(
                [
                    ("company_id", "in", inbound.company_id.ids),
                    ("move_id", "!=", False),
                    ("statement_line_id", "=", False),
                    ("amount", "in", inbound.mapped("amount")),
                ]
            )
        )
        payouts._match_statement_lines(inbound)
        return True
