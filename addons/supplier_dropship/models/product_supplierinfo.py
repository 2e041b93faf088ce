from odoo import fields, models


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    distributor_stock = fields.Float(
        digits="Product Unit of Measure",
        copy=False,
        help="The distributor's stock of this part, from its latest feed.",
    )
    feed_price = fields.Float(
        digits="Product Price",
        copy=False,
        help="The distributor's price from its latest feed.",
    )
    feed_updated_at = fields.Datetime(string="Feed Updated", copy=False)
