import time
from datetime import timedelta

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.channel_connectors.adapters.lazada import sign

from .common import DAY, SettlementCase


@tagged("post_install", "-at_install")
class TestLazadaSettlements(SettlementCase):
    platform = "lazada"

    @classmethod
    def _make_simulator(cls):
        from simulators.lazada import LazadaSimulator

        return LazadaSimulator(orders=24, seed=11, access_ttl=90 * DAY)

    @classmethod
    def _channel_vals(cls):
        return {
            "name": "Lazada SG",
            "code": "LZSET",
            "platform": "lazada",
            "api_base_url": cls.sim.url + "/rest",
            "app_key": "123456",
            "app_secret": "helloworld",
        }

    @classmethod
    def _token(cls):
        code = cls.sim_post("/_sim/auth/code")["code"]
        params = {
            "app_key": "123456",
            "timestamp": str(int(time.time() * 1000)),
            "sign_method": "sha256",
            "code": code,
        }
        params["sign"] = sign("/auth/token/create", params, "helloworld")
        answer = requests.get(
            cls.sim.url + "/rest/auth/token/create", params=params, timeout=10
        ).json()
        return answer["access_token"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.sim.lock:  # pick open orders: one with a seller voucher
            pending = [
                o
                for o in cls.sim.orders.values()
                if {cls.sim.items[i]["status"] for i in o["item_ids"]} == {"pending"}
                and not any(
                    cls.sim.items[i]["need_cancel_confirm"] for i in o["item_ids"]
                )
            ]
            pending.sort(key=lambda o: (-o["voucher_seller"], -len(o["item_ids"])))
            voucher = pending[0]
            multi = next(o for o in pending[1:] if len(o["item_ids"]) > 1)
            others = [o for o in pending if o not in (voucher, multi)]
        cls.ref_voucher = str(voucher["order_id"])
        cls.ref_refund = str(multi["order_id"])
        cls.ref_diff = str(others[0]["order_id"])
        returned = multi["item_ids"][0]
        cls.sim_post(f"/_sim/orders/{cls.ref_voucher}/deliver")
        cls.sim_post(
            f"/_sim/orders/{cls.ref_refund}/deliver", {"return_item_ids": [returned]}
        )
        cls.sim_post(f"/_sim/orders/{cls.ref_diff}/deliver")
        cls.advance(3.05)
        cls.sim_post(
            "/_sim/finance/transaction",
            {"fee_type": 999, "amount": -1.25, "fee_name": "Mystery Charge"},
        )
        cls.advance(12)
        cls.channel.sudo().access_token = cls._token()
        finance = cls.sim_state()["finance"]
        cls.finance = finance
        orders = finance["orders"]
        info = orders[cls.ref_voucher]
        cls.order_voucher, cls.inv_voucher = cls.make_invoice(
            cls.ref_voucher, info["invoice_amount"]
        )
        info = orders[cls.ref_refund]
        cls.order_refund, cls.inv_refund = cls.make_invoice(
            cls.ref_refund, info["invoice_amount"], refund=info["refund_amount"]
        )
        cls.order_diff, cls.inv_diff = cls.make_invoice(
            cls.ref_diff, orders[cls.ref_diff]["invoice_amount"] + 5.0
        )
        cls.order_old, cls.inv_old = cls.make_invoice(
            "LZ-NEVER-SETTLED", 42.0, days_ago=40
        )

    def _settlement_of(self, order_ref):
        return self.channel_lines(order_ref).settlement_id

    def test_import_post_payout_bank(self):
        settlements = self.run_import()
        self.assertTrue(settlements)
        settlement = self._settlement_of(self.ref_voucher)
        self.assertEqual(settlement, self._settlement_of(self.ref_refund))
        statement = self.finance["statements"][settlement.payout_ref]
        self.assertAlmostEqual(settlement.amount_net, statement["payout"], places=2)
        codes = set(settlement.line_ids.mapped("fee_code"))
        self.assertTrue({"13", "16", "3", "14", "15", "202", "999"} <= codes, codes)
        self.assertTrue(settlement.has_unknown_fees)
        self.assertLess(settlement.amount_refunds, 0)
        self.assertLess(settlement.amount_fees, 0)
        self.assertTrue(settlement.raw_payload)
        payout = self.check_common(settlement, [self.inv_voucher, self.inv_refund])
        # invoiced 5 more than the marketplace paid: 5 stay open on the customer
        self.assertEqual(self.inv_diff.payment_state, "partial")
        self.assertAlmostEqual(self.inv_diff.amount_residual, 5.0, places=2)
        credit_note = self.order_refund.invoice_ids.filtered(
            lambda m: m.move_type == "out_refund"
        )
        # Odoo calls a credit note settled by an entry "reversed"
        self.assertTrue(credit_note.currency_id.is_zero(credit_note.amount_residual))
        # fees are on their accounts; the unknown one on the suspense account
        lines = settlement.move_id.line_ids
        suspense = self.channel.settlement_suspense_account_id
        self.assertAlmostEqual(self.item_amount(lines, suspense), 1.25)
        commission = self.channel.settlement_commission_account_id
        self.assertGreater(self.item_amount(lines, commission), 0)
        voucher = self.channel.settlement_voucher_account_id
        self.assertTrue(lines.filtered(lambda x: x.account_id == voucher))
        self.assertAlmostEqual(payout.amount, settlement.amount_net, places=2)

    def test_exceptions(self):
        self.run_import()
        exceptions = self.env["channel.settlement.exception"].search(
            [("channel_id", "=", self.channel.id)]
        )
        by_type = {}
        for exception in exceptions:
            by_type.setdefault(exception.exception_type, exception.browse())
            by_type[exception.exception_type] |= exception
        self.assertEqual(
            set(by_type),
            {
                "settled_not_invoiced",
                "invoiced_not_settled",
                "amount_difference",
                "refund_without_credit_note",
                "unknown_fee",
            },
        )
        diff = by_type["amount_difference"]
        self.assertEqual(diff.order_ref, self.ref_diff)
        self.assertAlmostEqual(diff.difference, -5.0, places=2)
        self.assertEqual(diff.action_open_records()["res_id"], self.inv_diff.id)
        old = by_type["invoiced_not_settled"]
        self.assertEqual(old.invoice_id, self.inv_old)
        self.assertGreaterEqual(old.age_days, 40)
        unknown = by_type["unknown_fee"]
        self.assertEqual(unknown.settlement_line_id.fee_code, "999")
        self.assertEqual(
            unknown.action_open_records()["res_id"], unknown.settlement_id.id
        )
        not_invoiced = by_type["settled_not_invoiced"]
        invoiced_refs = {self.ref_voucher, self.ref_refund, self.ref_diff}
        self.assertFalse(set(not_invoiced.mapped("order_ref")) & invoiced_refs)
        settled = set(self.finance["orders"]) - invoiced_refs
        self.assertEqual(set(not_invoiced.mapped("order_ref")), settled)
        # a refund without a credit note: cancel the credit note
        self.order_refund.invoice_ids.filtered(
            lambda m: m.move_type == "out_refund"
        ).button_draft()
        self.channel._settlement_refresh_exceptions()
        refund = self.env["channel.settlement.exception"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("exception_type", "=", "refund_without_credit_note"),
                ("order_ref", "=", self.ref_refund),
            ]
        )
        self.assertTrue(refund)
        self.assertEqual(refund.action_open_records()["res_id"], self.inv_refund.id)
        # mapping the unknown fee type removes its exception
        self.env["channel.settlement.fee.mapping"].create(
            {"channel_id": self.channel.id, "fee_code": "999", "category": "adjustment"}
        )
        self.run_import()
        self.assertFalse(
            self.env["channel.settlement.exception"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("exception_type", "=", "unknown_fee"),
                ]
            )
        )
        self.assert_reports_answer()

    def assert_reports_answer(self):
        """The reconciliation and fee analysis views answer."""
        report = self.env["channel.settlement.report"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertAlmostEqual(
            sum(report.mapped("amount_net")),
            sum(
                self.env["channel.settlement"]
                .search([("channel_id", "=", self.channel.id)])
                .mapped("amount_net")
            ),
            places=2,
        )
        self.assertTrue(
            self.env["channel.fee.analysis"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )

    def test_manual_wizard_and_cron_enqueue(self):
        wizard = (
            self.env["channel.settlement.import"]
            .with_context(active_model="omni.channel", active_ids=self.channel.ids)
            .create(
                {
                    "date_from": self.today - timedelta(days=40),
                    "date_to": self.today + timedelta(days=40),
                }
            )
        )
        self.assertEqual(wizard.channel_ids, self.channel)
        wizard.with_context(queue_job__no_delay=True).action_import()
        self.assertTrue(
            self.env["channel.settlement"].search(
                [("channel_id", "=", self.channel.id)]
            )
        )
        self.channel.settlement_enabled = True
        before = self.env["queue.job"].search_count([])
        self.env["omni.channel"]._cron_import_settlements()
        self.env["omni.channel"]._cron_import_settlements()  # identity key: once
        self.assertEqual(self.env["queue.job"].search_count([]), before + 1)

    def test_posting_needs_accounting_rights(self):
        settlement = self.run_import()[:1]
        salesman = new_test_user(
            self.env,
            login="lz_salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        with self.assertRaises(AccessError):
            settlement.with_user(salesman).action_post()
        billing = new_test_user(
            self.env,
            login="lz_billing",
            groups="base.group_user,account.group_account_invoice",
        )
        self.assertTrue(settlement.with_user(billing).read(["amount_net"]))
        with self.assertRaises(AccessError):
            settlement.with_user(billing).action_post()
        accountant = new_test_user(
            self.env,
            login="lz_accountant",
            groups="base.group_user,account.group_account_user",
        )
        settlement.with_user(accountant).action_post()
        self.assertEqual(settlement.state, "posted")


@tagged("post_install", "-at_install")
class TestLazadaSettlementsForeignCurrency(TestLazadaSettlements):
    """The same, for a marketplace selling in another currency than the
    company's: invoices, settlements and payouts in EUR, the company in its own;
    everything above still holds (amounts compared in EUR)."""

    # Odoo's loader runs a subclass's inherited tests only when it says so
    allow_inherited_tests_method = True

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            code="LZEUR",
            **cls.foreign_currency_vals("EUR", rate=0.5),
        )

    def test_booked_in_the_marketplace_currency(self):
        self.assertNotEqual(self.channel.currency_id, self.env.company.currency_id)
        self.assertEqual(
            self.channel.settlement_bank_journal_id.currency_id,
            self.channel.currency_id,
        )
        self.run_import()
        settlement = self._settlement_of(self.ref_voucher)
        self.assertEqual(settlement.currency_id, self.channel.currency_id)
        payout = self.check_common(settlement, [self.inv_voucher, self.inv_refund])
        for move in settlement.move_id | payout.move_id:
            self.assertEqual(move.state, "posted")
            foreign = move.line_ids.filtered(
                lambda x: x.currency_id == self.channel.currency_id
            )
            self.assertEqual(foreign, move.line_ids)
            for line in move.line_ids:
                # 1 EUR = 2 in the company's currency (rate 0.5)
                self.assertAlmostEqual(line.balance, 2 * line.amount_currency, places=1)
        net = settlement.move_id.line_ids.filtered(
            lambda x: x.account_id == self.channel.settlement_clearing_account_id
        )
        self.assertAlmostEqual(net.amount_currency, settlement.amount_net, places=2)
        self.assertEqual(payout.move_id.currency_id, self.channel.currency_id)
        self.assertAlmostEqual(payout.move_id.amount_total, payout.amount, places=2)
        self.assertAlmostEqual(
            sum(payout.move_id.line_ids.mapped("debit")), 2 * payout.amount, places=1
        )
