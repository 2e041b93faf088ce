"""Fill a demo database: sales channels (pointing at the local simulators when the
connectors are installed), the simulators' catalogue as products in stock, the
marketplaces' and e-shop's orders imported from the running simulators through the
connectors, and a few hundred phone and quote-tool orders in every state of the
order desk.

Run while the simulators are up (``make demo`` starts them first): the simulators keep
their tokens in memory, so every run authorises the channels again. Idempotent.

Usage: python3 scripts/demo_populate.py --db DB [--orders N] [--seed S]
"""

import argparse
import random
import sys

import odoo_env

from simulators.__main__ import DEFAULT_PORTS
from simulators.data import buyer, catalogue

DEMO_COMPANY = "Kedai Omni Sdn Bhd"

#: the currency each simulator's shop sells in, when its state does not say it
SIM_CURRENCY = {"eshop": "PLN"}


def _sim_currency(sim):
    import requests

    url = f"http://127.0.0.1:{DEFAULT_PORTS[sim]}/_sim/state"
    try:
        state = requests.get(url, timeout=10).json()
    except (requests.RequestException, ValueError):
        state = {}
    return state.get("currency") or SIM_CURRENCY.get(sim, "MYR")


def _pricelist(env, code):
    """A pricelist in currency ``code`` (activated), found or made."""
    currency = (
        env["res.currency"]
        .with_context(active_test=False)
        .search([("name", "=", code)], limit=1)
    )
    currency.active = True
    company = env.company
    return env["product.pricelist"].search(
        [("currency_id", "=", currency.id), ("company_id", "in", [company.id, False])],
        limit=1,
    ) or env["product.pricelist"].create(
        {"name": f"{code} prices", "currency_id": currency.id, "company_id": company.id}
    )


#: import channels whose prices include tax: the hub relays marketplace orders at
#: the prices their buyers paid
TAX_INCLUDED_IMPORTS = ("BL",)

