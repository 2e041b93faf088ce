"""A stock change committed while the channel's push job runs is never lost.

Two database connections play a worker running the push job and a worker storing
an order (which flags the SKU). The push job reads the flagged mappings (its
snapshot), the other worker flags the same mapping again and commits, then the
job sends and clears the flag: clearing a row changed after its snapshot fails
with a serialization failure (Odoo's cursors are REPEATABLE READ), the job's
transaction is rolled back and queue_job runs it again, when it sees the change.
Had the job cleared the flag, the change would wait for the next one.

Both workers need committed rows (a channel, a product, its mapping): the
cleanups remove them; the job's transactions are rolled back."""

import psycopg2
import requests

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import load_simulator


@tagged("post_install", "-at_install")
class TestStockFlagRace(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = load_simulator("lazada", "LazadaSimulator")(orders=2, seed=3).start()
        cls.addClassCleanup(cls.sim.stop)
        cls.sku = load_simulator("data", "catalogue")()[0]["sku"]
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            warehouse = env["stock.warehouse"].search(
                [("company_id", "=", env.company.id)], limit=1
            )
            product = env["product.product"].create(
                {"name": "Race mug", "type": "consu", "is_storable": True}
            )
            cls.addClassCleanup(cls._unlink_committed, "product.product", product.ids)
            channel = env["omni.channel"].create(
                {
                    "name": "Lazada (stock race)",
                    "code": "LZ-STOCK-RACE",
                    "channel_type": "marketplace",
                    "platform": "lazada",
                    "warehouse_id": warehouse.id,
                    "api_base_url": cls.sim.url + "/rest",
                    "app_key": "123456",
                    "app_secret": "helloworld",
                    "rate_limit_per_second": 0,
                }
            )
            cls.addClassCleanup(cls._unlink_committed, "omni.channel", channel.ids)
            code = requests.post(
                cls.sim.url + "/_sim/auth/code", json={}, timeout=10
            ).json()["code"]
            channel._connector_exchange_code(code)
            mapping = env["omni.channel.product"].create(
                {
                    "channel_id": channel.id,
                    "channel_sku": cls.sku,
                    "product_id": product.id,
                }
            )
            cls.addClassCleanup(
                cls._unlink_committed, "omni.channel.product", mapping.ids
            )
            env["queue.job"].search(
                [("identity_key", "=", f"channel_connectors.stock:{channel.id}")]
            ).unlink()
        cls.channel_id, cls.mapping_id = channel.id, mapping.id

    @classmethod
    def _unlink_committed(cls, model, ids):
        with cls.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})[model].browse(ids).exists().unlink()

    def setUp(self):
        super().setUp()
        self.cursors = []
        self.addCleanup(self._close_cursors)

    def _close_cursors(self):
        for cr in self.cursors:
            cr.rollback()
            cr.close()

    def worker_env(self):
        """A job runner's worker: its own connection and transaction."""
        cr = self.registry.cursor()
        self.cursors.append(cr)
        cr.execute("SET lock_timeout = '20s'")
        return api.Environment(cr, SUPERUSER_ID, {})

    def flag_committed(self):
        """The other worker flags the mapping, and commits."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["omni.channel.product"].browse(
                self.mapping_id
            )._connector_mark_stock_dirty()

    def pushes(self):
        state = requests.get(self.sim.url + "/_sim/state", timeout=10).json()
        return state["stock"].get(self.sku, {}).get("updates", 0)

    def test_flag_set_while_the_job_runs(self):
        self.flag_committed()
        job_env = self.worker_env()
        channel = job_env["omni.channel"].browse(self.channel_id)
        mapping = job_env["omni.channel.product"].browse(self.mapping_id)
        # the job's snapshot: the mapping is flagged
        self.assertTrue(mapping.stock_dirty)
        before = self.pushes()
        # an order stored on another channel flags it again meanwhile
        self.flag_committed()
        with (
            self.assertRaises(psycopg2.errors.SerializationFailure),
            mute_logger("odoo.sql_db"),
        ):
            channel._export_stock_job()
            job_env.flush_all()
        self.assertEqual(self.pushes(), before + 1)
        job_env.cr.rollback()
        # run again (a new transaction, as queue_job does): it sees the change
        retry_env = self.worker_env()
        retry = retry_env["omni.channel"].browse(self.channel_id)
        self.assertTrue(
            retry_env["omni.channel.product"].browse(self.mapping_id).stock_dirty
        )
        retry._export_stock_job()
        retry_env.flush_all()
        self.assertFalse(
            retry_env["omni.channel.product"].browse(self.mapping_id).stock_dirty
        )
