from odoo import api, fields, models


class OmniChannel(models.Model):
    """A sales channel: one store or account on a marketplace, an e-shop, the phone
    desk (manual orders), a quote tool or an ERP/CRM import."""

    _name = "omni.channel"
    _description = "Sales Channel"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        help="Short code shown on orders and in exports, e.g. LZ-MY.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    channel_type = fields.Selection(
        selection=[
            ("marketplace", "Marketplace"),
            ("eshop", "E-shop"),
            ("manual", "Manual (phone, e-mail, back office)"),
            ("quote", "Quote tool"),
            ("import", "ERP/CRM import"),
        ],
        string="Type",
        required=True,
        default="marketplace",
        tracking=True,
    )
    platform = fields.Selection(
        selection=[
            ("none", "None"),
            ("lazada", "Lazada"),
            ("shopee", "Shopee"),
            ("tiktok", "TikTok Shop / Tokopedia"),
            ("eshop_xml", "E-shop XML exchange"),
            ("rest", "Generic REST source"),
        ],
        required=True,
        default="none",
        help="The platform the channel talks to. Connectors are configured by the "
        "Channel Connectors add-on.",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        check_company=True,
        help="Warehouse that ships this channel's orders.",
    )
    pricelist_id = fields.Many2one(comodel_name="product.pricelist", check_company=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", check_company=True
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    invoice_policy = fields.Selection(
        selection=[
            ("confirm", "On confirmation"),
            ("dispatch", "On dispatch"),
            ("manual", "Manual"),
        ],
        string="Invoicing",
        required=True,
        default="dispatch",
        tracking=True,
    )
    processing_policy = fields.Selection(
        selection=[
            ("touchless", "Touchless (confirm automatically)"),
            ("review", "Manual review"),
        ],
        string="Processing",
        required=True,
        default="review",
        tracking=True,
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The channel code must be unique per company.",
        ),
    ]

    sku_mapping_ids = fields.One2many(
        comodel_name="omni.channel.product",
        inverse_name="channel_id",
        string="SKU Mappings",
    )
    require_payment_proof = fields.Boolean(
        help="Manual orders of this channel can only be confirmed with a payment "
        "proof attached.",
    )

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for channel in self:
            channel.currency_id = (
                channel.pricelist_id.currency_id or channel.company_id.currency_id
            )

    def _omni_stock_changed(self, products):
        """Hook: the sellable stock of ``products`` may have changed for these
        channels (channel_connectors pushes it)."""
        return True
