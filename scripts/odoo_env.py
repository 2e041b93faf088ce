"""Where things are: the project's add-ons, Odoo's add-on folders, free ports, and the
command line that starts Odoo. Shared by run_tests.py, demo.py and the benchmarks."""

import os
import socket
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADDONS_DIR = os.path.join(ROOT, "addons")
OUR_ADDONS = [
    "omnichannel_orders",
    "channel_connectors",
    "supplier_dropship",
    "channel_settlements",
    "channel_returns",
    "channel_returns_settlements",
]
VAR_DIR = os.environ.get("OMNI_VAR_DIR", os.path.join(ROOT, "var"))


def odoo_addons_paths():
    """Odoo's community add-on folders, for a regular install (source's ``addons/``
    beside the installed package is not shipped) or a source tree."""
    code = (
        "import odoo, os; d = os.path.dirname(odoo.__file__); "
        "print(os.path.join(d, 'addons')); print(os.path.dirname(d))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    ).stdout.split()
    package_addons, parent = out[0], out[1]
    candidates = [
        os.environ.get("ODOO_ADDONS_PATH", ""),
        os.path.join(parent, "addons"),
        os.path.join(os.environ.get("ODOO_HOME", "/opt/odoo-18.0"), "addons"),
        package_addons,
    ]
    paths = []
    for candidate in candidates:
        for path in filter(None, candidate.split(",")):
            if os.path.isdir(os.path.join(path, "sale")) and path not in paths:
                paths.append(path)
    if not paths:
        sys.exit(
            "Odoo's community add-ons (sale, stock, ...) were not found: set "
            "ODOO_ADDONS_PATH or ODOO_HOME (see README.md)."
        )
    return paths


def addons_path():
    return ",".join([ADDONS_DIR] + odoo_addons_paths())


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_executable():
    """The ``odoo`` script installed beside this Python, else ``python -m odoo``.
    The script matters with workers: a server restart re-executes ``sys.argv``,
    which ``-m odoo`` cannot survive."""
    script = os.path.join(os.path.dirname(sys.executable), "odoo")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "odoo"]


def odoo_command(database, *args, data_dir=None, http_port=None, logfile=None):
    cmd = [
        *odoo_executable(),
        "--addons-path",
        addons_path(),
        "--database",
        database,
        "--db-filter",
        f"^{database}$",
        "--data-dir",
        data_dir or os.path.join(VAR_DIR, "filestore"),
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        str(http_port or free_port()),
    ]
    for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD"):
        if os.environ.get(key):
            option = {
                "PGHOST": "--db_host",
                "PGPORT": "--db_port",
                "PGUSER": "--db_user",
                "PGPASSWORD": "--db_password",
            }[key]
            cmd += [option, os.environ[key]]
    if logfile:
        cmd += ["--logfile", logfile]
    return cmd + list(args)
