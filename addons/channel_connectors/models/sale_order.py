import base64
import json

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError

from ..adapters import AdapterError

JOB_CHANNEL = "root.omnichannel"
# what a channel update writes on an existing order and Odoo may change too: a
# value changed in Odoo is never overwritten by a later update (a sync conflict)
CONFLICT_FIELDS = (
    "courier_name",
    "tracking_ref",
    "channel_payment_method",
    "channel_amount_items",
    "channel_amount_shipping",
    "channel_amount_voucher",
    "channel_amount_fees",
    "channel_amount_total",
)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    channel_binding_ids = fields.One2many(
        comodel_name="channel.order.binding",
        inverse_name="order_id",
        string="Channel Bindings",
        copy=False,
        groups="omnichannel_orders.group_order_desk_user",
    )
    channel_connected = fields.Boolean(
        compute="_compute_channel_connected",
        help="The order's channel has a connector.",
    )
    channel_shipped = fields.Boolean(
        string="Shipped on Channel",
        copy=False,
        help="The shipment was arranged on the channel (packed / ready to ship).",
    )
    channel_fulfilled_sent = fields.Boolean(
        string="Fulfilled on Channel",
        copy=False,
        readonly=True,
        help="The channel was told that the order is dispatched and invoiced.",
    )
    channel_label_id = fields.Many2one(
        comodel_name="ir.attachment", string="Shipping Label", copy=False
    )
    channel_edited_fields = fields.Char(
        string="Edited in Odoo",
        copy=False,
        readonly=True,
        help="Fields a channel update would write that were changed in Odoo: the "
        "channel no longer overwrites them.",
    )
    channel_conflict = fields.Boolean(
        string="Sync Conflict",
        copy=False,
        readonly=True,
        help="The channel sent values for fields changed in Odoo; Odoo's values "
        "were kept (see the chatter).",
    )

    def _compute_channel_connected(self):
        for order in self:
            order.channel_connected = bool(
                order.channel_id.connector_ready and order.channel_order_ref
            )

    def _compute_lifecycle_state(self):
        """Note the orders that become fulfilled in this transaction: the
        channel is told at commit time (``_connector_flush_fulfilled``)."""
        res = super()._compute_lifecycle_state()
        history = self.env.cr.precommit.data.get("omni.order.event") or {}
        became = [
            order.id
            for order in self
            if isinstance(order.id, int)
            and order.lifecycle_state == "fulfilled"
            and (history.get((order.id, "lifecycle_state")) or {}).get("old")
            != "fulfilled"
        ]
        if became:
            todo = self.env.cr.precommit.data.setdefault(
                "channel_connectors.fulfilled", set()
            )
            if not todo:
                self.env.cr.precommit.add(self._connector_flush_fulfilled)
            todo.update(became)
        return res

    def _connector_flush_fulfilled(self):
        """Precommit: enqueue the fulfilled push of the orders that became
        fulfilled (and still are)."""
        ids = self.env.cr.precommit.data.pop("channel_connectors.fulfilled", set())
        orders = self.env["sale.order"].browse(sorted(ids)).exists()
        orders._connector_orders()._connector_enqueue_fulfilled()
        self.env.flush_all()

    # ------------------------------------------------------------------ helpers
    def _connector_orders(self):
        return self.filtered(
            lambda o: o.channel_id.connector_ready and o.channel_order_ref
        )

    def _connector_order_data(self):
        """What an adapter gets as ``order``: the normalised order as last stored,
        with what Odoo knows since (tracking number, package)."""
        self.ensure_one()
        binding = self.channel_binding_ids[:1]
        adapter = self.channel_id._get_adapter()
        data = {"external_id": self.channel_order_ref, "raw": {}}
        if binding.raw_payload:
            raw = json.loads(binding.raw_payload)
            try:
                data = adapter.parse_order(raw)
            except AdapterError:
                data = {"external_id": self.channel_order_ref, "raw": raw}
        if self.tracking_ref:
            data["tracking_ref"] = self.tracking_ref
        delivery_number = self._connector_delivery_number()
        if delivery_number:
            data["delivery_number"] = delivery_number
        if binding.package_ref:
            data["packages"] = [
                {"id": binding.package_ref, "tracking_ref": self.tracking_ref or ""}
            ]
        return data

    def _connector_delivery_number(self):
        """The names of the order's done deliveries (outgoing and dropship),
        comma-separated: the delivery note number(s) (e-shop: WZ)."""
        self.ensure_one()
        pickings = self.picking_ids.filtered(
            lambda p: p.state == "done"
            and p.picking_type_code in ("outgoing", "dropship")
        ).sorted("id")
        return ", ".join(pickings.mapped("name"))

    def _connector_posted_invoices(self):
        self.ensure_one()
        return self.invoice_ids.filtered(
            lambda m: m.move_type == "out_invoice" and m.state == "posted"
        ).sorted("id")

    def _connector_is_shipped(self):
        """Shipped on the channel: by Odoo, or as the channel's status says."""
        self.ensure_one()
        return self.channel_shipped or (
            self.channel_status in self.channel_id._get_adapter_class().shipped_statuses
        )

    def _connector_adapter_supports(self, method_name):
        self.ensure_one()
        return self.channel_id._get_adapter_class().supports(method_name)

    def _connector_enqueue(self, method_name, *args, priority=None, **kwargs):
        self.ensure_one()
        options = {
            "channel": JOB_CHANNEL,
            "identity_key": f"channel_connectors.{method_name}:{self.id}:"
            f"{json.dumps([args, kwargs], default=str, sort_keys=True)}",
            "description": self.env._(
                "%(operation)s %(order)s on %(channel)s",
                operation=method_name.strip("_").replace("_", " "),
                order=self.name,
                channel=self.channel_id.name,
            ),
        }
        if priority is not None:
            options["priority"] = priority
        return getattr(self.with_delay(**options), method_name)(*args, **kwargs)

    def _connector_refresh(self):
        """Read the order back from the channel (its status after our action)."""
        for order in self:
            order.channel_id._enqueue_import(order.channel_order_ref, priority=15)

    def _connector_keep_edited(self, vals):
        """Of the values a channel update would write, drop those of fields changed
        in Odoo; when the channel's value differs, flag the conflict (message,
        activity). Returns the values to write."""
        self.ensure_one()
        edited = set((self.channel_edited_fields or "").split(",")) - {""}
        kept = {
            name: value
            for name, value in vals.items()
            if name in edited and self[name] != value
        }
        if not kept:
            return {name: value for name, value in vals.items() if name not in edited}
        labels = self.fields_get(list(kept), ["string"])
        lines = Markup("").join(
            Markup("<li>%s: %s → %s</li>")
            % (labels[name]["string"], self[name] or "-", value or "-")
            for name, value in kept.items()
        )
        self.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (
                self.env._(
                    "Sync conflict: %(channel)s sent new values for fields changed "
                    "in Odoo. Odoo's values were kept (Odoo → channel):",
                    channel=self.channel_id.name,
                ),
                lines,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._(
                "Sync conflict with %(channel)s", channel=self.channel_id.name
            ),
            note=self.env._(
                "Check the values the channel sent: %(fields)s",
                fields=", ".join(labels[name]["string"] for name in kept),
            ),
            user_id=self.user_id.id or self.env.uid,
        )
        vals = {name: value for name, value in vals.items() if name not in edited}
        vals["channel_conflict"] = True
        return vals

    def action_channel_conflict_resolved(self):
        """The conflict was looked at: clear the flag (Odoo's values stay)."""
        self.write({"channel_conflict": False})
        return True

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
                channel._connector_log(
                    "export",
                    "order/cancel_decision",
                    state="failed",
                    message=str(exc),
                    payload=exc.payload,
                    record=order,
                    external_ref=order.channel_order_ref,
                    separate=True,
                )
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
        """A delivery was validated in Odoo: ship on the channel if not done."""
        for order in self._connector_orders().filtered(lambda o: not o.channel_shipped):
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
            self.channel_binding_ids[:1].package_ref = result["package_id"]
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
                lambda o: o.channel_id.platform == "tiktok"
                and not o._connector_prepare_pickup(params)
            )
            if missing:
                raise UserError(
                    self.env._(
                        "TikTok Shop needs the ID of your own carrier for a manual "
                        "shipment (%(orders)s): fill in Carrier ID, or the channel's "
                        "Own Carrier ID.",
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
            channel._connector_log(
                "export",
                "order/label",
                state="failed",
                message=str(exc),
                payload=exc.payload,
                record=self,
                external_ref=self.channel_order_ref,
                separate=True,
            )
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
