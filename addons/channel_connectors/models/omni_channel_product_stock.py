"""omni.channel.product: which mappings wait for a stock push."""

from odoo import fields, models
from odoo.tools import SQL


class OmniChannelProduct(models.Model):
    _inherit = "omni.channel.product"

    stock_dirty = fields.Boolean(
        string="Stock to Push",
        readonly=True,
        copy=False,
        index=True,
        help="The free quantity of the product may have changed since it was last "
        "sent to the channel.",
    )
    last_stock_sent_locations = fields.Json(
        readonly=True,
        copy=False,
        help="{platform warehouse code: quantity} last sent, on a channel with "
        "platform warehouses.",
    )

    def _connector_mark_stock_dirty(self):
        """Flag these mappings for the next stock push, in one statement. Always
        written (even when already flagged): a push job running at the same time
        then conflicts with this transaction and runs again, instead of clearing
        a flag it had read before this change."""
        if not self:
            return
        self.flush_recordset(["stock_dirty"])
        self.env.execute_query(
            SQL(
                "UPDATE omni_channel_product SET stock_dirty = TRUE WHERE id IN "
                "(SELECT id FROM omni_channel_product WHERE id IN %s "
                "ORDER BY id FOR NO KEY UPDATE)",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["stock_dirty"])
