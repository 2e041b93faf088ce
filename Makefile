# Omnichannel order management for Odoo 18 — developer entry points.
PYTHON ?= python3
export PYTHON

.PHONY: setup test test-fast test-core core-baseline demo lint bench bench-smoke simulators wheels clean

setup:  ## install Odoo 18.0 (from ODOO_SOURCE) and the requirements; start PostgreSQL
	bash scripts/setup.sh

test: setup  ## fresh database, the three add-ons' tests + simulators/tests + tests/
	$(PYTHON) scripts/run_tests.py

test-fast: setup  ## same, on a clone of a cached dependencies-only database
	$(PYTHON) scripts/run_tests.py --fast

test-core: setup  ## Odoo's own tests of the modules we extend, with our add-ons, vs plain Odoo
	$(PYTHON) scripts/core_tests.py

core-baseline: setup  ## regenerate scripts/core_tests_baseline.txt on plain Odoo
	$(PYTHON) scripts/core_tests.py --baseline

demo: setup  ## demo database, simulators, Odoo on http://localhost:8069 (Ctrl-C stops)
	$(PYTHON) scripts/demo.py

lint:
	bash scripts/lint.sh

bench: setup
	$(PYTHON) bench/run.py

bench-smoke: setup
	$(PYTHON) bench/run.py --smoke

simulators:
	$(PYTHON) -m simulators all

wheels:
	for a in addons/*/; do $(PYTHON) -m build --wheel --no-isolation --outdir dist $$a 2>/dev/null || $(PYTHON) -m pip wheel --no-deps -w dist $$a; done

clean:
	rm -rf var dist
