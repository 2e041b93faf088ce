from odoo import fields, models


class OmniChannelProduct(models.Model):
    _inherit = "omni.channel.product"

    last_stock_sent = fields.Float(
        readonly=True, help="The free quantity last sent to the channel."
    )
    stock_sent_at = fields.Datetime(
        readonly=True, copy=False, help="When the free quantity was last sent."
    )
