import requests

from odoo.tests import tagged

from .common import SettlementCase

APP_KEY = "29a39d"
APP_SECRET = "tiktok-app-secret"


@tagged("post_install", "-at_install")
class TestTikTokSettlements(SettlementCase):
    platform = "tiktok"

    @classmethod
    def _make_simulator(cls):
        from simulators.tiktok import TikTokSimulator

        return TikTokSimulator(orders=27, seed=11)

    @classmethod
    def _channel_vals(cls):
        return {
            "name": "TikTok Shop MY",
            "code": "TTSET",
            "platform": "tiktok",
            "api_base_url": cls.sim.url,
            "app_key": APP_KEY,
            "app_secret": APP_SECRET,
            "shop_cipher": "ROW_sim_cipher",
        }

    @classmethod
    def _token(cls):
        code = cls.sim_post("/_sim/auth/code")["code"]
        answer = requests.get(
            cls.sim.url + "/api/v2/token/get",
            params={
                "app_key": APP_KEY,
                "app_secret": APP_SECRET,
                "auth_code": code,
                "grant_type": "authorized_code",
            },
            timeout=10,
        ).json()
        return answer["data"]["access_token"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.sim.lock:
            candidates = sorted(
                (
                    o
                    for o in cls.sim.orders.values()
                    if o["status"] in ("IN_TRANSIT", "AWAITING_COLLECTION")
                ),
                key=lambda o: -o["payment"]["seller_discount"],
            )
            cls.ref_voucher, cls.ref_refund = (o["id"] for o in candidates[:2])
        cls.sim_post(f"/_sim/orders/{cls.ref_voucher}/deliver", {"refund": 0})
        cls.sim_post(f"/_sim/orders/{cls.ref_refund}/deliver", {"refund": 5.0})
        cls.advance(7.5)
        cls.channel.sudo().access_token = cls._token()
        cls.inv = cls.make_invoices(
            (cls.ref_voucher, cls.ref_refund), cls.sim_state()["finance"]["orders"]
        )

    def test_import_post_payout_bank(self):
        _settlements, lines = self.import_order_lines(self.ref_refund)
        settlement = lines.settlement_id
        self.assertTrue(settlement.payout_ref)
        categories = set(settlement.line_ids.mapped("category"))
        self.assertTrue(
            {"sale", "refund", "commission", "payment_fee"} <= categories, categories
        )
        self.assertFalse(settlement.has_unknown_fees)
        self.check_common(settlement, list(self.inv.values()))
