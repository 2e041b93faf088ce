import os
import sys
from contextlib import contextmanager

import requests

from odoo.addons.omnichannel_orders.tests.common import OmniCommon
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import trap_jobs

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 3))


def load_simulator(module, name):
    """Import a simulator class from the repository's ``simulators`` package."""
    if REPO_ROOT not in sys.path:
        sys.path.insert(0, REPO_ROOT)
    package = __import__(f"simulators.{module}", fromlist=[name])
    return getattr(package, name)


class ConnectorCommon(OmniCommon):
    """A channel talking to a platform simulator over real HTTP. Subclasses set
    ``platform`` and implement ``_start_simulator`` and ``_authorise``."""

    platform = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = cls._start_simulator()
        cls.addClassCleanup(cls.sim.stop)
        cls.channel.write(cls._channel_vals())

    @classmethod
    def _start_simulator(cls):
        raise NotImplementedError

    @classmethod
    def _channel_vals(cls):
        return {"platform": cls.platform, "rate_limit_per_second": 0}

    def setUp(self):
        super().setUp()
        self.sim_post("/_sim/reset")
        self.sim_post("/_sim/faults", {})
        self.sim_post("/_sim/push_config", {"url": None})
        self._authorise()

    def _authorise(self):
        raise NotImplementedError

    # ---- simulator -----------------------------------------------------------------
    def sim_post(self, path, json=None):
        resp = requests.post(self.sim.url + path, json=json or {}, timeout=10)
        resp.raise_for_status()
        return resp.json()

    def sim_state(self):
        resp = requests.get(self.sim.url + "/_sim/state", timeout=10)
        resp.raise_for_status()
        return resp.json()

    # ---- jobs ----------------------------------------------------------------------
    @contextmanager
    def jobs(self):
        with trap_jobs() as trap:
            yield trap

    def run_jobs(self, trap, rounds=10):
        """Perform the trapped jobs, and the jobs they enqueue, until none is left.
        Each round starts with the precommit hooks, as the commit that hands the
        jobs to the runner would (history, the fulfilled push)."""
        for _round in range(rounds):
            self.flush_history()
            if not trap.enqueued_jobs:
                return
            trap.perform_enqueued_jobs()
        self.assertFalse(trap.enqueued_jobs, "jobs keep enqueuing jobs")

    def drain_webhooks(self):
        """Run the webhook drain jobs waiting, as the job runner would."""
        for record in self.env["queue.job"].search(
            [
                ("method_name", "=", "_drain_webhooks_job"),
                ("state", "in", ("pending", "enqueued")),
            ]
        ):
            job = Job.load(self.env, record.uuid)
            job.perform()
            job.set_done()
            job.store()

    def pull(self, **kwargs):
        with self.jobs() as trap:
            self.channel._enqueue_pull(**kwargs)
            self.run_jobs(trap)

    def channel_orders(self):
        return self.env["sale.order"].search([("channel_id", "=", self.channel.id)])
