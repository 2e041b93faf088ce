"""The project's test command (``make test``).

1. A fresh database; the three add-ons installed with their dependencies, no demo data,
   their tests run by Odoo's own runner (``--test-enable --test-tags``), at_install and
   post_install alike. The log goes to a file.
2. The log is checked like OCA's checklog-odoo: a WARNING, ERROR or CRITICAL line fails.
3. The simulators' and the repository's pytest suites (``simulators/tests``, ``tests``).
4. The database and its filestore are dropped, and one summary line is printed:
   ``N passed, N failed`` (Odoo tests + pytest tests).

Options: ``--fast`` clones a cached database that has only the dependencies installed
(built once per Odoo/dependency version) instead of installing them again;
``--tags`` narrows Odoo's test tags; ``--keep`` keeps the database; ``--skip-pytest``.
"""

import argparse
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

import odoo_env

LEVEL_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
RESULT_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests")
STATS_RE = re.compile(r"odoo\.tests\.stats: (\w+): (\d+) tests")
PYTEST_RE = re.compile(r"(?:(\d+) failed)?.*?(?:(\d+) passed)")
DEPENDENCIES = [
    "sale_management",
    "sale_stock",
    "purchase_stock",
    "stock_dropshipping",
    "account",
    "mail",
    "queue_job",
    "rma_sale",
]


