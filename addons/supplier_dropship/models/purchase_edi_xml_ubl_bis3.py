from odoo import models


class PurchaseEdiXmlUblBis3(models.AbstractModel):
    _inherit = "purchase.edi.xml.ubl_bis3"

    def _get_item_vals(self, order, order_line):
        """Identify the item by the vendor's own part number as well
        (cac:SellersItemIdentification): distributors match lines on it."""
        vals = super()._get_item_vals(order, order_line)
        code = order_line._dropship_part_number()
        if code:
            vals["sellers_item_identification"] = code
        return vals
