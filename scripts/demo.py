"""``make demo``: a demo database, the simulators, and Odoo serving the add-ons.

1. Creates the database (default ``omni_demo``) with the four add-ons, Odoo's
   Malaysian localisation and Odoo's demo data, then our own: a Malaysian seller
   (MYR, SST taxes included in the marketplaces' prices), sales channels (a Lazada
   Singapore shop in SGD, Shopee and TikTok Malaysia in MYR, a Polish e-shop in PLN),
   products, a few hundred orders in every state (``scripts/demo_populate.py``). An
   existing database is reused (``--reset`` starts over).
2. Starts every simulator (``python -m simulators all``, ports 8301-8306).
3. Starts Odoo on http://localhost:8069 with workers and queue_job's job runner.
Ctrl-C stops everything it started.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import odoo_env

ADDONS = ",".join(odoo_env.OUR_ADDONS)
#: what the demo installs: our add-ons and Odoo's Malaysian localisation (the demo
#: seller is a Malaysian company)
INSTALL = ADDONS + ",l10n_my"


def db_exists(name):
    out = subprocess.run(
        [
            "psql",
            "-X",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
            "postgres",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return bool(out.strip())


def wait_for_port(port, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise SystemExit(f"[demo] nothing answers on port {port}")


def write_config(path, args):
    data_dir = os.path.join(odoo_env.VAR_DIR, "filestore")
    with open(path, "w") as fh:
        fh.write(
            "[options]\n"
            f"addons_path = {odoo_env.addons_path()}\n"
            f"data_dir = {data_dir}\n"
            f"db_name = {args.db}\n"
            f"dbfilter = ^{args.db}$\n"
            f"http_port = {args.port}\n"
            "http_interface = 0.0.0.0\n"
            "admin_passwd = admin\n"
            "list_db = False\n"
            f"workers = {args.workers}\n"
            "max_cron_threads = 1\n"
            "server_wide_modules = base,web,queue_job\n"
            "limit_time_real = 600\n"
            "\n[queue_job]\n"
            "channels = root:2,root.omnichannel:2\n"
            f"host = 127.0.0.1\nport = {args.port}\n"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("DEMO_DB", "omni_demo"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("DEMO_PORT", 8069))
    )
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reset", action="store_true")
    parser.add_argument(
        "--prepare-only", action="store_true", help="build the database and stop"
    )
    args = parser.parse_args()
    os.makedirs(odoo_env.VAR_DIR, exist_ok=True)
    config = os.path.join(odoo_env.VAR_DIR, "demo-odoo.conf")
    write_config(config, args)
    python = sys.executable

    if args.reset and db_exists(args.db):
        subprocess.run(["dropdb", "--force", args.db], check=True)
    if db_exists(args.db):
        print(f"[demo] updating {ADDONS} in {args.db}")
        subprocess.run(
            [
                python,
                "-m",
                "odoo",
                "-c",
                config,
                "-u",
                ADDONS,
                "-i",
                "l10n_my",
                "--stop-after-init",
                "--workers=0",
                "--log-level=warn",
            ],
            check=True,
        )
    else:
        print(f"[demo] creating {args.db} with {ADDONS} and demo data (a few minutes)")
        subprocess.run(
            [
                python,
                "-m",
                "odoo",
                "-c",
                config,
                "-i",
                INSTALL,
                "--stop-after-init",
                "--workers=0",
                "--log-level=warn",
            ],
            check=True,
        )

    def interrupt(*_args):
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, interrupt)
    children = []
    try:
        # the simulators first: the demo data is imported from them
        children.append(
            subprocess.Popen([python, "-m", "simulators", "all"], cwd=odoo_env.ROOT)
        )
        wait_for_port(8301)
        # idempotent: fills a database that has no demo orders yet, and authorises
        # the channels against the simulators (their tokens live in memory)
        subprocess.run(
            [
                python,
                os.path.join(odoo_env.ROOT, "scripts", "demo_populate.py"),
                "--db",
                args.db,
                "--orders",
                str(args.orders),
            ],
            check=True,
            cwd=os.path.join(odoo_env.ROOT, "scripts"),
        )
        if args.prepare_only:
            return 0
        children.append(subprocess.Popen([*odoo_env.odoo_executable(), "-c", config]))
        time.sleep(3)
        print(
            f"\n[demo] Odoo: http://localhost:{args.port}/odoo  (login: admin, "
            "password: admin)\n[demo] Order Desk: "
            f"http://localhost:{args.port}/odoo/action-omnichannel_orders."
            "sale_order_action_order_desk\n[demo] simulators on ports 8301-8306; "
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
