"""The settlement import meets the platform's transient failures as the order sync
does: an expired access token is refreshed, a busy or overloaded platform retries the
job instead of failing it for good (Shopee simulator, faults injected over HTTP)."""

from datetime import timedelta

from odoo.tests import tagged

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import SHOPEE_OPEN_STATUSES, ShopeeSettlementCase


@tagged("post_install", "-at_install")
class TestShopeeImportRobustness(ShopeeSettlementCase):
    sim_orders = 12
    sim_seed = 5
    channel_name = "Shopee MY robustness"
    channel_code = "SPROB"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        orders = cls.sim_state()["orders"]
        cls.order_sn = next(
            sn
            for sn, order in sorted(orders.items())
            if order["status"] in SHOPEE_OPEN_STATUSES
        )
        cls.income = cls.sim_post(f"/_sim/orders/{cls.order_sn}/complete")[
            "order_income"
        ]
        cls.advance(8)  # the escrow is released

    def setUp(self):
        super().setUp()
        self.addCleanup(self.sim_post, "/_sim/faults", {})
        # the seller authorises the shop: access and refresh tokens (per test: a
        # test's refresh spends the single-use refresh token on the simulator)
        self.channel._connector_exchange_code(self.sim_post("/_sim/auth/code")["code"])

    def faults(self, values):
        self.sim_post("/_sim/faults", values)

    def settlement_lines(self):
        return self.channel_lines(self.order_sn)

    def enqueue_import(self):
        self.channel._settlement_enqueue_import(
            self.today - timedelta(days=40), self.today + timedelta(days=40)
        )

    def assert_imported(self):
        lines = self.settlement_lines()
        self.assertTrue(lines, "the escrow of the completed order is imported")
        self.assertIn("sale", lines.mapped("category"))
        self.assertAlmostEqual(
            sum(lines.mapped("amount")),
            self.income["escrow_amount_after_adjustment"],
            places=2,
        )

    def retry_logs(self):
        return self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("operation", "=", "finance/settlements"),
                ("state", "=", "failed"),
            ]
        )

    def test_expired_access_token_is_refreshed(self):
        channel = self.channel.sudo()
        old_access, old_refresh = channel.access_token, channel.refresh_token
        self.assertTrue(old_refresh)
        self.faults({"expire_tokens": 1})
        self.run_import()
        self.assert_imported()
        self.assertNotEqual(channel.access_token, old_access)
        self.assertNotEqual(channel.refresh_token, old_refresh, "Shopee: single use")
        refreshed = self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("operation", "=", "auth/token/refresh"),
                ("state", "=", "done"),
            ]
        )
        self.assertEqual(len(refreshed), 1)
        self.assertFalse(self.retry_logs())

    def test_busy_platform_retries_the_job(self):
        # Shopee answers "error_busy" (not an HTTP 5xx) to the first call
        self.faults({"busy": 1})
        with trap_jobs() as trap:
            self.enqueue_import()
            trap.assert_jobs_count(1, only=self.channel._settlement_import_job)
            job = trap.enqueued_jobs[0]
            with self.assertRaises(RetryableJobError) as caught:
                job.perform()
            self.assertIn("error_busy", str(caught.exception))
            self.assertFalse(self.settlement_lines())
            self.assertEqual(self.sim_state()["faults"]["fired"].get("busy"), 1)
            # the job runner performs the job again later: the import succeeds
            job.perform()
        self.assert_imported()

    def test_server_errors_and_rate_limit_retry_the_job(self):
        with trap_jobs() as trap:
            self.enqueue_import()
            job = trap.enqueued_jobs[0]
            # HTTP 500/503 "error_server" on every call: quick retries in place,
            # then the job is retried
            self.faults({"rate_5xx": 1.0})
            with self.assertRaises(RetryableJobError):
                job.perform()
            self.assertGreaterEqual(self.sim_state()["faults"]["fired"]["rate_5xx"], 3)
            # rate limited with a long Retry-After: the job waits as told, and the
            # wait does not count as a failed attempt
            self.faults({"rate_429": 1.0, "retry_after": 7})
            with self.assertRaises(RetryableJobError) as caught:
                job.perform()
            self.assertEqual(caught.exception.seconds, 7)
            self.assertTrue(caught.exception.ignore_retry)
            self.assertFalse(self.settlement_lines())
            self.faults({})
            job.perform()
        self.assert_imported()
