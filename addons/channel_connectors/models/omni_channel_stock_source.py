"""omni.channel: the warehouses whose stock a channel sells, and the seller's
warehouses on the platform it shows it in."""

from odoo import fields, models


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    stock_warehouse_ids = fields.Many2many(
        comodel_name="stock.warehouse",
        relation="omni_channel_stock_warehouse_rel",
        column1="channel_id",
        column2="warehouse_id",
        string="Source Warehouses",
        check_company=True,
        help="The warehouses whose free stock this channel sells. Empty: the "
        "channel's warehouse.",
    )
    stock_location_ids = fields.One2many(
        comodel_name="omni.channel.stock.location",
        inverse_name="channel_id",
        string="Platform Warehouses",
        help="The seller's warehouses on the platform, each showing the free stock "
        "of its Odoo warehouses. Empty: one stock per SKU, from the source "
        "warehouses.",
    )

    def _connector_stock_warehouses(self):
        """The source warehouses: the chosen ones, else the channel's warehouse,
        else every warehouse of the channel's company."""
        self.ensure_one()
        return (
            self.stock_warehouse_ids
            or self.warehouse_id
            or self.env["stock.warehouse"]
            .sudo()
            .search([("company_id", "=", self.company_id.id)])
        )

    def _connector_stock_sources(self):
        """[(platform warehouse code or False, Odoo warehouses)] the channel shows
        stock for: one per platform warehouse, else the source warehouses."""
        self.ensure_one()
        return [
            (location.code, location.warehouse_ids)
            for location in self.sudo().stock_location_ids
        ] or [(False, self._connector_stock_warehouses())]
