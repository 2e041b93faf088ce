"""The ``stock`` scenario: one stock truth pushed to three marketplaces.

Untimed: Lazada, Shopee and TikTok Shop simulators, each in its own process,
without orders; three review channels of the company (orders stay buffered, and
hold their units), each pushing stock; the SKUs the three catalogues share, each
linked on every channel to its own product with ``STOCK`` units; the first push.

(a) Fan-out latency, ``--stock-orders`` orders: each on one channel in turn (a
buyer's order of one unit, ``/_sim/orders/new``), pulled and stored by that
channel's jobs; then the jobs run as queue_job's runner runs them, in this
process (:func:`run_due_jobs`: a job is run once its ``eta`` is due: the 5 s
debounce of the stock push counts). Measured per order: from the order's import
(its ``create_date``, the start of the import's transaction, a little before its
commit: the figure errs long) to the moment both other simulators report the new
quantity pushed (``/_sim/seller_stock``, polled every 50 ms from a thread).

(b) Coalescing, ``--stock-changes`` stock changes (inventory adjustments of the
shared SKUs, round robin, each a different quantity) in cycles of
``--stock-cycle`` changes, one commit per cycle, the due jobs run after each:
the stock calls each simulator answered (``/_sim/calls``), per channel and per
cycle. The simulators' catalogue has 13 SKUs (fewer shared by the three): the
changes spread over those, not over 100 SKUs."""

import math
import threading
import time
from collections import defaultdict
from datetime import UTC

import requests
import scenarios as base

STOCK = 1000
PLATFORMS = ("lazada", "shopee", "tiktok")
CREDENTIALS = {
    "lazada": {"app_key": base.LAZADA_KEY, "app_secret": base.LAZADA_SECRET},
    "shopee": {
        "app_key": "2001887",
        "app_secret": "shopee-partner-key",
        "shop_id": "600001",
    },
    "tiktok": {
        "app_key": "29a39d",
        "app_secret": "tiktok-app-secret",
        "shop_cipher": "ROW_sim_cipher",
    },
}
#: the stock calls of each platform's API (method and path start)
STOCK_CALLS = {
    "lazada": ("POST /rest/product/price_quantity/update",),
    "shopee": ("POST /api/v2/product/update_stock",),
    "tiktok": ("POST /product/202309/products/",),
}


def run_due_jobs(registry, timeout=300):
    """What queue_job's runner does, in this process: each pending job whose
    ``eta`` is due runs in its own transaction (as :func:`scenarios.run_queue_jobs`
    runs them: started, performed, done, its dependent jobs pending); while only
    jobs of a later ``eta`` wait, it waits for them. Returns the jobs run."""
    from odoo import SUPERUSER_ID, api

    from odoo.addons.queue_job.controllers.main import RunJobController
    from odoo.addons.queue_job.exception import RetryableJobError

    deadline = time.time() + timeout
    ran = 0
    while time.time() < deadline:
        with registry.cursor() as cr:
            cr.execute(
                "SELECT uuid, eta IS NULL OR eta <= (now() AT TIME ZONE 'UTC') "
                "FROM queue_job WHERE state = 'pending' "
                "ORDER BY priority, date_created, id"
            )
            rows = cr.fetchall()
        if not rows:
            return ran
        due = [uuid for uuid, is_due in rows if is_due]
        if not due:
            time.sleep(0.1)
            continue
        for uuid in due:
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
                    RunJobController._enqueue_dependent_jobs(env, job)
                    cr.commit()
                    ran += 1
                except RetryableJobError:
                    cr.rollback()
                    cr.execute(
                        "UPDATE queue_job SET state = 'pending' WHERE uuid = %s",
                        (uuid,),
                    )
                    cr.commit()
    raise RuntimeError("the jobs did not finish in time")


