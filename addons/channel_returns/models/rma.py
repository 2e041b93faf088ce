"""rma: the RMA of one returned line of a marketplace return, its desk tab, the
decisions pushed through its return, and the grading of what came back."""

from odoo import api, fields, models
from odoo.exceptions import UserError

DESK_TABS = [
    ("to_answer", "To answer"),
    ("awaiting_parcel", "Awaiting parcel"),
    ("to_grade", "To grade"),
    ("to_refund", "To refund"),
    ("done", "Done"),
    ("rejected", "Rejected"),
]


class Rma(models.Model):
    _inherit = "rma"

    channel_return_id = fields.Many2one(
        comodel_name="channel.return",
        string="Marketplace Return",
        index=True,
        readonly=True,
        copy=False,
        ondelete="restrict",
    )
    channel_return_line_ref = fields.Char(
        string="Return Line Reference", readonly=True, copy=False
    )
    channel_id = fields.Many2one(
        related="channel_return_id.channel_id", store=True, index=True
    )
    channel_return_ref = fields.Char(
        related="channel_return_id.name", store=True, index=True, string="Return Number"
    )
    channel_return_status = fields.Char(
        related="channel_return_id.platform_status", string="Platform Status"
    )
    channel_return_stage = fields.Selection(
        related="channel_return_id.stage", store=True, string="Return Stage"
    )
    channel_return_reason = fields.Char(
        related="channel_return_id.reason", string="Return Reason"
    )
    channel_refund_amount = fields.Monetary(
        related="channel_return_id.refund_amount",
        currency_field="channel_currency_id",
        string="Proposed Refund",
    )
    channel_currency_id = fields.Many2one(related="channel_return_id.currency_id")
    channel_return_deadline = fields.Datetime(
        related="channel_return_id.deadline", store=True, string="Answer By"
    )
    channel_return_overdue = fields.Boolean(
        related="channel_return_id.is_overdue", string="Overdue"
    )
    channel_grade = fields.Selection(
        [("sellable", "Sellable: back to stock"), ("damaged", "Damaged: scrapped")],
        string="Grade",
        readonly=True,
        copy=False,
    )
    channel_desk_tab = fields.Selection(
        DESK_TABS,
        string="Returns Desk",
        compute="_compute_channel_desk_tab",
        store=True,
        index=True,
    )

    _sql_constraints = [
        (
            "channel_return_line_uniq",
            "unique(channel_return_id, channel_return_line_ref)",
            "A line of a marketplace return has one RMA.",
        )
    ]

    @api.depends("channel_return_id.stage", "state", "channel_grade", "refund_id")
    def _compute_channel_desk_tab(self):
        for rma in self:
            stage = rma.channel_return_id.stage
            if not rma.channel_return_id:
                tab = False
            elif stage in ("rejected", "cancelled", "disputed") or rma.state == (
                "cancelled"
            ):
                tab = "rejected"
            elif rma.refund_id or rma.state in ("refunded", "finished", "locked"):
                tab = "done"
            elif rma.state == "received":
                tab = "to_refund" if rma.channel_grade else "to_grade"
            elif stage == "refunded":
                tab = "to_refund"
            elif stage in ("to_answer",):
                tab = "to_answer"
            else:
                tab = "awaiting_parcel"
            rma.channel_desk_tab = tab

    # ---- decisions (the whole platform return) -----------------------------------
    def _channel_returns(self):
        returns = self.channel_return_id
        if not returns:
            raise UserError(self.env._("These RMAs are not marketplace returns."))
        return returns

    def action_channel_approve(self):
        """Approve the returns of these RMAs: at once for one, one job per
        return for several (bulk approve from the list)."""
        returns = self._channel_returns().filtered(lambda r: r.stage == "to_answer")
        if not returns:
            raise UserError(self.env._("None of these returns waits for an answer."))
        if len(returns) == 1:
            return returns.action_approve()
        for ret in returns:
            ret._enqueue_approve()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "%(count)s returns are being approved on their channels.",
                    count=len(returns),
                ),
            },
        }

    def action_channel_refund(self):
        return self._channel_returns().action_refund()

    def action_channel_reject(self):
        return (
            self._channel_returns()[:1]
            .with_context(decision="reject")
            .action_open_decision()
        )

    def action_channel_offer(self):
        return (
            self._channel_returns()[:1]
            .with_context(decision="offer")
            .action_open_decision()
        )

    # ---- grading -------------------------------------------------------------------
    def _channel_check_gradable(self):
        for rma in self:
            if rma.state != "received" or rma.channel_grade:
                raise UserError(
                    self.env._(
                        "%(rma)s: only a received RMA not graded yet can be graded.",
                        rma=rma.display_name,
                    )
                )

    def action_channel_grade_sellable(self):
        """The returned units are sellable: from the RMA location back to the
        warehouse's stock, pushed to every channel selling them."""
        self._channel_check_gradable()
        for rma in self:
            warehouse = rma.warehouse_id or rma.location_id.warehouse_id
            move = self.env["stock.move"].create(
                rma._prepare_channel_restock_move_vals()
            )
            move._action_confirm()
            move._action_assign()
            move.quantity = move.product_uom_qty
            move.picked = True
            move._action_done()
            rma.channel_grade = "sellable"
            rma.message_post(
                body=self.env._(
                    "Graded sellable: %(qty)s %(uom)s back to %(location)s.",
                    qty=rma.product_uom_qty,
                    uom=rma.product_uom.name,
                    location=warehouse.lot_stock_id.display_name,
                )
            )
        self._channel_graded()
        return True

    def _prepare_channel_restock_move_vals(self):
        self.ensure_one()
        warehouse = self.warehouse_id or self.location_id.warehouse_id
        return {
            "name": self.env._("Restock %(rma)s", rma=self.name),
            "origin": self.name,
            "company_id": self.company_id.id,
            "product_id": self.product_id.id,
            "product_uom_qty": self.product_uom_qty,
            "product_uom": self.product_uom.id,
            "location_id": self.location_id.id,
            "location_dest_id": warehouse.lot_stock_id.id,
        }

    def action_channel_grade_damaged(self):
        """The returned units are damaged: scrapped from the RMA location."""
        self._channel_check_gradable()
        for rma in self:
            scrap = self.env["stock.scrap"].create(
                {
                    "product_id": rma.product_id.id,
                    "product_uom_id": rma.product_uom.id,
                    "scrap_qty": rma.product_uom_qty,
                    "location_id": rma.location_id.id,
                    "company_id": rma.company_id.id,
                    "origin": rma.name,
                }
            )
            scrap.action_validate()
            rma.channel_grade = "damaged"
            rma.message_post(
                body=self.env._("Graded damaged: %(scrap)s.", scrap=scrap.name)
            )
        self._channel_graded()
        return True

    def _channel_graded(self):
        """Graded: pushed to the channels, and credited when the platform has
        refunded already."""
        self._channel_push_stock()
        for ret in self.channel_return_id.filtered(lambda r: r.stage == "refunded"):
            ret._returns_credit_note()

    def _channel_push_stock(self):
        for channel in self.channel_id:
            rmas = self.filtered(lambda r, c=channel: r.channel_id == c)
            channel._omni_stock_changed(rmas.product_id)
