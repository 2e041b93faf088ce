"""Concurrency on a real multi-process Odoo: two workers, queue_job's runner calling
them over HTTP, two pulls of the same channel running at once while the
simulator pushes a webhook for every order. Zero duplicates, every order
imported, and no job failed on a serialization or unique error.

Nothing is skipped: when this cannot run, it fails."""

import importlib.util
import os
import subprocess
import sys
import threading
import time
import xmlrpc.client
from datetime import timedelta

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "scripts"), ROOT]

import odoo_env  # noqa: E402
import run_tests  # noqa: E402

from simulators.lazada import LazadaSimulator  # noqa: E402

ORDERS = 40
ADDONS = "omnichannel_orders,channel_connectors"


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


def test_two_workers_two_pulls_and_webhooks(tmp_path):
    logdir = str(tmp_path)
    template = run_tests.prepare_template(logdir)
    db = f"omni_conc_{os.getpid()}"
    run_tests.drop_db(db)
    subprocess.run(["createdb", "-T", template, db], check=True)
    server = sim = None
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

        sim = LazadaSimulator(orders=ORDERS, seed=21).start()
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
            http_port=port,
            logfile=logfile,
        )
        # odoo_command runs the ``odoo`` script: the prefork server re-executes its
        # own command line for the gevent worker, which ``-m odoo`` cannot survive
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        url = f"http://127.0.0.1:{port}"
        _wait_http(url, server)

        common = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common")
        uid = common.authenticate(db, "admin", "admin", {})
        assert uid, "admin login"
        rpc = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

        def call(model, method, *args, **kw):
            return rpc.execute_kw(db, uid, "admin", model, method, list(args), kw)

        warehouse = call("stock.warehouse", "search", [], limit=1)[0]
        # the channel, authorised the way the platform does it (code -> tokens)
        adapters = _adapters()
        code = requests.post(sim.url + "/_sim/auth/code", json={}, timeout=10).json()[
            "code"
        ]
        connection = {
            "base_url": sim.url + "/rest",
            "auth_url": sim.url + "/rest",
            "app_key": "123456",
            "app_secret": "helloworld",
        }
        tokens = adapters.ADAPTERS["lazada"](connection).create_access_token(code)
        channel = call(
            "omni.channel",
            "create",
            {
                "name": "Lazada race",
                "code": "LZ-RACE",
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
                "page_limit": 10,
                "import_in_batch": True,
                "auto_import": False,
            },
        )
        webhook_token = call("omni.channel", "read", [channel], ["webhook_token"])[0][
            "webhook_token"
        ]
        # two pulls of the same orders at once: the scheduled one and a date range
        call("omni.channel", "action_connector_pull_now", [channel])
        now = time.time()
        wizard = call(
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
            json={"url": f"{url}/channel_connectors/webhook/{channel}/{webhook_token}"},
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
        call("channel.import.wizard", "action_import", [wizard])
        pusher.join(60)
        sim.wait_pushes(timeout=60)

        # wait until the runner has run every job
        deadline = time.time() + 180
        while time.time() < deadline:
            pending = run_tests.psql(
                "SELECT count(*) FROM queue_job WHERE state NOT IN ('done', 'failed')",
                db,
            )
            pulls = run_tests.psql(
                "SELECT count(*) FROM queue_job WHERE state = 'done'"
                " AND method_name = '_import_orders_job'",
                db,
            )
            if pending == "0" and int(pulls) >= 2:
                break
            time.sleep(1)
        else:
            raise AssertionError(
                "jobs still pending: "
                + run_tests.psql(
                    "SELECT string_agg(method_name || ' ' || state, ', ')"
                    " FROM queue_job WHERE state NOT IN ('done', 'failed')",
                    db,
                )
            )

        failed = run_tests.psql(
            "SELECT string_agg(method_name || ': ' || coalesce(exc_info, ''), E'\\n')"
            " FROM queue_job WHERE state = 'failed'",
            db,
        )
        assert not failed, f"failed jobs:\n{failed}"
        duplicates = run_tests.psql(
            "SELECT string_agg(channel_order_ref, ',') FROM (SELECT channel_order_ref"
            f" FROM sale_order WHERE channel_id = {channel} GROUP BY 1"
            " HAVING count(*) > 1) d",
            db,
        )
        assert not duplicates, f"duplicated orders {duplicates}"
        bindings = run_tests.psql(
            "SELECT count(*) - count(DISTINCT external_id) FROM channel_order_binding"
            f" WHERE channel_id = {channel}",
            db,
        )
        assert bindings == "0", "duplicated bindings"
        refs = set(
            run_tests.psql(
                "SELECT channel_order_ref FROM sale_order"
                f" WHERE channel_id = {channel}",
                db,
            ).split()
        )
        assert refs == set(order_ids), f"missing {sorted(set(order_ids) - refs)[:5]}"
        pushes = sim.inspect()["pushes"]
        # every push answered 200, or still queued behind the pulls when the
        # simulator's short push timeout ran out (the pulls import those orders)
        statuses = {p["http_status"] for p in pushes}
        assert 200 in statuses and statuses <= {200, None}, statuses
        # retried serialization or lock conflicts happened or not: none failed
        retried = run_tests.psql(
            "SELECT count(*) FROM queue_job WHERE retry > 1 AND state = 'done'", db
        )
        print(f"[concurrency] {len(refs)} orders, {retried} job(s) done after a retry")
    finally:
        if server:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)
        if sim:
            sim.stop()
        run_tests.drop_db(db)
