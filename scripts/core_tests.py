"""Odoo's own tests as a gate (``make test-core``): installing our add-ons must not make
any test of the Odoo modules we extend fail.

The Odoo tests of ``CORE_MODULES`` (their own tags, at_install and post_install) run on
a database with those modules **and our four add-ons** installed, no demo data. The set
of failing tests is compared with the set recorded on plain Odoo (the same modules,
without our add-ons, on the same source): ``scripts/core_tests_baseline.txt``. A test
that fails only with our add-ons fails the gate; a baseline test that now passes is
reported (regenerate the baseline when the Odoo source changes).

    python3 scripts/core_tests.py              # the gate (CI)
    python3 scripts/core_tests.py --baseline   # regenerate the baseline on plain Odoo

The modules are installed and tested in one run, as Odoo's own CI does: each module's
at_install tests run right after it is installed, the post_install tests once the
registry is complete (with our add-ons, when they are installed), the same way on
both sides. The logs stay in ``var/test-logs/core-*.log``.
"""

import argparse
import os
import re
import subprocess
import sys
import time

import odoo_env
from run_tests import drop_db

CORE_MODULES = [
    "sale",
    "sale_management",
    "sale_stock",
    "purchase_stock",
    "stock_dropshipping",
    "sale_purchase_stock",
]
BASELINE = os.path.join(odoo_env.ROOT, "scripts", "core_tests_baseline.txt")
# "... ERROR db odoo.addons.sale.tests.test_x: FAIL: TestX.test_y" and the same for
# ERROR (errors, setUpClass failures); subtests carry their parameters in parentheses
FAILURE_RE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?:ERROR|CRITICAL) \S+ "
    r"([\w.]+): (FAIL|ERROR): (.+?)\s*$"
)
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
ADDRESS_RE = re.compile(r" at 0x[0-9a-f]+")


def failures(logfile):
    """The failing tests of a log, as ``logger: description`` lines, and the last
    ``N failed, N error(s) of N tests`` figures."""
    found, totals = set(), None
    with open(logfile, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            match = FAILURE_RE.match(line)
            if match:
                logger, _kind, description = match.groups()
                found.add(f"{logger}: {ADDRESS_RE.sub('', description)}")
            result = RESULT_RE.search(line)
            if result:
                totals = tuple(int(x) for x in result.groups())
    return found, totals


def run(database, args, logfile):
    if os.path.exists(logfile):
        os.unlink(logfile)
    cmd = odoo_env.odoo_command(database, *args, logfile=logfile)
    started = time.time()
    rc = subprocess.run(cmd, cwd=odoo_env.ROOT).returncode
    return rc, time.time() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="run on plain Odoo (without our add-ons) and rewrite the baseline",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    side = "plain" if args.baseline else "ours"
    logdir = os.path.join(odoo_env.VAR_DIR, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    database = f"omni_core_{side}_{os.getpid()}"
    modules = CORE_MODULES + ([] if args.baseline else odoo_env.OUR_ADDONS)
    common = ["--without-demo=all", "--stop-after-init", "--workers=0"]
    common += ["--max-cron-threads=0", "--log-level=info"]
    drop_db(database)
    tags = ",".join(f"/{module}" for module in CORE_MODULES)
    test_log = os.path.join(logdir, f"core-{side}.log")
    print(f"[core] installing {', '.join(modules)} in {database}", flush=True)
    print(f"[core] running Odoo's tests {tags}; log: {test_log}", flush=True)
    try:
        rc, seconds = run(
            database,
            ["-i", ",".join(modules), "--test-enable", "--test-tags", tags, *common],
            test_log,
        )
    finally:
        if not args.keep:
            drop_db(database)
    failed, totals = failures(test_log)
    if not totals:
        sys.exit(f"[core] no test ran (rc {rc}), see {test_log}")
    print(
        f"[core] {side}: {totals[2]} tests, {totals[0]} failed, {totals[1]} error(s) "
        f"in {seconds:.0f}s",
        flush=True,
    )
    if args.baseline:
        with open(BASELINE, "w", encoding="utf-8") as fh:
            fh.write(
                "# Odoo's own tests that fail on plain Odoo (no add-on of ours), same\n"
                "# source, no demo data. Regenerate: python3 scripts/core_tests.py "
                "--baseline\n"
            )
            fh.write(f"# {totals[2]} tests, {len(failed)} failing\n")
            fh.writelines(f"{name}\n" for name in sorted(failed))
        print(f"[core] baseline written: {BASELINE} ({len(failed)} failing)")
        return 0
    with open(BASELINE, encoding="utf-8") as fh:
        baseline = {ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")}
    ours_only = sorted(failed - baseline)
    fixed = sorted(baseline - failed)
    for name in fixed:
        print(f"[core] fails on plain Odoo, passes with ours: {name}")
    for name in ours_only:
        print(f"[core] FAILS ONLY WITH OUR ADD-ONS: {name}")
    print(
        f"[core] {len(ours_only)} test(s) fail only with our add-ons "
        f"({len(failed)} failing, {len(baseline)} in the baseline)"
    )
    return 1 if ours_only else 0


if __name__ == "__main__":
    sys.exit(main())
