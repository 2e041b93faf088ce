"""sale.order: the order desk's SYNC button."""

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def action_channel_sync(self):
        """SYNC (the order desk): for the channels of the selected orders (every
        connected channel when none is selected), link the open orders' unlinked
        SKUs to the products that carry them, re-link the lines and push the
        stock now."""
        channels = self.channel_id
        if not channels:
            channels = self.env["omni.channel"].search([])
        return channels.action_connector_sync()
