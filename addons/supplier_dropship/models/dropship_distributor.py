from odoo import fields, models


class DropshipDistributor(models.Model):
    """A vendor that ships for us, with its electronic connection."""

    _name = "dropship.distributor"
    _description = "Drop-ship Distributor"
    _inherit = ["mail.thread"]
    _order = "name"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Vendor",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
    )
    name = fields.Char(related="partner_id.name", store=True)
    code = fields.Char(help="The distributor's code on its own system.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    po_format = fields.Selection(
        selection=[
            ("ubl", "UBL 2.1 Order"),
            ("cxml", "cXML OrderRequest"),
            ("opentrans", "openTRANS 2.1 ORDER"),
            ("pdf", "PDF by e-mail"),
        ],
        string="PO Format",
        required=True,
        default="pdf",
        tracking=True,
    )
    endpoint_url = fields.Char(string="PO Endpoint")
    account_manager_email = fields.Char()
    realtime_supported = fields.Boolean(string="Real-time Stock/Price Checks")
    timeout = fields.Float(string="Timeout (s)", default=3.0)

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "This vendor already has a distributor connection in this company.",
        ),
    ]
