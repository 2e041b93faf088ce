"""sale.order: the channel buttons, arrange shipment, labels and bulk hooks."""

import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..adapters import AdapterError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # ------------------------------------------------------------------ buttons
    def _connector_check(self):
        orders = self._connector_orders()
        if orders != self:
            raise UserError(
                self.env._(
                    "%(orders)s have no channel connector.",
                    orders=", ".join((self - orders).mapped("name")),
                )
            )
        return orders

    def action_channel_accept(self):
        """Accept: confirm the orders (the channel is told by a job)."""
        orders = self._connector_check()
        orders.filtered(lambda o: o.state in ("draft", "sent")).action_confirm()
        return True

    def _connector_prepare_pickup(self, params):
        """The ``pickup`` of ``ship_order`` from the arrange-shipment parameters
        (``method``, ``pickup_date``, ``time_slot``, ``address_id``; for a
        manual shipment ``shipping_provider_ref``, else the channel's own
        carrier)."""
        if params.get("method") == "manual":
            provider = (
                params.get("shipping_provider_ref")
                or self.channel_id[:1].seller_shipping_provider_ref
            )
            return {"shipping_provider_id": provider} if provider else None
        if params.get("method") != "pickup":
            return None
        address = self.env["res.partner"].browse(params.get("address_id") or [])
        pickup_date = fields.Date.to_date(params.get("pickup_date") or None)
        return {
            "date": fields.Date.to_string(pickup_date) if pickup_date else None,
            "time_slot": params.get("time_slot") or None,
            "address": {
                "name": address.name,
                "street": address.street,
                "city": address.city,
                "zip": address.zip,
                "country_code": address.country_id.code,
                "phone": address.phone,
            }
            if address
            else None,
        }

    def _connector_arrange_shipment(self, params):
        """Arrange the shipment of these confirmed orders on their channels: one
        ship job each (the Arrange Shipment wizard and the bulk action).
        ``params``: ``method`` (pickup / dropoff / manual), ``pickup_date``,
        ``time_slot``, ``address_id``, ``tracking_ref`` and
        ``shipping_provider_ref``. Returns the orders
        requested (those already shipped on the channel are left out)."""
        method = params.get("method") or "dropoff"
        tracking_ref = params.get("tracking_ref") or None
        if method == "manual" and not tracking_ref:
            raise UserError(self.env._("A manual shipment needs a tracking number."))
        orders = self._connector_check().filtered(lambda o: not o.channel_shipped)
        pending = orders.filtered(lambda o: o.state != "sale")
        if pending:
            raise UserError(
                self.env._(
                    "Confirm %(orders)s before shipping.",
                    orders=", ".join(pending.mapped("name")),
                )
            )
        if method == "manual":
            missing = orders.filtered(
                lambda o: o.channel_id.connector_needs_provider_id
                and not o._connector_prepare_pickup(params)
            )
            if missing:
                raise UserError(
                    self.env._(
                        "%(channels)s needs the ID of your own carrier for a manual "
                        "shipment (%(orders)s): fill in Carrier ID, or the channel's "
                        "Own Carrier ID.",
                        channels=", ".join(missing.channel_id.mapped("name")),
                        orders=", ".join(missing.mapped("name")),
                    )
                )
        for order in orders:
            order._connector_enqueue(
                "_channel_ship_job",
                method,
                tracking_ref=tracking_ref,
                pickup=order._connector_prepare_pickup(params),
            )
        return orders

    # ------------------------------------------------------------------ bulk hooks
    def _connector_bulk_orders(self, method_name):
        return self._connector_orders().filtered(
            lambda o: o._connector_adapter_supports(method_name)
        )

    def _omni_arrange_shipment(self, params):
        """Orders of channels with a connector: arranged on the channel (a ship
        job each, as the Arrange Shipment wizard does); the others as the order
        desk does."""
        connected = self._connector_bulk_orders("ship_order")
        others = self - connected
        if connected:
            connected._connector_arrange_shipment(params)
        if others:
            return super(SaleOrder, others)._omni_arrange_shipment(params)
        return True

    def _omni_get_label(self):
        """The channel's label: the one fetched before, else fetched from the
        channel once the shipment is arranged there."""
        self.ensure_one()
        if self.channel_label_id:
            return self.channel_label_id
        if self._connector_bulk_orders("get_label") and self._connector_is_shipped():
            return self._connector_fetch_label()
        return super()._omni_get_label()

    def action_channel_arrange_shipment(self):
        self._connector_check()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "channel_connectors.channel_ship_wizard_action"
        )
        action["context"] = {
            "active_model": "sale.order",
            "active_ids": self.ids,
            "default_order_ids": self.ids,
        }
        return action

    def _connector_fetch_label(self):
        """Fetch the AWB from the channel and store it on the order
        (``channel_label_id``). Returns the attachment; an error is logged and
        raised as a UserError."""
        self.ensure_one()
        channel = self.channel_id
        try:
            pdf = channel._connector_call(
                lambda adapter: adapter.get_label(self._connector_order_data())
            )
        except AdapterError as exc:
            self._connector_log_call_failure("order/label", exc)
            raise UserError(
                self.env._(
                    "No label for %(order)s: %(error)s",
                    order=self.name,
                    error=str(exc),
                )
            ) from exc
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"AWB-{self.channel_order_ref}.pdf",
                "datas": base64.b64encode(pdf),
                "mimetype": "application/pdf",
                "res_model": "sale.order",
                "res_id": self.id,
            }
        )
        self.with_context(connector_no_export=True).write(
            {"channel_label_id": attachment.id}
        )
        return attachment

    def action_channel_print_label(self):
        """Fetch the AWB from the channel, store it on the order, mark it printed."""
        attachments = self.env["ir.attachment"]
        for order in self._connector_check():
            attachment = order._connector_fetch_label()
            order.with_context(connector_no_export=True).write({"label_printed": True})
            order._omni_log_event("label", self.env._("Shipping label printed"))
            attachments |= attachment
        if len(attachments) == 1:
            return {
                "type": "ir.actions.act_url",
                "url": f"/web/content/{attachments.id}?download=true",
                "target": "new",
            }
        return True

    def action_channel_refresh(self):
        self._connector_check()._connector_refresh()
        return True
