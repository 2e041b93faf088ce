"""TikTok Shop from order to bank: orders imported from the simulator, shipped,
delivered and invoiced, settled by the simulator, the statements imported and
posted, the payout matched with its bank line: every invoice paid to the cent and
the clearing account back to zero."""

import copy
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.channel_connectors.tests.common import (
    TIKTOK_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    MoneyCheckMixin,
)

DAY = 86400


@tagged("post_install", "-at_install")
class TestTikTokChain(MoneyCheckMixin, MarketplaceCycleMixin, ConnectorCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS
    # only the orders the test makes; TikTok withholds SST on its fees (an
    # option of the simulator, see TikTokFinance); no refund
    simulator_options = {
        "orders": 0,
        "seed": 23,
        "withheld_taxes": {"sst_amount": 0.08},
        "refund_rate": 0.0,
    }

    #: the fee TikTok adds after the payout
    late_fee = -2.5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_sale_tax()
        cls.channel.action_settlement_setup()

    # ---- helpers ---------------------------------------------------------------------
    def run_import(self, days_back=40, days_ahead=40):
        today = fields.Date.context_today(self.channel)
        self.channel.with_context(queue_job__no_delay=True)._settlement_enqueue_import(
            today - timedelta(days=days_back), today + timedelta(days=days_ahead)
        )
        return self.env["channel.settlement"].search(
            [("channel_id", "=", self.channel.id)]
        )

    def clearing_balance(self):
        lines = self.env["account.move.line"].search(
            [
                ("account_id", "=", self.channel.settlement_clearing_account_id.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return self.channel.company_id.currency_id.round(sum(lines.mapped("balance")))

    def sim_finance(self):
        return self.sim_state()["finance"]

    def advance(self, days):
        self.sim_post("/_sim/clock", {"advance": days * DAY})
        self._authorise()  # access tokens live 7 days

    def bank_line(self, payout):
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.channel.settlement_bank_journal_id.id,
                "date": payout.date,
                "payment_ref": f"TIKTOK PAYOUT {payout.bank_ref}",
                "amount": payout.amount,
            }
        )

    def deliver_invoiced(self, order):
        """Deliver ``order`` in Odoo: its invoice is posted (the stock push is
        the cycle tests' business)."""
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        self.assertEqual(order.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(order.lifecycle_state, "fulfilled")

    def sold_and_invoiced(self, count):
        """``count`` new orders imported, shipped, delivered on TikTok and in Odoo
        (their invoices posted)."""
        self.map_catalogue()
        new_ids = self.sim_post(
            "/_sim/orders/new",
            {"count": count, "status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"},
        )["order_ids"]
        with self.sim.lock:
            sim_orders = copy.deepcopy(self.sim.orders)
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(new_ids))
        orders = orders.filtered(
            lambda o: not sim_orders[o.channel_order_ref]["buyer_cancel_pending"]
        )
        for order in orders:
            self.assert_order_money(order)
        for order in orders:
            self.accept_and_ship(order, "dropoff")
            self.deliver_invoiced(order)
            self.assert_invoice_money(order)
            self.sim_post(f"/_sim/orders/{order.channel_order_ref}/deliver", {})
        payments = [sim_orders[o.channel_order_ref]["payment"] for o in orders]
        return orders, payments

    # ---- tests -----------------------------------------------------------------------
    def test_chain_to_zero(self):
        orders, payments = self.sold_and_invoiced(14)
        self.assertTrue(any(p["seller_discount"] for p in payments))
        self.assertTrue(any(p["platform_discount"] for p in payments))
        self.assertTrue(any(p["shipping_fee_platform_discount"] for p in payments))
        self.assertTrue(any(p["shipping_fee_seller_discount"] for p in payments))
        self.assertTrue(any(p["shipping_fee"] for p in payments))
        invoices = orders.invoice_ids
        # settled 5 days after delivery, the statement the next day, paid a day later
        self.advance(8)
        finance = self.sim_finance()
        self.assertEqual(
            set(finance["orders"]), set(orders.mapped("channel_order_ref"))
        )
        settlements = self.run_import()
        self.assertTrue(settlements)
        self.assertEqual(
            set(settlements.line_ids.mapped("order_ref")) - {False, ""},
            set(orders.mapped("channel_order_ref")),
        )
        self.assertFalse(any(settlements.mapped("has_unknown_fees")))
        categories = set(settlements.line_ids.mapped("category"))
        self.assertTrue(
            {"sale", "voucher", "shipping", "commission", "payment_fee"}
            | {"withholding_tax"}
            <= categories,
            categories,
        )
        # the statements' totals are the payouts'
        payouts = settlements.payout_id
        self.assertEqual(set(payouts.mapped("state")), {"paid"})
        for settlement in settlements:
            statement = finance["statements"][settlement.external_id]
            self.assertAlmostEqual(
                sum(settlement.line_ids.mapped("amount")),
                statement["settlement_amount"],
                places=2,
            )
        # the sales and seller vouchers of each order are its invoice: the
        # platform's discounts are inside the subtotal before discounts
        for order in orders:
            order_side = settlements.line_ids.filtered(
                lambda x, o=order: x.order_ref == o.channel_order_ref
                and x._is_order_side()
            )
            self.assertEqual(set(order_side.mapped("category")) - {"voucher"}, {"sale"})
            self.assertAlmostEqual(
                sum(order_side.mapped("amount")),
                order.invoice_ids.amount_total,
                places=2,
            )
        settlements.action_post()
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        # every invoice paid exactly
        for invoice in invoices:
            invoice.invalidate_recordset(["payment_state", "amount_residual"])
            self.assertTrue(
                invoice.currency_id.is_zero(invoice.amount_residual),
                f"{invoice.name}: {invoice.amount_residual} left",
            )
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        # each fee type on its account
        move_lines = settlements.move_id.line_ids
        fees = {}
        for line in settlements.line_ids.filtered(lambda x: not x._is_order_side()):
            account = self.channel._settlement_fee_account(line.category, line.fee_code)
            fees[account] = fees.get(account, 0.0) + line.amount
            self.assertNotEqual(
                account, self.channel.settlement_suspense_account_id, line.fee_code
            )
        fee_account = self.channel._settlement_fee_account
        self.assertEqual(
            len(
                {
                    fee_account(category, "")
                    for category in (
                        "commission",
                        "payment_fee",
                        "shipping",
                        "withholding_tax",
                    )
                }
            ),
            4,
        )
        for account, amount in fees.items():
            self.assertAlmostEqual(
                self.item_amount(move_lines, account), -amount, places=2
            )
        # the payouts posted with the settlements, their bank lines matched
        for payout in payouts:
            self.assertTrue(payout.move_id)
            st_line = self.bank_line(payout)
            self.assertEqual(payout.statement_line_id, st_line)
            self.assertTrue(st_line.is_reconciled)
            self.assertEqual(payout.reconcile_state, "matched")
        self.assertEqual(self.clearing_balance(), 0.0)
        self.channel._settlement_refresh_exceptions()
        self.assertFalse(
            self.env["channel.settlement.exception"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )

    def item_amount(self, lines, account):
        return sum(
            lines.filtered(lambda x: x.account_id == account).mapped("amount_currency")
        )

    def test_fee_after_payout_is_an_exception(self):
        """A fee TikTok charges on an order after its payout: a settlement of its
        own whose unknown line is an exception, not a silent difference."""
        orders, _payments = self.sold_and_invoiced(3)
        self.advance(8)
        settlements = self.run_import()
        settlements.action_post()
        self.assertEqual(self.clearing_balance(), 0.0)
        order = orders[0]
        self.sim_post(
            "/_sim/finance/adjustment",
            {
                "type": "PLATFORM_COMMISSION_ADJUSTMENT",
                "amount": self.late_fee,
                "order_id": order.channel_order_ref,
            },
        )
        self.advance(2)
        late = self.run_import() - settlements
        self.assertEqual(len(late), 1)
        self.assertTrue(late.has_unknown_fees)
        self.channel._settlement_refresh_exceptions()
        exception = self.env["channel.settlement.exception"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertEqual(exception.mapped("exception_type"), ["unknown_fee"])
        self.assertEqual(exception.order_ref, order.channel_order_ref)
        self.assertAlmostEqual(exception.amount_settled, self.late_fee, places=2)
        # the invoices stay paid
        for invoice in orders.invoice_ids:
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))


@tagged("post_install", "-at_install")
class TestTokopediaChain(TestTikTokChain):
    """The same chain for a migrated Tokopedia shop: IDR (whole rupiahs), VAT on
    TikTok's fees, a company in USD."""

    simulator_options = dict(
        TestTikTokChain.simulator_options,
        tokopedia=True,
        withheld_taxes={"vat_amount": 0.11},
    )
    late_fee = -2500.0
    # Odoo's loader runs inherited test methods only when asked
    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "rate": 16000.0,
                "currency_id": cls.channel.pricelist_id.currency_id.id,
                "company_id": cls.env.company.id,
            }
        )
