from odoo import fields, models


class ChannelFieldMapping(models.Model):
    """An external key of a channel mapped to an Odoo record: a branch to a
    warehouse, an item to a product, a customer to a partner."""

    _name = "channel.field.mapping"
    _description = "Channel Field Mapping"
    _order = "channel_id, kind, external_key"
    _rec_name = "external_key"

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True
    )
    kind = fields.Selection(
        selection=[
            ("branch", "Branch / warehouse"),
            ("item", "Item / product"),
            ("customer", "Customer"),
        ],
        required=True,
        default="item",
    )
    external_key = fields.Char(required=True, index=True)
    warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse", ondelete="cascade", check_company=True
    )
    product_id = fields.Many2one(comodel_name="product.product", ondelete="cascade")
    partner_id = fields.Many2one(comodel_name="res.partner", ondelete="cascade")

    _sql_constraints = [
        (
            "channel_kind_key_uniq",
            "unique(channel_id, kind, external_key)",
            "This external key is already mapped on this channel.",
        ),
    ]

    def _target_ref(self):
        self.ensure_one()
        target = {
            "branch": self.warehouse_id,
            "item": self.product_id,
            "customer": self.partner_id,
        }[self.kind]
        return target.id or False
