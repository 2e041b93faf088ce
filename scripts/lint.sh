#!/usr/bin/env bash
# The OCA lint set, pinned in requirements.txt: ruff (check + format), pylint-odoo's
# mandatory checks, oca-checks-odoo-module, and manifestoo's licence check.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
rc=0
step() { echo "[lint] $*"; }
addons=$(ls -d addons/*/)
step "ruff check"
$PYTHON -m ruff check --no-fix . || rc=1
step "ruff format --check"
$PYTHON -m ruff format --check . || rc=1
step "pylint-odoo (mandatory checks)"
$PYTHON -m pylint --rcfile=.pylintrc-mandatory --output-format=parseable $addons || rc=1
step "oca-checks-odoo-module"
oca-checks-odoo-module $(find addons -maxdepth 2 -name __manifest__.py) || rc=1
step "manifestoo check-licenses"
odoo_paths=$(cd scripts && $PYTHON -c 'import odoo_env; print(",".join(odoo_env.odoo_addons_paths()))')
$PYTHON -m manifestoo --addons-path "addons,$odoo_paths" --select-addons-dir addons check-licenses || rc=1
if [ $rc -ne 0 ]; then step "FAILED"; else step "clean"; fi
exit $rc
