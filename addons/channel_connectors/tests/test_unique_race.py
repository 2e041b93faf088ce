"""Two workers creating the same customer at once, made to happen every time.

Two database connections play the job runner's two workers. The *other* worker
creates the buyer's partner and customer mapping and keeps its transaction open;
the job under test, in its own worker transaction, looks the buyer up (the other
worker's rows are not visible yet), creates a partner and inserts the same
mapping, which waits on the other worker's row. The other worker commits only
once PostgreSQL reports the job's connection blocked by it
(``pg_blocking_pids``): the insert then fails with a unique violation, exactly
as between two workers of the runner, and without any sleep-and-hope.

The job must ask to be retried (``RetryableJobError``, as OCA connector's
``_retry_unique_violation``); run again in a new transaction (as the runner
does), it finds the other worker's customer: no duplicate.

Both workers need a committed channel (a row of another transaction cannot
reference a channel the test has not committed, and Odoo's cursors are
REPEATABLE READ: the test's own transaction never sees rows committed after it
started). The cleanups remove every committed row; the job's transactions are
rolled back."""

import threading
import time

import requests

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from .common import load_simulator

# how long the other worker waits for the job to block on its row, and the job
# for a lock (a bug must fail the test, not hang it)
BLOCK_TIMEOUT = 20


class _OtherWorker(threading.Thread):
    """Commits the other worker's transaction as soon as the job's connection
    waits for it; rolls it back when that never happens."""

    def __init__(self, cr, job_pid):
        super().__init__(daemon=True)
        self.cr = cr
        self.job_pid = job_pid
        self.finished = threading.Event()
        self.blocked = False

    def run(self):
        deadline = time.monotonic() + BLOCK_TIMEOUT
        try:
            while time.monotonic() < deadline and not self.finished.is_set():
                self.cr.execute(
                    "SELECT pg_backend_pid() = ANY(pg_blocking_pids(%s))",
                    [self.job_pid],
                )
                if self.cr.fetchone()[0]:
                    self.blocked = True
                    break
                time.sleep(0.005)
        finally:
            if self.blocked:
                # the other worker's transaction, never the test's
                self.cr.commit()  # pylint: disable=invalid-commit
            else:
                self.cr.rollback()


