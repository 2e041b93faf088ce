from odoo import api, fields, models

DIFFERENCE_REASONS = [
    ("tax", "Tax added by Odoo (the channel's prices exclude tax)"),
    ("cancelled", "Lines cancelled on the platform are not on the order"),
    ("unexplained", "Unexplained"),
]


class SaleOrder(models.Model):
    """The money the channel reports for an order, side by side with Odoo's, and
    the difference with its cause.

    Odoo's total is what the seller invoices: the items at the platform's prices
    (tax included where the channel's prices include tax), the buyer's shipping
    fee (a delivery line), less the seller's vouchers and discounts (discount
    lines). The buyer paid that less what the platform funds (its vouchers, coins):
    the marketplace pays that part in its settlement."""

    _inherit = "sale.order"

    channel_amount_items = fields.Monetary(
        string="Channel Items Total", currency_field="channel_currency_id", copy=False
    )
    channel_amount_shipping = fields.Monetary(
        string="Channel Shipping",
        currency_field="channel_currency_id",
        copy=False,
        help="The shipping fee the buyer paid.",
    )
    channel_amount_voucher = fields.Monetary(
        string="Channel Vouchers",
        currency_field="channel_currency_id",
        copy=False,
        help="Every voucher and discount of the order, whoever funds it.",
    )
    channel_amount_seller_discount = fields.Monetary(
        string="Seller Discounts",
        currency_field="channel_currency_id",
        copy=False,
        help="The vouchers and discounts the seller funds: discount lines of the "
        "order, they reduce the revenue.",
    )
    channel_amount_platform = fields.Monetary(
        string="Paid by the Platform",
        currency_field="channel_currency_id",
        copy=False,
        help="The vouchers, coins and discounts the platform funds: the buyer did "
        "not pay them, the marketplace pays them to the seller in its settlement. "
        "They do not reduce the revenue.",
    )
    channel_amount_cancelled = fields.Monetary(
        string="Cancelled on the Platform",
        currency_field="channel_currency_id",
        copy=False,
        help="The items the platform reports as cancelled: not on the order.",
    )
    channel_amount_fees = fields.Monetary(
        string="Channel Fees", currency_field="channel_currency_id", copy=False
    )
    channel_amount_total = fields.Monetary(
        string="Channel Total",
        currency_field="channel_currency_id",
        copy=False,
        help="What the buyer paid, as the channel reports it.",
    )
    channel_amount_expected = fields.Monetary(
        string="Order Value",
        currency_field="channel_currency_id",
        compute="_compute_channel_amount_difference",
        store=True,
        help="What the seller invoices: what the buyer paid plus what the "
        "platform pays for the buyer.",
    )
    channel_amount_difference = fields.Monetary(
        string="Difference",
        currency_field="channel_currency_id",
        compute="_compute_channel_amount_difference",
        store=True,
        help="Odoo's total minus the order value (what the buyer paid plus what "
        "the platform pays for the buyer).",
    )
    channel_amount_difference_reason = fields.Selection(
        selection=DIFFERENCE_REASONS,
        string="Cause of the Difference",
        compute="_compute_channel_amount_difference",
        store=True,
    )

    @api.depends(
        "amount_total",
        "amount_tax",
        "channel_amount_total",
        "channel_amount_platform",
        "channel_amount_cancelled",
        "channel_id",
    )
    def _compute_channel_amount_difference(self):
        for order in self:
            if not (order.channel_id and order.channel_amount_total):
                order.channel_amount_expected = 0.0
                order.channel_amount_difference = 0.0
                order.channel_amount_difference_reason = False
                continue
            currency = order.channel_currency_id or order.currency_id
            expected = order.channel_amount_total + order.channel_amount_platform
            difference = currency.round(order.amount_total - expected)
            order.channel_amount_expected = expected
            order.channel_amount_difference = difference
            order.channel_amount_difference_reason = order._channel_difference_reason(
                difference, currency
            )

    def _channel_difference_reason(self, difference, currency):
        """The cause of a difference between Odoo's total and the order value
        (extension point)."""
        self.ensure_one()
        if currency.is_zero(difference):
            return False
        if (
            self.channel_id.price_tax_mode == "excluded"
            and self.amount_tax
            and currency.is_zero(difference - self.amount_tax)
        ):
            return "tax"
        if self.channel_amount_cancelled and currency.is_zero(
            difference + self.channel_amount_cancelled
        ):
            return "cancelled"
        return "unexplained"
