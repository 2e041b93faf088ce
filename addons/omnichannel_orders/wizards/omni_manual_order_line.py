from odoo import api, fields, models
from odoo.exceptions import ValidationError


class OmniManualOrderLine(models.TransientModel):
    _name = "omni.manual.order.line"
    _description = "New Manual Order: Item"

    wizard_id = fields.Many2one(
        comodel_name="omni.manual.order", required=True, ondelete="cascade"
    )
    product_id = fields.Many2one(comodel_name="product.product", required=True)
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    price_unit = fields.Float(
        string="Unit Price",
        digits="Product Price",
        compute="_compute_price_unit",
        store=True,
        readonly=False,
        precompute=True,
        help="The catalogue price; B2C orders may change it.",
    )
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    price_subtotal = fields.Monetary(
        string="Subtotal", compute="_compute_price_subtotal"
    )

    @api.depends("product_id", "wizard_id.pricelist_id")
    def _compute_price_unit(self):
        for line in self:
            product = line.product_id
            pricelist = line.wizard_id.pricelist_id
            if not product:
                line.price_unit = 0.0
            elif pricelist:
                line.price_unit = pricelist._get_product_price(
                    product, line.quantity or 1.0
                )
            else:
                line.price_unit = product.lst_price

    @api.depends("quantity", "price_unit")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.quantity * line.price_unit

    @api.constrains("quantity", "price_unit")
    def _check_values(self):
        for line in self:
            if line.quantity <= 0:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s must be positive.",
                        product=line.product_id.display_name,
                    )
                )
            if line.price_unit < 0:
                raise ValidationError(
                    self.env._(
                        "The price of %(product)s cannot be negative.",
                        product=line.product_id.display_name,
                    )
                )

    def _prepare_sale_order_line_vals(self):
        """B2B lines take the price of the order's pricelist; B2C lines keep the
        price typed in."""
        self.ensure_one()
        vals = {"product_id": self.product_id.id, "product_uom_qty": self.quantity}
        if self.wizard_id.customer_type == "b2c":
            vals["price_unit"] = self.price_unit
        return vals
