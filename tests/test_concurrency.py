"""Concurrency on a real multi-process Odoo: two workers, queue_job's runner calling
them over HTTP.

- two pulls of the same channel running at once while the simulator pushes a
  webhook for every order (``import_in_batch``): zero duplicates, every order
  imported, and no job failed on a serialization or unique error;
- the default pull: one job per page, then the watermark job that depends on them
  (queue_job's dependencies), all run by the runner's workers.

Nothing is skipped: when this cannot run, it fails."""

import functools
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import xmlrpc.client
from datetime import timedelta

import pytest
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import odoo_env  # noqa: E402
import run_tests  # noqa: E402

from simulators.lazada import LazadaSimulator  # noqa: E402

ORDERS = 40
ADDONS = "omnichannel_orders,channel_connectors"


@functools.cache
def _adapters():
    """channel_connectors' adapters package, without Odoo."""
    path = os.path.join(ODOO_ADDONS, "channel_connectors", "adapters")
    spec = importlib.util.spec_from_file_location(
        "cc_adapters",
        os.path.join(path, "__init__.py"),
        submodule_search_locations=[path],
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["cc_adapters"] = module
    spec.loader.exec_module(module)
    return module


ODOO_ADDONS = odoo_env.ADDONS_DIR


def _lazada_datetime(value):
    """A Lazada time as the connector stores it (naive UTC)."""
    _adapters()
    return importlib.import_module("cc_adapters.lazada")._parse_datetime(value)


def _wait_http(url, proc, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"Odoo exited with {proc.returncode}")
        try:
            if requests.get(url + "/web/health", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError("Odoo did not answer")


@pytest.fixture(scope="module")
def odoo(tmp_path_factory):
    """A database with the add-ons, served by Odoo with 2 workers and queue_job's
    runner (2 jobs at once)."""
    logdir = str(tmp_path_factory.mktemp("odoo"))
    template = run_tests.prepare_template(logdir)
    db = f"omni_conc_{os.getpid()}"
    run_tests.drop_db(db)
    subprocess.run(["createdb", "-T", template, db], check=True)
    server = None
    logfile = os.path.join(logdir, "odoo.log")
    try:
        rc = subprocess.run(
            odoo_env.odoo_command(
                db,
                "-i",
                ADDONS,
                "--without-demo=all",
                "--stop-after-init",
                logfile=os.path.join(logdir, "install.log"),
            ),
            cwd=ROOT,
            timeout=600,
        ).returncode
        assert rc == 0, f"install failed, see {logdir}/install.log"
        port = odoo_env.free_port()
        env = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS="root:2",
            ODOO_QUEUE_JOB_HOST="127.0.0.1",
            ODOO_QUEUE_JOB_PORT=str(port),
        )
        command = odoo_env.odoo_command(
            db,
            "--workers=2",
            "--max-cron-threads=0",
            "--load=base,web,queue_job",
            "--limit-time-real=300",
            f"--gevent-port={odoo_env.free_port()}",
            http_port=port,
            logfile=logfile,
        )
        # odoo_command runs the ``odoo`` script: the prefork server re-executes its
        # own command line for the gevent worker, which ``-m odoo`` cannot survive
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url, server)
        yield _Odoo(url, db, logfile)
    finally:
        if server:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
        run_tests.drop_db(db)


