"""One benchmark scenario in a fresh Python process (started by ``bench/run.py``).

    python3 bench/scenarios.py --db DB --scenario NAME --orders N --result FILE
                               [--addons-path P] [--data-dir D] [--seed S] [--rep R]

The method is PERF_BASELINES' (``/work/shared/PERF_BASELINES.md`` §1): load the
registry, build ``Environment(cr, SUPERUSER_ID, {})``, run an untimed warm-up of 5
orders (it fills the ormcaches), then the timed loop, committing every 100 orders;
``perf_counter`` (wall), ``process_time`` (Python CPU only), ``odoo.sql_db.sql_counter``
(SQL statements) and ``VmHWM`` (peak RSS). The result is one JSON object written to
``--result``. ``--scenario setup`` fills a freshly installed bench database with the
fixtures every scenario uses (customers, products in stock, channels).
"""

import argparse
import importlib
import json
import os
import random
import sys
import time

BATCH = 100
WARMUP = 5
N_CUSTOMERS = 20
N_PRODUCTS = 200
STOCK_PER_PRODUCT = 10_000_000
CHANNEL_REVIEW = "BENCH-REVIEW"  # import/ceiling: orders stay buffered
CHANNEL_TOUCHLESS = "BENCH-AUTO"  # our pipeline: confirm on create, invoice on dispatch
CHANNEL_LOOKUP = "BENCH-LOOKUP"
CARRIER_NAME = "Bench shipping"
SHIPPING_FEES = (4.9, 0.0, 7.5, 12.0)  # cycled over the orders
TAX_NAME = "Bench VAT 10%"


# --------------------------------------------------------------------------- helpers
def proc_status(key):
    """``VmHWM``/``VmRSS`` of this process, in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class Meter:
    """Wall, CPU and SQL statements of a timed block (several blocks add up)."""

    def __init__(self):
        self.wall = self.cpu = 0.0
        self.sql = 0

    def __enter__(self):
        import odoo.sql_db

        self._start = (
            time.perf_counter(),
            time.process_time(),
            odoo.sql_db.sql_counter,
        )
        return self

    def __exit__(self, *exc):
        import odoo.sql_db

        wall, cpu, sql = self._start
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        self.sql += odoo.sql_db.sql_counter - sql

    def result(self, orders, **extra):
        return {
            "orders": orders,
            "wall_s": round(self.wall, 4),
            "cpu_s": round(self.cpu, 4),
            "sql": self.sql,
            "orders_per_s": round(orders / self.wall, 3) if self.wall else None,
            "ms_per_order": round(1000 * self.wall / orders, 3) if orders else None,
            "cpu_ms_per_order": round(1000 * self.cpu / orders, 3) if orders else None,
            "sql_per_order": round(self.sql / orders, 2) if orders else None,
            "rss_peak_mb": round(proc_status("VmHWM"), 1),
            **extra,
        }


def install_sql_profiler():
    """Aggregate time per SQL statement shape (``--sql-profile``)."""
    import re

    import odoo.sql_db

    stats = {}
    original = odoo.sql_db.Cursor.execute
    digits = re.compile(r"\b\d+\b|'[^']*'")

    def execute(self, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return original(self, query, params, log_exceptions)
        finally:
            text = query.code if hasattr(query, "code") else str(query)
            key = digits.sub("?", " ".join(text.split()))[:160]
            entry = stats.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    odoo.sql_db.Cursor.execute = execute
    return stats


def chunks(items, size=BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def order_specs(env, count, seed, prefix):
    """The same random orders for every scenario: a random customer, 3 distinct
    random products, quantities 1-5, a channel order number."""
    rng = random.Random(seed)
    customers = (
        env["res.partner"].search([("ref", "=like", "BENCH-C%")], order="id").ids
    )
    products = env["product.product"].search(
        [("default_code", "=like", "BENCH-P%")], order="id"
    )
    prices = {p.id: p.list_price for p in products}
    product_ids = products.ids
    specs = []
    for i in range(count):
        specs.append(
            {
                "ref": f"{prefix}-{i:06d}",
                "partner_id": rng.choice(customers),
                "lines": [
                    (pid, rng.randint(1, 5), prices[pid])
                    for pid in rng.sample(product_ids, 3)
                ],
                # the shipping fee the buyer paid (tax included), none on some
                "shipping": SHIPPING_FEES[i % len(SHIPPING_FEES)],
            }
        )
    return specs


def order_vals(spec, channel=None, carrier=None, **extra):
    """The order of ``spec``: its items and, with ``carrier``, its shipping fee as
    a delivery line of that carrier's product (the line the connectors make of
    the buyer's shipping fee; plain Odoo's ``_prepare_delivery_line_vals``)."""
    from odoo import Command

    lines = [
        {"product_id": pid, "product_uom_qty": qty, "price_unit": price}
        for pid, qty, price in spec["lines"]
    ]
    if carrier and spec.get("shipping"):
        lines.append(
            {
                "name": carrier.name,
                "product_id": carrier.product_id.id,
                "product_uom_qty": 1.0,
                "price_unit": spec["shipping"],
                "is_delivery": True,
                "sequence": 9000,
            }
        )
        extra.setdefault("carrier_id", carrier.id)
    vals = {
        "partner_id": spec["partner_id"],
        "client_order_ref": spec["ref"],
        "order_line": [Command.create(line) for line in lines],
        **extra,
    }
    if channel:
        vals["channel_id"] = channel.id
        vals["channel_order_ref"] = spec["ref"]
    return vals


def paid_total(spec):
    """What the buyer of ``spec`` paid: the items and the shipping fee, tax
    included."""
    items = sum(qty * price for _pid, qty, price in spec["lines"])
    return round(items + (spec.get("shipping") or 0.0), 2)


def bench_carrier(env):
    return env["delivery.carrier"].search([("name", "=", CARRIER_NAME)], limit=1)


def plain_money(env):
    """What plain Odoo needs to book the same money as a channel order: the
    delivery method of the shipping line and the fiscal position that makes the
    prices tax-included (the touchless channel's, set by hand on each order)."""
    return {
        "carrier": bench_carrier(env),
        "fiscal_position_id": channel(env, CHANNEL_TOUCHLESS).fiscal_position_id.id,
    }


def check_money(env, specs):
    """Every order's and invoice's total is what its buyer paid (prices and
    shipping fee include tax: the tax is inside, not on top), with a delivery
    line where the buyer paid shipping."""
    by_ref = {s["ref"]: s for s in specs}
    orders = env["sale.order"].search([("client_order_ref", "in", list(by_ref))])
    wrong = []
    for order in orders:
        spec = by_ref[order.client_order_ref]
        paid = paid_total(spec)
        invoiced = sum(order.invoice_ids.mapped("amount_total"))
        has_delivery = bool(order.order_line.filtered("is_delivery"))
        if (
            abs(order.amount_total - paid) > 0.005
            or abs(invoiced - paid) > 0.005
            or not order.amount_tax
            or has_delivery != bool(spec["shipping"])
        ):
            wrong.append(order.client_order_ref)
    assert not wrong, f"{len(wrong)} order(s) not at what the buyer paid: {wrong[:5]}"
    return {"check_money": len(orders)}


def channel(env, code):
    return env["omni.channel"].search([("code", "=", code)], limit=1)


def validate_pickings(pickings):
    """Deliver everything: done quantities = demand, picked, one button_validate for
    the whole recordset (asserts no wizard came back)."""
    pickings = pickings.filtered(lambda p: p.state not in ("done", "cancel"))
    for move in pickings.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    res = pickings.button_validate()
    assert res is True, f"button_validate returned {res!r}"


# --------------------------------------------------------------------------- setup
def setup(env, args):
    """Fixtures of the bench database (committed by the caller)."""
    company = env.company
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", company.id)], limit=1
    )
    env["res.partner"].create(
        [
            {"name": f"Bench Customer {i}", "ref": f"BENCH-C{i:03d}"}
            for i in range(N_CUSTOMERS)
        ]
    )
    # the products' sale tax, excluded from the price as Odoo's default taxes
    # are: the channels' fiscal position maps it to its price-included twin, and
    # the plain-Odoo scenarios put that position on their orders
    tax = env["account.tax"].create(
        {
            "name": TAX_NAME,
            "amount": 10.0,
            "amount_type": "percent",
            "type_tax_use": "sale",
            "price_include_override": "tax_excluded",
            "company_id": company.id,
        }
    )
    products = env["product.product"].create(
        [
            {
                "name": f"Bench Product {i}",
                "default_code": f"BENCH-P{i:03d}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0 + i,
                "invoice_policy": "order",
                "taxes_id": [(6, 0, tax.ids)],
            }
            for i in range(N_PRODUCTS)
        ]
    )
    shipping = env["product.product"].create(
        {
            "name": CARRIER_NAME,
            "type": "service",
            "invoice_policy": "order",
            "list_price": 0.0,
            "taxes_id": [(6, 0, tax.ids)],
        }
    )
    env["delivery.carrier"].create(
        {
            "name": CARRIER_NAME,
            "delivery_type": "fixed",
            "fixed_price": 0.0,
            "product_id": shipping.id,
        }
    )
    for product in products:
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, STOCK_PER_PRODUCT
        )
    common = {"channel_type": "marketplace", "warehouse_id": warehouse.id}
    env["omni.channel"].create(
        [
            {
                "name": "Bench review",
                "code": CHANNEL_REVIEW,
                "processing_policy": "review",
                "invoice_policy": "manual",
                **common,
            },
            {
                "name": "Bench touchless",
                "code": CHANNEL_TOUCHLESS,
                "processing_policy": "touchless",
                "invoice_policy": "dispatch",
                **common,
            },
            {
                "name": "Bench lookup",
                "code": CHANNEL_LOOKUP,
                "processing_policy": "review",
                "invoice_policy": "manual",
                **common,
            },
        ]
    )
    return {"customers": N_CUSTOMERS, "products": N_PRODUCTS}