CHANNELS = [
    # name, code, type, platform, processing, invoicing, simulator
    (
        "Lazada Singapore",
        "LZ-SG",
        "marketplace",
        "lazada",
        "review",
        "dispatch",
        "lazada",
    ),
    (
        "Shopee Malaysia",
        "SP-MY",
        "marketplace",
        "shopee",
        "touchless",
        "dispatch",
        "shopee",
    ),
    (
        "TikTok Shop MY",
        "TT-MY",
        "marketplace",
        "tiktok",
        "review",
        "dispatch",
        "tiktok",
    ),
    ("E-shop", "WEB", "eshop", "eshop_xml", "review", "dispatch", "eshop"),
    ("BigLedger hub", "BL", "import", "rest", "review", "confirm", "rest"),
    ("Phone & back office", "PHONE", "manual", "none", "review", "manual", None),
    ("Wholesale (quote tool)", "QUOTE", "quote", "none", "review", "dispatch", None),
]
CONNECTION = {
    "lazada": {"app_key": "123456", "app_secret": "helloworld", "path": "/rest"},
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
    "eshop": {"app_key": "eshop-key"},
    "rest": {"access_token": "rest-token", "tenant_code": "TENANT1"},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import odoo
    from odoo import SUPERUSER_ID, Command, api

    odoo.tools.config.parse_config(
        ["--addons-path", odoo_env.addons_path(), "-d", args.db]
    )
    registry = odoo.modules.registry.Registry(args.db)
    rng = random.Random(args.seed)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
        company = malaysian_company(env)
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        if not env["omni.channel"].search_count([("code", "=", "LZ-SG")]):
            create_orders(env, args, rng, Command)
            cr.commit()
        if "api_base_url" in env["omni.channel"]._fields:
            connect_and_import(env)
            cr.commit()
        counts = env["sale.order"].read_group(
            [("channel_id", "!=", False)], ["lifecycle_state"], ["lifecycle_state"]
        )
        print(
            "[demo] orders: "
            + ", ".join(
                f"{c['lifecycle_state']} {c['lifecycle_state_count']}" for c in counts
            )
        )
    return 0


def _demo_warehouse(env, company):
    """The company's warehouse (made with it when Odoo did not)."""
    if not env["stock.warehouse"].search_count([("company_id", "=", company.id)]):
        env["stock.warehouse"].create(
            {
                "name": "Kuala Lumpur",
                "code": "KL",
                "company_id": company.id,
                "partner_id": company.partner_id.id,
            }
        )


def malaysian_company(env):
    """The demo seller: a Malaysian company (MYR, Odoo's Malaysian chart of
    accounts and SST taxes of ``l10n_my``), the admin's default company; made
    once."""
    company = env["res.company"].search([("name", "=", DEMO_COMPANY)], limit=1)
    if company:
        _demo_warehouse(env, company)
        return company
    myr = env.ref("base.MYR")
    myr.active = True
    company = env["res.company"].create(
        {
            "name": DEMO_COMPANY,
            "country_id": env.ref("base.my").id,
            "currency_id": myr.id,
            "street": "Jalan Sultan Ismail 8",
            "city": "Kuala Lumpur",
            "zip": "50250",
            "vat": "C2584563200",
        }
    )
    env["account.chart.template"].try_loading("my", company=company, install_demo=False)
    _demo_warehouse(env, company)
    admin = env.ref("base.user_admin")
    admin.write({"company_ids": [(4, company.id)], "company_id": company.id})
    env.cr.commit()
    print(f"[demo] {DEMO_COMPANY}: Malaysian chart of accounts and SST taxes")
    return company


def connect_and_import(env):
    """Authorise the connected channels against the running simulators, then pull
    their orders through the connectors (jobs run in-process)."""
    import requests

    channels = env["omni.channel"].search([("api_base_url", "!=", False)])
    products = {p.default_code: p for p in env["product.product"].search([])}
    for channel in channels:
        sim_url = channel.api_base_url.removesuffix("/rest")
        try:
            if channel.platform in ("lazada", "shopee", "tiktok"):
                code = requests.post(f"{sim_url}/_sim/auth/code", timeout=10).json()
                channel._connector_exchange_code(code["code"])
            for sku, product in products.items():
                if sku and not channel.sku_mapping_ids.filtered(
                    lambda m, sku=sku: m.channel_sku == sku
                ):
                    env["omni.channel.product"].create(
                        {
                            "channel_id": channel.id,
                            "channel_sku": sku,
                            "product_id": product.id,
                        }
                    )
            if not env["channel.order.binding"].search_count(
                [("channel_id", "=", channel.id)]
            ):
                channel.with_context(queue_job__no_delay=True)._import_orders_job()
            lines = env["sale.order.line"].search(
                [
                    ("order_id.channel_id", "=", channel.id),
                    ("channel_item_ref", "!=", False),
                ]
            )
            refs = {line.channel_sku: line.channel_item_ref for line in lines}
            for mapping in channel.sku_mapping_ids.filtered(
                lambda m: not m.channel_item_ref
            ):
                mapping.channel_item_ref = refs.get(mapping.channel_sku)
            env.cr.commit()  # one channel at a time: a failing one keeps the others
            print(f"[demo] {channel.name}: connected to {channel.api_base_url}")
        except Exception as error:  # noqa: BLE001 - the demo goes on without it
            env.cr.rollback()
            print(
                f"[demo] {channel.name}: could not import from the simulator: {error}"
            )


def create_orders(env, args, rng, Command):
    """Channels, products in stock, and offline orders in every state."""
    warehouse = env["stock.warehouse"].search(
        [("company_id", "=", env.company.id)], limit=1
    )
    channels = []
    has_connector = "api_base_url" in env["omni.channel"]._fields
    for name, code, ctype, platform, processing, invoicing, sim in CHANNELS:
        vals = {
            "name": name,
            "code": code,
            "channel_type": ctype,
            "platform": platform,
            "processing_policy": processing,
            "invoice_policy": invoicing,
            "warehouse_id": warehouse.id,
            "color": len(channels) + 1,
        }
        if has_connector and sim:
            conn = dict(CONNECTION[sim])
            path = conn.pop("path", "")
            vals["api_base_url"] = f"http://127.0.0.1:{DEFAULT_PORTS[sim]}{path}"
            vals.update(
                {k: v for k, v in conn.items() if k in env["omni.channel"]._fields}
            )
            # the simulator's shop sells in its currency: so does the channel
            vals["pricelist_id"] = _pricelist(env, _sim_currency(sim)).id
        if code in TAX_INCLUDED_IMPORTS:
            vals["price_tax_mode"] = "included"
        channels.append(env["omni.channel"].create(vals))
    products = {}
    for item in catalogue():
        product = env["product.product"].create(
            {
                "name": item["name"],
                "default_code": item["sku"],
                "type": "consu",
                "is_storable": True,
                "list_price": item["price"],
                "weight": item["weight"],
            }
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, 500
        )
        products[item["sku"]] = product
    placeholder = env.ref("omnichannel_orders.product_unlinked_channel_item")
    countries = {c.code: c.id for c in env["res.country"].search([])}
    partners = env["res.partner"].create(
        [
            {
                "name": b["name"],
                "email": b["email"],
                "phone": b["phone"],
                "street": b["address1"],
                "street2": b["address2"],
                "city": b["city"],
                "zip": b["zip"],
                "country_id": countries.get(b["country"]),
            }
            for b in (buyer(rng) for _ in range(60))
        ]
    )
    skus = list(products)
    vals_list = []
    offline = [c for c in channels if c.platform == "none"]
    for number in range(args.orders):
        channel = offline[number % len(offline)]
        lines = []
        for sku in rng.sample(skus, rng.randint(1, 3)):
            lines.append(
                Command.create(
                    {
                        "product_id": products[sku].id,
                        "product_uom_qty": rng.randint(1, 3),
                        "channel_sku": sku,
                    }
                )
            )
        if number % 37 == 0:
            lines.append(
                Command.create(
                    {
                        "product_id": placeholder.id,
                        "name": "Gift wrap [GIFT-WRAP]",
                        "channel_sku": "GIFT-WRAP",
                        "product_uom_qty": 1,
                        "price_unit": 5.0,
                    }
                )
            )
        vals_list.append(
            {
                "partner_id": rng.choice(partners).id,
                "channel_id": channel.id,
                "channel_order_ref": f"{channel.code}-{100000 + number}",
                "channel_status": "pending",
                "warehouse_id": warehouse.id,
                "order_line": lines,
            }
        )
    orders = env["sale.order"].with_context(omni_no_auto_process=True).create(vals_list)
    # spread the orders over the states of the order desk
    buckets = {
        "buffered": [],
        "confirmed": [],
        "delivered": [],
        "fulfilled": [],
        "cancelled": [],
    }
    weights = [
        ("buffered", 20),
        ("confirmed", 25),
        ("delivered", 15),
        ("fulfilled", 30),
        ("cancelled", 10),
    ]
    names = [name for name, weight in weights for _ in range(weight)]
    for order in orders:
        buckets[rng.choice(names)].append(order.id)
    browse = env["sale.order"].browse
    to_confirm = browse(
        buckets["confirmed"] + buckets["delivered"] + buckets["fulfilled"]
    )
    to_confirm.action_confirm()
    for order in browse(buckets["delivered"] + buckets["fulfilled"]):
        for picking in order.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        ):
            picking.action_assign()
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
                move.picked = True
            picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        order.channel_status = "shipped"
        order.tracking_ref = f"TRK{order.id:08d}"
    fulfilled = browse(buckets["fulfilled"]).filtered(
        lambda o: o.invoice_status == "to invoice"
    )
    if fulfilled:
        fulfilled._create_invoices().action_post()
    browse(buckets["fulfilled"]).channel_status = "delivered"
    browse(buckets["cancelled"]).with_context(
        disable_cancel_warning=True
    )._action_cancel()
    for order in browse(buckets["confirmed"])[:10]:
        order._omni_register_cancel_request("Buyer changed their mind")
    env.flush_all()


if __name__ == "__main__":
    sys.exit(main())
