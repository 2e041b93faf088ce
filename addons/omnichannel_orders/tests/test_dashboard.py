from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestDashboard(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.now = fields.Datetime.now()
        cls.channel_other = cls._create_channel("TikTok Shop MY", "TT-MY")

    def _confirmed(self, days_ago=0, channel=None, **vals):
        order = self.create_order(channel=channel, **vals)
        if order.state == "draft":  # touchless channels confirm on their own
            order.action_confirm()
        # confirming stamps the order date: put it back where the test wants it
        order.date_order = self.now - timedelta(days=days_ago)
        if not order.commitment_date:
            # without a commitment date, the delivery's scheduled date is the
            # promise: tomorrow, unless the test says otherwise
            order.picking_ids.scheduled_date = self.now + timedelta(days=1)
        return order

    def _open(self, channel, key):
        action = channel.with_context(
            omni_dashboard_filter=key
        ).action_omni_open_orders()
        self.assertEqual(action["res_model"], "sale.order")
        return self.env["sale.order"].search(action["domain"])

    def test_counters_and_lists(self):
        buffered = self.create_order()
        buffered_other = self.create_order(channel=self.channel_other)
        promised_late = self._confirmed(commitment_date=self.now - timedelta(days=2))
        promised_later = self._confirmed(
            days_ago=3, commitment_date=self.now + timedelta(days=2)
        )
        scheduled_late = self._confirmed(days_ago=20)
        scheduled_late.picking_ids.scheduled_date = self.now - timedelta(days=2)
        # an order due today is not late yet
        due_today = self._confirmed(days_ago=2)
        due_today.picking_ids.scheduled_date = self.now
        old = self._confirmed(days_ago=40)
        shipped = self._confirmed(commitment_date=self.now - timedelta(days=2))
        self.deliver(shipped)
        cancelled = self._confirmed()
        cancelled._action_cancel()
        asked = self._confirmed(days_ago=1)
        asked._omni_register_cancel_request("Ordered twice")
        self.env.flush_all()

        channel = self.channel
        channel.invalidate_recordset()
        self.assertEqual(channel.dashboard_to_process_count, 1)
        self.assertEqual(self._open(channel, "to_process"), buffered)
        self.assertEqual(self._open(self.channel_other, "to_process"), buffered_other)

        confirmed = promised_late | promised_later | scheduled_late | old | asked
        ready = (confirmed | due_today).filtered(lambda o: o.desk_stage == "ready")
        self.assertTrue(ready, "orders in stock are reserved, hence ready to ship")
        self.assertEqual(channel.dashboard_ready_count, len(ready))
        self.assertEqual(self._open(channel, "ready"), ready)

        # late: promised date past and not dispatched; the shipped one is not late
        self.assertEqual(channel.dashboard_late_count, 2)
        self.assertEqual(self._open(channel, "late"), promised_late | scheduled_late)

        self.assertEqual(channel.dashboard_cancel_request_count, 1)
        self.assertEqual(self._open(channel, "cancel_request"), asked)

        # revenue: confirmed and fulfilled orders, by order date; cancelled and
        # buffered orders never count
        today = promised_late | shipped
        week = today | promised_later | asked | due_today
        month = week | scheduled_late

        def total(orders):
            return sum(orders.mapped("amount_total"))

        self.assertAlmostEqual(channel.dashboard_revenue_today, total(today))
        self.assertAlmostEqual(channel.dashboard_revenue_7d, total(week))
        self.assertAlmostEqual(channel.dashboard_revenue_30d, total(month))
        self.assertEqual(self._open(channel, "revenue_today"), today)
        self.assertEqual(self._open(channel, "revenue_7d"), week)
        self.assertEqual(self._open(channel, "revenue_30d"), month)
        self.assertNotIn(old, self._open(channel, "revenue_30d"))

        # the channel's card title opens all its orders
        all_orders = self._open(channel, False)
        self.assertIn(old, all_orders)
        self.assertIn(cancelled, all_orders)
        self.assertNotIn(buffered_other, all_orders)

        other = self.channel_other
        self.assertEqual(other.dashboard_to_process_count, 1)
        self.assertFalse(other.dashboard_revenue_30d)
        self.assertFalse(self.channel_touchless.dashboard_to_process_count)

    def test_revenue_in_channel_currency(self):
        currency = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "!=", self.company.currency_id.name)], limit=1)
        )
        currency.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": currency.id,
                "company_id": self.company.id,
                "name": fields.Date.context_today(self.channel),
                "rate": 4.0,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": currency.id}
        )
        local = self._confirmed()
        foreign = self._confirmed(pricelist_id=pricelist.id)
        self.assertEqual(foreign.currency_id, currency)
        self.env.flush_all()
        self.channel.invalidate_recordset()
        self.assertAlmostEqual(
            self.channel.dashboard_revenue_today,
            local.amount_total + foreign.amount_total / 4.0,
            places=2,
        )

    def test_one_query_per_counter(self):
        """The counters cost the same number of queries for 1 or 3 channels."""
        for channel in (self.channel, self.channel_touchless, self.channel_other):
            self.create_order(channel=channel)
            self._confirmed(channel=channel)
        self.env.flush_all()

        def queries(channels):
            channels.invalidate_recordset()
            start = self.env.cr.sql_log_count
            channels.mapped("dashboard_late_count")
            return self.env.cr.sql_log_count - start

        one = queries(self.channel)
        three = queries(self.channel | self.channel_touchless | self.channel_other)
        self.assertEqual(one, three)
        self.assertLessEqual(three, 10)

    def test_unknown_counter(self):
        with self.assertRaisesRegex(Exception, "Unknown dashboard counter"):
            self._open(self.channel, "nonsense")

    def test_dashboard_views_load(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.omni_channel_action_dashboard"
        )
        views = self.env["omni.channel"].get_views(
            [(False, "kanban"), (False, "search")], {"action_id": action["id"]}
        )
        self.assertIn("dashboard_late_count", views["views"]["kanban"]["arch"])
        menu = self.env.ref("omnichannel_orders.omni_channel_menu_dashboard")
        root = self.env.ref("omnichannel_orders.menu_order_desk_root")
        first = root.child_id.sorted("sequence")[:1]
        self.assertEqual(first, menu)
        desk = self.env["ir.actions.act_window"]._for_xml_id(
            "omnichannel_orders.sale_order_action_order_desk"
        )
        modes = {mode: view_id for view_id, mode in desk["views"]}
        self.assertEqual(
            modes["graph"],
            self.env.ref("omnichannel_orders.sale_order_view_graph_desk").id,
        )
        self.assertEqual(
            modes["pivot"],
            self.env.ref("omnichannel_orders.sale_order_view_pivot_desk").id,
        )
        self.env["sale.order"].get_views(
            [(modes["graph"], "graph"), (modes["pivot"], "pivot")]
        )
