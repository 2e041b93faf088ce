"""account.move: a credit note brought to the amount a platform refunded."""

from odoo import Command, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _channel_returns_set_total(self, amount, channel):
        """Scale this draft credit note's prices so that its total is ``amount``
        (a partial refund); the cents the unit prices cannot carry go on a line
        of ``channel``'s rounding product (no tax)."""
        self.ensure_one()
        currency = self.currency_id
        lines = self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        if (
            not lines
            or currency.is_zero(self.amount_total)
            or currency.is_zero(self.amount_total - amount)
        ):
            return
        factor = amount / self.amount_total
        for line in lines:
            line.price_unit = line.price_unit * factor
        difference = currency.round(amount - self.amount_total)
        if not currency.is_zero(difference):
            self.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            self._channel_returns_rounding_line_vals(
                                difference, channel
                            )
                        )
                    ]
                }
            )

    def _channel_returns_rounding_line_vals(self, difference, channel):
        return {
            "name": self.env._(
                "Rounding: the platform refunded %(amount)s",
                amount=self.currency_id.format(self.amount_total + difference),
            ),
            "product_id": channel._connector_rounding_product().id,
            "quantity": 1.0,
            "price_unit": difference,
            "tax_ids": [Command.clear()],
        }