def setup_saw(env, args):
    """The SAW workflow used by the SAW scenario: confirm, deliver, invoice, post;
    no confirmation e-mail (no SMTP/wkhtmltopdf here, see PERF_BASELINES §5)."""
    workflow = env.ref("sale_automatic_workflow.automatic_validation")
    values = {
        "validate_order": True,
        "create_invoice": True,
        "validate_invoice": True,
        "send_order_confirmation_mail": False,
        "invoice_date_is_order_date": False,
    }
    if "validate_picking" in workflow._fields:
        values["validate_picking"] = True
    for name in ("register_payment", "send_invoice", "sale_done"):
        if name in workflow._fields:
            values[name] = False
    workflow.write(values)
    return {"workflow": workflow.name, "fields": sorted(values)}


# --------------------------------------------------------------------------- scenarios
def run_batches(env, specs, step, meter=None, warm=True):
    """Untimed warm-up on the first ``WARMUP`` specs, then the timed loop: ``step``
    on every chunk of 100, commit after each chunk (inside the timing)."""
    if warm:
        step(specs[:WARMUP])
        env.cr.commit()
        env.invalidate_all()
        specs = specs[WARMUP:]
    if not specs:
        return Meter(), 0
    meter = meter or Meter()
    for chunk in chunks(specs):
        with meter:
            step(chunk)
            env.cr.commit()
    return meter, len(specs)


def scenario_create(env, args):
    """The ceiling: plain batched ``sale.order.create`` of the parsed orders on a
    review channel (orders stay buffered), ``create([100])`` per commit."""
    review = channel(env, CHANNEL_REVIEW)
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"C{args.rep}")

    def step(chunk):
        env["sale.order"].create([order_vals(s, review) for s in chunk])

    meter, count = run_batches(env, specs, step)
    done = env["sale.order"].search_count([("channel_id", "=", review.id)])
    assert done == count + WARMUP, (done, count)
    return meter.result(count)


def scenario_e2e_plain(env, args):
    """Plain batched ORM, per chunk of 100: create, action_confirm, deliver every
    picking with one button_validate, ``_create_invoices(grouped=True)`` (one invoice
    per order), action_post. No channel: Odoo's own flow."""
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"P{args.rep}")
    money = plain_money(env)

    def step(chunk):
        orders = env["sale.order"].create([order_vals(s, **money) for s in chunk])
        orders.action_confirm()
        validate_pickings(orders.picking_ids)
        moves = orders._create_invoices(grouped=True)
        moves.action_post()

    meter, count = run_batches(env, specs, step)
    refs = [s["ref"] for s in specs]
    return meter.result(count, **check_fulfilled(env, refs), **check_money(env, specs))


def scenario_e2e_plain_grouped(env, args):
    """``e2e_plain`` with ``_create_invoices(grouped=False)``: one invoice per
    customer and batch (less work than one per order, which ``e2e_ours`` and
    ``e2e_plain`` make; kept for comparison with earlier runs)."""
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"G{args.rep}")
    money = plain_money(env)

    def step(chunk):
        orders = env["sale.order"].create([order_vals(s, **money) for s in chunk])
        orders.action_confirm()
        validate_pickings(orders.picking_ids)
        moves = orders._create_invoices(grouped=False, final=True)
        moves.action_post()

    meter, count = run_batches(env, specs, step)
    return meter.result(count, **check_fulfilled(env, [s["ref"] for s in specs]))


