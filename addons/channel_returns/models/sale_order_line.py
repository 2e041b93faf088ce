"""sale.order.line: rma_sale's RMA fields readable by RMA users only (see
sale_order.py)."""

from odoo import fields, models

from .sale_order import RMA_USER


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    rma_ids = fields.One2many(groups=RMA_USER)
    rma_count = fields.Integer(groups=RMA_USER)
