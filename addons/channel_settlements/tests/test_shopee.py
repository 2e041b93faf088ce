import hashlib
import hmac
import time

import requests

from odoo.tests import tagged

from .common import SettlementCase

PARTNER_ID = 2001887
PARTNER_KEY = "shopee-partner-key"
SHOP_ID = 600001


@tagged("post_install", "-at_install")
class TestShopeeSettlements(SettlementCase):
    platform = "shopee"

    @classmethod
    def _make_simulator(cls):
        from simulators.shopee import ShopeeSimulator

        return ShopeeSimulator(orders=24, seed=11)

    @classmethod
    def _channel_vals(cls):
        return {
            "name": "Shopee MY",
            "code": "SPSET",
            "platform": "shopee",
            "api_base_url": cls.sim.url,
            "app_key": str(PARTNER_ID),
            "app_secret": PARTNER_KEY,
            "shop_id": str(SHOP_ID),
        }

    @classmethod
    def _token(cls):
        code = cls.sim_post("/_sim/auth/code")["code"]
        path = "/api/v2/auth/token/get"
        stamp = int(time.time())
        signature = hmac.new(
            PARTNER_KEY.encode(), f"{PARTNER_ID}{path}{stamp}".encode(), hashlib.sha256
        ).hexdigest()
        answer = requests.post(
            cls.sim.url + path,
            params={"partner_id": PARTNER_ID, "timestamp": stamp, "sign": signature},
            json={"code": code, "partner_id": PARTNER_ID, "shop_id": SHOP_ID},
            timeout=10,
        ).json()
        return answer["access_token"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        orders = cls.sim_state()["orders"]
        open_orders = sorted(
            (
                sn
                for sn, o in orders.items()
                if o["status"] in ("READY_TO_SHIP", "PROCESSED", "SHIPPED")
                and o["currency"] == "MYR"
            ),
            key=lambda sn: -orders[sn]["amounts"]["voucher_from_seller"],
        )
        if len(open_orders) < 2:
            open_orders = [
                sn
                for sn, o in orders.items()
                if o["status"] in ("READY_TO_SHIP", "PROCESSED", "SHIPPED")
            ]
        cls.ref_voucher, cls.ref_refund = open_orders[:2]
        cls.detail_voucher = cls.sim_post(f"/_sim/orders/{cls.ref_voucher}/complete")
        cls.detail_refund = cls.sim_post(
            f"/_sim/orders/{cls.ref_refund}/complete", {"refund": 10.0}
        )
        cls.advance(8)  # the Monday withdrawal
        cls.channel.sudo().access_token = cls._token()
        finance = cls.sim_state()["finance"]["escrows"]
        cls.inv = {}
        for sn in (cls.ref_voucher, cls.ref_refund):
            info = finance[sn]
            cls.inv[sn] = cls.make_invoice(
                sn, info["invoice_amount"], refund=info["refund_amount"]
            )[1]

    def test_import_post_payout_bank_and_change(self):
        settlements = self.run_import()
        self.assertTrue(settlements)
        lines = self.env["channel.settlement.line"].search(
            [("order_ref", "=", self.ref_refund)]
        )
        settlement = lines.settlement_id
        self.assertEqual(len(settlement), 1)
        categories = set(settlement.line_ids.mapped("category"))
        self.assertTrue(
            {"sale", "refund", "commission", "payment_fee", "shipping"} <= categories,
            categories,
        )
        income = self.detail_refund["order_income"]
        self.assertAlmostEqual(
            sum(lines.mapped("amount")), income["escrow_amount_after_adjustment"], 2
        )
        if self.detail_voucher["order_income"]["voucher_from_seller"]:
            self.assertIn("voucher", categories)
        self.check_common(settlement, list(self.inv.values()))
        # the escrow changes: re-import updates the settlement and logs it
        self.sim_post(
            "/_sim/finance/adjust",
            {"order_sn": self.ref_voucher, "amount": -2.5, "reason": "Dispute"},
        )
        self.sim_post(
            "/_sim/finance/adjust",
            {"order_sn": self.ref_voucher, "field": "mystery_fee", "amount": 1.0},
        )
        messages = len(settlement.message_ids)
        net = settlement.amount_net
        self.run_import()
        self.assertAlmostEqual(settlement.amount_net, net - 3.5, places=2)
        self.assertGreater(len(settlement.message_ids), messages)
        self.assertEqual(settlement.state, "draft")
        self.assertTrue(settlement.has_unknown_fees)
        self.assertIn("mystery_fee", settlement.line_ids.mapped("fee_code"))
        self.assertEqual(
            len(
                self.env["channel.settlement"].search(
                    [("channel_id", "=", self.channel.id)]
                )
            ),
            len(settlements),
        )
