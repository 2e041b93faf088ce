from odoo import api, fields, models
from odoo.exceptions import ValidationError


class OmniChannelProduct(models.Model):
    """The mapping of a channel's SKU to an Odoo product."""

    _name = "omni.channel.product"
    _description = "Channel SKU Mapping"
    _order = "channel_id, channel_sku"
    _rec_name = "channel_sku"

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    channel_sku = fields.Char(string="Channel SKU", required=True, index=True)
    channel_item_ref = fields.Char(
        string="Channel Item ID", help="The channel's own id of the item or variant."
    )
    product_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('type', '!=', 'combo'), ('company_id', 'in', [company_id, False])]",
    )

    _sql_constraints = [
        (
            "channel_sku_uniq",
            "unique(channel_id, channel_sku)",
            "This SKU is already linked to a product on this channel.",
        ),
    ]

    @api.constrains("product_id", "channel_id")
    def _check_product_company(self):
        for mapping in self:
            company = mapping.product_id.company_id
            if company and company != mapping.channel_id.company_id:
                raise ValidationError(
                    self.env._(
                        "Product %(product)s belongs to %(company)s: it cannot be "
                        "linked to a SKU of channel %(channel)s (%(channel_company)s).",
                        product=mapping.product_id.display_name,
                        company=company.name,
                        channel=mapping.channel_id.name,
                        channel_company=mapping.channel_id.company_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        mappings = super().create(vals_list)
        mappings._relink_open_lines()
        return mappings

    def write(self, vals):
        res = super().write(vals)
        if "product_id" in vals or "channel_sku" in vals:
            self._relink_open_lines()
        return res

    def _relink_open_lines(self):
        """Give every open unlinked line with this SKU its product, reserve stock
        for confirmed orders, and tell the channel its stock changed."""
        lines = self.env["sale.order.line"].search(
            [
                ("is_unlinked", "=", True),
                ("order_id.channel_id", "in", self.channel_id.ids),
                ("channel_sku", "in", self.mapped("channel_sku")),
                ("order_id.lifecycle_state", "in", ("buffered", "confirmed")),
            ]
        )
        by_key = {(m.channel_id.id, m.channel_sku): m for m in self}
        for line in lines:
            mapping = by_key.get((line.order_id.channel_id.id, line.channel_sku))
            if mapping:
                line._omni_link_product(mapping.product_id)
        self.channel_id._omni_stock_changed(self.product_id)
        return lines