def scenario_e2e_ours(env, args):
    """Our pipeline, per chunk of 100: create on a touchless channel that invoices on
    dispatch (the orders confirm in create), then one batch validation of their
    deliveries (the invoices are created and posted by the dispatch hook)."""
    auto = channel(env, CHANNEL_TOUCHLESS)
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"O{args.rep}")
    carrier = bench_carrier(env)

    def step(chunk):
        orders = env["sale.order"].create(
            [order_vals(s, auto, carrier=carrier) for s in chunk]
        )
        validate_pickings(orders.picking_ids)

    meter, count = run_batches(env, specs, step)
    refs = [s["ref"] for s in specs]
    return meter.result(count, **check_fulfilled(env, refs), **check_money(env, specs))


def scenario_e2e_saw(env, args):
    """OCA sale_automatic_workflow(+_stock), per chunk of 100: create the orders with
    the automatic workflow, then one ``automatic.workflow.job.run()`` (what its cron
    calls: confirm, validate pickings, create and post invoices, each order in a
    savepoint), commit."""
    workflow = env.ref("sale_automatic_workflow.automatic_validation")
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"S{args.rep}")
    money = plain_money(env)

    def step(chunk):
        env["sale.order"].create(
            [order_vals(s, workflow_process_id=workflow.id, **money) for s in chunk]
        )
        env["automatic.workflow.job"].run()

    meter, count = run_batches(env, specs, step)
    refs = [s["ref"] for s in specs]
    return meter.result(count, **check_fulfilled(env, refs), **check_money(env, specs))


def check_fulfilled(env, refs):
    """Every order confirmed, delivered, fully invoiced by posted invoices."""
    orders = env["sale.order"].search([("client_order_ref", "in", refs)])
    pickings = orders.picking_ids
    invoices = orders.invoice_ids
    counts = {
        "check_orders": len(orders),
        "check_confirmed": len(orders.filtered(lambda o: o.state == "sale")),
        "check_delivered": len(
            orders.filtered(
                lambda o: o.picking_ids
                and all(p.state == "done" for p in o.picking_ids)
            )
        ),
        "check_invoiced": len(
            orders.filtered(
                lambda o: o.invoice_status == "invoiced"
                and o.invoice_ids
                and all(m.state == "posted" for m in o.invoice_ids)
            )
        ),
    }
    expected = len(refs)
    bad = {k: v for k, v in counts.items() if v != expected}
    assert not bad, f"expected {expected} of each, got {counts}"
    counts["check_pickings"] = len(pickings)
    counts["check_invoices"] = len(invoices)
    return counts


def insert_copies(env, seed_order, start, stop, channel_id):
    """Bulk copies of one ORM-created order by SQL (every column copied, only the
    name and the channel order number differ): what the lookup needs, nothing more
    (no lines, no pickings)."""
    cr = env.cr
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'sale_order' AND column_name != 'id'"
    )
    columns = [row[0] for row in cr.fetchall()]
    replace = {
        "name": "'BL' || g",
        "channel_order_ref": "'LK-' || lpad(g::text, 7, '0')",
        "channel_id": str(int(channel_id)),
        "client_order_ref": "NULL",
        "access_token": "NULL",
    }
    cols = ", ".join(f'"{c}"' for c in columns)
    exprs = ", ".join(replace.get(c, f's."{c}"') for c in columns)
    cr.execute(
        f"INSERT INTO sale_order ({cols}) SELECT {exprs} "  # noqa: S608
        "FROM sale_order s, generate_series(%s, %s) g WHERE s.id = %s",
        (start, stop - 1, seed_order.id),
    )
    cr.execute("ANALYZE sale_order")
    cr.commit()


def measure_lookups(env, channel_id, total, rng, count):
    """Mean latency of ``search([channel, channel_order_ref])`` over ``count``
    random refs: 90 % existing, 10 % missing; 100 untimed first."""
    Order = env["sale.order"]

    def ref():
        if rng.random() < 0.9:
            return f"LK-{rng.randrange(1, total):07d}"
        return f"LK-MISSING-{rng.randrange(10**9)}"

    for _i in range(100):
        Order.search(
            [("channel_id", "=", channel_id), ("channel_order_ref", "=", ref())]
        )
    meter = Meter()
    hits = 0
    with meter:
        for _i in range(count):
            hits += bool(
                Order.search(
                    [("channel_id", "=", channel_id), ("channel_order_ref", "=", ref())]
                )
            )
    return {
        "rows": total,
        "mean_ms": round(1000 * meter.wall / count, 4),
        "sql_per_lookup": round(meter.sql / count, 2),
        "hits": hits,
    }


def scenario_lookup(env, args):
    """Lookup by channel order number at 1k rows, then at ``--lookup-rows`` rows
    (SQL copies of one order, see ``insert_copies``), same process, same lookups."""
    lookup = channel(env, CHANNEL_LOOKUP)
    specs = order_specs(env, 1, args.seed, "LK")
    seed_order = env["sale.order"].create([order_vals(specs[0], lookup)])
    seed_order.channel_order_ref = "LK-0000000"
    env.cr.commit()
    small, big = args.lookup_small, args.lookup_rows
    rng = random.Random(args.seed)
    started = time.perf_counter()
    insert_copies(env, seed_order, 1, small, lookup.id)
    first = measure_lookups(env, lookup.id, small, rng, args.lookups)
    insert_copies(env, seed_order, small, big, lookup.id)
    inserted = time.perf_counter() - started
    second = measure_lookups(env, lookup.id, big, rng, args.lookups)
    env.cr.execute(
        "EXPLAIN SELECT id FROM sale_order WHERE channel_id = %s "
        "AND channel_order_ref = %s",
        (lookup.id, "LK-0000042"),
    )
    plan = " / ".join(row[0].strip() for row in env.cr.fetchall())
    return {
        "small": first,
        "big": second,
        "ratio": round(second["mean_ms"] / first["mean_ms"], 3),
        "insert_s": round(inserted, 2),
        "plan": plan,
        "rss_peak_mb": round(proc_status("VmHWM"), 1),
    }