class _Odoo:
    """XML-RPC as admin, and SQL, on the served database."""

    def __init__(self, url, db, logfile):
        self.url, self.db, self.logfile = url, db, logfile
        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        self.uid = common.authenticate(db, "admin", "admin", {})
        assert self.uid, "admin login"
        self.rpc = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kw):
        return self.rpc.execute_kw(
            self.db, self.uid, "admin", model, method, list(args), kw
        )

    def sql(self, query):
        return run_tests.psql(query, self.db)

    def lazada_channel(self, sim, code, **vals):
        """A Lazada channel on ``sim``, authorised the way the platform does it
        (code -> tokens)."""
        warehouse = self.call("stock.warehouse", "search", [], limit=1)[0]
        adapters = _adapters()
        code_ = requests.post(sim.url + "/_sim/auth/code", json={}, timeout=10).json()[
            "code"
        ]
        connection = {
            "base_url": sim.url + "/rest",
            "auth_url": sim.url + "/rest",
            "app_key": "123456",
            "app_secret": "helloworld",
        }
        tokens = adapters.ADAPTERS["lazada"](connection).create_access_token(code_)
        # the simulator's shop sells in its currency: so does the channel
        currency = self.call(
            "res.currency",
            "search",
            [("name", "=", sim.currency), ("active", "in", [True, False])],
            limit=1,
        )
        self.call("res.currency", "write", currency, {"active": True})
        pricelist = self.call(
            "product.pricelist",
            "create",
            {"name": f"{sim.currency} {code}", "currency_id": currency[0]},
        )
        vals.setdefault("pricelist_id", pricelist)
        return self.call(
            "omni.channel",
            "create",
            {
                "name": f"Lazada {code}",
                "code": code,
                "channel_type": "marketplace",
                "platform": "lazada",
                "warehouse_id": warehouse,
                "api_base_url": sim.url + "/rest",
                "app_key": "123456",
                "app_secret": "helloworld",
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "token_expires_at": tokens["expires_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "rate_limit_per_second": 0,
                "auto_import": False,
                **vals,
            },
        )

    def log_mark(self):
        return os.path.getsize(self.logfile)

    def assert_clean_log(self, mark):
        """No WARNING/ERROR line in the server's log since ``mark``, but for
        PostgreSQL's serialization failures that queue_job retried: two workers
        finishing jobs of one graph at once both update the job waiting for them
        (queue_job's ``_enqueue_waiting``), one of them is refused and
        ``/queue_job/runjob`` runs the job again (``SERIALIZATION_FAILURE,
        retry``); ``odoo.sql_db`` logs the refused statement as ERROR. Each such
        line must be followed by its retry; the jobs' outcome is checked apart
        (``assert_no_failed_job``)."""
        with open(self.logfile, encoding="utf-8", errors="replace") as fh:
            fh.seek(mark)
            lines = [line.rstrip() for line in fh]
        entries = []
        for line in lines:
            if run_tests.LEVEL_RE.match(line) or not entries:
                entries.append([line])
            else:
                entries[-1].append(line)
        bad = []
        retried = 0
        for index, entry in enumerate(entries):
            match = run_tests.LEVEL_RE.match(entry[0])
            if not match or match.group(1) in ("INFO", "DEBUG"):
                continue
            serialization = "odoo.sql_db: bad query" in entry[0] and any(
                "could not serialize access due to concurrent update" in line
                for line in entry[1:]
            )
            retry = any(
                "SERIALIZATION_FAILURE, retry" in later[0]
                for later in entries[index + 1 : index + 4]
            )
            if serialization and retry:
                retried += 1
                continue
            bad.append(entry[0])
        assert not bad, "\n".join(bad[:20])
        return retried

    @staticmethod
    def of_channel(channel, alias="queue_job"):
        """SQL: the jobs of a channel."""
        return (
            f"{alias}.model_name = 'omni.channel'"
            f" AND (({alias}.records #>> '{{}}')::jsonb -> 'ids')"
            f" @> '[{int(channel)}]'::jsonb"
        )

    def wait_jobs(self, channel, done_methods, timeout=180):
        """Until no job of ``channel`` is left to run, and the jobs of
        ``done_methods`` ({method: count}) are done."""
        where = self.of_channel(channel)
        deadline = time.time() + timeout
        while time.time() < deadline:
            pending = self.sql(
                f"SELECT count(*) FROM queue_job WHERE {where}"
                " AND state NOT IN ('done', 'failed')"
            )
            done = {
                method: int(
                    self.sql(
                        f"SELECT count(*) FROM queue_job WHERE {where}"
                        f" AND state = 'done' AND method_name = '{method}'"
                    )
                )
                for method in done_methods
            }
            if pending == "0" and all(
                done[method] >= count for method, count in done_methods.items()
            ):
                return
            time.sleep(1)
        raise AssertionError(
            f"jobs of the channel not done after {timeout}s: "
            + self.sql(
                "SELECT string_agg(method_name || ' ' || state, ', ')"
                f" FROM queue_job WHERE {where}"
            )
        )

    def assert_no_failed_job(self):
        failed = self.sql(
            "SELECT string_agg(method_name || ': ' || coalesce(exc_info, ''), E'\\n')"
            " FROM queue_job WHERE state = 'failed'"
        )
        assert not failed, f"failed jobs:\n{failed}"

    def assert_each_order_once(self, channel, order_ids):
        duplicates = self.sql(
            "SELECT string_agg(channel_order_ref, ',') FROM (SELECT channel_order_ref"
            f" FROM sale_order WHERE channel_id = {channel} GROUP BY 1"
            " HAVING count(*) > 1) d"
        )
        assert not duplicates, f"duplicated orders {duplicates}"
        bindings = self.sql(
            "SELECT count(*) - count(DISTINCT external_id) FROM channel_order_binding"
            f" WHERE channel_id = {channel}"
        )
        assert bindings == "0", "duplicated bindings"
        refs = set(
            self.sql(
                f"SELECT channel_order_ref FROM sale_order WHERE channel_id = {channel}"
            ).split()
        )
        assert refs == set(order_ids), f"missing {sorted(set(order_ids) - refs)[:5]}"
        return refs


def test_two_workers_two_pulls_and_webhooks(odoo):
    sim = LazadaSimulator(orders=ORDERS, seed=21).start()
    try:
        channel = odoo.lazada_channel(
            sim, "LZ-RACE", page_limit=10, import_in_batch=True
        )
        (vals,) = odoo.call("omni.channel", "read", [channel], ["webhook_token"])
        token = vals["webhook_token"]
        # two pulls of the same orders at once: the scheduled one and a date range
        odoo.call("omni.channel", "action_connector_pull_now", [channel])
        now = time.time()
        wizard = odoo.call(
            "channel.import.wizard",
            "create",
            {
                "channel_id": channel,
                "date_from": time.strftime(
                    "%Y-%m-%d %H:%M:%S",
                    time.gmtime(now - timedelta(days=40).total_seconds()),
                ),
                "date_to": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now + 3600)),
            },
        )
        # and the platform pushes every order to the webhook at the same time
        requests.post(
            sim.url + "/_sim/push_config",
            json={"url": f"{odoo.url}/channel_connectors/webhook/{channel}/{token}"},
            timeout=10,
        )
        order_ids = sorted(sim.inspect()["orders"])

        def push():
            for order_id in order_ids:
                requests.post(
                    sim.url + "/_sim/push", json={"order_id": int(order_id)}, timeout=10
                )

        pusher = threading.Thread(target=push)
        pusher.start()
        odoo.call("channel.import.wizard", "action_import", [wizard])
        pusher.join(60)
        sim.wait_pushes(timeout=60)

        # wait until the runner has run every job
        odoo.wait_jobs(channel, {"_import_orders_job": 2})
        odoo.assert_no_failed_job()
        refs = odoo.assert_each_order_once(channel, order_ids)
        pushes = sim.inspect()["pushes"]
        # every push answered 200, or still queued behind the pulls when the
        # simulator's short push timeout ran out (the pulls import those orders)
        statuses = {p["http_status"] for p in pushes}
        assert 200 in statuses and statuses <= {200, None}, statuses
        # retried serialization or lock conflicts happened or not: none failed
        retried = odoo.sql(
            "SELECT count(*) FROM queue_job WHERE retry > 1 AND state = 'done'"
            f" AND {odoo.of_channel(channel)}"
        )
        print(f"[concurrency] {len(refs)} orders, {retried} job(s) done after a retry")
    finally:
        sim.stop()


