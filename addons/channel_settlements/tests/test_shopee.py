import hashlib
import hmac
import time

import requests

from odoo.tests import tagged

from .common import (
    SHOPEE_OPEN_STATUSES,
    SHOPEE_PARTNER_ID,
    SHOPEE_PARTNER_KEY,
    SHOPEE_SHOP_ID,
    ShopeeSettlementCase,
)


@tagged("post_install", "-at_install")
class TestShopeeSettlements(ShopeeSettlementCase):
    @classmethod
    def _token(cls):
        code = cls.sim_post("/_sim/auth/code")["code"]
        path = "/api/v2/auth/token/get"
        stamp = int(time.time())
        signature = hmac.new(
            SHOPEE_PARTNER_KEY.encode(),
            f"{SHOPEE_PARTNER_ID}{path}{stamp}".encode(),
            hashlib.sha256,
        ).hexdigest()
        answer = requests.post(
            cls.sim.url + path,
            params={
                "partner_id": SHOPEE_PARTNER_ID,
                "timestamp": stamp,
                "sign": signature,
            },
            json={
                "code": code,
                "partner_id": SHOPEE_PARTNER_ID,
                "shop_id": SHOPEE_SHOP_ID,
            },
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
                if o["status"] in SHOPEE_OPEN_STATUSES and o["currency"] == "MYR"
            ),
            key=lambda sn: -orders[sn]["amounts"]["voucher_from_seller"],
        )
        if len(open_orders) < 2:
            open_orders = [
                sn for sn, o in orders.items() if o["status"] in SHOPEE_OPEN_STATUSES
            ]
        cls.ref_voucher, cls.ref_refund = open_orders[:2]
        cls.detail_voucher = cls.sim_post(f"/_sim/orders/{cls.ref_voucher}/complete")
        cls.detail_refund = cls.sim_post(
            f"/_sim/orders/{cls.ref_refund}/complete", {"refund": 10.0}
        )
        cls.advance(8)  # the Monday withdrawal
        cls.channel.sudo().access_token = cls._token()
        cls.inv = cls.make_invoices(
            (cls.ref_voucher, cls.ref_refund), cls.sim_state()["finance"]["escrows"]
        )

    def test_import_post_payout_bank_and_change(self):
        settlements, lines = self.import_order_lines(self.ref_refund)
        settlement = lines.settlement_id
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