def scenario_rss(env, args):
    """Resident memory after importing ``--rss-small`` then ``--rss-orders`` orders
    in one process (batched create on the review channel, commit every 100)."""
    review = channel(env, CHANNEL_REVIEW)
    total = args.rss_orders
    specs = order_specs(env, total + WARMUP, args.seed, f"R{args.rep}")
    rss = {}

    def step(chunk):
        env["sale.order"].create([order_vals(s, review) for s in chunk])

    run_batches(env, specs[: WARMUP + args.rss_small], step)
    rss["small"] = {
        "orders": args.rss_small,
        "rss_mb": round(proc_status("VmRSS"), 1),
        "hwm_mb": round(proc_status("VmHWM"), 1),
    }
    meter, count = run_batches(env, specs[WARMUP + args.rss_small :], step, warm=False)
    rss["big"] = {
        "orders": total,
        "rss_mb": round(proc_status("VmRSS"), 1),
        "hwm_mb": round(proc_status("VmHWM"), 1),
    }
    rss["ratio"] = round(rss["big"]["rss_mb"] / rss["small"]["rss_mb"], 3)
    rss["orders_per_s_after_small"] = round(count / meter.wall, 2)
    return rss


# --------------------------------------------------------------------------- connectors
# run.py runs a copy of this file: it says where the repository is
ROOT = os.environ.get("BENCH_REPO_ROOT") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))
)
LAZADA_KEY, LAZADA_SECRET = "123456", "helloworld"


class Simulator:
    """A platform simulator in its own process (``python -m simulators``), like a
    remote platform: it does not share this process' CPU time or GIL."""

    def __init__(self, name, orders, seed, options=None):
        import subprocess

        sys.path.insert(0, ROOT)
        from scripts.odoo_env import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "simulators", name, "--port", str(self.port)]
        cmd += ["--orders", str(orders), "--seed", str(seed)]
        for key, value in (options or {}).items():
            cmd += ["--option", f"{key}={value}"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import requests

        for _i in range(300):
            try:
                requests.get(self.url + "/_sim/state", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"the {name} simulator did not start")

    def post(self, path, payload=None):
        import requests

        resp = requests.post(self.url + path, json=payload or {}, timeout=60)
        resp.raise_for_status()
        return resp.json()

    def get(self, path):
        import requests

        resp = requests.get(self.url + path, timeout=60)
        resp.raise_for_status()
        return resp.json()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def pricelist_in(env, code):
    """A pricelist in currency ``code`` (activated), found or made."""
    currency = (
        env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "=", code)], limit=1)
    )
    currency.active = True
    return env["product.pricelist"].search(
        [("currency_id", "=", currency.id)], limit=1
    ) or env["product.pricelist"].create(
        {"name": f"{code} prices", "currency_id": currency.id}
    )


def setup_lazada_channel(env, sim, batch):
    """A review channel (orders stay buffered) on the Lazada simulator, authorised,
    every catalogue SKU mapped to a bench product."""
    from simulators.data import catalogue

    lazada = channel(env, CHANNEL_REVIEW).copy(
        {
            "name": "Bench Lazada",
            "code": "BENCH-LZ",
            "platform": "lazada",
            # the simulator's shop sells in its currency: so does the channel
            "pricelist_id": pricelist_in(env, sim.get("/_sim/state")["currency"]).id,
            "api_base_url": sim.url + "/rest",
            "app_key": LAZADA_KEY,
            "app_secret": LAZADA_SECRET,
            "page_limit": 100,
            "rate_limit_per_second": 0,
            "import_in_batch": batch,
            "initial_import_days": 365,
            "stock_sync": False,
        }
    )
    code = sim.post("/_sim/auth/code")["code"]
    lazada._connector_exchange_code(code)
    products = env["product.product"].search(
        [("default_code", "=like", "BENCH-P%")], order="id"
    )
    env["omni.channel.product"].create(
        [
            {
                "channel_id": lazada.id,
                "channel_sku": item["sku"],
                "product_id": products[i % len(products)].id,
            }
            for i, item in enumerate(catalogue())
        ]
    )
    env.cr.commit()
    return lazada


def run_queue_jobs(registry, max_rounds=50):
    """What queue_job's runner + /queue_job/runjob do, in this process: every
    pending job, by priority then age, in its own cursor and transaction
    (enqueued -> started (commit) -> perform -> done (commit) -> dependent jobs
    pending (commit))."""
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.controllers.main import RunJobController
    from odoo.addons.queue_job.exception import RetryableJobError

    stats = {"jobs": 0, "retried": 0, "failed": 0}
    for _round in range(max_rounds):
        with registry.cursor() as cr:
            cr.execute(
                "SELECT uuid FROM queue_job WHERE state = 'pending' "
                "ORDER BY priority, date_created, id"
            )
            uuids = [row[0] for row in cr.fetchall()]
        if not uuids:
            return stats
        for uuid in uuids:
            with registry.cursor() as cr:
                cr.execute(
                    "UPDATE queue_job SET state = 'enqueued', date_enqueued = now() "
                    "WHERE uuid = %s AND state = 'pending'",
                    (uuid,),
                )
                cr.commit()
                env = api.Environment(cr, SUPERUSER_ID, {})
                job = RunJobController._acquire_job(env, uuid)
                if not job:
                    continue
                try:
                    RunJobController._try_perform_job(env, job)
                    stats["jobs"] += 1
                    # what /queue_job/runjob does next: the jobs waiting for
                    # this one (a pull's watermark job) become pending
                    RunJobController._enqueue_dependent_jobs(env, job)
                    cr.commit()
                except RetryableJobError:
                    cr.rollback()
                    cr.execute(
                        "UPDATE queue_job SET state = 'pending' WHERE uuid = %s",
                        (uuid,),
                    )
                    cr.commit()
                    stats["retried"] += 1
                except Exception:
                    cr.rollback()
                    cr.execute(
                        "UPDATE queue_job SET state = 'failed' WHERE uuid = %s",
                        (uuid,),
                    )
                    cr.commit()
                    stats["failed"] += 1
    return stats


