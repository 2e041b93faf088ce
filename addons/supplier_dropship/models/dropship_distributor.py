"""dropship.distributor: the connection (fields, credentials, HTTP auth), the
lookup by vendor and the delivery charges. The feed import is in
``dropship_distributor_feed.py``, the offers and real-time checks in
``dropship_distributor_offer.py``; both log through this module's logger."""

import logging

from odoo import api, fields, models
from odoo.tools import float_is_zero

_logger = logging.getLogger(__name__)

#: the purchase-order formats (the distributor's and its transmissions')
PO_FORMATS = [
    ("ubl", "UBL 2.1 Order"),
    ("cxml", "cXML OrderRequest"),
    ("opentrans", "openTRANS 2.1 ORDER"),
    ("pdf", "PDF by e-mail"),
]


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
    code = fields.Char(
        help="The distributor's code on its own system; also the last part of the "
        "dispatch notification URL /supplier_dropship/dispatch/<code>.",
        index=True,
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    po_format = fields.Selection(
        selection=PO_FORMATS,
        string="PO Format",
        required=True,
        default="pdf",
        tracking=True,
    )
    endpoint_url = fields.Char(
        string="PO Endpoint", help="URL the purchase order documents are POSTed to."
    )
    order_email = fields.Char(
        string="Orders E-mail",
        help="Where PDF purchase orders go (PDF format). Default: the account "
        "manager, then the vendor's e-mail.",
    )
    account_manager_email = fields.Char(
        help="Receives the PDF purchase order when a cost price was edited away from "
        "the feed price, so that the agreed price is invoiced."
    )
    realtime_supported = fields.Boolean(string="Real-time Stock/Price Checks")
    realtime_url = fields.Char(string="Real-time Endpoint")
    timeout = fields.Float(
        string="Timeout (s)",
        default=3.0,
        help="Time allowed to a purchase order transmission or a real-time check.",
    )
    # credentials (managers only)
    username = fields.Char(groups="purchase.group_purchase_manager")
    password = fields.Char(groups="purchase.group_purchase_manager")
    api_key = fields.Char(
        string="API Key",
        groups="purchase.group_purchase_manager",
        help="Sent as the X-Api-Key header; HTTP Basic is used when empty.",
    )
    buyer_identity = fields.Char(
        groups="purchase.group_purchase_manager",
        help="Our account at the distributor: cXML From/Sender identity, openTRANS "
        "buyer PARTY_ID.",
    )
    supplier_identity = fields.Char(
        groups="purchase.group_purchase_manager",
        help="The distributor's identity: cXML To identity, openTRANS supplier "
        "PARTY_ID.",
    )
    shared_secret = fields.Char(
        string="cXML Shared Secret", groups="purchase.group_purchase_manager"
    )
    webhook_secret = fields.Char(
        groups="purchase.group_purchase_manager",
        help="Key of the HMAC-SHA256 signature (X-Signature) of dispatch "
        "notifications.",
    )
    # feed
    feed_url = fields.Char(string="Feed Location")
    feed_format = fields.Selection(
        selection=[("csv", "CSV"), ("xml", "XML")], default="csv", required=True
    )
    feed_interval = fields.Integer(
        string="Feed Interval (hours)",
        default=1,
        help="How often the stock and price feed is read.",
    )
    feed_timeout = fields.Float(string="Feed Timeout (s)", default=60.0)
    feed_last_run_at = fields.Datetime(readonly=True, copy=False)
    feed_last_success_at = fields.Datetime(readonly=True, copy=False)
    feed_state = fields.Selection(
        selection=[
            ("never", "Never read"),
            ("ok", "OK"),
            ("warning", "Read with skipped rows"),
            ("failed", "Failed"),
        ],
        default="never",
        readonly=True,
        copy=False,
    )
    feed_message = fields.Text(readonly=True, copy=False)
    # delivery charges
    freight_rule_ids = fields.One2many(
        comodel_name="dropship.freight.rule",
        inverse_name="distributor_id",
        string="Delivery Charges",
    )
    transmission_ids = fields.One2many(
        comodel_name="dropship.po.transmission", inverse_name="distributor_id"
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "unique(partner_id, company_id)",
            "This vendor already has a distributor connection in this company.",
        ),
    ]

    # ------------------------------------------------------------------ helpers
    @api.model
    def _for_partners(self, partners, company=None):
        """The active distributors of ``partners`` (commercial entities) in
        ``company``, as ``{partner_id: distributor}``."""
        company = company or self.env.company
        distributors = self.sudo().search(
            [
                ("partner_id", "in", partners.commercial_partner_id.ids),
                ("company_id", "=", company.id),
            ]
        )
        return {d.partner_id.id: d for d in distributors}

    def _http_auth(self):
        """(headers, auth) for the distributor's HTTP API."""
        self.ensure_one()
        sudo = self.sudo()
        headers = {"User-Agent": "Odoo supplier_dropship"}
        if sudo.api_key:
            headers["X-Api-Key"] = sudo.api_key
            return headers, None
        if sudo.username:
            return headers, (sudo.username, sudo.password or "")
        return headers, None

    # ------------------------------------------------------------------ freight
    def _dropship_delivery_charge(self, weight, country):
        """Delivery charge (company currency) of a shipment of ``weight`` kg to
        ``country``: the first matching rule, rules for the country before rules
        for every country, then by weight band (a band without a maximum weight
        is the flat rate)."""
        self.ensure_one()
        rules = self.freight_rule_ids.filtered(
            lambda r: not r.country_ids or (country and country in r.country_ids)
        ).sorted(
            lambda r: (
                not r.country_ids,
                float_is_zero(r.weight_max, precision_digits=3),
                r.weight_max,
                r.sequence,
            )
        )
        for rule in rules:
            if float_is_zero(rule.weight_max, precision_digits=3) or (
                weight <= rule.weight_max
            ):
                return rule.charge
        return 0.0
