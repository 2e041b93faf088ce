"""omni.channel: the warehouses whose stock a channel sells."""

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
