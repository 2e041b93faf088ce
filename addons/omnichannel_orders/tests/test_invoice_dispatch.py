from odoo.tests import tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestInvoiceOnDispatch(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel.invoice_policy = "dispatch"

    def test_one_invoice_per_dispatch_with_backorder(self):
        order = self.create_order(
            lines=[(self.product_a, 5, 10.0), (self.product_b, 2, 20.0)]
        )
        order.action_confirm()
        self.assertFalse(order.invoice_ids, "nothing dispatched, nothing invoiced")
        self.deliver(order, {self.product_a: 3.0})
        self.assertEqual(len(order.invoice_ids), 1)
        first = order.invoice_ids
        self.assertEqual(first.state, "posted")
        self.assertEqual(
            {(line.product_id, line.quantity) for line in first.invoice_line_ids},
            {(self.product_a, 3.0)},
        )
        self.assertEqual(order.lifecycle_state, "confirmed")
        # the backorder: the rest
        self.deliver(order)
        self.assertEqual(len(order.invoice_ids), 2)
        second = order.invoice_ids - first
        self.assertEqual(
            {(line.product_id, line.quantity) for line in second.invoice_line_ids},
            {(self.product_a, 2.0), (self.product_b, 2.0)},
        )
        self.assertEqual(order.lifecycle_state, "fulfilled")
        invoiced = sum(order.invoice_ids.invoice_line_ids.mapped("quantity"))
        self.assertEqual(invoiced, 7.0, "never twice for the same quantity")

    def test_no_invoice_again_when_nothing_new_is_dispatched(self):
        order = self.create_order()
        order.action_confirm()
        self.deliver(order)
        self.assertEqual(len(order.invoice_ids), 1)
        order._omni_invoice_and_post()
        self.assertEqual(len(order.invoice_ids), 1)

    def test_manual_policy_does_not_invoice(self):
        self.channel.invoice_policy = "manual"
        order = self.create_order()
        order.action_confirm()
        self.deliver(order)
        self.assertFalse(order.invoice_ids)

    def test_failing_invoice_never_blocks_the_dispatch(self):
        order = self.create_order(channel_status="pending")
        order.action_confirm()
        self.flush_history()
        order.channel_status = "ready_to_ship"  # history still pending
        # an order that cannot be invoiced: no sale journal
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company.id)]
        )
        journal.active = False
        picking = self.deliver(order)
        self.assertEqual(picking.state, "done", "the goods left anyway")
        self.flush_history()
        status_events = order.omni_event_ids.filtered(
            lambda e: e.event_type == "channel_status"
        )
        self.assertIn(
            ("pending", "ready_to_ship"),
            [(e.from_value, e.to_value) for e in status_events],
            "the history survives the failed invoice's rollback",
        )
        self.assertFalse(order.invoice_ids)
        self.assertTrue(
            order.activity_ids.filtered(
                lambda a: a.summary == "Invoice on dispatch failed"
            )
        )
        journal.active = True
        order._omni_invoice_and_post()
        self.assertEqual(order.lifecycle_state, "fulfilled")

    def test_one_invoice_per_order_for_the_same_customer(self):
        """Dispatching several orders of one buyer at once never merges their
        invoices: each channel order has its own invoice number."""
        orders = self.create_order() | self.create_order() | self.create_order()
        orders.action_confirm()
        pickings = orders.picking_ids
        pickings.action_assign()
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        pickings.button_validate()
        for order in orders:
            self.assertEqual(len(order.invoice_ids), 1)
            self.assertEqual(order.invoice_ids.invoice_origin, order.name)
        self.assertEqual(len(orders.invoice_ids), 3)
        self.assertEqual(set(orders.mapped("lifecycle_state")), {"fulfilled"})
