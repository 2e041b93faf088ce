from odoo import fields, models


class DropshipFreightRule(models.Model):
    """One row of a distributor's delivery-charge table: a weight band (or a flat
    rate when there is no maximum weight) for some or every country."""

    _name = "dropship.freight.rule"
    _description = "Drop-ship Delivery Charge"
    _order = "distributor_id, sequence, weight_max"

    distributor_id = fields.Many2one(
        comodel_name="dropship.distributor",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="distributor_id.company_id", store=True)
    currency_id = fields.Many2one(related="distributor_id.currency_id")
    sequence = fields.Integer(default=10)
    country_ids = fields.Many2many(
        comodel_name="res.country",
        string="Countries",
        help="Empty: every country.",
    )
    weight_max = fields.Float(
        string="Up to (kg)",
        digits="Stock Weight",
        help="Shipments up to this weight; 0 = any weight (flat rate).",
    )
    charge = fields.Monetary(required=True)
