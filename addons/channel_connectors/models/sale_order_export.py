"""sale.order: what Odoo tells the channel (export hooks and their jobs)."""

from odoo import models
from odoo.exceptions import UserError

from ..adapters import AdapterError
from .sale_order import CONFLICT_FIELDS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ export hooks
    def action_confirm(self):
        res = super().action_confirm()
        if not self.env.context.get("connector_no_export"):
            for order in self._connector_orders():
                if order._connector_adapter_supports("accept_order"):
                    order._connector_enqueue("_channel_accept_job")
        return res

    def write(self, vals):
        edited = set(vals) & set(CONFLICT_FIELDS)
        if edited and not self.env.context.get("connector_no_export"):
            # a change made in Odoo (not by the import): protect it from the channel
            for order in self.filtered("channel_order_ref"):
                known = set((order.channel_edited_fields or "").split(",")) - {""}
                if not edited <= known:
                    order.with_context(connector_no_export=True).write(
                        {"channel_edited_fields": ",".join(sorted(known | edited))}
                    )
        watched = {}
        if "channel_shipped" in vals or "channel_status" in vals:
            watched = {
                order.id: order._connector_is_shipped()
                for order in self._connector_orders()
            }
        res = super().write(vals)
        if watched:
            # shipped on the channel now: what waited for the shipment goes out
            self.browse(
                [order_id for order_id, shipped in watched.items() if not shipped]
            ).filtered(lambda o: o._connector_is_shipped())._connector_on_shipped()
        if vals.get("tracking_ref") and not self.env.context.get("connector_no_export"):
            for order in self._connector_orders().filtered(
                lambda o: not o.channel_shipped and o.state == "sale"
            ):
                order._connector_enqueue(
                    "_channel_ship_job", "manual", tracking_ref=vals["tracking_ref"]
                )
        return res

    def _connector_log_call_failure(self, operation, exc):
        """A call a user made for this order failed: logged in its own
        transaction (the user's is rolled back by the error he sees)."""
        self.ensure_one()
        self.channel_id._connector_log(
            "export",
            operation,
            state="failed",
            message=str(exc),
            payload=exc.payload,
            record=self,
            external_ref=self.channel_order_ref,
            separate=True,
        )

    def _omni_channel_cancel_decision(self, approve):
        """Tell the channel first: an error blocks the decision."""
        res = super()._omni_channel_cancel_decision(approve)
        for order in self._connector_orders():
            if not order._connector_adapter_supports("cancel_decision"):
                continue
            channel = order.channel_id
            try:
                channel._connector_call(
                    lambda adapter, order=order: adapter.cancel_decision(
                        order._connector_order_data(),
                        approve,
                        reason=order.cancel_request_reason or None,
                    )
                )
            except AdapterError as exc:
                order._connector_log_call_failure("order/cancel_decision", exc)
                raise UserError(
                    self.env._(
                        "%(channel)s did not take the decision on %(order)s: "
                        "%(error)s",
                        channel=channel.name,
                        order=order.name,
                        error=str(exc),
                    )
                ) from exc
            channel._connector_log(
                "export",
                "order/cancel_decision",
                message=self.env._("Cancellation approved")
                if approve
                else self.env._("Cancellation rejected"),
                record=order,
                external_ref=order.channel_order_ref,
            )
        self._connector_orders()._connector_refresh()
        return res

    def _connector_on_dispatch(self, tracking_ref=None):
        """A delivery was validated in Odoo: ship on the channel unless it is
        shipped there (by Odoo, or as the channel's status says)."""
        for order in self._connector_orders().filtered(
            lambda o: not o._connector_is_shipped()
        ):
            if not order._connector_adapter_supports("ship_order"):
                continue
            method = order.channel_id.default_ship_method or "dropoff"
            if tracking_ref and method == "manual":
                order._connector_enqueue(
                    "_channel_ship_job", method, tracking_ref=tracking_ref
                )
            else:
                order._connector_enqueue("_channel_ship_job", method)

    def _connector_on_invoice(self, invoice):
        """An invoice was posted: its number goes to the channel now when the
        order is shipped there, else when it is (``_connector_on_shipped``)."""
        for order in self._connector_orders():
            if (
                order._connector_adapter_supports("set_invoice_number")
                and order._connector_is_shipped()
            ):
                order._connector_enqueue(
                    "_channel_invoice_number_job", invoice.name, priority=20
                )

    def _connector_on_shipped(self):
        """The orders became shipped on the channel: send the number of an
        invoice posted before (invoicing on confirmation), and the fulfilled
        status of the orders already dispatched and invoiced."""
        for order in self._connector_orders():
            invoice = order._connector_posted_invoices()[-1:]
            if invoice and order._connector_adapter_supports("set_invoice_number"):
                order._connector_enqueue(
                    "_channel_invoice_number_job", invoice.name, priority=20
                )
        self._connector_enqueue_fulfilled()

    def _connector_enqueue_fulfilled(self):
        """Enqueue the fulfilled push (one pending job per order) of the
        fulfilled orders not pushed yet, on channels that take statuses. An
        order to ship on the channel first is pushed once shipped there."""
        for order in self._connector_orders():
            if (
                order.lifecycle_state != "fulfilled"
                or order.channel_fulfilled_sent
                or not order._connector_adapter_supports("update_status")
            ):
                continue
            if (
                order._connector_adapter_supports("ship_order")
                and not order._connector_is_shipped()
            ):
                continue
            order._connector_enqueue("_channel_fulfilled_job", priority=20)

    # ------------------------------------------------------------------ jobs
    def _channel_accept_job(self):
        self.ensure_one()
        channel = self.channel_id
        with channel._connector_job_guard(
            "export",
            "order/accept",
            record=self,
            external_ref=self.channel_order_ref,
            retry=("_channel_accept_job", []),
        ):
            channel._connector_call(
                lambda adapter: adapter.accept_order(self._connector_order_data())
            )
        channel._connector_log(
            "export",
            "order/accept",
            message=self.env._("Order accepted"),
            record=self,
            external_ref=self.channel_order_ref,
        )
        self._connector_refresh()
        return True

    def _channel_ship_job(self, method="dropoff", tracking_ref=None, pickup=None):
        """Job: arrange the shipment on the channel (pack + ready to ship, pickup,
        drop-off or own tracking number) and store the tracking number."""
        self.ensure_one()
        if self.channel_shipped:
            return self.env._("Already shipped on the channel")
        channel = self.channel_id
        with channel._connector_job_guard(
            "export",
            "order/ship",
            record=self,
            external_ref=self.channel_order_ref,
            retry=("_channel_ship_job", [method, tracking_ref, pickup]),
        ):
            result = channel._connector_call(
                lambda adapter: adapter.ship_order(
                    self._connector_order_data(),
                    method=method,
                    tracking_ref=tracking_ref,
                    pickup=pickup,
                )
            )
        result = result or {}
        vals = {"channel_shipped": True}
        if result.get("tracking_ref"):
            vals["tracking_ref"] = result["tracking_ref"]
        if result.get("courier"):
            vals["courier_name"] = result["courier"]
        self.with_context(connector_no_export=True).write(vals)
        if result.get("package_id") and self.channel_binding_ids:
            # the engine's record of the channel's package: the job runs as the
            # desk user who asked for the shipment, who does not edit bindings
            self.channel_binding_ids[:1].sudo().package_ref = result["package_id"]
        channel._connector_log(
            "export",
            "order/ship",
            message=self.env._(
                "Shipment arranged (%(method)s), tracking %(tracking)s",
                method=method,
                tracking=result.get("tracking_ref") or "-",
            ),
            payload=result,
            record=self,
            external_ref=self.channel_order_ref,
        )
        self._omni_log_event(
            "picking",
            self.env._("Shipment arranged on the channel"),
            to_value=result.get("tracking_ref") or False,
        )
        self._connector_refresh()
        return result

    def _channel_invoice_number_job(self, invoice_number):
        self.ensure_one()
        channel = self.channel_id
        if not self._connector_is_shipped():
            # no retry loop: the number is sent again once the order is shipped
            return self.env._(
                "Not shipped on the channel yet: the invoice number is sent when "
                "it is."
            )
        with channel._connector_job_guard(
            "export",
            "order/invoice_number",
            record=self,
            external_ref=self.channel_order_ref,
            retry=("_channel_invoice_number_job", [invoice_number]),
        ):
            channel._connector_call(
                lambda adapter: adapter.set_invoice_number(
                    self._connector_order_data(), invoice_number
                )
            )
        channel._connector_log(
            "export",
            "order/invoice_number",
            message=self.env._("Invoice number %(number)s sent", number=invoice_number),
            record=self,
            external_ref=self.channel_order_ref,
        )
        return True

    def _channel_fulfilled_job(self):
        """Job: tell the channel that the order is dispatched and invoiced
        (``update_status(order, "Fulfilled", ...)`` with the invoice and delivery
        numbers and the tracking number), once."""
        self.ensure_one()
        if self.channel_fulfilled_sent:
            return self.env._("Already fulfilled on the channel")
        if self.lifecycle_state != "fulfilled":
            return self.env._("The order is not fulfilled any more")
        if self._connector_adapter_supports("ship_order") and (
            not self._connector_is_shipped()
        ):
            return self.env._(
                "Not shipped on the channel yet: the status is sent when it is."
            )
        channel = self.channel_id
        values = {
            "invoice_number": ", ".join(
                self._connector_posted_invoices().mapped("name")
            )
            or None,
            "delivery_number": self._connector_delivery_number() or None,
            "tracking_ref": self.tracking_ref or None,
            "courier": self.courier_name or None,
        }
        with channel._connector_job_guard(
            "export",
            "order/fulfilled",
            record=self,
            external_ref=self.channel_order_ref,
            retry=("_channel_fulfilled_job", []),
        ):
            channel._connector_call(
                lambda adapter: adapter.update_status(
                    self._connector_order_data(), "Fulfilled", **values
                )
            )
        self.with_context(connector_no_export=True).write(
            {"channel_fulfilled_sent": True}
        )
        channel._connector_log(
            "export",
            "order/fulfilled",
            message=self.env._(
                "Fulfilled: invoice %(invoice)s, delivery %(delivery)s",
                invoice=values["invoice_number"] or "-",
                delivery=values["delivery_number"] or "-",
            ),
            payload=values,
            record=self,
            external_ref=self.channel_order_ref,
        )
        self._connector_refresh()
        return True
