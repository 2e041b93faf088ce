"""The benchmark harness (``make bench``; ``make bench-smoke`` for CI).

1. Prepares a bench database: a clone of the cached dependencies-only template
   (``scripts/run_tests.prepare_template``), our three add-ons installed, the fixtures
   of ``bench/scenarios.py setup`` (customers, products in stock, channels). For the
   OCA sale_automatic_workflow scenario a *second* bench database gets
   ``sale_automatic_workflow_stock`` (installed by pip from PyPI into
   ``var/bench/saw-addons``, outside site-packages, so that neither the test databases
   nor the test template's dependency key change).
2. Runs every scenario in a fresh Python process on a fresh ``createdb -T`` clone,
   ``--reps`` times, interleaved (rep 1 of every scenario, then rep 2, ...).
3. Prints the figures against their baselines and targets and writes
   ``bench/results/<timestamp>.json`` and ``bench/results/latest.json``.

Every ``bench_*`` database it creates is dropped at the end, also on failure, with its
filestore. Exit code: 0 when the harness ran (missed targets do not fail it; use
``--strict`` for that), 1 when a scenario or the preparation broke.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import traceback

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import odoo_env  # noqa: E402
import run_tests  # noqa: E402

RESULTS_DIR = os.path.join(BENCH_DIR, "results")
WORK_DIR = os.path.join(odoo_env.VAR_DIR, "bench")
LOG_DIR = os.path.join(WORK_DIR, "logs")
SAW_DIR = os.path.join(WORK_DIR, "saw-addons")
FILESTORE = os.path.join(odoo_env.VAR_DIR, "filestore", "filestore")
DATA_DIR = os.path.join(odoo_env.VAR_DIR, "filestore")
OUR_ADDONS = [
    "omnichannel_orders",
    "channel_connectors",
    "supplier_dropship",
    "channel_settlements",
]
SAW_PACKAGES = [
    # 18.0.1.3.0.1 and 18.0.1.0.1 are the newest 18.0 releases; both require only
    # odoo==18.0.* and install and run on our Odoo 18.0 source
    "odoo-addon-sale_automatic_workflow==18.0.1.3.0.1",
    "odoo-addon-sale_automatic_workflow_stock==18.0.1.0.1",
]
# sale_automatic_workflow_stock's init hook imports openupgradelib (which needs
# cssselect): installed beside them, on PYTHONPATH for the SAW processes only
SAW_PYLIBS = ["openupgradelib==3.13.7", "cssselect==1.2.0"]
SAW_PYLIB_DIR = os.path.join(SAW_DIR, "pylib")

# scenario -> which bench database it runs on
SCENARIOS = {
    "create": "base",
    "import": "base",
    "import_batch": "base",
    "e2e_plain": "base",
    "e2e_ours": "base",
    "e2e_plain_grouped": "base",
    "e2e_saw": "saw",
    "dropship": "base",
    "dropship_plain": "base",
    "bulk": "base",
    "lookup": "base",
    "rss": "base",
    "settlement": "base",
    "webhook": "base",
    "stock": "base",
    "webhook_steps": "base",  # diagnosis only: --only webhook_steps
}
DEFAULT_SET = [name for name in SCENARIOS if name != "webhook_steps"]
NOT_BUILT = {
    "import": "the channel_connectors sync engine",
    "import_batch": "the channel_connectors sync engine",
    "webhook": "the channel_connectors webhook controller",
}


def log(message):
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True)


# --------------------------------------------------------------------------- databases
class Databases:
    """Creates bench_* databases and drops all of them at the end."""

    def __init__(self):
        self.created = []
        self.seconds = 0.0

    def clone(self, template, name):
        self.drop(name)
        started = time.perf_counter()
        self.created.append(name)
        subprocess.run(["createdb", "-T", template, name], check=True)
        src = os.path.join(FILESTORE, template)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(FILESTORE, name))
        self.seconds += time.perf_counter() - started
        return name

    def drop(self, name):
        started = time.perf_counter()
        run_tests.drop_db(name)
        if name in self.created:
            self.created.remove(name)
        self.seconds += time.perf_counter() - started

    def drop_all(self):
        for name in list(self.created):
            try:
                self.drop(name)
            except Exception as error:  # keep dropping the others
                log(f"could not drop {name}: {error}")


ADDONS = {"dir": odoo_env.ADDONS_DIR, "odoo": None}


def use_git_ref(ref):
    """Benchmark the add-ons as committed at ``ref`` (``git archive``) instead of the
    working tree, e.g. while colleagues have half-written changes in it."""
    sha = subprocess.check_output(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, text=True
    ).strip()
    target = os.path.join(WORK_DIR, f"addons-{sha}")
    for old in os.listdir(WORK_DIR):  # snapshots older than a day
        path = os.path.join(WORK_DIR, old)
        if old.startswith("addons-") and time.time() - os.path.getmtime(path) > 86400:
            shutil.rmtree(path, True)
    if not os.path.isdir(target):
        os.makedirs(target + ".tmp", exist_ok=True)
        archive = subprocess.run(
            ["git", "archive", sha, "addons"], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", target + ".tmp"], input=archive, check=True)
        os.rename(target + ".tmp", target)
    ADDONS["dir"] = os.path.join(target, "addons")
    return sha


def addons_path(with_saw=False):
    if ADDONS["odoo"] is None:
        ADDONS["odoo"] = odoo_env.odoo_addons_paths()
    paths = [ADDONS["dir"], *ADDONS["odoo"]]
    if with_saw:
        paths.append(os.path.join(SAW_DIR, "odoo", "addons"))
    return ",".join(paths)


def odoo_install(database, modules, logname, with_saw=False):
    logfile = os.path.join(LOG_DIR, logname)
    if os.path.exists(logfile):
        os.unlink(logfile)
    cmd = odoo_env.odoo_command(
        database,
        "-i",
        ",".join(modules),
        "--without-demo=all",
        "--stop-after-init",
        "--workers=0",
        "--max-cron-threads=0",
        "--log-level=warn",
        data_dir=DATA_DIR,
        logfile=logfile,
    )
    cmd[cmd.index("--addons-path") + 1] = addons_path(with_saw)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=process_env(with_saw))
    if proc.returncode:
        raise RuntimeError(f"installing {modules} failed, see {logfile}")
    bad, _results, _stats = run_tests.check_log(logfile)
    for line in bad[:20]:
        log("install log: " + line[:300])
    return time.perf_counter() - started


def install_saw():
    """pip install the two OCA add-ons (no dependencies: Odoo is already there)
    into var/bench/saw-addons; cached between runs."""
    marker = os.path.join(SAW_DIR, "installed.txt")
    wanted = SAW_PACKAGES + SAW_PYLIBS
    if os.path.exists(marker):
        with open(marker) as fh:
            if fh.read().split() == wanted:
                return
    shutil.rmtree(SAW_DIR, True)
    # pure-Python wheels: no build, so no PIP_CONSTRAINT (setuptools<70) is needed
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    cmd += ["--disable-pip-version-check", "--no-warn-script-location"]
    subprocess.run(cmd + ["--target", SAW_DIR, *SAW_PACKAGES], check=True)
    subprocess.run(cmd + ["--target", SAW_PYLIB_DIR, *SAW_PYLIBS], check=True)
    with open(marker, "w") as fh:
        fh.write("\n".join(wanted))


def process_env(with_saw):
    env = dict(os.environ, BENCH_REPO_ROOT=ROOT)
    if with_saw:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [SAW_PYLIB_DIR, env.get("PYTHONPATH")])
        )
    return env


SCENARIOS_COPY = {"path": os.path.join(BENCH_DIR, "scenarios.py")}


def freeze_scenarios():
    """Run a copy of bench/*.py taken at start: editing bench/ during a long run
    must not change the scenarios half-way (scenarios.py and the scenario modules
    next to it, ``scenarios_<name>.py``)."""
    target = os.path.join(WORK_DIR, f"scenarios-{os.getpid()}")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for name in os.listdir(BENCH_DIR):
        if name.endswith(".py") and name.startswith("scenarios"):
            shutil.copy(os.path.join(BENCH_DIR, name), target)
    SCENARIOS_COPY["path"] = os.path.join(target, "scenarios.py")
    return target


def run_scenario(database, scenario, args, rep, with_saw=False, profile=None):
    result_file = os.path.join(WORK_DIR, f"{database}.{scenario}.json")
    logfile = os.path.join(LOG_DIR, f"{scenario}.log")
    if os.path.exists(logfile):
        os.unlink(logfile)
    cmd = [sys.executable]
    if profile and args.py_spy:
        # wall-clock samples, waits included (SQL, HTTP): what cProfile hides
        cmd = ["py-spy", "record", "--idle", "--rate", "250", "--format", "raw"]
        cmd += ["--output", profile, "--", sys.executable]
    elif profile:
        cmd += ["-m", "cProfile", "-o", profile]
    cmd += [
        SCENARIOS_COPY["path"],
        "--db",
        database,
        "--scenario",
        scenario,
        "--result",
        result_file,
        "--addons-path",
        addons_path(with_saw),
        "--data-dir",
        DATA_DIR,
        "--logfile",
        logfile,
        "--orders",
        str(args.orders),
        "--warmup",
        str(args.warmup),
        "--rep",
        str(rep),
        "--seed",
        str(args.seed),
        "--lookups",
        str(args.lookups),
        "--lookup-small",
        str(args.lookup_small),
        "--lookup-rows",
        str(args.lookup_rows),
        "--rss-small",
        str(args.rss_small),
        "--rss-orders",
        str(args.rss_orders),
        "--rate",
        str(args.rate),
        "--seconds",
        str(args.seconds),
        "--workers",
        str(args.workers),
        "--bulk-orders",
        str(args.bulk_orders or args.orders),
        "--settle-small",
        str(args.settle_small),
        "--settle-orders",
        str(args.settle_orders),
        "--stock-orders",
        str(args.stock_orders),
        "--stock-changes",
        str(args.stock_changes),
        "--stock-cycle",
        str(args.stock_cycle),
    ]
    if args.sql_profile:
        cmd.append("--sql-profile")
    if args.server_args:
        cmd.append(f"--server-args={args.server_args}")
    if os.path.exists(result_file):
        os.unlink(result_file)
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=process_env(with_saw))
    if proc.returncode:
        raise RuntimeError(f"scenario {scenario} failed (rc {proc.returncode})")
    with open(result_file) as fh:
        result = json.load(fh)
    os.unlink(result_file)
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


# --------------------------------------------------------------------------- prepare
def prepare(dbs, args, need_saw):
    template = run_tests.prepare_template(LOG_DIR)
    base = dbs.clone(template, f"bench_base_{os.getpid()}")
    seconds = odoo_install(base, OUR_ADDONS, "install.log")
    log(f"installed {', '.join(OUR_ADDONS)} in {base} ({seconds:.0f} s)")
    run_scenario(base, "setup", args, 0)
    prepared = {"base": base, "template": template}
    if need_saw:
        try:
            install_saw()
        except subprocess.CalledProcessError as error:
            log(f"pip could not install sale_automatic_workflow: {error}")
            return prepared
        saw = dbs.clone(base, f"bench_saw_{os.getpid()}")
        seconds = odoo_install(
            saw, ["sale_automatic_workflow_stock"], "install_saw.log", with_saw=True
        )
        run_scenario(saw, "setup_saw", args, 0, with_saw=True)
        log(f"installed sale_automatic_workflow_stock in {saw} ({seconds:.0f} s)")
        prepared["saw"] = saw
    return prepared


def engine_available(base):
    """The connector scenarios need the sync engine (omni.channel's pull)."""
    rows = run_tests.psql(
        "SELECT count(*) FROM ir_model_fields WHERE model = 'omni.channel' "
        "AND name IN ('api_base_url', 'import_in_batch', 'webhook_token')",
        dbname=base,
    )
    return int(rows or 0) == 3


# --------------------------------------------------------------------------- figures
def med(values):
    return statistics.median(values) if values else None


def summarise(raw):
    """Per scenario: median and min/max of its numbers over the repetitions."""
    out = {}
    for scenario, reps in raw.items():
        ok = [r for r in reps if "error" not in r]
        if not ok:
            out[scenario] = {"error": reps[0].get("error") if reps else "no run"}
            continue
        summary = {"reps": len(ok)}
        for key in (
            "orders_per_s",
            "ms_per_order",
            "cpu_ms_per_order",
            "sql_per_order",
            "rss_peak_mb",
        ):
            values = [r[key] for r in ok if r.get(key) is not None]
            if values:
                summary[key] = {
                    "median": med(values),
                    "min": min(values),
                    "max": max(values),
                }
        if scenario == "lookup":
            for size in ("small", "big"):
                values = [r[size]["mean_ms"] for r in ok]
                summary[f"{size}_mean_ms"] = {"median": med(values), "min": min(values)}
            summary["rows"] = [ok[0]["small"]["rows"], ok[0]["big"]["rows"]]
            summary["plan"] = ok[0]["plan"]
        if scenario == "rss":
            for size in ("small", "big"):
                values = [r[size]["rss_mb"] for r in ok]
                summary[f"{size}_rss_mb"] = {"median": med(values), "min": min(values)}
            summary["orders"] = [ok[0]["small"]["orders"], ok[0]["big"]["orders"]]
        if scenario == "settlement":
            for size in ("small", "big"):
                values = [r[size]["ms_per_order"] for r in ok]
                summary[f"{size}_ms_per_order"] = {
                    "median": med(values),
                    "min": min(values),
                }
            summary["orders"] = [ok[0]["small"]["orders"], ok[0]["big"]["orders"]]
        out[scenario] = summary
    return out


def _ops(summary, name):
    return summary.get(name, {}).get("orders_per_s", {}).get("median")


def _ms(summary, name):
    s = summary.get(name, {}).get("ms_per_order")
    return f"{s['median']:.1f} (min {s['min']:.1f}) ms/order" if s else ""


def _ratio_figure(summary, figure, ours, base, target, limit):
    """orders/s of ``ours`` / orders/s of ``base`` (medians), higher is better;
    ``limit`` None: no target, the ratio is reported ("info")."""
    errors = [summary.get(n, {"error": "not run"}).get("error") for n in (ours, base)]
    errors = [str(e) for e in errors if e]
    if errors:
        return (figure, "; ".join(dict.fromkeys(errors)), "", "", target, "n/a")
    ratio = _ops(summary, ours) / _ops(summary, base)
    return (
        figure,
        f"{_ops(summary, ours):.2f} orders/s; {_ms(summary, ours)}",
        f"{_ops(summary, base):.2f} orders/s; {_ms(summary, base)}",
        f"{ratio:.2f}",
        target,
        "info" if limit is None else "PASS" if ratio >= limit else "FAIL",
    )


def _import_figure(summary, raw, name, figure):
    """The import against its ceiling measured in the same process (same orders)."""
    s = summary.get(name, {})
    if "error" in s:
        return (figure, s["error"], "", "", ">= 0.8", "n/a")
    reps = [r for r in raw[name] if "error" not in r]
    ceiling = [r["ceiling_orders_per_s"] for r in reps]
    ceiling_ms = [r["ceiling"]["ms_per_order"] for r in reps]
    ratio = med([r["ratio"] for r in reps])
    return (
        f"{figure} ({reps[0]['orders']:,} orders)",
        f"{_ops(summary, name):.2f} orders/s; {_ms(summary, name)}",
        f"{med(ceiling):.2f} orders/s; {med(ceiling_ms):.1f} "
        f"(min {min(ceiling_ms):.1f}) ms/order",
        f"{ratio:.2f}",
        ">= 0.8",
        "PASS" if ratio >= 0.8 else "FAIL",
    )


def _plain_import_figure(summary, raw, name, figure):
    """The import against plain batched ORM code storing the same orders
    (customers created, the channel's cancelled orders cancelled): information,
    the issue's target is judged on the create ceiling."""
    s = summary.get(name, {})
    reps = [r for r in raw.get(name, []) if "error" not in r and "plain_import" in r]
    if "error" in s or not reps:
        return None
    plain = [r["plain_import_orders_per_s"] for r in reps]
    plain_ms = [r["plain_import"]["ms_per_order"] for r in reps]
    return (
        f"{figure} ({reps[0]['orders']:,} orders)",
        f"{_ops(summary, name):.2f} orders/s; {_ms(summary, name)}",
        f"{med(plain):.2f} orders/s; {med(plain_ms):.1f} "
        f"(min {min(plain_ms):.1f}) ms/order",
        f"{med([r['ratio_plain_import'] for r in reps]):.2f}",
        "info",
        "info",
    )


def _size_figure(summary, name, figure, unit, target, limit):
    """``big`` / ``small`` of a scaling scenario (lookup, rss, settlement), lower
    is better."""
    s = summary.get(name, {})
    if "error" in s:
        return (figure, s["error"], "", "", target, "n/a")
    key = {"lookup": "mean_ms", "rss": "rss_mb", "settlement": "ms_per_order"}[name]
    sizes = s.get("rows") or s.get("orders")
    small, big = s[f"small_{key}"], s[f"big_{key}"]
    ratio = big["median"] / small["median"]
    return (
        f"{figure} ({sizes[0]:,} -> {sizes[1]:,})",
        f"{big['median']:.3g} (min {big['min']:.3g}) {unit} at {sizes[1]:,}",
        f"{small['median']:.3g} (min {small['min']:.3g}) {unit} at {sizes[0]:,}",
        f"{ratio:.2f}",
        target,
        "PASS" if ratio <= limit else "FAIL",
    )


def _webhook_figure(summary, raw):
    figure, target = "webhook ack latency, 50 req/s x 10 s", "p99 < 100 ms"
    s = summary.get("webhook", {})
    if "error" in s:
        return (figure, s["error"], "", "", target, "n/a")
    reps = [r for r in raw["webhook"] if "error" not in r]
    p50 = med([r["p50_ms"] for r in reps])
    p99 = med([r["p99_ms"] for r in reps])
    best = min(r["p99_ms"] for r in reps)
    return (
        figure,
        f"p50 {p50:.1f} ms, p99 {p99:.1f} (min {best:.1f}) ms",
        "",
        "",
        target,
        "PASS" if p99 < 100 else "FAIL",
    )


def _stock_figures(summary, raw):
    """The stock scenario's two figures: fan-out latency (p50/p95 over the
    orders, median of the repetitions) and stock calls per channel."""
    latency = "stock fan-out: order stored -> quantity on the 2 other channels"
    calls = "stock calls per channel for the stock changes (coalesced)"
    s = summary.get("stock", {})
    if "error" in s:
        return [
            (latency, s["error"], "", "", "p95 <= 60 s", "n/a"),
            (calls, s["error"], "", "", "a few per cycle", "n/a"),
        ]
    reps = [r for r in raw["stock"] if "error" not in r]
    p50 = med([r["p50_s"] for r in reps])
    p95 = med([r["p95_s"] for r in reps])
    coalescing = reps[0]["coalescing"]
    per_cycle = coalescing["calls_per_cycle"]
    fewest = coalescing["fewest_calls_per_cycle"]
    # every cycle: one job per channel, sending each platform's fewest calls
    ok = all(
        r["coalescing"]["calls_per_cycle"][p] <= fewest[p]
        and r["coalescing"]["stock_jobs"] <= 3 * r["coalescing"]["cycles"]
        for r in reps
        for p in fewest
    )
    return [
        (
            f"{latency} ({reps[0]['orders']} orders)",
            f"p50 {p50:.1f} s, p95 {p95:.1f} s",
            "",
            "",
            "p95 <= 60 s",
            "PASS" if p95 <= 60 else "FAIL",
        ),
        (
            f"{calls} ({coalescing['changes']:,} changes, {coalescing['skus']} SKUs, "
            f"{coalescing['cycles']} cycles)",
            ", ".join(
                f"{p} {n} ({per_cycle[p]}/cycle)"
                for p, n in sorted(coalescing["calls"].items())
            ),
            f"{coalescing['changes']:,} (one per change); fewest per cycle: "
            + ", ".join(f"{p} {n}" for p, n in sorted(fewest.items())),
            "",
            "1 job per channel per cycle, the platform's fewest calls",
            "PASS" if ok else "FAIL",
        ),
    ]


def _bulk_figure(summary, raw):
    s = summary.get("bulk", {})
    if "error" in s:
        return ("bulk action over 1,000 orders", s["error"], "", "", "-", "n/a")
    reps = [r for r in raw["bulk"] if "error" not in r]
    walls = [r["wall_s"] for r in reps]
    sql = s["sql_per_order"]["median"]
    return (
        f"bulk confirm over {reps[0]['orders']:,} orders "
        f"({reps[0]['jobs']['jobs']} jobs)",
        f"{med(walls):.1f} s (min {min(walls):.1f}); {_ms(summary, 'bulk')}; "
        f"{sql:.1f} SQL/order",
        "",
        "",
        "-",
        "info",
    )


def figure_rows(summary, raw, selected):
    """The issue's figures: (figure, ours, baseline, ratio, target, result)."""
    rows = []
    for name, figure in (
        ("import", "import (job per page, the default) vs create ceiling"),
        ("import_batch", "import (import_in_batch) vs create ceiling"),
    ):
        if name in selected:
            rows.append(_import_figure(summary, raw, name, figure))
            plain = _plain_import_figure(
                summary,
                raw,
                name,
                figure.replace("create ceiling", "plain ORM import (like for like)"),
            )
            if plain:
                rows.append(plain)
    for figure, ours, base, target, limit in (
        ("e2e ours vs plain batched ORM", "e2e_ours", "e2e_plain", ">= 1.2", 1.2),
        ("e2e ours vs OCA SAW", "e2e_ours", "e2e_saw", ">= 1.0", 1.0),
        (
            # ours makes one invoice per order, as e2e_plain does (since
            # omnichannel_orders invoices with grouped=True); this baseline makes
            # one per customer and batch, i.e. less work: information only
            "e2e ours vs plain with one invoice per customer (less work)",
            "e2e_ours",
            "e2e_plain_grouped",
            "-",
            None,
        ),
        (
            "drop-ship confirm + Ship vs plain drop-ship",
            "dropship",
            "dropship_plain",
            "- (none set)",
            None,
        ),
    ):
        if ours in selected:
            rows.append(_ratio_figure(summary, figure, ours, base, target, limit))
    if "lookup" in selected:
        rows.append(
            _size_figure(
                summary, "lookup", "lookup by channel order no.", "ms", "<= 1.5", 1.5
            )
        )
    if "rss" in selected:
        rows.append(
            _size_figure(summary, "rss", "RSS after import", "MB", "<= 1.2", 1.2)
        )
    if "settlement" in selected:
        rows.append(
            _size_figure(
                summary,
                "settlement",
                "settlements imported, posted, reconciled: cost per order",
                "ms/order",
                "<= 1.2",
                1.2,
            )
        )
    if "webhook" in selected:
        rows.append(_webhook_figure(summary, raw))
    if "stock" in selected:
        rows += _stock_figures(summary, raw)
    if "bulk" in selected:
        rows.append(_bulk_figure(summary, raw))
    return rows


def print_table(headers, rows):
    widths = [
        max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)
    ]
    line = " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    print(line)
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=False)))


def scenario_rows(summary):
    rows = []
    for name, s in summary.items():
        if "error" in s:
            rows.append((name, "", "", "", "", "", str(s["error"])[:60]))
            continue
        if "orders_per_s" not in s:
            continue
        rows.append(
            (
                name,
                f"{s['orders_per_s']['median']:.2f} ({s['orders_per_s']['min']:.2f}"
                f"-{s['orders_per_s']['max']:.2f})",
                f"{s['ms_per_order']['min']:.1f} / {s['ms_per_order']['median']:.1f}",
                f"{s['cpu_ms_per_order']['min']:.1f} / "
                f"{s['cpu_ms_per_order']['median']:.1f}",
                f"{s['sql_per_order']['median']:.1f}",
                f"{s['rss_peak_mb']['median']:.0f}",
                f"{s['reps']}",
            )
        )
    return rows


def machine():
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as fh:
            info["cpu"] = next(
                line.split(":", 1)[1].strip()
                for line in fh
                if line.startswith("model name")
            )
        with open("/proc/meminfo") as fh:
            info["ram_gb"] = round(int(fh.readline().split()[1]) / 1024 / 1024, 1)
        with open("/proc/loadavg") as fh:
            info["loadavg"] = fh.read().split()[:3]
        info["postgres"] = run_tests.psql("SHOW server_version")
        settings = run_tests.psql(
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ') "
            "FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'fsync', "
            "'synchronous_commit', 'max_connections')"
        )
        info["postgres_settings"] = settings
        info["odoo"] = subprocess.check_output(
            [sys.executable, "-c", "import odoo.release as r; print(r.version)"],
            text=True,
            cwd="/",
        ).strip()
    except Exception as error:  # informative only
        info["error"] = str(error)
    return info


# --------------------------------------------------------------------------- main
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, 1 rep (CI)")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--warmup", type=int, default=5, help="untimed orders first (default 5)"
    )
    parser.add_argument("--only", default="", help="comma-separated scenarios")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--lookup-small", type=int, default=1000)
    parser.add_argument("--lookup-rows", type=int, default=100_000)
    parser.add_argument("--rss-small", type=int, default=1000)
    parser.add_argument("--rss-orders", type=int, default=20_000)
    parser.add_argument("--settle-small", type=int, default=1000)
    parser.add_argument("--settle-orders", type=int, default=10_000)
    parser.add_argument(
        "--stock-orders", type=int, default=30, help="stock: orders of the fan-out"
    )
    parser.add_argument(
        "--stock-changes", type=int, default=1000, help="stock: stock changes"
    )
    parser.add_argument(
        "--stock-cycle", type=int, default=100, help="stock: changes per commit"
    )
    parser.add_argument(
        "--bulk-orders",
        type=int,
        default=0,
        help="orders of the bulk scenario (default: --orders)",
    )
    parser.add_argument(
        "--sql-profile",
        action="store_true",
        help="time every SQL statement shape (top 25 in the JSON results)",
    )
    parser.add_argument("--rate", type=float, default=50.0, help="webhook req/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="webhook load")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers")
    parser.add_argument(
        "--server-args",
        default="",
        help="extra options of the webhook scenario's Odoo, e.g. --no-database-list",
    )
    parser.add_argument(
        "--profile",
        metavar="SCENARIO",
        help="run SCENARIO once under cProfile (var/bench/SCENARIO.prof) and "
        "print the top cumulative functions",
    )
    parser.add_argument(
        "--py-spy",
        action="store_true",
        help="with --profile: sample with py-spy (wall clock, waits included) "
        "instead of cProfile; prints the heaviest frames (var/bench/SCENARIO.stacks)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 2 on a missed target"
    )
    parser.add_argument(
        "--ref",
        help="benchmark the add-ons committed at this git ref (default: the working "
        "tree)",
    )
    args = parser.parse_args()
    if args.smoke:
        args.orders, args.reps, args.lookups, args.warmup = 5, 1, 100, 2
        args.lookup_small, args.lookup_rows = 200, 2000
        args.rss_small, args.rss_orders = 50, 150
        args.settle_small, args.settle_orders = 10, 30
        args.stock_orders, args.stock_changes, args.stock_cycle = 3, 60, 20
        args.rate, args.seconds = 10.0, 2.0
        # more than omni.bulk.operation's SYNC_LIMIT (20): the bulk runs as a job
        args.bulk_orders = 25
    return args


def main():
    args = parse_args()
    selected = [s.strip() for s in args.only.split(",") if s.strip()] or DEFAULT_SET
    if args.profile:
        selected = [args.profile]
    unknown = set(selected) - set(SCENARIOS)
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    os.makedirs(LOG_DIR, exist_ok=True)
    os.makedirs(RESULTS_DIR, exist_ok=True)
    if args.ref:
        args.ref_sha = use_git_ref(args.ref)
        log(f"add-ons from git {args.ref} ({args.ref_sha}): {ADDONS['dir']}")
    started = time.perf_counter()
    frozen = freeze_scenarios()
    dbs = Databases()
    raw = {name: [] for name in selected}
    broken = False
    try:
        prepared = prepare(dbs, args, need_saw="e2e_saw" in selected)
        runnable = []
        for name in selected:
            if name in NOT_BUILT and not scenario_built(name, prepared):
                raw[name].append({"error": f"n/a (not built yet: {NOT_BUILT[name]})"})
            elif SCENARIOS[name] == "saw" and "saw" not in prepared:
                raw[name].append(
                    {"error": "n/a (sale_automatic_workflow not installable)"}
                )
            else:
                runnable.append(name)
        if args.profile:
            return profile(dbs, prepared, args, args.profile)
        for rep in range(1, args.reps + 1):
            for name in runnable:
                which = SCENARIOS[name]
                db = dbs.clone(prepared[which], f"bench_run_{os.getpid()}")
                try:
                    result = run_scenario(db, name, args, rep, with_saw=which == "saw")
                    log(f"rep {rep} {name}: {brief(result)}")
                except Exception as error:
                    broken = True
                    log(f"rep {rep} {name}: FAILED {error}")
                    result = {"error": f"error: {error}"}
                finally:
                    dbs.drop(db)
                raw[name].append(result)
    except Exception:
        traceback.print_exc()
        broken = True
        prepared = {}
    finally:
        dbs.drop_all()
        shutil.rmtree(frozen, ignore_errors=True)
    summary = summarise(raw)
    rows = figure_rows(summary, raw, selected)
    print()
    print_table(
        [
            "figure",
            "ours (median, min)",
            "baseline (median, min)",
            "ratio",
            "target",
            "result",
        ],
        rows,
    )
    print()
    print_table(
        [
            "scenario",
            "orders/s med (min-max)",
            "ms/order min / med",
            "CPU ms/order min / med",
            "SQL/order",
            "peak RSS MB",
            "reps",
        ],
        scenario_rows(summary),
    )
    report = {
        "when": datetime.datetime.now().isoformat(timespec="seconds"),
        "args": vars(args),
        "machine": machine(),
        "wall_s": round(time.perf_counter() - started, 1),
        "figures": [
            dict(
                zip(
                    ["figure", "ours", "baseline", "ratio", "target", "result"],
                    r,
                    strict=False,
                )
            )
            for r in rows
        ],
        "summary": summary,
        "raw": raw,
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name in (f"{stamp}.json", "latest.json"):
        with open(os.path.join(RESULTS_DIR, name), "w") as fh:
            json.dump(report, fh, indent=1, default=str)
    print(
        f"\nresults: bench/results/{stamp}.json ({report['wall_s']:.0f} s, of which "
        f"{dbs.seconds:.0f} s cloning and dropping databases)"
    )
    if broken:
        return 1
    if args.strict and any(r[-1] == "FAIL" for r in rows):
        return 2
    return 0


def scenario_built(name, prepared):
    if name in ("import", "import_batch", "webhook"):
        return "base" in prepared and engine_available(prepared["base"])
    return False


def brief(result):
    if "orders_per_s" in result:
        return (
            f"{result['orders']} orders, {result['orders_per_s']:.2f} orders/s, "
            f"{result['sql_per_order']} SQL/order, peak RSS {result['rss_peak_mb']} MB"
        )
    return json.dumps(result)[:300]


def print_stacks(path, top=40):
    """The frames (file:function) with the most wall-clock samples in a py-spy
    raw (collapsed stacks) file: inclusive share, as cProfile's cumulative."""
    inclusive, total = {}, 0
    with open(path) as stacks:
        for line in stacks:
            stack, _sep, count = line.rstrip().rpartition(" ")
            count = int(count)
            total += count
            seen = set()
            for frame in stack.split(";"):
                name = frame.split(" (")[0] + " " + frame.rsplit("/", 1)[-1][:60]
                if name not in seen:
                    seen.add(name)
                    inclusive[name] = inclusive.get(name, 0) + count
    print(f"{total} samples")
    for name, count in sorted(inclusive.items(), key=lambda i: -i[1])[:top]:
        print(f"{100 * count / total:6.1f} %  {name}")


def profile(dbs, prepared, args, name):
    import pstats

    which = SCENARIOS[name]
    db = dbs.clone(prepared[which], f"bench_run_{os.getpid()}")
    path = os.path.join(WORK_DIR, f"{name}.{'stacks' if args.py_spy else 'prof'}")
    try:
        result = run_scenario(db, name, args, 1, with_saw=which == "saw", profile=path)
    finally:
        dbs.drop(db)
    log(f"{name} under cProfile: {brief(result)}")
    for row in result.get("sql_profile") or []:
        print(f"{row['ms']:>9.1f} ms {row['count']:>7} x  {row['sql']}")
    if args.py_spy:
        print_stacks(path)
        return 0
    stats = pstats.Stats(path)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
