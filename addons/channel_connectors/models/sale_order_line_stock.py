"""sale.order.line: a channel order's line edited or removed (its quantity, unit or
product) changes what the order holds or needs: every channel of its company gets
the new free quantity. Lines of orders without channel are left alone."""

from odoo import models

#: the line fields whose change changes what the line holds
STOCK_LINE_FIELDS = {"product_id", "product_uom_qty", "product_uom"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def write(self, vals):
        if not STOCK_LINE_FIELDS & set(vals):
            return super().write(vals)
        lines = self._connector_stock_lines()
        products = lines.product_id
        res = super().write(vals)
        if lines:
            self.env["omni.channel"]._connector_stock_fanout(
                products | lines.product_id, lines.order_id.company_id
            )
        return res

    def unlink(self):
        lines = self._connector_stock_lines()
        products, companies = lines.product_id, lines.order_id.company_id
        res = super().unlink()
        if products:
            self.env["omni.channel"]._connector_stock_fanout(products, companies)
        return res

    def _connector_stock_lines(self):
        """The goods lines of open channel orders (an unlinked line holds nothing:
        linking it tells the channels itself)."""
        return self.filtered(
            lambda line: line.order_id.channel_id
            and line.order_id.state != "cancel"
            and not line.is_unlinked
            and line.product_id.type == "consu"
        )