def _shared_skus(sims):
    """{SKU: {platform: item ref}} of the SKUs the three catalogues share (a
    TikTok SKU in one warehouse)."""
    from simulators.data import catalogue

    shopee = sims["shopee"].get("/_sim/state")
    tiktok = sims["tiktok"].get("/_sim/state")
    shopee_refs = {
        model["sku"]: f"{item['item_id']}:{model['model_id']}"
        for item in shopee["catalogue"]
        for model in item["models"]
    }
    tiktok_refs = {
        sku: f"{data['product_id']}:{data['sku_id']}"
        for sku, data in tiktok["stock"].items()
        if len(data["inventory"]) == 1
    }
    skus = {item["sku"] for item in catalogue()} & set(shopee_refs) & set(tiktok_refs)
    return {
        sku: {"lazada": False, "shopee": shopee_refs[sku], "tiktok": tiktok_refs[sku]}
        for sku in sorted(skus)
    }


def _setup(env, args):
    sims = {
        platform: base.Simulator(platform, 0, args.seed + index)
        for index, platform in enumerate(PLATFORMS)
    }
    warehouse = base.channel(env, base.CHANNEL_REVIEW).warehouse_id
    channels = {}
    for platform, sim in sims.items():
        state = sim.get("/_sim/state")
        currency = state.get("currency") or "MYR"
        channels[platform] = base.channel(env, base.CHANNEL_REVIEW).copy(
            {
                "name": f"Bench stock {platform}",
                "code": f"BENCH-STK-{platform.upper()}",
                "platform": platform,
                "pricelist_id": base.pricelist_in(env, currency).id,
                "api_base_url": sim.url + ("/rest" if platform == "lazada" else ""),
                "page_limit": 100,
                "rate_limit_per_second": 0,
                "initial_import_days": 1,
                "stock_sync": True,
                "auto_import": False,
                **CREDENTIALS[platform],
            }
        )
        channels[platform]._connector_exchange_code(sim.post("/_sim/auth/code")["code"])
    refs = _shared_skus(sims)
    products = {}
    for sku in refs:
        product = env["product.product"].create(
            {
                "name": f"Bench stock {sku}",
                "default_code": f"BENCH-STK-{sku}",
                "type": "consu",
                "is_storable": True,
                "list_price": 10.0,
                "invoice_policy": "order",
            }
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, STOCK
        )
        products[sku] = product
    env["omni.channel.product"].create(
        [
            {
                "channel_id": channels[platform].id,
                "channel_sku": sku,
                "channel_item_ref": refs[sku][platform],
                "product_id": products[sku].id,
            }
            for sku in refs
            for platform in PLATFORMS
        ]
    )
    env.cr.commit()
    run_due_jobs(env.registry)
    env.invalidate_all()
    for platform, sim in sims.items():
        pushed = sim.get("/_sim/seller_stock")["skus"]
        assert all(pushed[sku]["pushed"] == STOCK for sku in refs), (platform, pushed)
    return sims, channels, products, refs, warehouse


def _wait_pushed(sims, sku, expected, found, timeout=120):
    """Poll the simulators ``sims`` until each reports ``expected`` pushed for
    ``sku``; ``found`` gets the time (or None on timeout)."""
    deadline = time.time() + timeout
    session = requests.Session()
    try:
        while time.time() < deadline:
            done = True
            for sim in sims:
                entry = session.get(sim.url + "/_sim/seller_stock", timeout=10).json()
                if entry["skus"].get(sku, {}).get("pushed") != expected:
                    done = False
                    break
            if done:
                found.append(time.time())
                return
            time.sleep(0.05)
        found.append(None)
    finally:
        session.close()


def _fanout(env, sims, channels, products, count):
    """Per order: seconds from its import to its new quantity on the other two
    simulators."""
    latencies = []
    skus = sorted(products)
    for index in range(count):
        origin = PLATFORMS[index % 3]
        others = [sims[p] for p in PLATFORMS if p != origin]
        sku = skus[index % len(skus)]
        before = sims[origin].get("/_sim/seller_stock")["skus"][sku]["pushed"]
        answer = sims[origin].post(
            "/_sim/orders/new", {"count": 1, "lines": [{"sku": sku, "qty": 1}]}
        )
        assert not answer["not_created"], answer
        expected = before - 1
        found = []
        poller = threading.Thread(
            target=_wait_pushed, args=(others, sku, expected, found), daemon=True
        )
        poller.start()
        channels[origin].with_context(omni_actor="cron")._enqueue_pull()
        env.cr.commit()
        run_due_jobs(env.registry)
        poller.join()
        env.invalidate_all()
        order = env["sale.order"].search(
            [("channel_id", "=", channels[origin].id)], order="id desc", limit=1
        )
        assert order and found[0], (origin, sku, found)
        stored = order.create_date.replace(tzinfo=UTC).timestamp()
        latencies.append(round(found[0] - stored, 3))
    return latencies


