from odoo import models


class OmniBulkOperation(models.Model):
    _inherit = "omni.bulk.operation"

    def _omni_bulk_check_arrange_shipment(self, order):
        if order.channel_shipped and order._connector_orders():
            return self.env._("The shipment is already arranged on the channel.")
        return super()._omni_bulk_check_arrange_shipment(order)
