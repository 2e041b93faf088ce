from psycopg2 import IntegrityError, errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestLifecycle(OmniCommon):
    def test_buffered_order_reserves_nothing(self):
        order = self.create_order()
        self.assertEqual(order.lifecycle_state, "buffered")
        self.assertEqual(order.desk_stage, "ordered")
        self.assertFalse(order.picking_ids)
        self.assertFalse(order.invoice_ids)
        # still editable
        order.order_line[0].product_uom_qty = 3
        self.assertEqual(order.order_line[0].product_uom_qty, 3)

    def test_confirm_then_dispatch_then_invoice_manual_policy(self):
        self.channel.invoice_policy = "manual"
        order = self.create_order()
        order.action_confirm()
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertEqual(order.desk_stage, "ready", "stock is reserved")
        self.deliver(order)
        self.assertEqual(order.lifecycle_state, "confirmed", "not invoiced yet")
        self.assertEqual(order.desk_stage, "in_delivery")
        self.assertFalse(order.invoice_ids, "manual policy creates no invoice")
        invoice = order._create_invoices()
        self.assertEqual(order.lifecycle_state, "confirmed", "draft invoice")
        invoice.action_post()
        self.assertEqual(order.lifecycle_state, "fulfilled")
        self.assertEqual(order.desk_stage, "completed")

    def test_cancel(self):
        order = self.create_order()
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(order.lifecycle_state, "cancelled")
        self.assertEqual(order.desk_stage, "cancelled")
        with self.assertRaises(UserError):
            order.action_confirm()

    def test_touchless_channel_confirms_on_arrival(self):
        order = self.create_order(channel=self.channel_touchless)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.lifecycle_state, "confirmed")
        review = self.create_order(channel=self.channel)
        self.assertEqual(review.lifecycle_state, "buffered")

    def test_invoice_on_confirmation(self):
        self.channel.invoice_policy = "confirm"
        order = self.create_order()
        order.action_confirm()
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.state, "posted")
        self.assertEqual(order.lifecycle_state, "confirmed", "not dispatched yet")
        self.deliver(order)
        self.assertEqual(order.lifecycle_state, "fulfilled")
        self.assertEqual(len(order.invoice_ids), 1)

    def test_fulfilled_order_is_locked(self):
        self.channel.invoice_policy = "dispatch"
        order = self.create_order()
        order.action_confirm()
        self.deliver(order)
        self.assertEqual(order.lifecycle_state, "fulfilled")
        with self.assertRaisesRegex(UserError, "fulfilled"):
            order.partner_id = self.business
        with self.assertRaisesRegex(UserError, "fulfilled"):
            order.write(
                {"order_line": [Command.create({"product_id": self.product_a.id})]}
            )
        with self.assertRaisesRegex(UserError, "fulfilled"):
            order.order_line[0].price_unit = 1.0
        self.assertEqual(order.partner_id, self.customer)
        # channel information may still change
        order.channel_status = "delivered"
        self.assertEqual(order.channel_status, "delivered")

    def test_customer_type(self):
        self.assertEqual(self.create_order().customer_type, "b2c")
        self.assertEqual(self.create_order(partner=self.business).customer_type, "b2b")

    def test_channel_amounts_difference(self):
        order = self.create_order(
            channel_amount_items=109.0,
            channel_amount_shipping=5.0,
            channel_amount_voucher=-10.0,
            channel_amount_total=104.0,
        )
        # a marketplace's prices include tax: Odoo's total is the items' prices
        self.assertAlmostEqual(order.amount_total, 109.0)
        self.assertAlmostEqual(
            order.channel_amount_difference, order.amount_total - 104.0
        )


@tagged("post_install", "-at_install")
class TestChannelOrderNumber(OmniCommon):
    def test_unique_per_channel(self):
        self.create_order(ref="LZ-1001")
        other = self.create_order(ref="LZ-1001", channel=self.channel_touchless)
        self.assertTrue(other, "the same number on another channel is fine")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self.create_order(ref="LZ-1001")

    def test_unique_across_two_transactions(self):
        """Two workers creating the same channel order at once: the second one
        waits on the unique index, and fails once the first commits."""
        registry = self.env.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            channel = env["omni.channel"].create({"name": "Concurrent"})
            partner = env["res.partner"].create({"name": "Concurrent buyer"})
            channel_id, partner_id = channel.id, partner.id

        def create(cr):
            env = api.Environment(cr, SUPERUSER_ID, {"omni_no_auto_process": True})
            order = env["sale.order"].create(
                {
                    "partner_id": partner_id,
                    "channel_id": channel_id,
                    "channel_order_ref": "SAME-1",
                }
            )
            env.flush_all()
            return order

        try:
            with registry.cursor() as cr_a, registry.cursor() as cr_b:
                create(cr_a)
                cr_b.execute("SET LOCAL lock_timeout = '1s'")
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(errors.LockNotAvailable),
                ):
                    create(cr_b)
                cr_b.rollback()
                cr_a.commit()
                with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
                    create(cr_b)
                cr_b.rollback()
            with registry.cursor() as cr:
                cr.execute(
                    "SELECT count(*) FROM sale_order WHERE channel_id = %s",
                    [channel_id],
                )
                self.assertEqual(cr.fetchone()[0], 1)
        finally:
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                orders = env["sale.order"].search([("channel_id", "=", channel_id)])
                orders.with_context(disable_cancel_warning=True).action_cancel()
                orders.unlink()
                env["omni.channel"].browse(channel_id).unlink()
                env["res.partner"].browse(partner_id).unlink()