def _stock_calls(sim, platform):
    calls = sim.get("/_sim/calls")["by_path"]
    return sum(
        n
        for path, n in calls.items()
        if any(path.startswith(prefix) for prefix in STOCK_CALLS[platform])
    )


def _fewest_calls(refs):
    """{platform: the fewest stock calls that can carry every SKU of ``refs``}:
    Lazada 50 SKUs a call, Shopee one call per item (50 models), TikTok Shop one
    call per product (MORE_API_FACTS)."""
    items = defaultdict(int)
    products = set()
    for platforms in refs.values():
        items[platforms["shopee"].split(":")[0]] += 1
        products.add(platforms["tiktok"].split(":")[0])
    return {
        "lazada": math.ceil(len(refs) / 50),
        "shopee": sum(math.ceil(n / 50) for n in items.values()),
        "tiktok": len(products),
    }


def _done_stock_jobs(env):
    env.cr.execute(
        "SELECT count(*) FROM queue_job WHERE method_name = '_export_stock_job' "
        "AND state = 'done'"
    )
    return env.cr.fetchone()[0]


def _coalescing(env, sims, products, refs, warehouse, changes, cycle):
    """``changes`` inventory adjustments in cycles of ``cycle``; the stock calls
    each simulator answered, and the stock jobs run."""
    before = {p: _stock_calls(sim, p) for p, sim in sims.items()}
    jobs_before = _done_stock_jobs(env)
    skus = sorted(products)
    cycles = 0
    for start in range(0, changes, cycle):
        for index in range(start, min(start + cycle, changes)):
            product = products[skus[index % len(skus)]]
            quant = env["stock.quant"]._gather(product, warehouse.lot_stock_id)
            quant.inventory_quantity = STOCK - 1 - (index % 7)
            quant.action_apply_inventory()
        env.cr.commit()
        cycles += 1
        run_due_jobs(env.registry)
        env.invalidate_all()
    jobs = _done_stock_jobs(env) - jobs_before
    calls = {p: _stock_calls(sim, p) - before[p] for p, sim in sims.items()}
    # every channel shows the free quantity at the end
    for platform, sim in sims.items():
        pushed = sim.get("/_sim/seller_stock")["skus"]
        for sku, product in products.items():
            on_hand = product.with_context(warehouse_id=warehouse.id).qty_available
            held = sum(
                env["sale.order.line"]
                .search(
                    [
                        ("product_id", "=", product.id),
                        ("order_id.lifecycle_state", "=", "buffered"),
                    ]
                )
                .mapped("product_uom_qty")
            )
            assert pushed[sku]["pushed"] == int(on_hand - held), (
                platform,
                sku,
                pushed[sku],
                on_hand,
                held,
            )
    return {
        "changes": changes,
        "cycles": cycles,
        "skus": len(skus),
        "calls": calls,
        "calls_per_cycle": {p: round(n / cycles, 2) for p, n in calls.items()},
        "stock_jobs": jobs,
        "fewest_calls_per_cycle": _fewest_calls(refs),
    }


def scenario_stock(env, args):
    sims, channels, products, refs, warehouse = _setup(env, args)
    try:
        latencies = _fanout(env, sims, channels, products, args.stock_orders)
        ordered = sorted(latencies)
        result = {
            "orders": len(latencies),
            "latencies_s": latencies,
            "p50_s": ordered[len(ordered) // 2],
            "p95_s": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        }
        result["coalescing"] = _coalescing(
            env, sims, products, refs, warehouse, args.stock_changes, args.stock_cycle
        )
        failed = env["channel.sync.log"].search_count(
            [
                ("channel_id", "in", [c.id for c in channels.values()]),
                ("operation", "=", "stock/update"),
                ("state", "=", "failed"),
            ]
        )
        assert not failed, f"{failed} stock push(es) refused"
    finally:
        for sim in sims.values():
            sim.stop()
    return result


SCENARIOS = {"stock": scenario_stock}
