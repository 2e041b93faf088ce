"""omni.channel: the allocation rules of the stock a channel shows (a buffer kept
back, a share, a cap, zero below a threshold), overridable per SKU mapping."""

import math

from odoo import api, fields, models
from odoo.tools import float_round

#: the fields whose change changes what every mapping of the channel shows
STOCK_RULE_FIELDS = ("stock_buffer", "stock_share", "stock_cap", "stock_zero_below")
STOCK_SOURCE_FIELDS = (
    "warehouse_id",
    "stock_warehouse_ids",
    "stock_location_ids",
    "stock_sync",
)


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    stock_buffer = fields.Float(
        digits="Product Unit of Measure",
        help="Units kept back: never offered on this channel.",
    )
    stock_share = fields.Float(
        string="Stock Share (%)",
        default=100.0,
        help="The share of the free quantity (after the buffer) offered on this "
        "channel, rounded down.",
    )
    stock_cap = fields.Float(
        digits="Product Unit of Measure",
        help="At most this quantity is offered on this channel (0: no cap).",
    )
    stock_zero_below = fields.Float(
        string="Show 0 Below",
        digits="Product Unit of Measure",
        help="A quantity below this is shown as 0 (0: never).",
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
        if set(vals) & set(STOCK_RULE_FIELDS + STOCK_SOURCE_FIELDS):
            self._connector_stock_sources_changed()
        return res

    def _connector_stock_sources_changed(self):
        """Every SKU of these channels may show another quantity now: flagged,
        and a push enqueued."""
        mappings = (
            self.env["omni.channel.product"]
            .sudo()
            .search([("channel_id", "in", self._connector_stock_channels().ids)])
        )
        mappings._connector_mark_stock_dirty()
        for channel in mappings.channel_id:
            channel._enqueue_stock_export()

    @api.model
    def _prepare_stock_quantity(self, free, mapping):
        """The quantity ``mapping``'s channel shows for ``free`` units of its
        product (extension point): minus the buffer, times the share (rounded
        down), at most the cap, 0 below the threshold, never negative."""
        rule = mapping._connector_stock_rule()
        quantity = (free - rule["buffer"]) * rule["share"] / 100.0
        quantity = math.floor(float_round(quantity, precision_digits=6))
        if rule["cap"]:
            quantity = min(quantity, math.floor(rule["cap"]))
        if quantity < rule["zero_below"]:
            quantity = 0
        return max(int(quantity), 0)