def _import(env, args, batch):
    """Import ``--orders`` orders from the Lazada simulator over HTTP through the
    real connector path: the scheduled action's code (``_cron_import_orders``)
    enqueues the pull job; the jobs run as the runner would run them (pull job ->
    one job per page and the watermark job, or the pages imported in the pull job when
    ``import_in_batch``). Then the ceiling, in the same process: plain batched
    ``sale.order.create`` of the same orders (partners, products, quantities, prices
    of the imported orders), ``create([100])`` per commit."""
    registry = env.registry
    sim = Simulator("lazada", args.orders, args.seed + args.rep)
    try:
        lazada = setup_lazada_channel(env, sim, batch)
        review = channel(env, CHANNEL_REVIEW)
        # warm-up of the create path (the ormcaches), as in the other scenarios
        warm = order_specs(env, WARMUP, args.seed, f"W{args.rep}")
        env["sale.order"].create([order_vals(s, review) for s in warm])
        env.cr.commit()
        env.invalidate_all()
        meter = Meter()
        with meter:
            env["omni.channel"].with_context(omni_actor="cron")._cron_import_orders()
            env.cr.commit()
            jobs = run_queue_jobs(registry)
        env.invalidate_all()
        imported = env["sale.order"].search(
            [("channel_id", "=", lazada.id)], order="id"
        )
        count = len(imported)
        assert count, "nothing imported"
        specs = [
            {
                "ref": f"CEIL-{args.rep}-{order.channel_order_ref}",
                "partner_id": order.partner_id.id,
                "lines": [
                    (line.product_id.id, line.product_uom_qty, line.price_unit)
                    for line in order.order_line
                    if not line.display_type
                ],
            }
            for order in imported
        ]
        lines = sum(len(s["lines"]) for s in specs)
        ceiling, _count = run_batches(
            env,
            specs,
            lambda chunk: env["sale.order"].create(
                [order_vals(s, review) for s in chunk]
            ),
            warm=False,
        )
        ceil = ceiling.result(count)
        plain = _plain_orm_import(env, imported, review, args.rep)
        unlinked = env["sale.order.line"].search_count(
            [("order_id", "in", imported.ids), ("is_unlinked", "=", True)]
        )
        return meter.result(
            count,
            jobs=jobs,
            lines=lines,
            unlinked_lines=unlinked,
            states=dict(
                env["sale.order"]._read_group(
                    [("id", "in", imported.ids)], ["state"], ["__count"]
                )
            ),
            ceiling=ceil,
            ceiling_orders_per_s=ceil["orders_per_s"],
            ratio=round(count / meter.wall / ceil["orders_per_s"], 3),
            plain_import=plain,
            plain_import_orders_per_s=plain["orders_per_s"],
            ratio_plain_import=round(count / meter.wall / plain["orders_per_s"], 3),
        )
    finally:
        sim.stop()


PARTNER_FIELDS = ("name", "email", "phone", "street", "street2", "city", "zip")


def _plain_orm_import(env, imported, review, rep):
    """The like-for-like ceiling: what plain batched ORM code does to store the
    same orders as they come from the channel, per 100 orders: one
    ``res.partner.create`` of their customers (copies of the customers the
    import created: the channel's buyers are new to Odoo), one
    ``sale.order.create``, one ``_action_cancel()`` of the ones the channel
    cancelled, commit. No HTTP, no jobs, no mapping, no bindings."""
    specs = []
    for order in imported:
        partner = order.partner_id
        specs.append(
            {
                "ref": f"PLAIN-{rep}-{order.channel_order_ref}",
                "partner": {
                    **{name: partner[name] for name in PARTNER_FIELDS},
                    "country_id": partner.country_id.id,
                    "customer_rank": 1,
                },
                "cancelled": order.state == "cancel",
                "lines": [
                    (line.product_id.id, line.product_uom_qty, line.price_unit)
                    for line in order.order_line
                    if not line.display_type
                ],
            }
        )

    def step(chunk):
        partners = env["res.partner"].create([spec["partner"] for spec in chunk])
        orders = env["sale.order"].create(
            [
                order_vals(dict(spec, partner_id=partner.id), review)
                for spec, partner in zip(chunk, partners, strict=True)
            ]
        )
        cancelled = orders.filtered(lambda o: o.client_order_ref in refs_cancelled)
        if cancelled:
            cancelled._action_cancel()

    refs_cancelled = {spec["ref"] for spec in specs if spec["cancelled"]}
    meter, _count = run_batches(env, specs, step, warm=False)
    return meter.result(len(specs))


def scenario_import(env, args):
    return _import(env, args, batch=False)


def scenario_import_batch(env, args):
    return _import(env, args, batch=True)


def lazada_push_body(order_id, n):
    """A Lazada order push sent now (older ones are refused as replays), unique."""
    now = time.time()
    return json.dumps(
        {
            "seller_id": "1000123456",
            "message_type": 0,
            "data": {
                "order_status": "pending",
                "trade_order_id": str(order_id),
                "trade_order_line_id": str(n),
                "status_update_time": int(now),
            },
            "timestamp": int(now * 1000),
            "site": "lazada_sg",
        }
    ).encode()


