"""Shared set-up: an in-process simulator over real HTTP, a channel with its
settlement accounting, and invoiced sale orders for the orders the simulator
settles."""

import time
from datetime import timedelta

import requests

from odoo import Command, fields
from odoo.tests import TransactionCase

DAY = 86400
# the Shopee simulator's partner and shop
SHOPEE_PARTNER_ID = 2001887
SHOPEE_PARTNER_KEY = "shopee-partner-key"
SHOPEE_SHOP_ID = 600001
# Shopee orders that are paid and not completed yet
SHOPEE_OPEN_STATUSES = ("READY_TO_SHIP", "PROCESSED", "SHIPPED")


class SettlementCase(TransactionCase):
    platform = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sim = cls._make_simulator()
        cls.sim.start()
        cls.addClassCleanup(cls.sim.stop)
        cls.product = cls.env["product.product"].create(
            {
                "name": "Marketplace sale",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 1.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "Marketplace buyer"})
        cls.channel = cls.env["omni.channel"].create(cls._channel_vals())
        cls.channel.action_settlement_setup()
        cls.today = fields.Date.context_today(cls.channel)

    # ---- simulator ----
    @classmethod
    def _make_simulator(cls):
        raise NotImplementedError

    @classmethod
    def _channel_vals(cls):
        raise NotImplementedError

    @classmethod
    def sim_post(cls, path, body=None):
        resp = requests.post(cls.sim.url + path, json=body or {}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    @classmethod
    def sim_state(cls):
        return requests.get(cls.sim.url + "/_sim/state", timeout=10).json()

    @classmethod
    def advance(cls, days):
        cls.sim_post("/_sim/clock", {"advance": days * DAY})

    # ---- Odoo side ----
    @classmethod
    def make_invoice(cls, order_ref, amount, refund=0.0, days_ago=0):
        """A confirmed sale order of the channel and its posted invoice (and credit
        note of ``refund``)."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "pricelist_id": cls.channel.pricelist_id.id or False,
                "channel_id": cls.channel.id,
                "channel_order_ref": order_ref,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.product.id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                            "tax_id": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.invoice_date = cls.today - timedelta(days=days_ago)
        invoice.action_post()
        if refund:
            credit = invoice._reverse_moves(
                [{"invoice_date": invoice.invoice_date, "ref": f"Refund {order_ref}"}]
            )
            credit.invoice_line_ids.price_unit = refund
            # a credit note of the return (not a reversal reconciled with the
            # invoice at posting: Odoo would call the invoice "reversed")
            credit.reversed_entry_id = False
            credit.action_post()
        return order, invoice

    @classmethod
    def make_invoices(cls, order_refs, finance):
        """The posted invoice of each order of ``order_refs`` (and its credit note),
        of the amounts the simulator's finance state ``finance`` has for it."""
        return {
            ref: cls.make_invoice(
                ref,
                finance[ref]["invoice_amount"],
                refund=finance[ref]["refund_amount"],
            )[1]
            for ref in order_refs
        }

    def channel_lines(self, order_ref):
        """The settlement lines of the channel for the order ``order_ref``."""
        return self.env["channel.settlement.line"].search(
            [("channel_id", "=", self.channel.id), ("order_ref", "=", order_ref)]
        )

    def import_order_lines(self, order_ref):
        """Run the import: the settlements imported, and the lines of the order
        ``order_ref`` (all in one settlement)."""
        settlements = self.run_import()
        self.assertTrue(settlements)
        lines = self.env["channel.settlement.line"].search(
            [("order_ref", "=", order_ref)]
        )
        self.assertEqual(len(lines.settlement_id), 1)
        return settlements, lines

    def run_import(self, days_back=40, days_ahead=40):
        """The import job, run synchronously (queue_job__no_delay)."""
        self.channel.with_context(queue_job__no_delay=True)._settlement_enqueue_import(
            self.today - timedelta(days=days_back),
            self.today + timedelta(days=days_ahead),
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
        return round(sum(lines.mapped("balance")), 2)

    @classmethod
    def foreign_currency_vals(cls, code="EUR", rate=0.5):
        """Channel values for a marketplace selling in ``code`` (``rate`` per unit
        of the company's currency): its pricelist, the currency active with a
        rate since 2020."""
        currency = cls.env.ref(f"base.{code}")
        currency.active = True
        cls.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "rate": rate,
                "currency_id": currency.id,
                "company_id": cls.env.company.id,
            }
        )
        pricelist = cls.env["product.pricelist"].create(
            {"name": f"Marketplace {code}", "currency_id": currency.id}
        )
        return {"pricelist_id": pricelist.id}

    def item_amount(self, lines, account):
        """What ``lines`` hold on ``account``, in their own currency."""
        return sum(
            lines.filtered(lambda x: x.account_id == account).mapped("amount_currency")
        )

    def assert_paid(self, invoice):
        invoice.invalidate_recordset(["payment_state"])
        self.assertIn(invoice.payment_state, ("paid", "in_payment"), invoice.name)

    def bank_line(self, payout, label=None):
        journal = self.channel.settlement_bank_journal_id
        return self.env["account.bank.statement.line"].create(
            {
                "journal_id": journal.id,
                "date": payout.date,
                "payment_ref": label
                or f"{self.platform.upper()} PAYOUT {payout.bank_ref}",
                "amount": payout.amount,
            }
        )

    def check_common(self, settlement, invoices):
        """Post the settlement(s) of a payout, check invoices paid, clearing zero,
        re-import idempotent, bank line matched."""
        payout = settlement.payout_id
        self.assertTrue(payout, "the settlement has its payout")
        self.assertEqual(payout.state, "paid")
        settlements = payout.settlement_ids
        settlements.action_post()
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        for invoice in invoices:
            self.assert_paid(invoice)
        self.assertTrue(payout.move_id, "a paid payout is posted with its settlements")
        self.assertEqual(self.clearing_balance(), 0.0)
        # re-import: nothing new, nothing duplicated
        counts = (
            self.env["channel.settlement"].search_count([]),
            self.env["channel.settlement.line"].search_count([]),
            self.env["channel.payout"].search_count([]),
        )
        self.run_import()
        self.assertEqual(
            counts,
            (
                self.env["channel.settlement"].search_count([]),
                self.env["channel.settlement.line"].search_count([]),
                self.env["channel.payout"].search_count([]),
            ),
        )
        self.assertEqual(set(settlements.mapped("state")), {"posted"})
        # the bank statement line of the payout matches it
        st_line = self.bank_line(payout)
        self.assertEqual(payout.statement_line_id, st_line)
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(payout.reconcile_state, "matched")
        return payout

    @staticmethod
    def wait(seconds=0.01):
        time.sleep(seconds)


class ShopeeSettlementCase(SettlementCase):
    """A Shopee shop (``sim_orders`` orders of the simulator, seed ``sim_seed``)."""

    platform = "shopee"
    sim_orders = 24
    sim_seed = 11
    channel_name = "Shopee MY"
    channel_code = "SPSET"

    @classmethod
    def _make_simulator(cls):
        from simulators.shopee import ShopeeSimulator

        return ShopeeSimulator(orders=cls.sim_orders, seed=cls.sim_seed)

    @classmethod
    def _channel_vals(cls):
        return {
            "name": cls.channel_name,
            "code": cls.channel_code,
            "platform": "shopee",
            "api_base_url": cls.sim.url,
            "app_key": str(SHOPEE_PARTNER_ID),
            "app_secret": SHOPEE_PARTNER_KEY,
            "shop_id": str(SHOPEE_SHOP_ID),
        }
