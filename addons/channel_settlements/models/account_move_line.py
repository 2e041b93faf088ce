from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    channel_order_ref = fields.Char(
        string="Channel Order No.",
        index="btree_not_null",
        copy=False,
        help="Settlement entries: the marketplace order this line settles.",
    )
