"""sale.order: rma_sale's RMA fields readable by RMA users only.

rma_sale adds ``rma_ids`` and ``rma_count`` to every sale order (and line) without
groups: a salesperson with no RMA rights who reads an order (Odoo's own
``test_access_rights`` of sale) is refused access to the ``rma`` model. With the
fields restricted to rma's users, as rma_sale's own buttons already are, the
others read their orders as in plain Odoo."""

from odoo import fields, models

RMA_USER = "rma.rma_group_user_own"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    rma_ids = fields.One2many(groups=RMA_USER)
    rma_count = fields.Integer(groups=RMA_USER)
