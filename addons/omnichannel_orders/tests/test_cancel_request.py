from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestCancelRequest(OmniCommon):
    def test_request_then_approve(self):
        order = self.create_order()
        order.action_confirm()
        order._omni_register_cancel_request("Changed my mind")
        self.assertEqual(order.cancel_request_state, "requested")
        self.assertEqual(len(order.activity_ids), 1)
        order.action_omni_cancel_request_approve()
        self.assertEqual(order.cancel_request_state, "approved")
        self.assertEqual(order.lifecycle_state, "cancelled")
        self.assertFalse(order.activity_ids)
        self.assertTrue(
            order.omni_event_ids.filtered(lambda e: e.event_type == "cancel_request")
        )

    def test_request_then_reject(self):
        order = self.create_order()
        order.action_confirm()
        order._omni_register_cancel_request("Too slow")
        order.action_omni_cancel_request_reject()
        self.assertEqual(order.cancel_request_state, "rejected")
        self.assertEqual(order.lifecycle_state, "confirmed")

    def test_no_decision_without_request(self):
        order = self.create_order()
        with self.assertRaisesRegex(UserError, "no pending cancellation"):
            order.action_omni_cancel_request_approve()
        self.assertEqual(order.lifecycle_state, "buffered")
