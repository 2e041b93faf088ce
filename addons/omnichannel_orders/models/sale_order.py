import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, float_compare

_logger = logging.getLogger(__name__)

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
    channel_updated_at = fields.Datetime(
        string="Channel Update Time",
        copy=False,
        help="When the channel last changed the order: an older update never "
        "overwrites a newer one.",
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
    channel_amount_items = fields.Monetary(
        string="Channel Items Total", currency_field="channel_currency_id", copy=False
    )
    channel_amount_shipping = fields.Monetary(
        string="Channel Shipping", currency_field="channel_currency_id", copy=False
    )
    channel_amount_voucher = fields.Monetary(
        string="Channel Vouchers", currency_field="channel_currency_id", copy=False
    )
    channel_amount_fees = fields.Monetary(
        string="Channel Fees", currency_field="channel_currency_id", copy=False
    )
    channel_amount_total = fields.Monetary(
        string="Channel Total",
        currency_field="channel_currency_id",
        copy=False,
        help="The total the channel reports for the order.",
    )
    channel_amount_difference = fields.Monetary(
        string="Difference",
        currency_field="channel_currency_id",
        compute="_compute_channel_amount_difference",
        store=True,
        help="Odoo's total minus the channel's total.",
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

    @api.depends("amount_total", "channel_amount_total", "channel_id")
    def _compute_channel_amount_difference(self):
        for order in self:
            if order.channel_id and order.channel_amount_total:
                order.channel_amount_difference = (
                    order.amount_total - order.channel_amount_total
                )
            else:
                order.channel_amount_difference = 0.0

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

    # ------------------------------------------------------------------ history
    def _omni_snapshot(self, field_names, new=False):
        """Remember the values ``field_names`` had at the start of the transaction,
        so that the changes are written to the history at commit time (like mail
        tracking: one event per order and field, however many intermediate writes)."""
        records = self.filtered("id")
        if not records:
            return
        data = self.env.cr.precommit.data.setdefault("omni.order.event", {})
        if not data:
            self.env.cr.precommit.add(self._omni_flush_history)
        actor = self.env["omni.order.event"]._current_actor()
        missing = [
            (order.id, name)
            for order in records
            for name in field_names
            if (order.id, name) not in data
        ]
        if missing and not new:
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, %s FROM sale_order WHERE id IN %s",
                    SQL(", ").join(SQL.identifier(name) for name in field_names),
                    tuple({order_id for order_id, _name in missing}),
                )
            )
            stored = {row[0]: row[1:] for row in rows}
        else:
            stored = {}
        for order_id, name in missing:
            values = stored.get(order_id)
            old = values[field_names.index(name)] if values else None
            data[(order_id, name)] = {"old": old, "actor": actor, "uid": self.env.uid}
        for order in records:
            for name in field_names:
                data[(order.id, name)]["actor"] = actor
                data[(order.id, name)]["uid"] = self.env.uid

    def _omni_mark_created(self):
        """The first values of new orders go to the history but not to the
        chatter, which tells the creation already (as mail tracking does)."""
        data = self.env.cr.precommit.data.get("omni.order.event") or {}
        for order in self:
            for name in EVENT_FIELDS:
                info = data.get((order.id, name))
                if info is not None:
                    info["created"] = True

    def _omni_flush_history(self):
        """Precommit: write one event per changed field, and a chatter note
        (none for the values an order was created with)."""
        # the pending computations first: they snapshot into the same data
        self.env.flush_all()
        data = self.env.cr.precommit.data.pop("omni.order.event", {})
        if not data:
            return
        env = self.env(su=True)
        orders = env["sale.order"].browse({key[0] for key in data}).exists()
        existing = set(orders.ids)
        events, notes = [], {}
        for (order_id, name), info in data.items():
            if order_id not in existing:
                continue
            order = orders.browse(order_id)
            new = order[name]
            if (info["old"] or False) == (new or False):
                continue
            field = order._fields[name]
            labels = (
                dict(field._description_selection(env))
                if field.type == "selection"
                else {}
            )
            old_label = labels.get(info["old"], info["old"]) or ""
            new_label = labels.get(new, new) or ""
            events.append(
                {
                    "order_id": order_id,
                    "event_type": EVENT_FIELDS[name],
                    "from_value": old_label,
                    "to_value": new_label,
                    "actor": info["actor"],
                    "user_id": info["uid"],
                }
            )
            if info.get("created"):
                continue
            notes.setdefault(order_id, []).append(
                env._(
                    "%(field)s: %(old)s → %(new)s",
                    field=field.string,
                    old=old_label or "—",
                    new=new_label,
                )
            )
        if events:
            env["omni.order.event"].create(events)
            orders.browse(list(notes))._message_log_batch(
                bodies={order_id: "; ".join(lines) for order_id, lines in notes.items()}
            )
            env.flush_all()

    def _omni_log_event(self, event_type, note, from_value=False, to_value=False):
        """Record an event of another kind (picking, label, cancellation...)."""
        return self._omni_log_events(
            [(order, event_type, note, from_value, to_value) for order in self]
        )

    @api.model
    def _omni_log_events(self, events):
        """Record many events at once: ``events`` is a list of
        (order, event_type, note, from_value, to_value)."""
        actor = self.env["omni.order.event"]._current_actor()
        return (
            self.env["omni.order.event"]
            .sudo()
            .create(
                [
                    {
                        "order_id": order.id,
                        "event_type": event_type,
                        "note": note,
                        "from_value": from_value,
                        "to_value": to_value,
                        "actor": actor,
                        "user_id": self.env.uid,
                    }
                    for order, event_type, note, from_value, to_value in events
                ]
            )
        )

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

    def action_omni_view_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.omni_order_event_action"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------ manual orders
    def _omni_missing_payment_proof(self):
        """The manual orders of channels that require a payment proof and have none."""
        return self.filtered(
            lambda o: o.channel_id.channel_type == "manual"
            and o.channel_id.require_payment_proof
            and not o.payment_proof_attachment_id
        )

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if not message and self._omni_missing_payment_proof():
            message = self.env._(
                "%(order)s cannot be confirmed without a payment proof: channel "
                "%(channel)s requires one. Upload it on the order first.",
                order=self.name,
                channel=self.channel_id.display_name,
            )
        return message

    def _action_confirm(self):
        res = super()._action_confirm()
        if not self.env.context.get("send_email"):
            self.filtered(
                lambda o: o.channel_id.channel_type == "manual"
            )._omni_send_manual_confirmation()
        return res

    def _get_confirmation_template(self):
        if self.channel_id.channel_type == "manual":
            template = self.env.ref(
                "omnichannel_orders.mail_template_manual_order_confirmation",
                raise_if_not_found=False,
            )
            if template:
                return template
        return super()._get_confirmation_template()

    def _omni_send_manual_confirmation(self):
        """E-mail the customer the details of their confirmed manual order."""
        for order in self:
            if not order.partner_id.email:
                order._message_log(
                    body=self.env._(
                        "No order confirmation was e-mailed: %(customer)s has no "
                        "e-mail address.",
                        customer=order.partner_id.display_name,
                    )
                )
                continue
            order._send_order_notification_mail(order._get_confirmation_template())

    @api.depends("payment_proof_attachment_id")
    def _compute_payment_proof(self):
        for order in self:
            order.payment_proof = order.payment_proof_attachment_id.datas or False

    @api.depends("payment_proof_attachment_id")
    def _compute_payment_proof_filename(self):
        for order in self:
            order.payment_proof_filename = (
                order.payment_proof_attachment_id.name or False
            )

    def _inverse_payment_proof(self):
        """An upload becomes a new attachment (the file name is written with it)."""
        for order in self:
            attachment = order.payment_proof_attachment_id
            if not order.payment_proof:
                order.payment_proof_attachment_id = False
            elif not attachment or attachment.datas != order.payment_proof:
                order._omni_attach_payment_proof(
                    order.payment_proof, order.payment_proof_filename
                )

    def _inverse_payment_proof_filename(self):
        for order in self:
            attachment = order.payment_proof_attachment_id
            if (
                attachment
                and order.payment_proof_filename
                and attachment.datas == order.payment_proof
            ):
                attachment.name = order.payment_proof_filename

    def _omni_attach_payment_proof(self, datas, filename):
        """Store a payment proof (base64 ``datas``) as an attachment of the order:
        it shows among the order's attachments, with the other documents."""
        self.ensure_one()
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename or self.env._("Payment proof"),
                "datas": datas,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.payment_proof_attachment_id = attachment
        self._message_log(
            body=self.env._("Payment proof attached: %(name)s", name=attachment.name),
            attachment_ids=attachment.ids,
        )
        return attachment

    # ------------------------------------------------------------------ bulk hooks
    def _omni_arrange_shipment(self, params):
        """Arrange the shipment of these confirmed orders (bulk action): ``params``
        holds ``method`` (pickup / dropoff / manual), ``pickup_date`` (ISO date),
        ``time_slot``, ``address_id`` (pickup location) and ``tracking_ref``.

        Without a connector, the order desk records it: the courier, the tracking
        number given, and the delivery is scheduled on the pickup date. Extension
        point: channel_connectors arranges it on the channel for its orders."""
        vals = {}
        if params.get("tracking_ref"):
            vals["tracking_ref"] = params["tracking_ref"]
        if params.get("courier"):
            vals["courier_name"] = params["courier"]
        if vals:
            self.write(vals)
        if params.get("pickup_date"):
            self.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
                and p.picking_type_code == "outgoing"
            ).write({"scheduled_date": params["pickup_date"]})
        self._omni_log_event(
            "picking",
            self.env._(
                "Shipment arranged: %(method)s %(date)s %(slot)s",
                method=params.get("method") or "",
                date=params.get("pickup_date") or "",
                slot=params.get("time_slot") or "",
            ),
            to_value=params.get("tracking_ref") or False,
        )
        return True

    def _omni_get_label(self):
        """The shipping label of this order, as a PDF attachment (bulk "Print
        labels"): the newest PDF attached to the order whose name starts with
        "label". Extension point: channel_connectors fetches it from the channel."""
        self.ensure_one()
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("name", "=ilike", "label%"),
                ("mimetype", "=", "application/pdf"),
            ],
            order="id desc",
            limit=1,
        )
