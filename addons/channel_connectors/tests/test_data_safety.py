"""No sync deletes or silently overwrites what a user changed in Odoo."""

import json
from datetime import timedelta

from odoo.tests import new_test_user, tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestDataSafety(LazadaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.desk_user = new_test_user(
            cls.env,
            login="desk_safety",
            groups="omnichannel_orders.group_order_desk_user,sales_team.group_sale_salesman",
        )

    def newer_version(self, order, **changes):
        """The order's stored payload, one hour newer, with ``changes`` on items."""
        raw = json.loads(order.channel_binding_ids.raw_payload)
        newer = order.channel_updated_at + timedelta(hours=1)
        raw["updated_at"] = newer.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        for item in raw["items"]:
            item.update(changes)
        if "status" in changes:
            raw["statuses"] = [changes["status"]]
        return raw

    def buffered_order(self):
        self.pull()
        order = self.channel_orders().filtered(
            lambda o: o.lifecycle_state == "buffered" and o.channel_status == "pending"
        )[:1]
        self.assertTrue(order, "a buffered order")
        return order

    def test_user_edit_kept_and_conflict_flagged(self):
        order = self.buffered_order()
        # the order desk fixes the courier by hand
        order.with_user(self.desk_user).write({"courier_name": "Own Courier"})
        self.assertEqual(order.channel_edited_fields, "courier_name")
        self.assertFalse(order.channel_conflict)
        raw = self.newer_version(
            order, status="ready_to_ship", shipment_provider="LEX MY"
        )
        self.channel._import_order_job(order.channel_order_ref, None, raw)
        # the channel's own status moved, the user's courier did not
        self.assertEqual(order.channel_status, "ready_to_ship")
        self.assertEqual(order.courier_name, "Own Courier")
        self.assertTrue(order.channel_conflict)
        message = order.message_ids.filtered(lambda m: "Sync conflict" in m.body)
        self.assertEqual(len(message), 1)
        self.assertIn("LEX MY", message.body)
        self.assertIn("Own Courier", message.body)
        self.assertTrue(
            order.activity_ids.filtered(lambda a: "Sync conflict" in a.summary)
        )
        # the order desk finds it with the "Sync conflict" filter
        self.assertIn(
            order,
            self.env["sale.order"]
            .with_user(self.desk_user)
            .search([("channel_conflict", "=", True)]),
        )
        # resolved: the flag goes, the user's value stays protected
        order.with_user(self.desk_user).action_channel_conflict_resolved()
        self.assertFalse(order.channel_conflict)
        self.assertEqual(order.courier_name, "Own Courier")

    def test_same_value_no_conflict_other_fields_updated(self):
        order = self.buffered_order()
        order.with_user(self.desk_user).write({"courier_name": "LEX MY"})
        raw = self.newer_version(
            order, shipment_provider="LEX MY", tracking_code="TRK-1"
        )
        self.channel._import_order_job(order.channel_order_ref, None, raw)
        self.assertFalse(order.channel_conflict)
        # a field nobody edited follows the channel
        self.assertEqual(order.tracking_ref, "TRK-1")

    def test_untouched_order_follows_the_channel(self):
        order = self.buffered_order()
        raw = self.newer_version(order, shipment_provider="LEX MY")
        self.channel._import_order_job(order.channel_order_ref, None, raw)
        self.assertEqual(order.courier_name, "LEX MY")
        self.assertFalse(order.channel_edited_fields)
        self.assertFalse(order.channel_conflict)

    def test_sync_never_deletes_lines_or_orders(self):
        order = self.buffered_order()
        line = order.order_line[:1]
        line.with_user(self.desk_user).product_uom_qty = 7
        lines = order.order_line
        raw = self.newer_version(order)
        raw["items"] = raw["items"][:1]
        self.channel._import_order_job(order.channel_order_ref, None, raw)
        self.assertTrue(order.exists())
        self.assertEqual(order.order_line, lines)
        self.assertEqual(line.product_uom_qty, 7)
        # a pull of the whole channel deletes nothing either
        count = len(self.channel_orders())
        self.sim_post("/_sim/clock", {"advance": 60})
        self.pull()
        self.assertEqual(len(self.channel_orders()), count)
        self.assertEqual(line.product_uom_qty, 7)
