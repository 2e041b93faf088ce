from odoo.tests import tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestHistory(OmniCommon):
    def test_lifecycle_and_channel_status_events(self):
        order = self.create_order(channel_status="pending")
        self.flush_history()
        events = order.omni_event_ids
        self.assertEqual(
            sorted(events.mapped("event_type")), ["channel_status", "lifecycle"]
        )
        lifecycle = events.filtered(lambda e: e.event_type == "lifecycle")
        self.assertEqual((lifecycle.from_value, lifecycle.to_value), ("", "Buffered"))

        order.with_context(omni_actor="webhook").channel_status = "ready_to_ship"
        order.action_confirm()
        self.flush_history()
        status = order.omni_event_ids.filtered(
            lambda e: e.event_type == "channel_status" and e.from_value == "pending"
        )
        self.assertEqual(status.to_value, "ready_to_ship")
        self.assertEqual(status.actor, "webhook")
        confirmed = order.omni_event_ids.filtered(
            lambda e: e.event_type == "lifecycle" and e.to_value == "Confirmed"
        )
        self.assertEqual(confirmed.from_value, "Buffered")
        self.assertEqual(confirmed.user_id, self.env.user)

        self.deliver(order)
        self.flush_history()
        picking = order.omni_event_ids.filtered(lambda e: e.event_type == "picking")
        self.assertEqual(len(picking), 1)
        self.assertIn(order.picking_ids.name, picking.note)
        # a note on the chatter too
        self.assertTrue(
            order.message_ids.filtered(lambda m: "Buffered" in (m.body or ""))
        )

    def test_no_event_without_change(self):
        order = self.create_order(channel_status="pending")
        self.flush_history()
        count = len(order.omni_event_ids)
        order.channel_status = "pending"
        self.flush_history()
        self.assertEqual(len(order.omni_event_ids), count)

    def test_old_values_hook(self):
        """The public hook tells the value a tracked field had at the start of the
        transaction, for the orders whose change is pending."""
        order = self.create_order(channel_status="pending")
        other = self.create_order(channel_status="pending")
        self.flush_history()
        self.assertEqual((order | other)._omni_history_old_values("channel_status"), {})
        order.channel_status = "packed"
        order.channel_status = "ready_to_ship"
        order.action_confirm()
        self.env.flush_all()
        self.assertEqual(
            (order | other)._omni_history_old_values("channel_status"),
            {order.id: "pending"},
        )
        self.assertEqual(
            order._omni_history_old_values("lifecycle_state"), {order.id: "buffered"}
        )
        self.flush_history()
        self.assertEqual(order._omni_history_old_values("lifecycle_state"), {})

    def test_intermediate_changes_collapse(self):
        order = self.create_order(channel_status="pending")
        self.flush_history()
        order.channel_status = "packed"
        order.channel_status = "ready_to_ship"
        self.flush_history()
        last = order.omni_event_ids.filtered(
            lambda e: e.event_type == "channel_status" and e.from_value == "pending"
        )
        self.assertEqual(last.to_value, "ready_to_ship")

    def test_computation_pending_at_commit_is_one_event(self):
        """A lifecycle change still to compute when the transaction commits is
        recorded once, from the value the order had at the start of the
        transaction (the hook flushes before it reads its snapshot)."""
        order = self.create_order(channel_status="pending")
        self.env.flush_all()
        order.write({"state": "cancel"})  # the lifecycle is now to recompute
        self.env.cr.precommit.run()  # as a commit does, without flushing first
        lifecycle = order.omni_event_ids.filtered(lambda e: e.event_type == "lifecycle")
        self.assertEqual(len(lifecycle), 1, lifecycle.mapped("to_value"))
        self.assertEqual((lifecycle.from_value, lifecycle.to_value), ("", "Cancelled"))
