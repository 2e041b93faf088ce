"""From a Lazada order to the bank: orders imported from the simulator, shipped and
delivered (invoice posted on dispatch), delivered on Lazada and settled by its
finance clock from the same orders, the statement and its payout imported through
the add-on's wizard, posted, the bank statement line of the payout matched; every
invoice paid to the cent and the clearing account back to zero. Real imported
orders, not hand-made invoices (see test_lazada.py). A fee Lazada charges after the
payout is an exception, not a silent difference."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.channel_connectors.tests.common import MoneyCheckMixin
from odoo.addons.channel_connectors.tests.test_lazada import LazadaCommon

from .common import DAY, SettlementCase

#: the fee categories that settle the order's invoice (its receivable)
ORDER_SIDE = ("sale", "voucher", "refund")


@tagged("post_install", "-at_install")
class TestLazadaChain(MoneyCheckMixin, LazadaCommon):
    # no seeded order: the shop's orders are the chain's (made with the same
    # generator, in the test), so that every settled order is invoiced here
    # (tokens as Lazada's live: access 30 days, refresh 180 days)
    simulator_options = {
        "orders": 0,
        "seed": 37,
        "access_ttl": 30 * DAY,
        "refresh_ttl": 180 * DAY,
    }
    chain_orders = 10

    # the settlement side, as in the settlement tests
    clearing_balance = SettlementCase.clearing_balance
    assert_paid = SettlementCase.assert_paid
    bank_line = SettlementCase.bank_line

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.setup_sale_tax()
        # the shop sells in SGD, the company keeps its books in USD
        cls.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "rate": 1.35,
                "currency_id": cls.channel.currency_id.id,
                "company_id": cls.env.company.id,
            }
        )
        cls.channel.action_settlement_setup()

    # ---- helpers ---------------------------------------------------------------------
    def import_settlements(self):
        """The add-on's import wizard, run for the channel (the job at once)."""
        today = fields.Date.context_today(self.channel)
        wizard = (
            self.env["channel.settlement.import"]
            .with_context(active_model="omni.channel", active_ids=self.channel.ids)
            .create(
                {
                    "date_from": today - timedelta(days=2),
                    "date_to": today + timedelta(days=40),
                }
            )
        )
        wizard.with_context(queue_job__no_delay=True).action_import()
        return self.env["channel.settlement"].search(
            [("channel_id", "=", self.channel.id)]
        )

    def finance(self):
        return self.sim_state()["finance"]

    def make_orders(self):
        """The chain's orders, on Lazada and imported: pending, their money
        covering seller and platform vouchers, shipping fees and their
        discounts, several units of one SKU and a partially cancelled order."""
        self.sim_post(
            "/_sim/orders/new", {"count": self.chain_orders, "status": "pending"}
        )
        sim_orders = self.sim_orders()
        money = [o["money"] for o in sim_orders.values()]
        for key in (
            "voucher_seller",
            "voucher_platform",
            "shipping_fee",
            "shipping_fee_discount_seller",
            "shipping_fee_discount_platform",
        ):
            self.assertTrue(any(m[key] for m in money), key)
        self.assertTrue(
            any(
                len({i["sku"] for i in o["items"].values()}) < len(o["items"])
                for o in sim_orders.values()
            ),
            "several units of one SKU",
        )
        partial = [
            ref
            for ref, o in sim_orders.items()
            if "canceled" in o["statuses"] and len(o["statuses"]) > 1
        ]
        self.assertTrue(partial, "a partially cancelled order")
        self.map_catalogue()
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim_orders))
        return orders, sim_orders, partial

    def ship_and_deliver(self, orders):
        """Accepted and shipped on Lazada, delivered in Odoo: the invoices."""
        with self.jobs() as trap:
            orders.action_channel_accept()
            self.ship(orders, "dropoff")
            self.run_jobs(trap)
        self.assertTrue(all(orders.mapped("channel_shipped")))
        with self.jobs() as trap:
            for order in orders:
                self.deliver(order)
            self.run_jobs(trap)
        for order in orders:
            self.assert_invoice_money(order)
        return orders.invoice_ids

    def assert_settled_as_ordered(self, settlements, orders, sim_orders):
        """Each order's settlement is its order's money: the settled items are
        the ones not cancelled (at their full price: Lazada's vouchers are
        Lazada's), the seller's vouchers, the shipping fee the buyer paid and
        Lazada's shipping discount; what settles the receivable is the invoice."""
        rows = [
            row
            for settlement in settlements
            for row in json.loads(settlement.raw_payload)["transactions"]
        ]
        for order in orders:
            ref = order.channel_order_ref
            sim_order = sim_orders[ref]
            money = sim_order["money"]
            lines = settlements.line_ids.filtered(lambda x, r=ref: x.order_ref == r)
            self.assertEqual(lines.sale_order_id, order)

            def total(code, lines=lines):
                return sum(
                    lines.filtered(lambda x: x.fee_code == code).mapped("amount")
                )

            sold = {
                item_id: item
                for item_id, item in sim_order["items"].items()
                if item["status"] != "canceled"
            }
            settled = {r["orderItem_no"] for r in rows if r["order_no"] == ref}
            self.assertEqual(settled, set(sold), f"{ref}: no cancelled item settled")
            self.assertAlmostEqual(
                total("13"), sum(i["price"] for i in sold.values()), places=2
            )
            self.assertAlmostEqual(total("202"), -money["voucher_seller"], places=2)
            self.assertAlmostEqual(total("8"), money["shipping_fee"], places=2)
            self.assertAlmostEqual(
                total("211"), money["shipping_fee_discount_platform"], places=2
            )
            self.assertAlmostEqual(
                total("7"),
                -(money["shipping_fee_original"] or 2.5),
                places=2,
            )
            order_side = lines.filtered(lambda x: x.category in ORDER_SIDE)
            self.assertTrue(
                order.currency_id.is_zero(
                    sum(order_side.mapped("amount")) - order.invoice_ids.amount_total
                ),
                ref,
            )

    def assert_fees_booked(self, settlement):
        """Each fee type on its account (the fee lines of the entry), the net
        on the clearing account."""
        channel = self.channel
        move_lines = settlement.move_id.line_ids
        fees = settlement.line_ids.filtered(lambda x: x.category not in ORDER_SIDE)
        for code in set(fees.mapped("fee_code")):
            of_code = fees.filtered(lambda x, c=code: x.fee_code == c)
            account = channel._settlement_fee_account(of_code[0].category, code)
            self.assertNotEqual(account, channel.settlement_suspense_account_id)
            booked = move_lines.filtered(
                lambda x, c=code, a=account: x.account_id == a
                and x.name.endswith(f"[{c}]")
            )
            self.assertAlmostEqual(
                booked.amount_currency, -sum(of_code.mapped("amount")), places=2
            )
        net = move_lines.filtered(
            lambda x: x.account_id == channel.settlement_clearing_account_id
        )
        self.assertAlmostEqual(net.amount_currency, settlement.amount_net, places=2)

    # ---- the chain -------------------------------------------------------------------
    def test_order_to_bank(self):
        orders, sim_orders, partial = self.make_orders()
        for order in orders:
            self.assertEqual(order.currency_id.name, "SGD")
            self.assert_order_money(order)
        invoices = self.ship_and_deliver(orders)
        self.assertEqual(len(invoices), len(orders))
        self.assertEqual(set(invoices.mapped("payment_state")), {"not_paid"})
        # Lazada's clock: shipped, delivered, settled 3 days later, the weekly
        # statement closed and paid out 4 days after
        self.sim_post("/_sim/clock", {"advance": 17 * DAY})
        finance = self.finance()
        self.assertEqual(set(finance["orders"]), set(sim_orders))
        paid = {
            number
            for number, statement in finance["statements"].items()
            if statement["order_ids"]
        }
        self.assertTrue(paid)
        self.assertTrue(all(finance["statements"][n]["paid"] for n in paid))
        # the statements and their payouts, imported from the finance API
        settlements = self.import_settlements()
        self.assertEqual(set(settlements.mapped("payout_ref")), paid)
        lines = settlements.line_ids
        self.assertEqual(set(lines.mapped("order_ref")) - {False}, set(sim_orders))
        self.assertFalse(lines.filtered(lambda x: x.category == "unknown"))
        categories = set(lines.mapped("category"))
        self.assertTrue(
            {"sale", "voucher", "commission", "payment_fee", "shipping", "ads"}
            <= categories,
            categories,
        )
        self.assert_settled_as_ordered(settlements, orders, sim_orders)
        payouts = settlements.payout_id
        self.assertEqual(set(payouts.mapped("state")), {"paid"})
        for payout in payouts:
            statement = finance["statements"][payout.external_id]
            self.assertAlmostEqual(payout.amount, statement["payout"], places=2)
            self.assertAlmostEqual(payout.amount, payout.amount_settled, places=2)
            self.assertEqual(payout.currency_id.name, "SGD")
        # posted: each fee type on its account, through the clearing account;
        # the payouts with them
        settlements.action_post()
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        for settlement in settlements:
            self.assert_fees_booked(settlement)
        self.assertTrue(all(payouts.mapped("move_id")))
        for invoice in invoices:
            self.assert_paid(invoice)
            self.assertTrue(invoice.currency_id.is_zero(invoice.amount_residual))
            self.assertTrue(
                invoice.company_currency_id.is_zero(invoice.amount_residual_signed)
            )
        self.assertEqual(self.clearing_balance(), 0.0)
        self.assertFalse(
            self.env["channel.settlement.exception"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )
        # the bank statement line of each payout matches it
        for payout in payouts:
            st_line = self.bank_line(payout)
            self.assertEqual(payout.statement_line_id, st_line)
            self.assertTrue(st_line.is_reconciled)
            self.assertEqual(payout.reconcile_state, "matched")
        self.assertEqual(self.clearing_balance(), 0.0)
        # the partially cancelled order: its invoice has the items delivered
        for ref in partial:
            order = orders.filtered(lambda o, r=ref: o.channel_order_ref == r)
            self.assertTrue(order.channel_amount_cancelled)
            self.assertEqual(order.invoice_ids.payment_state, "paid")
        # after the payout Lazada charges the order a fee the books do not know:
        # a settlement of its own with an exception, the paid ones unchanged
        ref = orders[0].channel_order_ref
        nets = {s: s.amount_net for s in settlements}
        self.sim_post(
            "/_sim/finance/transaction",
            {
                "fee_type": 81,
                "amount": -2.0,
                "fee_name": "Adjustments Penalty",
                "order_id": ref,
            },
        )
        after = self.import_settlements()
        late = after - settlements
        self.assertEqual(len(late), 1)
        self.assertEqual(late.state, "draft")
        self.assertFalse(late.payout_id)
        self.assertTrue(late.has_unknown_fees)
        self.assertAlmostEqual(late.amount_net, -2.0, places=2)
        for settlement, net in nets.items():
            self.assertEqual(settlement.state, "posted")
            self.assertAlmostEqual(settlement.amount_net, net, places=2)
        exceptions = self.env["channel.settlement.exception"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertEqual(exceptions.mapped("exception_type"), ["unknown_fee"])
        self.assertEqual(exceptions.order_ref, ref)
        self.assertAlmostEqual(exceptions.amount_settled, -2.0, places=2)
        self.assertEqual(exceptions.settlement_id, late)
        for invoice in invoices:
            self.assert_paid(invoice)
        self.assertEqual(self.clearing_balance(), 0.0)
