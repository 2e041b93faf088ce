"""The marketplace simulators keep stock per seller SKU and their buyers stop at 0.

The same checks for Lazada, Shopee and TikTok Shop, each through its own stock API
(over real HTTP, signed as the platform signs): no limit before the seller pushes a
quantity; after a push, orders take units away, buyers order fewer or other SKUs
and then nothing, the listing shows what is left, and only a forced order oversells.
"""

import pytest
import requests

from simulators.data import catalogue
from simulators.lazada import LazadaSimulator
from simulators.shopee import ShopeeSimulator
from simulators.tiktok import TikTokSimulator

from .helpers import control, state
from .test_lazada import Client as LazadaClient
from .test_shopee import Client as ShopeeClient
from .test_tiktok import Client as TikTokClient
from .test_tiktok import get_token


class LazadaShop:
    """Lazada: ``/product/price_quantity/update`` (XML), GetProducts."""

    def __init__(self):
        self.sim = LazadaSimulator(orders=5, seed=4).start()
        self.client = LazadaClient(self.sim)
        self.client.authorize()

    def push(self, quantities):
        """Push ``quantities`` ({sku: qty}); the totals the platform holds."""
        skus = "".join(
            f"<Sku><SellerSku>{sku}</SellerSku><Quantity>{qty}</Quantity></Sku>"
            for sku, qty in quantities.items()
        )
        payload = f"<Request><Product><Skus>{skus}</Skus></Product></Request>"
        body = self.client.json(
            "/product/price_quantity/update", {"payload": payload}, "POST"
        )
        assert body["code"] == "0", body
        return dict(quantities)

    def listed(self, sku):
        body = self.client.json(
            "/products/get", {"sku_seller_list": f'["{sku}"]', "limit": 50}
        )
        skus = [s for p in body["data"]["products"] for s in p["skus"]]
        return next(s["quantity"] for s in skus if s["SellerSku"] == sku)

    def new_orders(self, **body):
        # unpaid: no item of a new order is cancelled at once (as some pending
        # orders of several units are), every unit ordered is sold
        return control(self.sim, "orders/new", dict(body, status="unpaid"))

    def ids(self, answer):
        return [str(i) for i in answer["order_ids"]]

    def units(self, order_ids):
        """{sku: units} of the simulator's orders ``order_ids``."""
        orders = state(self.sim)["orders"]
        units = {}
        for order_id in order_ids:
            for item in orders[order_id]["items"].values():
                if item["status"] != "canceled":
                    units[item["sku"]] = units.get(item["sku"], 0) + 1
        return units


class ShopeeShop:
    """Shopee: ``update_stock`` per item and model, ``get_model_list``."""

    def __init__(self):
        self.sim = ShopeeSimulator(orders=5, seed=4).start()
        self.client = ShopeeClient(self.sim)
        self.client.authorize()
        self.models = {
            model["sku"]: (item["item_id"], model["model_id"])
            for item in state(self.sim)["catalogue"]
            for model in item["models"]
        }

    def push(self, quantities):
        for sku, qty in quantities.items():
            item_id, model_id = self.models[sku]
            body = self.client.post(
                "/api/v2/product/update_stock",
                {
                    "item_id": item_id,
                    "stock_list": [
                        {"model_id": model_id, "seller_stock": [{"stock": qty}]}
                    ],
                },
            ).json()
            assert body["error"] == "" and body["response"]["success_list"], body
        return dict(quantities)

    def listed(self, sku):
        item_id, model_id = self.models[sku]
        if not model_id:
            body = self.client.get(
                "/api/v2/product/get_item_base_info", item_id_list=str(item_id)
            ).json()
            info = body["response"]["item_list"][0]["stock_info_v2"]
        else:
            body = self.client.get(
                "/api/v2/product/get_model_list", item_id=item_id
            ).json()
            model = next(
                m for m in body["response"]["model"] if m["model_id"] == model_id
            )
            info = model["stock_info_v2"]
        return info["summary_info"]["total_available_stock"]

    def new_orders(self, **body):
        return control(self.sim, "orders/new", body)

    def ids(self, answer):
        return answer["order_sn_list"]

    def units(self, order_ids):
        orders = state(self.sim)["orders"]
        units = {}
        for order_id in order_ids:
            for item in orders[order_id]["items"]:
                units[item["sku"]] = units.get(item["sku"], 0) + item["qty"]
        return units


class TikTokShop:
    """TikTok Shop: ``inventory/update`` per product (every warehouse), the
    product's detail."""

    def __init__(self):
        self.sim = TikTokSimulator(orders=5, seed=4).start()
        self.client = TikTokClient(
            self.sim, get_token(self.sim)["data"]["access_token"]
        )
        self.stock = state(self.sim)["stock"]

    def push(self, quantities):
        for sku, qty in quantities.items():
            record = self.stock[sku]
            path = f"/product/202309/products/{record['product_id']}/inventory/update"
            # every warehouse of the SKU: the quantity in the first, 1 in the others
            warehouses = sorted(record["inventory"])
            inventory = [{"warehouse_id": warehouses[0], "quantity": qty}] + [
                {"warehouse_id": w, "quantity": 1} for w in warehouses[1:]
            ]
            body = {"skus": [{"id": record["sku_id"], "inventory": inventory}]}
            assert self.client.ok("POST", path, body=body) == {}
        return {
            sku: qty + len(self.stock[sku]["inventory"]) - 1
            for sku, qty in quantities.items()
        }

    def listed(self, sku):
        record = self.stock[sku]
        data = self.client.ok("GET", f"/product/202309/products/{record['product_id']}")
        entry = next(s for s in data["skus"] if s["id"] == record["sku_id"])
        return sum(i["quantity"] for i in entry["inventory"])

    def new_orders(self, **body):
        return control(self.sim, "orders/new", body)

    def ids(self, answer):
        return answer["order_ids"]

    def units(self, order_ids):
        orders = state(self.sim)["orders"]
        units = {}
        for order_id in order_ids:
            for line in orders[order_id]["lines"]:
                units[line["sku"]] = units.get(line["sku"], 0) + 1
        return units


