"""sale.order: the omnichannel fields and constants, the lifecycle and desk-stage
computes, CRUD and the lock of fulfilled channel orders. The other jobs of the order
are in sale_order_*.py."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

LIFECYCLE_STATES = [
    ("buffered", "Buffered"),
    ("confirmed", "Confirmed"),
    ("fulfilled", "Fulfilled"),
    ("cancelled", "Cancelled"),
]
DESK_STAGES = [
    ("ordered", "Ordered"),
    ("ready", "Ready to Ship"),
    ("in_delivery", "In Delivery"),
    ("completed", "Completed"),
    ("cancelled", "Cancelled"),
]
MANUAL_REASONS = [
    ("sale", "Sale"),
    ("replacement", "Replacement"),
    ("goodwill", "Goodwill"),
    ("compensation", "Compensation"),
    ("sample", "Sample"),
    ("other", "Other"),
]
# fields whose changes make history (omni.order.event)
EVENT_FIELDS = {"lifecycle_state": "lifecycle", "channel_status": "channel_status"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        string="Channel",
        index=True,
        copy=False,
        check_company=True,
        tracking=True,
    )
    channel_order_ref = fields.Char(
        string="Channel Order No.",
        copy=False,
        index=True,
        help="The order number the channel gave this order.",
    )
    channel_status = fields.Char(
        copy=False, index=True, help="The order's status as the channel reports it."
    )
    lifecycle_state = fields.Selection(
        selection=LIFECYCLE_STATES,
        string="Lifecycle",
        compute="_compute_lifecycle_state",
        store=True,
        index=True,
        copy=False,
        help="Buffered: received, editable, nothing reserved or invoiced. "
        "Confirmed: the sale order is confirmed. Fulfilled: every good dispatched "
        "and the invoice posted.",
    )
    desk_stage = fields.Selection(
        selection=DESK_STAGES,
        string="Desk Status",
        compute="_compute_desk_stage",
        store=True,
        index=True,
        copy=False,
    )
    customer_type = fields.Selection(
        selection=[("b2b", "B2B"), ("b2c", "B2C")],
        compute="_compute_customer_type",
        store=True,
        readonly=False,
        precompute=True,
    )
    channel_payment_method = fields.Char(string="Payment Method", copy=False)
    courier_name = fields.Char(string="Courier", copy=False, index=True)
    tracking_ref = fields.Char(string="Tracking Number", copy=False, index=True)
    label_printed = fields.Boolean(copy=False, index=True)
    channel_currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_channel_currency_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    cancel_request_state = fields.Selection(
        selection=[
            ("requested", "Requested"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="Cancellation Request",
        copy=False,
        index=True,
        tracking=True,
    )
    cancel_request_reason = fields.Char(copy=False)
    unlinked_line_count = fields.Integer(compute="_compute_unlinked_line_count")
    omni_event_ids = fields.One2many(
        comodel_name="omni.order.event", inverse_name="order_id", string="History"
    )
    channel_type = fields.Selection(related="channel_id.channel_type")
    manual_reason = fields.Selection(
        selection=MANUAL_REASONS,
        string="Reason",
        copy=False,
        help="Why a manual B2C order was created.",
    )
    manual_remark = fields.Text(
        string="Remark",
        copy=False,
        help="Why this manual order was created (replacement, goodwill...).",
    )
    payment_proof_attachment_id = fields.Many2one(
        comodel_name="ir.attachment",
        string="Payment Proof",
        copy=False,
        help="The payment proof of a manual order (bank transfer slip, receipt...).",
    )
    payment_proof = fields.Binary(
        string="Payment Proof File",
        compute="_compute_payment_proof",
        inverse="_inverse_payment_proof",
    )
    payment_proof_filename = fields.Char(
        compute="_compute_payment_proof_filename",
        inverse="_inverse_payment_proof_filename",
    )

    _sql_constraints = [
        (
            "channel_order_ref_uniq",
            "unique(channel_id, channel_order_ref)",
            "This channel order number is already in Odoo for that channel.",
        ),
    ]

    # ------------------------------------------------------------------ computes
    @api.depends(
        "state",
        "order_line.qty_delivered",
        "order_line.product_uom_qty",
        "order_line.invoice_lines.parent_state",
        "invoice_status",
    )
    def _compute_lifecycle_state(self):
        self._omni_snapshot(["lifecycle_state"])
        for order in self:
            order.lifecycle_state = order._omni_lifecycle_state()

    def _omni_lifecycle_state(self):
        """The lifecycle state derived from Odoo's documents (extension point)."""
        self.ensure_one()
        if self.state == "cancel":
            return "cancelled"
        if self.state != "sale":
            return "buffered"
        goods = self.order_line.filtered(
            lambda line: not line.display_type and line.product_id.type == "consu"
        )
        dispatched = all(
            float_compare(
                line.qty_delivered,
                line.product_uom_qty,
                precision_rounding=line.product_uom.rounding or 0.01,
            )
            >= 0
            for line in goods
        )
        invoices = self.order_line.invoice_lines.move_id
        invoiced = (
            self.invoice_status == "invoiced"
            and invoices
            and all(move.state in ("posted", "cancel") for move in invoices)
            and any(move.state == "posted" for move in invoices)
        )
        return "fulfilled" if dispatched and invoiced else "confirmed"

    @api.depends(
        "lifecycle_state",
        "picking_ids.state",
        "tracking_ref",
        "label_printed",
    )
    def _compute_desk_stage(self):
        for order in self:
            order.desk_stage = order._omni_desk_stage()

    def _omni_desk_stage(self):
        """The order desk's tab: Ordered / Ready to Ship / In Delivery / Completed /
        Cancelled (extension point; connectors refine it with the channel status)."""
        self.ensure_one()
        if self.lifecycle_state == "cancelled":
            return "cancelled"
        if self.lifecycle_state == "fulfilled":
            return "completed"
        if self.lifecycle_state == "buffered":
            return "ordered"
        outgoing = self.picking_ids.filtered(
            lambda p: p.picking_type_code in ("outgoing", "dropship")
            and p.state != "cancel"
        )
        if outgoing and any(p.state == "done" for p in outgoing):
            return "in_delivery"
        if (
            self.tracking_ref
            or self.label_printed
            or (outgoing and all(p.state == "assigned" for p in outgoing))
        ):
            return "ready"
        return "ordered"

    @api.depends("partner_id")
    def _compute_customer_type(self):
        for order in self:
            partner = order.partner_id.commercial_partner_id
            order.customer_type = "b2b" if partner.is_company else "b2c"

    @api.depends("channel_id", "currency_id")
    def _compute_channel_currency_id(self):
        for order in self:
            order.channel_currency_id = (
                order.channel_id.currency_id or order.currency_id
            )

    @api.depends("order_line.is_unlinked")
    def _compute_unlinked_line_count(self):
        for order in self:
            order.unlinked_line_count = len(order.order_line.filtered("is_unlinked"))

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._omni_snapshot(list(EVENT_FIELDS), new=True)
        orders._omni_mark_created()
        if not self.env.context.get("omni_no_auto_process"):
            orders._omni_process_new_orders()
        return orders

    def write(self, vals):
        # order_line commands are checked line by line (Odoo's own lines pass)
        self._omni_check_locked(set(vals) - {"order_line"})
        if "channel_status" in vals:
            self._omni_snapshot(["channel_status"])
        return super().write(vals)

    def _omni_locked_fields(self):
        """Fields of a channel order that can no longer change once it is fulfilled
        (its lines check themselves: see ``sale.order.line._omni_check_lines_locked``).
        Plain orders are never locked by us."""
        return {
            "order_line",
            "partner_id",
            "partner_invoice_id",
            "partner_shipping_id",
            "pricelist_id",
            "currency_id",
            "date_order",
            "channel_id",
            "channel_order_ref",
            "company_id",
            "warehouse_id",
        }

    def _omni_check_locked(self, vals):
        locked = self._omni_locked_fields() & set(vals)
        if not locked:
            return
        fulfilled = self.filtered(
            lambda o: o.channel_id and o.lifecycle_state == "fulfilled"
        )
        if fulfilled:
            fields_desc = ", ".join(
                sorted(self._fields[name].string for name in locked)
            )
            raise UserError(
                self.env._(
                    "Order %(orders)s is fulfilled (dispatched and invoiced): "
                    "%(fields)s can no longer be changed, so that the order keeps "
                    "agreeing with the channel and with its invoices. Returns, "
                    "credit notes and down payments still work; create a return "
                    "or a credit note instead.",
                    orders=", ".join(fulfilled.mapped("name")),
                    fields=fields_desc,
                )
            )
