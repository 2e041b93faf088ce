"""sale.order: processing of new orders, confirmation, and invoicing on
confirmation or on dispatch."""

import logging

from odoo import models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ processing
    def _omni_process_new_orders(self):
        """Touchless channels confirm their new orders at once."""
        touchless = self.filtered(
            lambda o: o.channel_id.processing_policy == "touchless"
            and o.state in ("draft", "sent")
            and o.order_line
        )
        if touchless:
            touchless.action_confirm()

    def action_confirm(self):
        if self.channel_id and not self.env.context.get("omni_mail_batch"):
            # the customers' subscriptions and the deliveries' origin notes of a
            # batch of channel orders in one go
            with self._omni_mail_batch() as orders:
                return orders.action_confirm()
        res = super().action_confirm()
        self.filtered(
            lambda o: o.channel_id.invoice_policy == "confirm"
        )._omni_invoice_and_post()
        return res

    def _omni_invoice_and_post(self):
        """Create and post the customer invoices of what is to invoice now, once:
        the order rows are locked so that two workers validating two deliveries of
        the same order never invoice the same quantity twice."""
        orders = self.filtered(lambda o: o.state == "sale")
        if not orders:
            return self.env["account.move"]
        self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE id IN %s FOR UPDATE", tuple(orders.ids)
            )
        )
        orders.order_line.invalidate_recordset(["qty_invoiced", "qty_to_invoice"])
        orders.invalidate_recordset(["invoice_status"])
        to_invoice = orders.filtered(
            lambda o: o.invoice_status == "to invoice" and not o.unlinked_line_count
        )
        if not to_invoice:
            return self.env["account.move"]
        # one invoice per order: a channel order has its own invoice number; the
        # invoices' creation messages, origin notes and customer subscriptions
        # written in one go
        nolog = self.env.context.get("mail_create_nolog", False)
        with to_invoice.with_context(omni_no_auto_process=True)._omni_mail_batch() as (
            to_invoice
        ):
            moves = to_invoice.with_context(mail_create_nolog=True)._create_invoices(
                grouped=True, final=True
            )
            moves = moves.with_context(mail_create_nolog=nolog)
            if not nolog and not self.env.context.get("tracking_disable"):
                moves._omni_log_creation()
            moves.action_post()
        return moves.with_env(self.env)

    def _omni_invoice_and_post_safely(self):
        """Invoice on dispatch without ever blocking the dispatch itself: the whole
        batch at once, or else order by order; an order that cannot be invoiced
        gets a note and an activity for the accountant, the others go on."""
        moves = self.env["account.move"]
        if not self:
            return moves
        try:
            with self.env.cr.savepoint():
                return self._omni_invoice_and_post()
        except (UserError, ValidationError) as error:
            if len(self) > 1:
                for order in self:
                    moves |= order._omni_invoice_and_post_safely()
                return moves
            _logger.info("Invoice on dispatch failed for %s: %s", self.name, error)
            message = self.env._(
                "The invoice could not be created on dispatch: %(error)s",
                error=str(error),
            )
            self._message_log(body=message)
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Invoice on dispatch failed"),
                note=message,
                user_id=self.user_id.id or self.env.uid,
            )
        return moves
