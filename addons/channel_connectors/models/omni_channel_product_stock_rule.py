"""omni.channel.product: the channel's stock allocation rules, overridden for one
SKU."""

from odoo import fields, models

from .omni_channel_stock_rule import STOCK_RULE_FIELDS


class OmniChannelProduct(models.Model):
    _inherit = "omni.channel.product"

    stock_rule_override = fields.Boolean(
        string="Own Stock Rule",
        help="This SKU's buffer, share, cap and threshold replace the channel's.",
    )
    stock_buffer = fields.Float(digits="Product Unit of Measure")
    stock_share = fields.Float(string="Stock Share (%)", default=100.0)
    stock_cap = fields.Float(
        digits="Product Unit of Measure",
        help="0: no cap.",
    )
    stock_zero_below = fields.Float(
        string="Show 0 Below", digits="Product Unit of Measure"
    )

    _sql_constraints = [
        (
            "stock_rule_check",
            "CHECK(stock_buffer >= 0 AND stock_cap >= 0 AND stock_zero_below >= 0 "
            "AND stock_share >= 0 AND stock_share <= 100)",
            "The stock buffer, cap and threshold cannot be negative, and the share "
            "is a percentage between 0 and 100.",
        ),
    ]

    def write(self, vals):
        res = super().write(vals)
        if set(vals) & set(STOCK_RULE_FIELDS + ("stock_rule_override",)):
            stocked = self.filtered(
                lambda m: m.channel_id._connector_stock_channels()
            ).sudo()
            stocked._connector_mark_stock_dirty()
            for channel in stocked.channel_id:
                channel._enqueue_stock_export()
        return res

    def _connector_stock_rule(self):
        """{buffer, share, cap, zero_below} that apply to this SKU: its own when
        it overrides the channel's, else the channel's."""
        self.ensure_one()
        source = self if self.stock_rule_override else self.channel_id
        return {
            "buffer": source.stock_buffer,
            "share": source.stock_share,
            "cap": source.stock_cap,
            "zero_below": source.stock_zero_below,
        }
