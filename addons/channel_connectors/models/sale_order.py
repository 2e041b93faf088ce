import json

from markupsafe import Markup

from odoo import fields, models

from ..adapters import AdapterError

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
    channel_updated_at = fields.Datetime(
        string="Channel Update Time",
        copy=False,
        help="When the channel last changed the order: an older update never "
        "overwrites a newer one.",
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
        # the lifecycle states at the start of the transaction (order history)
        old_states = self._omni_history_old_values("lifecycle_state")
        became = [
            order.id
            for order in self
            if isinstance(order.id, int)
            and order.lifecycle_state == "fulfilled"
            and old_states.get(order.id) != "fulfilled"
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
