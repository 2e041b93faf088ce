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
            }
        )
    return specs


def order_vals(spec, channel=None, **extra):
    from odoo import Command

    vals = {
        "partner_id": spec["partner_id"],
        "client_order_ref": spec["ref"],
        "order_line": [
            Command.create(
                {"product_id": pid, "product_uom_qty": qty, "price_unit": price}
            )
            for pid, qty, price in spec["lines"]
        ],
        **extra,
    }
    if channel:
        vals["channel_id"] = channel.id
        vals["channel_order_ref"] = spec["ref"]
    return vals


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
    products = env["product.product"].create(
        [
            {
                "name": f"Bench Product {i}",
                "default_code": f"BENCH-P{i:03d}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0 + i,
                "invoice_policy": "order",
            }
            for i in range(N_PRODUCTS)
        ]
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

    def step(chunk):
        orders = env["sale.order"].create([order_vals(s) for s in chunk])
        orders.action_confirm()
        validate_pickings(orders.picking_ids)
        moves = orders._create_invoices(grouped=True)
        moves.action_post()

    meter, count = run_batches(env, specs, step)
    return meter.result(count, **check_fulfilled(env, [s["ref"] for s in specs]))


def scenario_e2e_ours(env, args):
    """Our pipeline, per chunk of 100: create on a touchless channel that invoices on
    dispatch (the orders confirm in create), then one batch validation of their
    deliveries (the invoices are created and posted by the dispatch hook)."""
    auto = channel(env, CHANNEL_TOUCHLESS)
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"O{args.rep}")

    def step(chunk):
        orders = env["sale.order"].create([order_vals(s, auto) for s in chunk])
        validate_pickings(orders.picking_ids)

    meter, count = run_batches(env, specs, step)
    return meter.result(count, **check_fulfilled(env, [s["ref"] for s in specs]))


def scenario_e2e_saw(env, args):
    """OCA sale_automatic_workflow(+_stock), per chunk of 100: create the orders with
    the automatic workflow, then one ``automatic.workflow.job.run()`` (what its cron
    calls: confirm, validate pickings, create and post invoices, each order in a
    savepoint), commit."""
    workflow = env.ref("sale_automatic_workflow.automatic_validation")
    specs = order_specs(env, args.orders + WARMUP, args.seed, f"S{args.rep}")

    def step(chunk):
        env["sale.order"].create(
            [order_vals(s, workflow_process_id=workflow.id) for s in chunk]
        )
        env["automatic.workflow.job"].run()

    meter, count = run_batches(env, specs, step)
    return meter.result(count, **check_fulfilled(env, [s["ref"] for s in specs]))


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


SCENARIOS = {
    "setup": setup,
    "setup_saw": setup_saw,
    "create": scenario_create,
    "e2e_plain": scenario_e2e_plain,
    "e2e_ours": scenario_e2e_ours,
    "e2e_saw": scenario_e2e_saw,
    "lookup": scenario_lookup,
    "rss": scenario_rss,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--result", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--logfile")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rep", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--lookup-small", type=int, default=1000)
    parser.add_argument("--lookup-rows", type=int, default=100_000)
    parser.add_argument("--rss-small", type=int, default=1000)
    parser.add_argument("--rss-orders", type=int, default=20_000)
    parser.add_argument("--sim-url")
    args = parser.parse_args()

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
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        result = SCENARIOS[args.scenario](env, args)
        cr.commit()
    result["registry_load_s"] = round(load_s, 2)
    result["rss_after_registry_mb"] = round(rss_loaded, 1)
    with open(args.result, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
