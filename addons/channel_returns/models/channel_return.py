"""channel.return: one marketplace return or refund application, its RMAs (one
per returned order line, OCA ``rma``) and the seller's decisions pushed to the
platform."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import STAGES, get_client_class

#: stages in which the seller has to act before the deadline
ANSWER_STAGES = ("to_answer", "parcel_arrived")
#: stages after which nothing comes back
CLOSED_STAGES = ("rejected", "cancelled")


class ChannelReturn(models.Model):
    _name = "channel.return"
    _description = "Marketplace return"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "deadline, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Return Number", required=True, index=True, readonly=True, copy=False
    )
    channel_id = fields.Many2one(
        comodel_name="omni.channel",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        related="channel_id.company_id", store=True, index=True, readonly=True
    )
    order_ref = fields.Char(string="Channel Order Number", readonly=True, index=True)
    order_id = fields.Many2one(
        comodel_name="sale.order", index=True, readonly=True, check_company=True
    )
    partner_id = fields.Many2one(related="order_id.partner_id", store=True)
    platform_status = fields.Char(readonly=True, tracking=True)
    stage = fields.Selection(STAGES, readonly=True, tracking=True, index=True)
    solution = fields.Selection(
        [("return_refund", "Return and refund"), ("refund", "Refund only")],
        readonly=True,
    )
    reason = fields.Char(string="Return Reason", readonly=True)
    reason_text = fields.Text(string="Buyer's Explanation", readonly=True)
    currency_id = fields.Many2one(comodel_name="res.currency", readonly=True)
    refund_amount = fields.Monetary(
        string="Proposed Refund", readonly=True, help="The refund the platform proposes"
    )
    refunded_amount = fields.Monetary(
        readonly=True, help="What the platform refunded the buyer"
    )
    deadline = fields.Datetime(
        readonly=True, index=True, help="The seller must answer by then"
    )
    is_overdue = fields.Boolean(
        compute="_compute_is_overdue", search="_search_is_overdue"
    )
    platform_created_at = fields.Datetime(readonly=True)
    platform_updated_at = fields.Datetime(readonly=True)
    tracking_ref = fields.Char(string="Return Tracking Number", readonly=True)
    parcel_arrived = fields.Boolean(readonly=True)
    reject_code = fields.Char(readonly=True, copy=False)
    reject_reason = fields.Text(readonly=True, copy=False)
    rma_ids = fields.One2many(
        comodel_name="rma", inverse_name="channel_return_id", string="RMAs"
    )
    rma_count = fields.Integer(compute="_compute_rma_count")

    _sql_constraints = [
        (
            "channel_return_uniq",
            "unique(channel_id, name)",
            "A return of a channel is imported once.",
        )
    ]

    @api.depends("deadline", "stage")
    def _compute_is_overdue(self):
        now = fields.Datetime.now()
        for record in self:
            record.is_overdue = bool(
                record.deadline
                and record.stage in ANSWER_STAGES
                and record.deadline < now
            )

    def _search_is_overdue(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Overdue."))
        domain = [
            ("deadline", "<", fields.Datetime.now()),
            ("stage", "in", ANSWER_STAGES),
        ]
        if (operator == "=") == value:
            return domain
        return ["!", "&", *domain]

    @api.depends("rma_ids")
    def _compute_rma_count(self):
        for record in self:
            record.rma_count = len(record.rma_ids)

    # ---- import ----------------------------------------------------------------
    @api.model
    def _returns_upsert(self, channel, normalised):
        """Create or update the return ``normalised`` of ``channel`` (the caller
        holds its advisory lock). Returns (record, "created" | "updated" |
        "stale")."""
        record = self.search(
            [("channel_id", "=", channel.id), ("name", "=", normalised["external_id"])],
            limit=1,
        )
        if (
            record
            and record.platform_updated_at
            and normalised["updated_at"]
            and normalised["updated_at"] < record.platform_updated_at
        ):
            return record, "stale"
        vals = self._prepare_return_vals(channel, normalised)
        if record:
            had_order = record.order_id
            record.write(vals)
            if not had_order and record.order_id and not record.rma_ids:
                # the order came after its return: its RMAs now
                record._returns_create_rmas(normalised)
            result = "updated"
        else:
            record = self.create(vals)
            record._returns_attach_images(normalised["images"])
            record._returns_create_rmas(normalised)
            result = "created"
        record._returns_follow_platform()
        return record, result

    @api.model
    def _prepare_return_vals(self, channel, normalised):
        order = self.env["sale.order"].search(
            [
                ("channel_id", "=", channel.id),
                ("channel_order_ref", "=", normalised["order_ref"]),
            ],
            limit=1,
        )
        currency = order.currency_id or channel.currency_id
        if normalised.get("currency"):
            currency = (
                self.env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", normalised["currency"])], limit=1)
                or currency
            )
        return {
            "name": normalised["external_id"],
            "channel_id": channel.id,
            "order_ref": normalised["order_ref"],
            "order_id": order.id,
            "platform_status": normalised["status"],
            "stage": normalised["stage"],
            "solution": normalised["solution"],
            "reason": normalised["reason"],
            "reason_text": normalised["reason_text"],
            "currency_id": currency.id,
            "refund_amount": normalised["refund_amount"],
            "refunded_amount": normalised["refunded_amount"],
            "deadline": normalised["deadline"],
            "platform_created_at": normalised["created_at"],
            "platform_updated_at": normalised["updated_at"],
            "tracking_ref": normalised["tracking_ref"],
            "parcel_arrived": normalised["parcel_arrived"],
        }

    def _returns_attach_images(self, urls):
        """The buyer's evidence, as URL attachments of the return."""
        self.ensure_one()
        if urls:
            self.env["ir.attachment"].create(
                [
                    {
                        "name": url.rsplit("/", 1)[-1] or url,
                        "type": "url",
                        "url": url,
                        "res_model": self._name,
                        "res_id": self.id,
                    }
                    for url in urls
                ]
            )

    def _returns_operation(self, solution):
        xmlid = (
            "channel_returns.rma_operation_channel_refund"
            if solution == "refund"
            else "channel_returns.rma_operation_channel_return"
        )
        return self.env.ref(xmlid)

    def _returns_create_rmas(self, normalised):
        """One RMA per returned order line; a line the order does not have is
        logged (the others are made)."""
        self.ensure_one()
        if not self.order_id:
            self.channel_id._connector_log(
                "import",
                "returns/order",
                state="skipped",
                message=self.env._(
                    "Return %(ref)s: order %(order)s is not in Odoo.",
                    ref=self.name,
                    order=self.order_ref,
                ),
                payload=normalised["raw"],
                record=self,
                external_ref=self.name,
            )
            return self.env["rma"]
        vals_list = []
        for line in normalised["lines"]:
            sale_line = self._returns_sale_line(line)
            if not sale_line:
                self.channel_id._connector_log(
                    "import",
                    "returns/line",
                    state="skipped",
                    message=self.env._(
                        "Return %(ref)s: order %(order)s has no line %(line)s "
                        "(%(sku)s) with a product.",
                        ref=self.name,
                        order=self.order_ref,
                        line=line["item_ref"],
                        sku=line["sku"],
                    ),
                    payload=line,
                    record=self,
                    external_ref=self.name,
                )
                continue
            vals_list.append(self._prepare_rma_vals(sale_line, line))
        return self.env["rma"].create(vals_list)

    def _returns_sale_line(self, line):
        lines = self.order_id.order_line.filtered("product_id")
        return (
            lines.filtered(lambda sol: sol.channel_item_ref == line["item_ref"])[:1]
            or lines.filtered(
                lambda sol: line["sku"] and sol.channel_sku == line["sku"]
            )[:1]
        )

    def _prepare_rma_vals(self, sale_line, line):
        order = self.order_id
        move = sale_line.move_ids.filtered(
            lambda m: m.state == "done" and m.picking_code == "outgoing"
        )[:1]
        return {
            "channel_return_id": self.id,
            "channel_return_line_ref": line["item_ref"],
            "origin": self.name,
            "company_id": order.company_id.id,
            "partner_id": order.partner_id.id,
            "partner_invoice_id": order.partner_invoice_id.id,
            "partner_shipping_id": order.partner_shipping_id.id,
            "order_id": order.id,
            "picking_id": move.picking_id.id,
            "move_id": move.id,
            "product_id": sale_line.product_id.id,
            "product_uom_qty": min(line["quantity"], sale_line.product_uom_qty),
            "product_uom": sale_line.product_uom.id,
            "operation_id": self._returns_operation(self.solution).id,
            "description": self.reason_text or False,
        }

    # ---- following the platform ------------------------------------------------
    def _returns_follow_platform(self):
        """Bring the RMAs, the activity and the credit note where the platform's
        stage says."""
        for record in self:
            record._returns_sync_activity()
            rmas = record.rma_ids
            if record.stage in CLOSED_STAGES:
                rmas.filtered(
                    lambda r: r.state in ("draft", "confirmed")
                    and not r.reception_move_id.filtered(lambda m: m.state == "done")
                ).action_cancel()
                continue
            if record.stage == "refunded":
                # refunded before any goods were asked back: the buyer keeps them
                refund_only = record._returns_operation("refund")
                rmas.filtered(
                    lambda r, op=refund_only: r.state == "draft"
                    and r.operation_id != op
                ).write({"operation_id": refund_only.id})
                rmas.filtered(lambda r: r.state == "draft").action_confirm()
                record._returns_credit_note()

    def _returns_sync_activity(self):
        """An activity due at the deadline while the seller has to answer."""
        self.ensure_one()
        todo = "mail.mail_activity_data_todo"
        activities = self.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref(todo)
        )
        if self.stage in ANSWER_STAGES and self.deadline:
            date = fields.Date.to_date(self.deadline)
            summary = self.env._("Answer return %(ref)s", ref=self.name)
            if activities:
                activities.write({"date_deadline": date, "summary": summary})
            else:
                self.activity_schedule(
                    todo,
                    date_deadline=date,
                    summary=summary,
                    user_id=self._returns_responsible().id,
                )
        elif activities:
            activities.action_feedback(
                feedback=self.env._(
                    "Platform status: %(status)s", status=self.platform_status
                )
            )

    def _returns_responsible(self):
        """Who answers: the order's salesperson, else the channel's sales team
        leader, else the current user (not the scheduler's superuser)."""
        self.ensure_one()
        user = self.order_id.user_id or self.channel_id.team_id.user_id
        if not user and not self.env.user._is_superuser():
            user = self.env.user
        return (
            user
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or (self.env.user)
        )

    def _returns_credit_note(self):
        """The credit note of the RMAs that can be refunded, for the amount the
        platform refunded (partial refunds included), posted when the user may."""
        self.ensure_one()
        rmas = self.rma_ids.filtered(lambda r: r.can_be_refunded and not r.refund_id)
        if not rmas or not self.refunded_amount:
            return self.env["account.move"]
        rmas.action_refund()
        refund = rmas.refund_id
        refund._channel_returns_set_total(self.refunded_amount, self.channel_id)
        if self.env.user.has_group("account.group_account_invoice"):
            refund.action_post()
        self.message_post(
            body=self.env._(
                "Credit note %(refund)s for the %(amount)s %(currency)s refunded.",
                refund=refund.display_name,
                amount=self.refunded_amount,
                currency=self.currency_id.name,
            )
        )
        return refund

    # ---- decisions -------------------------------------------------------------
    def _returns_client_call(self, func, operation):
        """``func(client)`` with the channel's adapter, inside the connector's
        guard: a refusal of the platform is logged on the channel and raised as
        a UserError, a network error or a busy platform too (try again)."""
        self.ensure_one()
        channel = self.channel_id
        client_class = get_client_class(channel.platform)
        try:
            with channel._connector_job_guard(
                "export", operation, record=self, external_ref=self.name
            ):
                return channel._connector_call(
                    lambda adapter: func(client_class(adapter))
                )
        except RetryableJobError as exc:
            raise UserError(
                self.env._(
                    "%(channel)s is not reachable now, try again in a moment: "
                    "%(error)s",
                    channel=channel.name,
                    error=str(exc),
                )
            ) from exc

    def _returns_decide(self, decision, **params):
        """Push ``decision`` to the platform, log it, then read the return back."""
        for record in self:
            answer = record._returns_client_call(
                lambda client, rec=record: client.decide_return(
                    rec.name, decision, **params
                ),
                f"returns/{decision}",
            )
            record.channel_id._connector_log(
                "export",
                f"returns/{decision}",
                message=self.env._(
                    "Return %(ref)s: %(decision)s sent",
                    ref=record.name,
                    decision=decision,
                ),
                payload={"params": params, "answer": answer},
                record=record,
                external_ref=record.name,
            )
            record.message_post(
                body=self.env._(
                    "Decision sent to %(channel)s: %(decision)s",
                    channel=record.channel_id.name,
                    decision=decision,
                )
            )
            record._returns_refresh()
        return True

    def _returns_refresh(self):
        """Read the return from the platform and follow it."""
        self.ensure_one()
        channel = self.channel_id
        client_class = get_client_class(channel.platform)
        raw = self._returns_client_call(
            lambda client: client.get_return(self.name), "returns/get"
        )
        normalised = client_class(None).parse_return(raw)
        return self._returns_upsert(channel, normalised)

    def _returns_check_stage(self, *stages):
        for record in self:
            if record.stage not in stages:
                raise UserError(
                    self.env._(
                        "Return %(ref)s is %(stage)s on %(channel)s: this decision "
                        "is not possible now.",
                        ref=record.name,
                        stage=dict(STAGES).get(record.stage, record.stage),
                        channel=record.channel_id.name,
                    )
                )

    def action_approve(self):
        """Agree with the buyer: a return & refund waits for the parcel (its
        receipt is made), a refund only is refunded."""
        self._returns_check_stage("to_answer")
        self._returns_decide("approve")
        for record in self.filtered(lambda r: r.stage == "awaiting_parcel"):
            record.rma_ids.filtered(lambda r: r.state == "draft").action_confirm()
        return True

    def _enqueue_approve(self):
        self.ensure_one()
        return self.with_delay(
            identity_key=f"channel_returns.approve:{self.id}",
            description=self.env._("Approve return %(ref)s", ref=self.name),
        )._approve_job()

    def _approve_job(self):
        """Job (bulk approve): approve the return if it still waits for it."""
        self.ensure_one()
        if self.stage != "to_answer":
            return self.env._("Not to answer any more: %(stage)s", stage=self.stage)
        self.action_approve()
        return self.env._("Approved: %(stage)s", stage=self.stage)

    def action_refund(self):
        """Refund the buyer now: without return, or once the parcel arrived."""
        self._returns_check_stage("to_answer", "parcel_arrived", "awaiting_parcel")
        return self._returns_decide("refund")

    def action_offer(self, amount, solution="refund"):
        self._returns_check_stage("to_answer")
        for record in self:
            if not 0 < amount <= record.refund_amount:
                raise UserError(
                    self.env._(
                        "An offer is above 0 and at most the %(amount)s proposed.",
                        amount=record.refund_amount,
                    )
                )
        return self._returns_decide("offer", amount=amount, solution=solution)

    def action_reject(self, reason_code, reason_text, images=None):
        self._returns_check_stage("to_answer", "awaiting_parcel", "parcel_arrived")
        if not reason_text:
            raise UserError(self.env._("Say why the return is rejected."))
        for record in self:
            record.write({"reject_code": reason_code, "reject_reason": reason_text})
            record._returns_decide(
                "reject",
                reason_code=reason_code,
                reason_text=reason_text,
                email=record.company_id.email or self.env.user.email or "",
                images=images or [],
            )
        return True

    def action_open_decision(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "channel.return.decision",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_return_id": self[:1].id,
                "default_decision": self.env.context.get("decision", "reject"),
                "default_amount": self[:1].refund_amount,
            },
        }

    def action_view_rmas(self):
        action = self.env["ir.actions.actions"]._for_xml_id("rma.rma_action")
        action["domain"] = [("id", "in", self.rma_ids.ids)]
        action["context"] = {"create": False}
        return action