def scenario_webhook(env, args):
    """Acknowledgement latency of the Lazada webhook: Odoo with workers on a free
    port (``scripts/odoo_env.odoo_command``), a load generator (thread pool) sending
    signed pushes at ``--rate`` requests/s for ``--seconds`` s over loopback; the
    latency of each request from its scheduled send time (open loop) to the answer."""
    import hashlib
    import hmac
    import subprocess
    from concurrent.futures import ThreadPoolExecutor

    import requests

    sys.path.insert(0, ROOT)
    from scripts.odoo_env import free_port, odoo_command

    lazada = channel(env, CHANNEL_REVIEW).copy(
        {
            "name": "Bench Lazada webhook",
            "code": "BENCH-LZW",
            "platform": "lazada",
            "api_base_url": "http://127.0.0.1:9/rest",
            "app_key": LAZADA_KEY,
            "app_secret": LAZADA_SECRET,
        }
    )
    port = free_port()
    path = f"/channel_connectors/webhook/{lazada.id}/{lazada.sudo().webhook_token}"
    env["ir.config_parameter"].set_param("web.base.url", f"http://127.0.0.1:{port}")
    env.cr.commit()
    cmd = odoo_command(
        env.cr.dbname,
        f"--workers={args.workers}",
        "--max-cron-threads=0",
        "--log-level=warn",
        *args.server_args.split(),
        data_dir=args.data_dir,
        http_port=port,
        logfile=(args.logfile or "/dev/null") + ".server",
    )
    cmd[cmd.index("--addons-path") + 1] = args.addons_path
    script = os.path.join(os.path.dirname(sys.executable), "odoo")
    if cmd[1:3] == ["-m", "odoo"] and os.path.exists(script):
        # the prefork server re-runs sys.argv[0] for its gevent process: a script
        cmd = [sys.executable, script, *cmd[3:]]
    server = subprocess.Popen(cmd, cwd=ROOT)
    url = f"http://127.0.0.1:{port}{path}"
    local = __import__("threading").local()

    def send(n, at):
        body = lazada_push_body(100000 + n, n)
        signature = hmac.new(
            LAZADA_SECRET.encode(), LAZADA_KEY.encode() + body, hashlib.sha256
        ).hexdigest()
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            resp = session.post(
                url,
                data=body,
                headers={
                    "Authorization": signature,
                    "Content-Type": "application/json",
                },
                timeout=30,
            )
        except requests.RequestException as error:  # counted, not fatal
            local.session = None
            return type(error).__name__, time.perf_counter() - at
        return resp.status_code, time.perf_counter() - at

    try:
        for _i in range(600):  # the server is up and the route answers
            if send(-1, time.perf_counter())[0] == 200:
                break
            time.sleep(0.1)
        for n in range(20):  # warm-up: every worker loads its registry
            send(-2 - n, time.perf_counter())
        serial = sorted(send(-30 - n, time.perf_counter())[1] for n in range(20))
        spy = None
        if os.environ.get("BENCH_PYSPY"):  # py-spy binary: sample the server
            spy = subprocess.Popen(
                [
                    os.environ["BENCH_PYSPY"],
                    "record",
                    "--subprocesses",
                    "--idle",
                    "--format",
                    "raw",
                    "-d",
                    str(int(args.seconds) + 2),
                    "-p",
                    str(server.pid),
                    "-o",
                    args.result + ".pyspy.txt",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        total = int(args.rate * args.seconds)
        start = time.perf_counter() + 0.5
        with ThreadPoolExecutor(max_workers=32) as pool:
            futures = [
                pool.submit(send, n, start + n / args.rate) for n in range(total)
            ]
            results = [f.result() for f in futures]
        wall = time.perf_counter() - start
        if spy:
            spy.wait(60)
    finally:
        server.terminate()
        server.wait(30)
    latencies = sorted(r[1] * 1000 for r in results)
    statuses = {}
    for code, _latency in results:
        statuses[str(code)] = statuses.get(str(code), 0) + 1

    def pct(p):
        return round(
            latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 2
        )

    env.invalidate_all()
    jobs = env["queue.job"].search_count([("method_name", "=", "_import_order_job")])
    return {
        "requests": total,
        "rate": args.rate,
        "seconds": round(wall, 2),
        "statuses": statuses,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(latencies[-1], 2),
        "mean_ms": round(sum(latencies) / len(latencies), 2),
        "jobs_enqueued": jobs,
        "workers": args.workers,
        "serial_median_ms": round(1000 * serial[len(serial) // 2], 2),
    }


def scenario_webhook_steps(env, args):
    """Diagnosis (not in the default set): the webhook controller's steps in this
    process, ``--orders`` pushes, each committed like a request: signature (from
    the credentials), receipt (the stored push), drain job (found or created),
    commit (mean ms each)."""
    import hashlib
    import hmac

    lazada = channel(env, CHANNEL_REVIEW).copy(
        {
            "name": "Bench Lazada webhook",
            "code": "BENCH-LZW",
            "platform": "lazada",
            "api_base_url": "http://127.0.0.1:9/rest",
            "app_key": LAZADA_KEY,
            "app_secret": LAZADA_SECRET,
        }
    )
    env.cr.commit()
    steps = {"verify": 0.0, "receipt": 0.0, "drain_job": 0.0, "commit": 0.0}
    count = max(args.orders, 1)
    meter = Meter()
    for n in range(count + WARMUP):
        body = lazada_push_body(100000 + n, n)
        signature = hmac.new(
            LAZADA_SECRET.encode(), LAZADA_KEY.encode() + body, hashlib.sha256
        ).hexdigest()
        env.invalidate_all()  # a request starts with empty caches
        if n == WARMUP:
            meter.__enter__()
        t0 = time.perf_counter()
        chan = env["omni.channel"].browse(lazada.id).with_context(omni_actor="webhook")
        assert chan._connector_check_webhook({"Authorization": signature}, body)
        t1 = time.perf_counter()
        digest = hashlib.sha256(body).hexdigest()
        assert env["channel.webhook.receipt"]._receive(chan, digest, body.decode())
        t2 = time.perf_counter()
        chan._enqueue_webhook_drain()
        t3 = time.perf_counter()
        env.cr.commit()
        t4 = time.perf_counter()
        if n >= WARMUP:
            for key, value in zip(
                steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True
            ):
                steps[key] += value
    meter.__exit__(None, None, None)
    result = meter.result(count)
    result["steps_ms"] = {k: round(1000 * v / count, 3) for k, v in steps.items()}
    return result


# --------------------------------------------------------------------------- drop-ship
#: the distributor simulator's three distributors (simulators/distributor.py
#: DEFAULT_DISTRIBUTORS): cXML with real-time checks, UBL with real-time checks,
#: openTRANS without; every product is supplied by one of them (product i: i % 3)
DROPSHIP_DISTRIBUTORS = (
    ("ingram", "cxml", True),
    ("techdata", "ubl", True),
    ("exertis", "opentrans", False),
)
DROPSHIP_STOCK = 10_000_000


class Split:
    """Wall seconds of a part of a timed step, added to ``splits[key]``."""

    def __init__(self, splits, key):
        self.splits, self.key = splits, key

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        elapsed = time.perf_counter() - self.started
        self.splits[self.key] = self.splits.get(self.key, 0.0) + elapsed

    @staticmethod
    def rounded(splits):
        return {key: round(value, 3) for key, value in splits.items()}


def dropship_fixtures(env):
    """Untimed, the same in both drop-ship scenarios: the bench products get Odoo's
    Dropship route and one vendor line each (three vendors buying in GBP, the vendor
    product code one of the simulator's catalogue MPNs, which its distributors
    accept as part references); the customers get a shipping address (the UBL,
    cXML and openTRANS documents need one). Returns the vendors by code."""
    from odoo import Command

    from simulators.data import catalogue

    gbp = env.ref("base.GBP")
    gbp.active = True
    route = env.ref("stock_dropshipping.route_drop_shipping")
    env["res.partner"].search([("ref", "=like", "BENCH-C%")]).write(
        {
            "street": "1 Deansgate",
            "city": "Manchester",
            "zip": "M1 1AE",
            "country_id": env.ref("base.uk").id,
        }
    )
    vendors = env["res.partner"].create(
        [
            {
                "name": f"Bench distributor {code}",
                "is_company": True,
                "email": f"orders@{code}.example.com",
                "property_purchase_currency_id": gbp.id,
            }
            for code, _format, _realtime in DROPSHIP_DISTRIBUTORS
        ]
    )
    mpns = [item["sku"] for item in catalogue()]
    products = env["product.product"].search(
        [("default_code", "=like", "BENCH-P%")], order="id"
    )
    products.product_tmpl_id.write({"route_ids": [Command.link(route.id)]})
    env["product.supplierinfo"].create(
        [
            {
                "partner_id": vendors[i % len(vendors)].id,
                "product_tmpl_id": product.product_tmpl_id.id,
                "product_code": mpns[i % len(mpns)],
                "price": round(product.list_price * 0.6, 2),
                "currency_id": gbp.id,
                "min_qty": 0,
                "delay": 1,
            }
            for i, product in enumerate(products)
        ]
    )
    env.cr.commit()
    return dict(zip([d[0] for d in DROPSHIP_DISTRIBUTORS], vendors, strict=True))


def dropship_orders(env, args, prefix):
    """The drop-ship orders (quotations, untimed, committed per 100), in the
    order of the specs."""
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"{prefix}{args.rep}")
    for chunk in chunks(specs):
        env["sale.order"].create([order_vals(s) for s in chunk])
        env.cr.commit()
    orders = env["sale.order"].search(
        [("client_order_ref", "in", [s["ref"] for s in specs])], order="id"
    )
    assert len(orders) == len(specs), (len(orders), len(specs))
    return orders


def run_order_batches(env, orders, step, splits):
    """``run_batches`` on existing orders: untimed warm-up on the first
    ``WARMUP``, then ``step`` per chunk of 100 orders, commit inside the timing.
    ``splits`` ({part: seconds}, filled by ``step``) is emptied after the
    warm-up."""
    step(orders[:WARMUP])
    env.cr.commit()
    env.invalidate_all()
    splits.clear()
    meter = Meter()
    for ids in chunks(orders[WARMUP:].ids):
        with meter:
            step(env["sale.order"].browse(ids))
            env.cr.commit()
    return meter, len(orders) - WARMUP


def check_dropshipped(env, orders, transmitted):
    """Every order confirmed, every line bought by a confirmed drop-ship purchase
    order (a drop-ship receipt to the customer); with ``transmitted``, every
    purchase order acknowledged by the distributor."""
    env.invalidate_all()
    lines = orders.order_line.filtered(lambda ln: not ln.display_type)
    purchases = lines.purchase_line_ids.order_id
    counts = {
        "check_orders": len(orders),
        "check_confirmed": len(orders.filtered(lambda o: o.state == "sale")),
        "check_lines": len(lines),
        "check_lines_bought": len(
            lines.filtered(
                lambda ln: ln.purchase_line_ids
                and all(p.state == "purchase" for p in ln.purchase_line_ids)
                and sum(ln.purchase_line_ids.mapped("product_qty"))
                == ln.product_uom_qty
            )
        ),
        "check_pos": len(purchases),
        "check_pos_confirmed": len(purchases.filtered(lambda p: p.state == "purchase")),
        "check_pos_dropship": len(
            purchases.filtered(
                lambda p: p.picking_ids
                and all(pk.picking_type_code == "dropship" for pk in p.picking_ids)
            )
        ),
    }
    if transmitted:
        transmissions = purchases.dropship_transmission_ids
        counts["check_pos_acknowledged"] = len(
            purchases.filtered(
                lambda p: p.dropship_transmission_state == "acknowledged"
            )
        )
        counts["check_transmissions"] = len(transmissions)
    wanted = {
        "check_confirmed": len(orders),
        "check_lines_bought": len(lines),
        "check_pos_confirmed": len(purchases),
        "check_pos_dropship": len(purchases),
    }
    if transmitted:
        wanted["check_pos_acknowledged"] = len(purchases)
        wanted["check_transmissions"] = len(purchases)
    bad = {k: (counts[k], v) for k, v in wanted.items() if counts[k] != v}
    assert not bad, f"(got, expected): {bad}; all: {counts}"
    assert purchases, "no purchase order"
    return counts


def scenario_dropship_plain(env, args):
    """Odoo's own drop-ship flow, what a user does without supplier_dropship's
    Ship: drop-ship products with a vendor line, per chunk of 100 quotations one
    ``action_confirm()`` (the procurement creates the RFQs through the Dropship
    route) and one ``button_confirm()`` of their RFQs, commit. supplier_dropship
    is installed (same database) but no distributor is configured, so it defers
    nothing."""
    dropship_fixtures(env)
    orders = dropship_orders(env, args, "DP")
    splits = {}

    def step(batch):
        with Split(splits, "action_confirm_s"):
            batch.action_confirm()
        with Split(splits, "po_button_confirm_s"):
            rfqs = batch.order_line.purchase_line_ids.order_id
            rfqs.filtered(lambda p: p.state in ("draft", "sent")).button_confirm()

    meter, count = run_order_batches(env, orders, step, splits)
    return meter.result(
        count,
        splits=Split.rounded(splits),
        **check_dropshipped(env, orders, transmitted=False),
    )


def scenario_dropship(env, args):
    """supplier_dropship's Ship on the same orders: the distributor simulator in
    its own process (``python -m simulators distributor``), three distributors on
    it (cXML + real-time checks, UBL + real-time checks, openTRANS); per chunk of
    100 quotations one ``action_confirm()`` (the drop-ship lines wait for Ship)
    then ``action_dropship_ship()`` (per order: plan with real-time checks, one
    PO per distributor through Odoo's Dropship route, ``button_confirm``,
    document POSTed to the simulator and its acknowledgement read), commit."""
    import requests

    vendors = dropship_fixtures(env)
    sim = Simulator("distributor", 0, args.seed + args.rep)
    try:
        from simulators.data import catalogue

        for code, _format, _realtime in DROPSHIP_DISTRIBUTORS:
            for item in catalogue():  # nothing runs out of stock
                sim.post(f"/_sim/{code}/parts/{item['sku']}", {"stock": DROPSHIP_STOCK})
        env["dropship.distributor"].create(
            [
                {
                    "partner_id": vendors[code].id,
                    "code": code,
                    "po_format": po_format,
                    "endpoint_url": f"{sim.url}/{code}/orders",
                    "realtime_supported": realtime,
                    "realtime_url": f"{sim.url}/{code}/realtime" if realtime else False,
                    "timeout": 10.0,
                    "username": "reseller",
                    "password": f"{code}-password",
                    "buyer_identity": "RESELLER-001",
                    "supplier_identity": code.upper(),
                    "shared_secret": f"{code}-shared-secret",
                    "webhook_secret": f"{code}-webhook-secret",
                }
                for code, po_format, realtime in DROPSHIP_DISTRIBUTORS
            ]
        )
        env["product.supplierinfo"].search(
            [("partner_id", "in", [v.id for v in vendors.values()])]
        ).write({"distributor_stock": DROPSHIP_STOCK})
        env.cr.commit()
        orders = dropship_orders(env, args, "DS")

        splits = {}

        def step(batch):
            with Split(splits, "action_confirm_s"):
                batch.action_confirm()
            with Split(splits, "ship_s"):
                batch.action_dropship_ship()

        meter, count = run_order_batches(env, orders, step, splits)
        checks = check_dropshipped(env, orders, transmitted=True)
        state = requests.get(sim.url + "/_sim/state", timeout=60).json()
        received = sum(len(pos) for pos in state["orders"].values())
        refused = sum(len(docs) for docs in state["rejected_documents"].values())
        assert received == checks["check_pos"] and not refused, (received, refused)
        return meter.result(
            count,
            splits=Split.rounded(splits),
            sim_pos_received=received,
            **checks,
        )
    finally:
        sim.stop()


# --------------------------------------------------------------------------- bulk
def scenario_bulk(env, args):
    """One order-desk bulk action over ``--bulk-orders`` buffered orders: the
    Bulk Action wizard's *Confirm* on the review channel's quotations
    (``omni.bulk.wizard.action_start`` -> ``omni.bulk.operation``, one queue job
    per 100 orders), the jobs run in process as queue_job's runner would run
    them (``run_queue_jobs``, one transaction per job). Untimed: creating the
    orders, a warm-up bulk confirm of ``WARMUP`` orders (run at once, same
    ``_run_chunk``). Checked: every order confirmed with its delivery, one done
    result line per order."""
    from odoo import Command

    count = args.bulk_orders or args.orders
    review = channel(env, CHANNEL_REVIEW)
    specs = order_specs(env, count + WARMUP, args.seed, f"B{args.rep}")
    for chunk in chunks(specs):
        env["sale.order"].create([order_vals(s, review) for s in chunk])
        env.cr.commit()
    orders = env["sale.order"].search(
        [("client_order_ref", "in", [s["ref"] for s in specs])], order="id"
    )
    assert set(orders.mapped("state")) == {"draft"}, orders.mapped("state")

    def start(batch):
        wizard = env["omni.bulk.wizard"].create(
            {"operation": "confirm", "order_ids": [Command.set(batch.ids)]}
        )
        return env["omni.bulk.operation"].browse(wizard.action_start()["res_id"])

    warm, todo = orders[:WARMUP], orders[WARMUP:]
    start(warm)
    env.cr.commit()
    env.invalidate_all()
    meter = Meter()
    with meter:
        bulk = start(todo)
        env.cr.commit()
        jobs = run_queue_jobs(env.registry)
    env.invalidate_all()
    confirmed = todo.filtered(lambda o: o.state == "sale")
    delivered = todo.filtered(
        lambda o: o.picking_ids and all(p.state == "assigned" for p in o.picking_ids)
    )
    checks = {
        "check_orders": len(todo),
        "check_confirmed": len(confirmed),
        "check_ready": len(delivered),
        "check_done_lines": bulk.done_count,
        "check_failed_lines": bulk.failed_count,
        "bulk_state": bulk.state,
    }
    assert (
        len(confirmed) == len(delivered) == bulk.done_count == len(todo)
        and not bulk.failed_count
        and bulk.state == "done"
        and not jobs["failed"]
    ), (checks, jobs)
    return meter.result(len(todo), jobs=jobs, **checks)


SCENARIOS = {
    "setup": setup,
    "setup_saw": setup_saw,
    "create": scenario_create,
    "e2e_plain": scenario_e2e_plain,
    "e2e_ours": scenario_e2e_ours,
    "e2e_plain_grouped": scenario_e2e_plain_grouped,
    "e2e_saw": scenario_e2e_saw,
    "lookup": scenario_lookup,
    "rss": scenario_rss,
    "import": scenario_import,
    "import_batch": scenario_import_batch,
    "webhook": scenario_webhook,
    "webhook_steps": scenario_webhook_steps,
    "dropship": scenario_dropship,
    "dropship_plain": scenario_dropship_plain,
    "bulk": scenario_bulk,
}


def load_scenario_modules():
    """Scenarios kept in their own modules next to this file (``scenarios_<name>.py``,
    each with a ``SCENARIOS`` dict); they import their helpers from ``scenarios``."""
    sys.modules.setdefault("scenarios", sys.modules[__name__])
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path.insert(0, here)
    for name in sorted(os.listdir(here)):
        if name.startswith("scenarios_") and name.endswith(".py"):
            SCENARIOS.update(importlib.import_module(name[:-3]).SCENARIOS)


def main():
    load_scenario_modules()
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--result", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--logfile")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rep", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--lookup-small", type=int, default=1000)
    parser.add_argument("--lookup-rows", type=int, default=100_000)
    parser.add_argument("--rss-small", type=int, default=1000)
    parser.add_argument("--rss-orders", type=int, default=20_000)
    parser.add_argument("--sql-profile", action="store_true")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-args", default="")
    parser.add_argument("--bulk-orders", type=int, default=0)
    parser.add_argument("--settle-small", type=int, default=1000)
    parser.add_argument("--settle-orders", type=int, default=10_000)
    parser.add_argument("--stock-orders", type=int, default=30)
    parser.add_argument("--stock-changes", type=int, default=1000)
    parser.add_argument("--stock-cycle", type=int, default=100)
    args = parser.parse_args()
    global WARMUP
    WARMUP = args.warmup

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    options = [
        "--addons-path",
        args.addons_path,
        "--data-dir",
        args.data_dir,
        "--database",
        args.db,
        "--log-level",
        "warn",
    ]
    if args.logfile:
        options += ["--logfile", args.logfile]
    for key, option in (
        ("PGHOST", "--db_host"),
        ("PGPORT", "--db_port"),
        ("PGUSER", "--db_user"),
        ("PGPASSWORD", "--db_password"),
    ):
        if os.environ.get(key):
            options += [option, os.environ[key]]
    config.parse_config(options)
    started = time.perf_counter()
    registry = odoo.modules.registry.Registry(args.db)
    load_s = time.perf_counter() - started
    rss_loaded = proc_status("VmRSS")
    sql_stats = install_sql_profiler() if args.sql_profile else None
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = SCENARIOS[args.scenario](env, args)
        cr.commit()
    if sql_stats is not None:
        top = sorted(sql_stats.items(), key=lambda item: -item[1][1])[:25]
        result["sql_profile"] = [
            {"ms": round(1000 * t, 1), "count": n, "sql": q} for q, (n, t) in top
        ]
    result["registry_load_s"] = round(load_s, 2)
    result["rss_after_registry_mb"] = round(rss_loaded, 1)
    with open(args.result, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
