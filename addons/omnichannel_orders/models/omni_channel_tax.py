from odoo import api, fields, models

# the channel types whose prices include tax unless the seller says otherwise:
# marketplaces and e-shops show buyers tax-included prices; manual (phone, B2B)
# orders, quote tools and ERP/CRM imports are priced without tax
TAX_INCLUDED_TYPES = ("marketplace", "eshop")


class OmniChannel(models.Model):
    """A channel's tax treatment: whether its prices include tax, through the
    fiscal position its orders carry (Odoo computes the taxes)."""

    _inherit = "omni.channel"

    price_tax_mode = fields.Selection(
        selection=[
            ("included", "Prices include tax"),
            ("excluded", "Prices exclude tax"),
        ],
        string="Prices",
        compute="_compute_price_tax_mode",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        tracking=True,
        help="Whether the prices of this channel's orders include tax. With "
        "'include', the channel's fiscal position maps the products' sale taxes to "
        "the same taxes included in the price, so that an order's total is what "
        "the buyer paid.",
    )
    fiscal_position_id = fields.Many2one(
        comodel_name="account.fiscal.position",
        string="Fiscal Position",
        check_company=True,
        compute="_compute_fiscal_position_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Put on every order of the channel (instead of the customer's). Made "
        "for channels whose prices include tax: maps each tax-excluded sale tax "
        "to its tax-included twin. Empty: the customer's fiscal position, as in "
        "Odoo.",
    )

    @api.depends("channel_type")
    def _compute_price_tax_mode(self):
        for channel in self:
            if not channel.price_tax_mode or not channel._origin:
                channel.price_tax_mode = (
                    "included"
                    if channel.channel_type in TAX_INCLUDED_TYPES
                    else "excluded"
                )

    @api.depends("price_tax_mode", "company_id")
    def _compute_fiscal_position_id(self):
        Position = self.env["account.fiscal.position"].sudo()
        for channel in self:
            position = channel.fiscal_position_id
            if channel.price_tax_mode == "included":
                if (
                    not position
                    or not position.omni_tax_included
                    or (position.company_id != channel.company_id)
                ):
                    position = Position._omni_tax_included_position(
                        channel.company_id or self.env.company
                    )
            elif position.omni_tax_included:
                position = False
            channel.fiscal_position_id = position

    def action_update_tax_mapping(self):
        """Map the sale taxes created since the channel's position was made."""
        self.fiscal_position_id.filtered(
            "omni_tax_included"
        ).sudo()._omni_sync_included_taxes()
        return True
