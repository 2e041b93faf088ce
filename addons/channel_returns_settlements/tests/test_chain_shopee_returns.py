"""From a Shopee return to the bank: an order shipped, delivered and invoiced;
the buyer asks for a return before confirming receipt; approved, received,
graded, refunded on Shopee (credit note); the escrow released with the refund,
imported and posted: the invoice and the credit note reconciled, the clearing
account at zero."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from odoo.addons.channel_connectors.tests.common import (
    SHOPEE_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    MoneyCheckMixin,
)
from odoo.addons.channel_settlements.tests.common import DAY, SettlementCase

#: the simulator's carriers that take a drop-off
DROPOFF = ("Standard Delivery (SPX)", "Ninja Van")


@tagged("post_install", "-at_install")
class TestShopeeReturnChain(MoneyCheckMixin, MarketplaceCycleMixin, ConnectorCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS
    simulator_options = {"orders": 30, "seed": 31}

    clearing_balance = SettlementCase.clearing_balance
    assert_paid = SettlementCase.assert_paid

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.setup_sale_tax()
        cls.channel.action_settlement_setup()

    def test_return_refund_reconciled_by_the_settlement(self):
        self.map_catalogue()
        self.pull()
        sim_orders = self.sim_orders()
        order = self.channel_orders().filtered(
            lambda o: sim_orders[o.channel_order_ref]["status"] == "READY_TO_SHIP"
            and sim_orders[o.channel_order_ref]["channel"] in DROPOFF
            and len(sim_orders[o.channel_order_ref]["packages"]) == 1
        )[:1]
        self.assertTrue(order)
        sn = order.channel_order_ref
        # the other orders settle and are withdrawn first
        self.sim_post("/_sim/clock", {"advance": 22 * DAY})
        self._authorise()
        self.accept_and_ship(order, "dropoff")
        self.sim_post("/_sim/clock", {"advance": 60})
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        invoice = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        self.assertEqual(invoice.state, "posted")
        # collected, delivered: the buyer has not confirmed receipt yet
        self.sim_post("/_sim/clock", {"advance": 3700 + 2 * DAY})
        self.assertEqual(self.sim_orders()[sn]["status"], "TO_CONFIRM_RECEIVE")
        return_sn = self.sim_post(
            "/_sim/returns/new", {"order_sn": sn, "reason": "ITEM_DAMAGED"}
        )["return_sn"]
        self.assertEqual(self.sim_orders()[sn]["status"], "TO_RETURN")
        # (the simulated clock is days ahead: read as a push would have it read)
        self.channel._import_return_job(return_sn)
        ret = self.env["channel.return"].search(
            [("channel_id", "=", self.channel.id), ("name", "=", return_sn)]
        )
        self.assertEqual(ret.order_id, order)
        ret.action_approve()
        self.sim_post(f"/_sim/returns/{return_sn}/parcel")
        receipt = ret.rma_ids.reception_move_id.picking_id
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        receipt.button_validate()
        with self.jobs() as trap:
            ret.rma_ids.action_channel_grade_sellable()
            self.run_jobs(trap)
        ret.action_refund()
        refund = ret.rma_ids.refund_id
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, invoice)
        # refunded: the order completes, its escrow is released with the refund
        finance = self.sim_state()["finance"]
        escrow = finance["escrows"][sn]
        self.assertAlmostEqual(escrow["refund_amount"], ret.refunded_amount)
        self.sim_post("/_sim/clock", {"advance": 8 * DAY})
        day = datetime.fromtimestamp(escrow["release_time"], UTC).date()
        self.channel.with_context(queue_job__no_delay=True)._settlement_enqueue_import(
            day, day + timedelta(days=10)
        )
        settlements = self.env["channel.settlement"].search(
            [("channel_id", "=", self.channel.id)]
        )
        refund_lines = settlements.line_ids.filtered(
            lambda x: x.order_ref == sn and x.category == "refund"
        )
        self.assertTrue(refund_lines)
        self.assertAlmostEqual(-sum(refund_lines.mapped("amount")), ret.refunded_amount)
        self.assertEqual(ret.settlement_line_ids, refund_lines)
        self.assertAlmostEqual(ret.settled_refund_amount, ret.refunded_amount)
        settlements.action_post()
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        self.assert_paid(invoice)
        # the credit note offsets its invoice (Odoo says "reversed"), the
        # settlement pays the rest
        self.assertIn(refund.payment_state, ("paid", "in_payment", "reversed"))
        for move in invoice | refund:
            self.assertTrue(move.currency_id.is_zero(move.amount_residual), move.name)
        # the escrow of a refunded order can be negative: Shopee keeps it in the
        # wallet, nothing is withdrawn yet; the clearing account holds exactly
        # that net until a payout covers it
        net = round(sum(settlements.mapped("amount_net")), 2)
        self.assertLess(net, 0.0)
        self.assertFalse(settlements.payout_id.filtered(lambda p: p.state == "paid"))
        self.assertEqual(self.clearing_balance(), net)
        # no "refund without credit note" exception for this order
        exceptions = self.env["channel.settlement.exception"].search(
            [("channel_id", "=", self.channel.id), ("order_ref", "=", sn)]
        )
        self.assertFalse(exceptions, exceptions.mapped("message"))