@tagged("post_install", "-at_install")
class TestUniqueViolationRetry(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = load_simulator("lazada", "LazadaSimulator")(orders=6, seed=7).start()
        cls.addClassCleanup(cls.sim.stop)
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            # the simulator's shop sells in its currency: so does the channel
            currency = (
                env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", cls.sim.currency)])
            )
            if not currency.active:
                currency.active = True
                cls.addClassCleanup(cls._deactivate_committed, currency.id)
            pricelist = env["product.pricelist"].create(
                {"name": "Two workers", "currency_id": currency.id}
            )
            cls.addClassCleanup(
                cls._unlink_committed, "product.pricelist", pricelist.ids
            )
            channel = env["omni.channel"].create(
                {
                    "name": "Lazada (two workers)",
                    "code": "LZ-UNIQUE-RACE",
                    "channel_type": "marketplace",
                    "platform": "lazada",
                    "warehouse_id": env["stock.warehouse"].search([], limit=1).id,
                    "api_base_url": cls.sim.url + "/rest",
                    "app_key": "123456",
                    "app_secret": "helloworld",
                    "rate_limit_per_second": 0,
                    "pricelist_id": pricelist.id,
                    "page_limit": 3,
                    "initial_import_days": 30,
                }
            )
            cls.addClassCleanup(cls._unlink_committed, "omni.channel", channel.ids)
            code = requests.post(
                cls.sim.url + "/_sim/auth/code", json={}, timeout=10
            ).json()["code"]
            channel._connector_exchange_code(code)
        cls.channel_id = channel.id

    @classmethod
    def _unlink_committed(cls, model, ids):
        with cls.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})[model].browse(ids).exists().unlink()

    @classmethod
    def _deactivate_committed(cls, currency_id):
        with cls.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["res.currency"].browse(
                currency_id
            ).active = False

    def setUp(self):
        super().setUp()
        self.cursors, self.committed_partners = [], []
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        # the workers' transactions end first (their locks with them)
        for cr in self.cursors:
            cr.close()
        self._unlink_committed("res.partner", self.committed_partners)

    # ---- helpers -------------------------------------------------------------
    def worker_env(self):
        """A job runner's worker: its own connection and transaction."""
        cr = self.registry.cursor()
        self.cursors.append(cr)
        cr.execute(f"SET lock_timeout = '{BLOCK_TIMEOUT}s'")
        return api.Environment(cr, SUPERUSER_ID, {})

    def pull(self, env, trap):
        """A pull in ``env``: its page jobs (carrying the raw orders)."""
        env["omni.channel"].browse(self.channel_id)._enqueue_pull()
        trap.perform_enqueued_jobs()
        pages = [j for j in trap.enqueued_jobs if j.method_name == "_import_page_job"]
        self.assertGreater(len(pages), 1)
        trap.enqueued_jobs = []
        return pages

    def race(self, job, customer):
        """Perform ``job`` while the other worker creates ``customer``'s partner
        and mapping, committed when the job waits for its row."""
        other = self.worker_env()
        other = other(context={"tracking_disable": True})
        partner = other["res.partner"].create(
            {
                "name": customer["name"],
                "email": customer["email"] or False,
                "phone": customer["phone"] or False,
                "customer_rank": 1,
            }
        )
        self.committed_partners.append(partner.id)
        other["channel.field.mapping"].create(
            {
                "channel_id": self.channel_id,
                "kind": "customer",
                "external_key": customer["external_id"],
                "partner_id": partner.id,
            }
        )
        other.flush_all()
        cr = job.env.cr
        cr.execute("SELECT pg_backend_pid()")
        worker = _OtherWorker(other.cr, cr.fetchone()[0])
        worker.start()
        try:
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(RetryableJobError) as caught,
                cr.savepoint(),
            ):
                job.perform()
        finally:
            worker.finished.set()
            worker.join(BLOCK_TIMEOUT + 5)
        self.assertTrue(worker.blocked, "the job did not wait for the other worker")
        self.assertIn("at the same time by another worker", str(caught.exception))
        self.assertEqual(
            type(caught.exception.__cause__).__name__, "UniqueViolation", "its cause"
        )
        self.assertEqual(job.retry, 1, "an attempt, to be retried")
        # the worker's transaction is still usable, nothing of the job is in it
        cr.execute(
            "SELECT count(*) FROM sale_order WHERE channel_id = %s", [self.channel_id]
        )
        self.assertEqual(cr.fetchone(), (0,))
        # the runner rolls back, and performs the job again later
        cr.rollback()
        return partner.id

    def assert_one_customer(self, env, customer, partner_id, refs):
        mappings = env["channel.field.mapping"].search(
            [
                ("channel_id", "=", self.channel_id),
                ("kind", "=", "customer"),
                ("external_key", "=", customer["external_id"]),
            ]
        )
        self.assertEqual(mappings.partner_id.ids, [partner_id], "one mapping")
        partners = env["res.partner"].search(
            [("name", "=", customer["name"]), ("parent_id", "=", False)]
        )
        self.assertEqual(partners.ids, [partner_id], "the other worker's customer")
        orders = env["sale.order"].search([("channel_id", "=", self.channel_id)])
        self.assertEqual(sorted(orders.mapped("channel_order_ref")), sorted(refs))
        return orders

    # ---- tests ---------------------------------------------------------------
    def test_page_job_retried_on_a_customer_created_meanwhile(self):
        env = self.worker_env()
        channel = env["omni.channel"].browse(self.channel_id)
        with trap_jobs() as trap:
            page = self.pull(env, trap)[0]
            items = page.args[0]
            customer = channel._get_adapter().parse_order(items[0][2])["customer"]
            partner_id = self.race(page, customer)
            page.perform()
            self.assertEqual(page.retry, 2)
            orders = self.assert_one_customer(
                env, customer, partner_id, [item[0] for item in items]
            )
        self.assertEqual(
            orders.filtered(lambda o: o.channel_order_ref == items[0][0]).partner_id.id,
            partner_id,
        )

    def test_order_job_retried_on_a_customer_created_meanwhile(self):
        env = self.worker_env()
        channel = env["omni.channel"].browse(self.channel_id)
        with trap_jobs() as trap:
            ref, updated_at, raw = self.pull(env, trap)[0].args[0][0]
            channel._enqueue_import(ref, fields.Datetime.to_datetime(updated_at), raw)
            (job,) = trap.enqueued_jobs
            customer = channel._get_adapter().parse_order(raw)["customer"]
            partner_id = self.race(job, customer)
            job.perform()
            orders = self.assert_one_customer(env, customer, partner_id, [ref])
        self.assertEqual(orders.partner_id.id, partner_id)
