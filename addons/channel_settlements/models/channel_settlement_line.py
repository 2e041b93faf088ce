from odoo import fields, models

from ..finance import CATEGORIES


class ChannelSettlementLine(models.Model):
    """One amount of a settlement: an order's gross, a fee of one type, a refund,
    an adjustment. Signed from the seller's side (fees are negative)."""

    _name = "channel.settlement.line"
    _description = "Marketplace Settlement Line"
    _order = "settlement_id, order_ref, id"

    settlement_id = fields.Many2one(
        comodel_name="channel.settlement",
        required=True,
        ondelete="cascade",
        index=True,
    )
    channel_id = fields.Many2one(
        related="settlement_id.channel_id", store=True, index=True
    )
    company_id = fields.Many2one(related="settlement_id.company_id", store=True)
    date = fields.Date(related="settlement_id.date", store=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    key = fields.Char(required=True, help="The platform's identity of this amount.")
    order_ref = fields.Char(string="Channel Order No.", index=True)
    sale_order_id = fields.Many2one(comodel_name="sale.order", index=True)
    fee_code = fields.Char(string="Fee Type", index=True)
    name = fields.Char(string="Label")
    category = fields.Selection(selection=CATEGORIES, required=True, index=True)
    amount = fields.Monetary(currency_field="currency_id")

    _sql_constraints = [
        (
            "key_uniq",
            "unique(settlement_id, key)",
            "A settlement line is imported once.",
        ),
    ]

    def _resolve_orders(self):
        """Link lines to the channel's sale orders by channel order number."""
        todo = self.filtered(lambda line: line.order_ref and not line.sale_order_id)
        if not todo:
            return True
        orders = self.env["sale.order"].search(
            [
                ("channel_id", "in", todo.channel_id.ids),
                ("channel_order_ref", "in", list(set(todo.mapped("order_ref")))),
            ]
        )
        index = {(o.channel_id.id, o.channel_order_ref): o for o in orders}
        for line in todo:
            order = index.get((line.channel_id.id, line.order_ref))
            if order:
                line.sale_order_id = order
        return True

    def _is_order_side(self):
        """Whether the line settles the order's invoice (it goes to the order's
        receivable) rather than being a fee of the seller: the sales and the
        refunds; and the seller-funded vouchers of an order whose invoice carries
        them as discount lines (``channel_amount_seller_discount``)."""
        self.ensure_one()
        if self.category in ("sale", "refund"):
            return True
        return bool(
            self.category == "voucher"
            and self.sale_order_id.channel_amount_seller_discount
        )

    def action_open_order(self):
        self.ensure_one()
        return self.sale_order_id._get_records_action()
