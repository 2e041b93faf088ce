"""sale.order: the drop-ship fields and counters, the order's drop-ship purchase
orders. The planner is in ``sale_order_dropship_plan.py``, the Ship button
(procurement, isolation of failing orders) in ``sale_order_dropship_ship.py``,
the touchless cron in ``sale_order_dropship_touchless.py``; they log through
this module's logger."""

import logging

from odoo import fields, models

_logger = logging.getLogger(__name__)


def _planned_amount(string, help_text):
    """A planned drop-ship amount of the order (company currency, read-only)."""
    return fields.Monetary(
        string=string,
        currency_field="dropship_currency_id",
        copy=False,
        readonly=True,
        help=help_text,
    )


class SaleOrder(models.Model):
    _inherit = "sale.order"

    dropship_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Drop-ship Currency"
    )
    dropship_delivery_charge = _planned_amount(
        "Drop-ship Delivery Charge",
        "What the distributors charge for delivery, as planned.",
    )
    dropship_cost = _planned_amount(
        "Drop-ship Cost",
        "Goods from the distributors plus their delivery charges, as planned.",
    )
    dropship_attempt_count = fields.Integer(
        string="Drop-ship Failed Attempts",
        copy=False,
        readonly=True,
        help="Touchless channels: how many times in a row the scheduled action "
        "could not ship the order.",
    )
    dropship_next_attempt = fields.Datetime(
        string="Next Drop-ship Attempt",
        copy=False,
        readonly=True,
        index=True,
        help="Touchless channels: the scheduled action does not try to ship the "
        "order before this time (it failed and backs off, or a job is on it).",
    )
    dropship_line_count = fields.Integer(compute="_compute_dropship_line_count")
    dropship_transmission_count = fields.Integer(
        compute="_compute_dropship_transmission_count"
    )

    def _compute_dropship_line_count(self):
        candidates = self.order_line._dropship_candidates()
        for order in self:
            order.dropship_line_count = len(order.order_line & candidates)

    def _compute_dropship_transmission_count(self):
        for order in self:
            order.dropship_transmission_count = len(
                order._dropship_purchase_orders().dropship_transmission_ids
            )

    def _dropship_purchase_orders(self):
        return self.sudo().order_line.purchase_line_ids.order_id.filtered(
            "dropship_distributor_id"
        )

    def action_view_dropship_transmissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "supplier_dropship.dropship_po_transmission_action"
        )
        action["domain"] = [
            ("purchase_order_id", "in", self._dropship_purchase_orders().ids)
        ]
        return action
