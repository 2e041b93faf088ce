from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

# the dashboard's counters: key -> (field, kind); "count" counts orders, "revenue"
# sums their amount_total in the channel's currency
DASHBOARD_COUNTERS = {
    "to_process": ("dashboard_to_process_count", "count"),
    "ready": ("dashboard_ready_count", "count"),
    "late": ("dashboard_late_count", "count"),
    "cancel_request": ("dashboard_cancel_request_count", "count"),
    "revenue_today": ("dashboard_revenue_today", "revenue"),
    "revenue_7d": ("dashboard_revenue_7d", "revenue"),
    "revenue_30d": ("dashboard_revenue_30d", "revenue"),
}


class OmniChannel(models.Model):
    """A sales channel: one store or account on a marketplace, an e-shop, the phone
    desk (manual orders), a quote tool or an ERP/CRM import."""

    _name = "omni.channel"
    _description = "Sales Channel"
    _inherit = ["mail.thread"]
    _order = "sequence, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        help="Short code shown on orders and in exports, e.g. LZ-MY.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    channel_type = fields.Selection(
        selection=[
            ("marketplace", "Marketplace"),
            ("eshop", "E-shop"),
            ("manual", "Manual (phone, e-mail, back office)"),
            ("quote", "Quote tool"),
            ("import", "ERP/CRM import"),
        ],
        string="Type",
        required=True,
        default="marketplace",
        tracking=True,
    )
    platform = fields.Selection(
        selection=[("none", "None")],
        required=True,
        default="none",
        help="The platform the channel talks to. The connector add-ons add their "
        "platforms (Channel Connectors: the marketplaces, the e-shop, REST).",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    warehouse_id = fields.Many2one(
        comodel_name="stock.warehouse",
        check_company=True,
        help="Warehouse that ships this channel's orders.",
    )
    pricelist_id = fields.Many2one(comodel_name="product.pricelist", check_company=True)
    team_id = fields.Many2one(
        comodel_name="crm.team", string="Sales Team", check_company=True
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency",
        compute="_compute_currency_id",
        store=True,
        readonly=False,
        precompute=True,
        # a copy with another pricelist sells in that pricelist's currency
        copy=False,
    )
    invoice_policy = fields.Selection(
        selection=[
            ("confirm", "On confirmation"),
            ("dispatch", "On dispatch"),
            ("manual", "Manual"),
        ],
        string="Invoicing",
        required=True,
        default="dispatch",
        tracking=True,
    )
    processing_policy = fields.Selection(
        selection=[
            ("touchless", "Touchless (confirm automatically)"),
            ("review", "Manual review"),
        ],
        string="Processing",
        required=True,
        default="review",
        tracking=True,
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The channel code must be unique per company.",
        ),
    ]

    sku_mapping_ids = fields.One2many(
        comodel_name="omni.channel.product",
        inverse_name="channel_id",
        string="SKU Mappings",
    )
    require_payment_proof = fields.Boolean(
        help="Manual orders of this channel can only be confirmed with a payment "
        "proof attached.",
    )

    # dashboard (not stored: computed on display, one query per counter)
    dashboard_to_process_count = fields.Integer(
        string="To Process",
        compute="_compute_dashboard",
        help="Buffered orders: received, not confirmed yet.",
    )
    dashboard_ready_count = fields.Integer(
        string="Ready to Ship", compute="_compute_dashboard"
    )
    dashboard_late_count = fields.Integer(
        string="Late",
        compute="_compute_dashboard",
        help="Confirmed orders not dispatched yet whose promise is broken: the "
        "commitment date is past, or without one, an open delivery was scheduled "
        "for a day before today.",
    )
    dashboard_cancel_request_count = fields.Integer(
        string="Cancellation Requests", compute="_compute_dashboard"
    )
    dashboard_revenue_today = fields.Monetary(
        string="Revenue Today",
        currency_field="currency_id",
        compute="_compute_dashboard",
        help="Total of the confirmed and fulfilled orders dated today.",
    )
    dashboard_revenue_7d = fields.Monetary(
        string="Revenue 7 Days",
        currency_field="currency_id",
        compute="_compute_dashboard",
        help="Total of the confirmed and fulfilled orders of the last 7 days, "
        "today included.",
    )
    dashboard_revenue_30d = fields.Monetary(
        string="Revenue 30 Days",
        currency_field="currency_id",
        compute="_compute_dashboard",
        help="Total of the confirmed and fulfilled orders of the last 30 days, "
        "today included.",
    )

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for channel in self:
            channel.currency_id = (
                channel.pricelist_id.currency_id or channel.company_id.currency_id
            )

    def _compute_dashboard(self):
        """One ``_read_group`` per counter for all the channels at once."""
        channel_ids = [channel_id for channel_id in self._origin.ids if channel_id]
        domains = self._omni_dashboard_domains()
        values = {name: {} for name, _kind in DASHBOARD_COUNTERS.values()}
        if channel_ids:
            Order = self.env["sale.order"]
            today = fields.Date.context_today(self)
            for key, (name, kind) in DASHBOARD_COUNTERS.items():
                domain = [("channel_id", "in", channel_ids)] + domains[key]
                if kind == "count":
                    groups = Order._read_group(domain, ["channel_id"], ["__count"])
                    values[name] = {channel.id: count for channel, count in groups}
                    continue
                groups = Order._read_group(
                    domain, ["channel_id", "currency_id"], ["amount_total:sum"]
                )
                totals = values[name]
                for channel, currency, amount in groups:
                    target = channel.currency_id or channel.company_id.currency_id
                    if currency and currency != target:
                        amount = currency._convert(
                            amount, target, channel.company_id, today
                        )
                    totals[channel.id] = totals.get(channel.id, 0.0) + amount
        for channel in self:
            for name, kind in DASHBOARD_COUNTERS.values():
                default = 0 if kind == "count" else 0.0
                channel[name] = values[name].get(channel._origin.id, default)

    # ------------------------------------------------------------------ actions
    def action_omni_open_orders(self):
        """Open the order desk on this channel's orders behind one dashboard counter
        (``omni_dashboard_filter`` in the context; none: all the channel's orders)."""
        self.ensure_one()
        key = self.env.context.get("omni_dashboard_filter") or "all"
        domains = self._omni_dashboard_domains()
        if key != "all" and key not in domains:
            raise UserError(self.env._("Unknown dashboard counter: %(key)s", key=key))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.sale_order_action_order_desk"
        )
        action["display_name"] = self.env._(
            "%(channel)s: %(counter)s",
            channel=self.display_name,
            counter=self._omni_dashboard_labels()[key],
        )
        action["domain"] = [("channel_id", "=", self.id)] + domains.get(key, [])
        action["context"] = {"default_channel_id": self.id}
        return action

    # ------------------------------------------------------------------ dashboard
    def _omni_dashboard_day_start(self, days=0):
        """The UTC start, as a string for domains, of the day ``days`` days before
        today in the user's time zone."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        now = pytz.utc.localize(fields.Datetime.now()).astimezone(tz)
        start = tz.localize(
            datetime.combine(now.date() - timedelta(days=days), time.min)
        )
        return fields.Datetime.to_string(start.astimezone(pytz.utc))

    @api.model
    def _omni_late_domain(self):
        """Late: confirmed, nothing dispatched yet (Ordered or Ready to Ship), and
        the promise is broken: the commitment date is past when the order has one
        (connectors set it to the platform's ship-by time); else one of its open
        (non-receipt) transfers was scheduled for a day before today, so that an
        order due today is not late before the day is over."""
        now = fields.Datetime.to_string(fields.Datetime.now())
        return [
            ("lifecycle_state", "=", "confirmed"),
            ("desk_stage", "in", ("ordered", "ready")),
            "|",
            ("commitment_date", "<", now),
            "&",
            ("commitment_date", "=", False),
            (
                "picking_ids",
                "any",
                [
                    ("state", "not in", ("draft", "done", "cancel")),
                    ("picking_type_code", "!=", "incoming"),
                    ("scheduled_date", "<", self._omni_dashboard_day_start(0)),
                ],
            ),
        ]

    @api.model
    def _omni_dashboard_domains(self):
        """The order domain behind each counter of the dashboard (extension point)."""
        revenue = [("lifecycle_state", "in", ("confirmed", "fulfilled"))]
        return {
            "to_process": [("lifecycle_state", "=", "buffered")],
            "ready": [("desk_stage", "=", "ready")],
            "late": self._omni_late_domain(),
            "cancel_request": [("cancel_request_state", "=", "requested")],
            "revenue_today": revenue
            + [("date_order", ">=", self._omni_dashboard_day_start(0))],
            "revenue_7d": revenue
            + [("date_order", ">=", self._omni_dashboard_day_start(6))],
            "revenue_30d": revenue
            + [("date_order", ">=", self._omni_dashboard_day_start(29))],
        }

    def _omni_dashboard_labels(self):
        return {
            "to_process": self.env._("To Process"),
            "ready": self.env._("Ready to Ship"),
            "late": self.env._("Late"),
            "cancel_request": self.env._("Cancellation Requests"),
            "revenue_today": self.env._("Revenue Today"),
            "revenue_7d": self.env._("Revenue 7 Days"),
            "revenue_30d": self.env._("Revenue 30 Days"),
            "all": self.env._("Orders"),
        }

    def _omni_stock_changed(self, products):
        """Hook: the sellable stock of ``products`` may have changed for these
        channels (channel_connectors pushes it)."""
        return True