def psql(sql, dbname="postgres"):
    return subprocess.run(
        ["psql", "-X", "-q", "-tA", "-d", dbname, "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def drop_db(name):
    subprocess.run(
        ["dropdb", "--if-exists", "--force", name],
        check=True,
        stderr=subprocess.DEVNULL,
    )
    shutil.rmtree(os.path.join(odoo_env.VAR_DIR, "filestore", "filestore", name), True)


def run_odoo(database, args, logfile):
    cmd = odoo_env.odoo_command(database, *args, logfile=logfile)
    started = time.time()
    proc = subprocess.run(cmd, cwd=odoo_env.ROOT)
    return proc.returncode, time.time() - started


def dependency_key():
    code = "import odoo.release as r; print(r.version)"
    version = subprocess.check_output([sys.executable, "-c", code], cwd="/", text=True)
    freeze = subprocess.check_output(
        [sys.executable, "-m", "pip", "freeze", "--disable-pip-version-check"],
        text=True,
    )
    digest = hashlib.sha1(
        (version + ",".join(DEPENDENCIES) + freeze + odoo_env.addons_path()).encode()
    ).hexdigest()
    return f"omni_deps_{digest[:10]}"


def prepare_template(logdir):
    """A database with only the dependencies installed, kept between runs."""
    template = dependency_key()
    os.makedirs(odoo_env.VAR_DIR, exist_ok=True)
    with open(os.path.join(odoo_env.VAR_DIR, "template.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs build it once
        return _prepare_template(template, logdir)


def _prepare_template(template, logdir):
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'"):
        return template
    print(f"[test] building the cached dependency database {template}", flush=True)
    tmp = template + "_building"
    drop_db(tmp)
    rc, _ = run_odoo(
        tmp,
        ["-i", ",".join(DEPENDENCIES), "--without-demo=all", "--stop-after-init"],
        os.path.join(logdir, "template.log"),
    )
    if rc:
        sys.exit(f"[test] installing the dependencies failed (rc {rc}), see {logdir}")
    psql(f'ALTER DATABASE "{tmp}" RENAME TO "{template}"')
    filestore = os.path.join(odoo_env.VAR_DIR, "filestore", "filestore")
    if os.path.isdir(os.path.join(filestore, tmp)):
        # a filestore left by a database dropped outside this script
        shutil.rmtree(os.path.join(filestore, template), True)
        os.rename(os.path.join(filestore, tmp), os.path.join(filestore, template))
    return template


def check_log(logfile):
    """checklog-odoo's rule: no WARNING/ERROR/CRITICAL line."""
    bad, results, stats = [], [], {}
    with open(logfile, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            match = LEVEL_RE.match(line)
            if match and match.group(1) not in ("INFO", "DEBUG"):
                bad.append(line.rstrip())
            result = RESULT_RE.search(line)
            if result:
                results.append(tuple(int(x) for x in result.groups()))
            stat = STATS_RE.search(line)
            if stat:
                stats[stat.group(1)] = int(stat.group(2))
    return bad, results, stats


def run_pytest(paths, logdir):
    paths = [p for p in paths if os.path.isdir(os.path.join(odoo_env.ROOT, p))]
    if not paths:
        return 0, 0, 0
    report = os.path.join(logdir, "pytest.log")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
    with open(report, "w") as fh:
        proc = subprocess.run(
            cmd, cwd=odoo_env.ROOT, stdout=fh, stderr=subprocess.STDOUT
        )
    with open(report) as fh:
        text = fh.read()
    tail = text.strip().splitlines()[-1] if text.strip() else ""
    print(f"[test] pytest {' '.join(paths)}: {tail}", flush=True)
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", tail)) else 0
    failed = sum(int(x) for x in re.findall(r"(\d+) (?:failed|errors?)\b", tail))
    if proc.returncode not in (0, 5) and not failed:
        failed = 1
    if proc.returncode:
        sys.stdout.write(text[-6000:])
    return proc.returncode, passed, failed


def run_odoo_tests(args, logdir):
    addons = args.addons.split(",")
    odoo_passed = odoo_failed = 0
    problems = []
    database = f"omni_test_{os.getpid()}"
    drop_db(database)
    if args.fast:
        template = prepare_template(logdir)
        subprocess.run(["createdb", "-T", template, database], check=True)
        src = os.path.join(odoo_env.VAR_DIR, "filestore", "filestore", template)
        if os.path.isdir(src):
            shutil.copytree(
                src,
                os.path.join(odoo_env.VAR_DIR, "filestore", "filestore", database),
            )
    logfile = os.path.join(logdir, f"odoo-test-{os.getpid()}.log")
    if os.path.exists(logfile):
        os.unlink(logfile)
    tags = args.tags or ",".join(f"/{a}" for a in addons)
    print(f"[test] Odoo: installing {', '.join(addons)} in {database}", flush=True)
    print(f"[test] Odoo: running tests {tags}; log: {logfile}", flush=True)
    try:
        rc, seconds = run_odoo(
            database,
            [
                "-i",
                ",".join(addons),
                "--without-demo=all",
                "--test-enable",
                "--test-tags",
                tags,
                "--stop-after-init",
                "--log-level=info",
                "--workers=0",
                "--max-cron-threads=0",
            ],
            logfile,
        )
    finally:
        if not args.keep:
            drop_db(database)
    bad, results, stats = check_log(logfile)
    for module, count in sorted(stats.items()):
        print(f"[test] Odoo: {module}: {count} tests", flush=True)
    if results:
        failures, errors, total = results[-1]
        odoo_failed = failures + errors
        odoo_passed = total - odoo_failed
    print(
        f"[test] Odoo: rc {rc} in {seconds:.0f}s, {odoo_passed} passed, "
        f"{odoo_failed} failed",
        flush=True,
    )
    if rc:
        problems.append(f"odoo exited with {rc}")
        odoo_failed = odoo_failed or 1
    if bad:
        problems.append(f"{len(bad)} WARNING/ERROR line(s) in the Odoo log")
        print("[test] WARNING/ERROR lines in the Odoo log:")
        for line in bad[:60]:
            print("    " + line[:400])
    if not odoo_passed + odoo_failed:
        problems.append("no Odoo test ran")
    for addon in addons:
        if addon not in stats and args.tags is None:
            problems.append(f"no test of {addon} ran")
    return odoo_passed, odoo_failed, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--tags", default=None)
    parser.add_argument("--addons", default=",".join(odoo_env.OUR_ADDONS))
    parser.add_argument("--skip-pytest", action="store_true")
    parser.add_argument("--skip-odoo", action="store_true")
    args = parser.parse_args()

    logdir = os.path.join(odoo_env.VAR_DIR, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    odoo_passed = odoo_failed = 0
    problems = []
    if not args.skip_odoo:
        odoo_passed, odoo_failed, problems = run_odoo_tests(args, logdir)

    py_passed = py_failed = 0
    if not args.skip_pytest:
        rc, py_passed, py_failed = run_pytest(["simulators/tests", "tests"], logdir)
        if rc not in (0, 5):
            problems.append(f"pytest exited with {rc}")

    for problem in problems:
        print(f"[test] FAILED: {problem}")
    print(f"{odoo_passed + py_passed} passed, {odoo_failed + py_failed} failed")
    return 1 if problems or odoo_failed or py_failed else 0


if __name__ == "__main__":
    sys.exit(main())