def test_page_jobs_then_the_watermark_job(odoo):
    """The default pull through the runner: a job per page (at most
    ``page_limit`` orders), run by both workers, and the watermark job, which
    waits for all of them (queue_job's dependencies) and moves the watermark to
    the newest listed update time."""
    sim = LazadaSimulator(orders=ORDERS, seed=34).start()
    try:
        page_limit = 7
        mark = odoo.log_mark()
        channel = odoo.lazada_channel(sim, "LZ-PAGES", page_limit=page_limit)
        listed = sim.inspect()["orders"]
        odoo.call("omni.channel", "action_connector_pull_now", [channel])
        pages = -(-len(listed) // page_limit)
        odoo.wait_jobs(
            channel,
            {
                "_import_orders_job": 1,
                "_import_page_job": pages,
                "_import_pull_done_job": 1,
            },
        )
        where = odoo.of_channel(channel)
        jobs = [
            row.split("|")
            for row in odoo.sql(
                "SELECT method_name, state, uuid, graph_uuid, coalesce(dependencies,"
                " ''), to_char(date_started, 'YYYY-MM-DD HH24:MI:SS.US'),"
                " to_char(date_done, 'YYYY-MM-DD HH24:MI:SS.US'), retry"
                f" FROM queue_job WHERE {where} ORDER BY id"
            ).splitlines()
        ]
        methods = sorted(j[0] for j in jobs)
        assert methods == sorted(
            ["_import_orders_job", "_import_pull_done_job"]
            + ["_import_page_job"] * pages
        ), methods
        assert {j[1] for j in jobs} == {"done"}, jobs
        page_jobs = [j for j in jobs if j[0] == "_import_page_job"]
        (done_job,) = (j for j in jobs if j[0] == "_import_pull_done_job")
        # one graph; the watermark job depended on every page job and started
        # once they were all done
        assert {j[3] for j in page_jobs} == {done_job[3]} and done_job[3]
        depends_on = json.loads(done_job[4])["depends_on"]
        assert sorted(depends_on) == sorted(j[2] for j in page_jobs), depends_on
        assert done_job[5] >= max(j[6] for j in page_jobs), jobs
        # how many page jobs the two workers ran at the same time (not asserted:
        # a page can be done before the runner hands out the next one)
        overlap = odoo.sql(
            "SELECT count(*) FROM queue_job a JOIN queue_job b ON a.id < b.id"
            " AND a.date_started < b.date_done AND b.date_started < a.date_done"
            " WHERE a.method_name = '_import_page_job'"
            " AND b.method_name = '_import_page_job'"
            f" AND {odoo.of_channel(channel, 'a')} AND {odoo.of_channel(channel, 'b')}"
        )
        odoo.assert_no_failed_job()
        # every order once, each page job at most page_limit of them
        refs = odoo.assert_each_order_once(channel, listed)
        items = odoo.sql(
            "SELECT string_agg("
            "jsonb_array_length((args #>> '{}')::jsonb -> 0)::text, ',')"
            f" FROM queue_job WHERE {where} AND method_name = '_import_page_job'"
        )
        sizes = [int(size) for size in items.split(",")]
        assert sum(sizes) == len(listed) and max(sizes) <= page_limit, sizes
        # the watermark: the newest update time listed
        newest = max(_lazada_datetime(order["updated_at"]) for order in listed.values())
        (channel_vals,) = odoo.call(
            "omni.channel", "read", [channel], ["last_import_at"]
        )
        assert channel_vals["last_import_at"] == newest.strftime("%Y-%m-%d %H:%M:%S")
        odoo.assert_clean_log(mark)
        print(
            f"[concurrency] {len(refs)} orders in {pages} page jobs"
            f" ({overlap} overlapping pair(s)), watermark {newest}"
        )
    finally:
        sim.stop()
