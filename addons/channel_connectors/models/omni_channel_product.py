from odoo import fields, models


class OmniChannelProduct(models.Model):
    _inherit = "omni.channel.product"

    stock_sent_at = fields.Datetime(
        readonly=True, copy=False, help="When the free quantity was last sent."
    )