SHOPS = {"lazada": LazadaShop, "shopee": ShopeeShop, "tiktok": TikTokShop}


@pytest.fixture(params=sorted(SHOPS))
def shop(request):
    shop = SHOPS[request.param]()
    yield shop
    shop.sim.stop()


def report(shop):
    resp = requests.get(f"{shop.sim.url}/_sim/seller_stock", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["skus"]


def test_unlimited_before_any_push(shop):
    answer = shop.new_orders(count=6)
    assert len(shop.ids(answer)) == 6 and answer["not_created"] == 0
    assert report(shop) == {}
    # a SKU no one pushed is sold as before, even in large quantities
    answer = shop.new_orders(count=2, lines=[{"sku": "KETTLE", "qty": 3}])
    assert shop.units(shop.ids(answer)) == {"KETTLE": 6}
    assert report(shop) == {}


def test_sells_what_was_pushed_then_stops(shop):
    total = shop.push({"MUG": 3})["MUG"]
    assert shop.listed("MUG") == total
    first = shop.new_orders(lines=[{"sku": "MUG", "qty": 2}])
    assert shop.units(shop.ids(first)) == {"MUG": 2}
    entry = report(shop)["MUG"]
    assert (entry["pushed"], entry["sold_since_push"]) == (total, 2)
    assert entry["available"] == total - 2 and entry["oversold"] == 0
    assert shop.listed("MUG") == total - 2
    # fewer units than asked when fewer are left, then none
    rest = shop.new_orders(lines=[{"sku": "MUG", "qty": total}])
    assert shop.units(shop.ids(rest)) == {"MUG": total - 2}
    none = shop.new_orders(count=2, lines=[{"sku": "MUG", "qty": 1}])
    assert shop.ids(none) == [] and none["not_created"] == 2
    entry = report(shop)["MUG"]
    assert (entry["available"], entry["oversold"]) == (0, 0)
    assert shop.listed("MUG") == 0
    # a forced order is accepted beyond the stock: it shows as oversold
    forced = shop.new_orders(lines=[{"sku": "MUG", "qty": 2}], force=True)
    assert shop.units(shop.ids(forced)) == {"MUG": 2}
    entry = report(shop)["MUG"]
    assert (entry["sold_since_push"], entry["oversold"]) == (total + 2, 2)
    assert entry["available"] == 0
    # a new push starts again from the quantity pushed
    again = shop.push({"MUG": 4})["MUG"]
    entry = report(shop)["MUG"]
    assert (entry["pushed"], entry["sold_since_push"]) == (again, 0)
    assert entry["available"] == again and entry["oversold"] == 2


def test_buyers_never_oversell(shop):
    """Every SKU pushed with a few units: the buyers' orders take no more than
    that, pick the SKUs still in stock, and then stop."""
    quantities = {item["sku"]: 2 for item in catalogue()}
    totals = shop.push(quantities)
    created = []
    for _ in range(12):
        answer = shop.new_orders(count=5)
        created += shop.ids(answer)
        if answer["not_created"] == 5:
            break
    else:
        pytest.fail("the buyers kept ordering")
    sold = shop.units(created)
    assert sold == {sku: totals[sku] for sku in totals}
    entries = report(shop)
    assert all(e["available"] == 0 and e["oversold"] == 0 for e in entries.values())
    assert all(shop.listed(sku) == 0 for sku in ("MUG", "TSHIRT-S"))


def test_bad_lines_refused(shop):
    for lines in ([], [{"sku": "NOPE"}], [{"sku": "MUG", "qty": 0}], "MUG"):
        resp = requests.post(
            f"{shop.sim.url}/_sim/orders/new", json={"lines": lines}, timeout=10
        )
        assert resp.status_code == 400, lines
        assert resp.json()["error"]


def test_calls_counted_per_path(shop):
    """``/_sim/calls`` counts the API calls answered, per method and path; control
    calls are not API calls, and a reset starts again from 0."""
    before = requests.get(f"{shop.sim.url}/_sim/calls", timeout=10).json()
    shop.push({"MUG": 3, "KETTLE": 2})
    shop.new_orders(lines=[{"sku": "MUG", "qty": 1}])
    after = requests.get(f"{shop.sim.url}/_sim/calls", timeout=10).json()
    stock_calls = {
        path: n - before["by_path"].get(path, 0)
        for path, n in after["by_path"].items()
        if "stock" in path or "quantity" in path or "inventory" in path
    }
    # one call for Lazada's two SKUs, one per SKU on Shopee and TikTok Shop
    assert sum(stock_calls.values()) in (1, 2), stock_calls
    assert after["total"] == before["total"] + sum(stock_calls.values())
    control(shop.sim, "reset")
    assert requests.get(f"{shop.sim.url}/_sim/calls", timeout=10).json() == {
        "total": 0,
        "by_path": {},
    }
