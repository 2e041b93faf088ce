from odoo import fields, models


class OmniBulkOperationLine(models.Model):
    """The result of a bulk operation for one order: done, or failed and why."""

    _name = "omni.bulk.operation.line"
    _description = "Order Desk Bulk Operation Result"
    _order = "operation_id, id"

    operation_id = fields.Many2one(
        comodel_name="omni.bulk.operation",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="operation_id.company_id", store=True)
    order_id = fields.Many2one(
        comodel_name="sale.order", string="Order", index=True, ondelete="set null"
    )
    channel_id = fields.Many2one(related="order_id.channel_id")
    channel_order_ref = fields.Char(related="order_id.channel_order_ref")
    state = fields.Selection(
        selection=[("done", "Done"), ("failed", "Failed")],
        required=True,
        index=True,
    )
    message = fields.Char(string="Reason")
    attachment_id = fields.Many2one(comodel_name="ir.attachment", string="Label")
