"""From a Shopee order to the bank: orders imported from the simulator, shipped
and delivered (invoice posted), completed on Shopee and their escrow released,
the escrows and the withdrawal imported through the add-on, posted, the bank
statement line matched; every invoice paid to the cent and the clearing account
back to zero. Real imported orders, not hand-made invoices (see test_shopee.py)."""

from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from odoo.addons.channel_connectors.tests.common import (
    SHOPEE_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    MoneyCheckMixin,
)

from .common import DAY, SettlementCase

#: the simulator's carriers that take a drop-off (the orders shipped here)
DROPOFF = ("Standard Delivery (SPX)", "Ninja Van")


@tagged("post_install", "-at_install")
class TestShopeeChain(MoneyCheckMixin, MarketplaceCycleMixin, ConnectorCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS
    simulator_options = {"orders": 60, "seed": 31}

    # the settlement side, as in the settlement tests
    clearing_balance = SettlementCase.clearing_balance
    assert_paid = SettlementCase.assert_paid
    bank_line = SettlementCase.bank_line

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.setup_sale_tax()
        cls.channel.action_settlement_setup()

    def deliver_and_invoice(self, order):
        """Deliver ``order``: its invoice posted, the order fulfilled (the
        catalogue's mappings have no Shopee item ids: no stock is pushed)."""
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        self.assertEqual(order.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(order.lifecycle_state, "fulfilled")

    def import_settlements(self, day):
        """The settlement import of the days from ``day`` (the add-on's job)."""
        self.channel.with_context(queue_job__no_delay=True)._settlement_enqueue_import(
            day, day + timedelta(days=10)
        )
        return self.env["channel.settlement"].search(
            [("channel_id", "=", self.channel.id)]
        )

    def finance(self):
        return self.sim_state()["finance"]

    def test_order_to_bank(self):
        self.map_catalogue()
        self.pull()
        sim_orders = self.sim_orders()
        ready = self.channel_orders().filtered(
            lambda o: sim_orders[o.channel_order_ref]["status"] == "READY_TO_SHIP"
            and sim_orders[o.channel_order_ref]["channel"] in DROPOFF
        )
        self.assertGreaterEqual(len(ready), 3)
        amounts = [sim_orders[o.channel_order_ref]["amounts"] for o in ready]
        self.assertTrue(any(a["voucher_from_seller"] for a in amounts))
        self.assertTrue(any(a["buyer_paid_shipping_fee"] for a in amounts))
        # the other orders settle on their own, and are withdrawn: only the orders
        # of this chain are paid out with the next withdrawal
        self.sim_post("/_sim/clock", {"advance": 22 * DAY})
        self._authorise()
        pending = [
            sn for sn, e in self.finance()["escrows"].items() if not e["withdrawal_id"]
        ]
        self.assertFalse(pending, "the wallet has nothing left to withdraw")
        # shipped, delivered: the invoice is posted on dispatch
        for order in ready:
            self.assert_order_money(order)
            self.accept_and_ship(order, "dropoff")
        self.sim_post("/_sim/clock", {"advance": 60})
        invoices = self.env["account.move"]
        for order in ready:
            self.deliver_and_invoice(order)
            self.assert_invoice_money(order)
            invoices |= order.invoice_ids
        # completed on Shopee: the escrows released, withdrawn the next Monday
        for order in ready:
            self.sim_post(f"/_sim/orders/{order.channel_order_ref}/complete")
        self.sim_post("/_sim/clock", {"advance": 8 * DAY})
        escrows = self.finance()["escrows"]
        released = {escrows[o.channel_order_ref]["release_time"] for o in ready}
        day = datetime.fromtimestamp(min(released), UTC).date()
        withdrawals = {escrows[o.channel_order_ref]["withdrawal_id"] for o in ready}
        self.assertEqual(len(withdrawals), 1)
        self.assertTrue(all(withdrawals))
        # the settlement and its payout, imported from the payment API
        settlements = self.import_settlements(day)
        self.assertTrue(settlements)
        lines = settlements.line_ids
        self.assertEqual(
            set(lines.mapped("order_ref")), set(ready.mapped("channel_order_ref"))
        )
        self.assertFalse(lines.filtered(lambda x: x.category == "unknown"))
        categories = set(lines.mapped("category"))
        self.assertTrue(
            {"sale", "commission", "payment_fee", "shipping"} <= categories, categories
        )
        payout = settlements.payout_id
        self.assertEqual(len(payout), 1)
        self.assertEqual(payout.external_id, str(withdrawals.pop()))
        self.assertEqual(payout.state, "paid")
        self.assertAlmostEqual(
            payout.amount, sum(settlements.mapped("amount_net")), places=2
        )
        # posted: each fee type on its account, through the clearing account
        settlements.action_post()
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        move_lines = settlements.move_id.line_ids
        suspense = self.channel.settlement_suspense_account_id
        for line in lines.filtered(lambda x: not x._is_order_side()):
            account = self.channel._settlement_fee_account(line.category, line.fee_code)
            self.assertNotEqual(account, suspense, line.fee_code)
            self.assertIn(account, move_lines.account_id, line.fee_code)
        clearing = self.channel.settlement_clearing_account_id
        self.assertIn(clearing, move_lines.account_id)
        self.assertTrue(payout.move_id, "the payout is posted with its settlements")
        for invoice in invoices:
            self.assert_paid(invoice)
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
        self.assertEqual(self.clearing_balance(), 0.0)
        # the bank statement line of the withdrawal matches the payout
        st_line = self.bank_line(payout)
        self.assertEqual(payout.statement_line_id, st_line)
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(payout.reconcile_state, "matched")
        self.assertEqual(self.clearing_balance(), 0.0)
        # after the payout Shopee adjusts an escrow: the settlement changes (back
        # to draft, logged) and the unknown charge is an exception
        ref = ready[0].channel_order_ref
        settlement = lines.filtered(lambda x: x.order_ref == ref).settlement_id
        self.sim_post(
            "/_sim/finance/adjust",
            {"order_sn": ref, "amount": -2.5, "reason": "Dispute"},
        )
        self.sim_post(
            "/_sim/finance/adjust",
            {"order_sn": ref, "field": "penalty_fee", "amount": 1.0},
        )
        net = settlement.amount_net
        self.import_settlements(day)
        self.assertAlmostEqual(settlement.amount_net, net - 3.5, places=2)
        self.assertEqual(settlement.state, "draft")
        exceptions = self.env["channel.settlement.exception"].search(
            [("channel_id", "=", self.channel.id), ("order_ref", "=", ref)]
        )
        self.assertIn("unknown_fee", exceptions.mapped("exception_type"))
