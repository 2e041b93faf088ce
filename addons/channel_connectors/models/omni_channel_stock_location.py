from odoo import api, fields, models


class OmniChannelStockLocation(models.Model):
    """One of the seller's warehouses on a platform (Lazada multi-warehouse
    ``WarehouseCode``, Shopee ``location_id``, TikTok Shop ``warehouse_id``): the
    channel shows in it the free quantity of the Odoo warehouses it draws from."""

    _name = "omni.channel.stock.location"
    _description = "Channel Seller Warehouse"
    _order = "channel_id, sequence, id"

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True)
    code = fields.Char(
        string="Platform Code",
        required=True,
        help="The platform's id of the warehouse: Lazada WarehouseCode, Shopee "
        "location_id, TikTok Shop warehouse_id.",
    )
    warehouse_ids = fields.Many2many(
        comodel_name="stock.warehouse",
        relation="omni_channel_stock_location_warehouse_rel",
        column1="location_id",
        column2="warehouse_id",
        string="Odoo Warehouses",
        required=True,
        check_company=True,
        help="The Odoo warehouses whose free stock this platform warehouse shows.",
    )

    _sql_constraints = [
        (
            "channel_code_uniq",
            "unique(channel_id, code)",
            "This platform warehouse is already set up on this channel.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        locations.channel_id._connector_stock_sources_changed()
        return locations

    def write(self, vals):
        res = super().write(vals)
        if {"code", "warehouse_ids", "channel_id"} & set(vals):
            self.channel_id._connector_stock_sources_changed()
        return res

    def unlink(self):
        channels = self.channel_id
        res = super().unlink()
        channels._connector_stock_sources_changed()
        return res
