from odoo import api, fields, models
from odoo.exceptions import UserError


class OmniLinkProduct(models.TransientModel):
    """Link a channel SKU to a product once: every open line with that SKU on that
    channel gets the product, and the channel's stock is synchronised."""

    _name = "omni.link.product"
    _description = "Link a Channel SKU to a Product"

    line_id = fields.Many2one(comodel_name="sale.order.line", readonly=True)
    channel_id = fields.Many2one(comodel_name="omni.channel", required=True)
    company_id = fields.Many2one(related="channel_id.company_id")
    channel_sku = fields.Char(string="Channel SKU", required=True)
    product_id = fields.Many2one(
        comodel_name="product.product",
        required=True,
        domain="[('type', '!=', 'combo'), ('sale_ok', '=', True), "
        "('company_id', 'in', [company_id, False])]",
    )
    open_line_count = fields.Integer(compute="_compute_open_line_count")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        line = self.env["sale.order.line"].browse(
            self.env.context.get("default_line_id")
        )
        if line:
            res.setdefault("channel_id", line.order_id.channel_id.id)
            res.setdefault("channel_sku", line.channel_sku)
        return res

    @api.depends("channel_id", "channel_sku")
    def _compute_open_line_count(self):
        for wizard in self:
            wizard.open_line_count = self.env["sale.order.line"].search_count(
                [
                    ("is_unlinked", "=", True),
                    ("order_id.channel_id", "=", wizard.channel_id.id),
                    ("channel_sku", "=", wizard.channel_sku),
                    ("order_id.lifecycle_state", "in", ("buffered", "confirmed")),
                ]
            )

    def action_link(self):
        self.ensure_one()
        if not self.channel_sku:
            raise UserError(self.env._("This line has no channel SKU to link."))
        mapping = self.env["omni.channel.product"].search(
            [
                ("channel_id", "=", self.channel_id.id),
                ("channel_sku", "=", self.channel_sku),
            ]
        )
        if mapping:
            mapping.product_id = self.product_id
        else:
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel_id.id,
                    "channel_sku": self.channel_sku,
                    "product_id": self.product_id.id,
                }
            )
        return {"type": "ir.actions.act_window_close"}
