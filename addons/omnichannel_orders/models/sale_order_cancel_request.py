"""sale.order: the buyers' cancellation requests (register, approve, reject)."""

from odoo import models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ actions
    def action_omni_cancel_request_approve(self):
        orders = self._omni_check_cancel_request()
        orders._omni_channel_cancel_decision(approve=True)
        orders.write({"cancel_request_state": "approved"})
        orders._omni_log_event("cancel_request", self.env._("Cancellation approved"))
        orders.activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=self.env._("Cancellation approved"),
        )
        orders.with_context(disable_cancel_warning=True)._action_cancel()
        return True

    def action_omni_cancel_request_reject(self):
        orders = self._omni_check_cancel_request()
        orders._omni_channel_cancel_decision(approve=False)
        orders.write({"cancel_request_state": "rejected"})
        orders._omni_log_event("cancel_request", self.env._("Cancellation rejected"))
        orders.activity_feedback(
            ["mail.mail_activity_data_todo"],
            feedback=self.env._("Cancellation rejected"),
        )
        return True

    def _omni_check_cancel_request(self):
        pending = self.filtered(lambda o: o.cancel_request_state == "requested")
        if pending != self:
            raise UserError(
                self.env._(
                    "There is no pending cancellation request on %(orders)s.",
                    orders=", ".join((self - pending).mapped("name")),
                )
            )
        fulfilled = self.filtered(lambda o: o.lifecycle_state == "fulfilled")
        if fulfilled:
            raise UserError(
                self.env._(
                    "%(orders)s already dispatched and invoiced: answer the buyer "
                    "with a return instead of a cancellation.",
                    orders=", ".join(fulfilled.mapped("name")),
                )
            )
        return self

    def _omni_channel_cancel_decision(self, approve):
        """Hook: tell the channel the seller's decision (channel_connectors)."""
        return True

    def _omni_register_cancel_request(self, reason=False):
        """A channel reports a buyer's cancellation request: flag the order and ask
        the order desk to decide."""
        todo = self.filtered(lambda o: o.cancel_request_state != "requested")
        if not todo:
            return
        todo.write(
            {"cancel_request_state": "requested", "cancel_request_reason": reason}
        )
        todo._omni_log_event(
            "cancel_request", self.env._("Buyer asked to cancel"), to_value=reason
        )
        for order in todo:
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Cancellation requested by the buyer"),
                note=reason or "",
                user_id=order.user_id.id
                or order.channel_id.team_id.user_id.id
                or self.env.uid,
            )
