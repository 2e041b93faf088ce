"""The marketplaces' product listings (MORE_API_FACTS section 2), over real HTTP:
Lazada GetProducts, Shopee get_item_list → get_item_base_info → get_model_list,
TikTok Shop's product search and product detail. Every SKU the orders sell is
listed once, with the ids the orders and the stock updates use."""

import pytest

from simulators.data import PRODUCTS, catalogue
from simulators.lazada import LazadaSimulator
from simulators.shopee import ShopeeSimulator
from simulators.tiktok import TikTokSimulator

from .helpers import state
from .test_lazada import Client as LazadaClient
from .test_shopee import Client as ShopeeClient
from .test_tiktok import Client as TikTokClient
from .test_tiktok import get_token

SKUS = {item["sku"]: item for item in catalogue()}


def ean13_valid(code):
    digits = [int(d) for d in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return len(digits) == 13 and (10 - total % 10) % 10 == digits[12]


# ---- Lazada ----------------------------------------------------------------------
@pytest.fixture
def lazada():
    with LazadaSimulator(orders=10, seed=3) as sim:
        client = LazadaClient(sim)
        client.authorize()
        yield sim, client


def lazada_products(client, limit, **params):
    products, offset = [], 0
    while True:
        body = client.json("/products/get", dict(params, offset=offset, limit=limit))
        assert body["code"] == "0", body
        page = body["data"]["products"]
        assert len(page) <= limit
        products += page
        offset += limit
        if offset >= body["data"]["total_products"]:
            return products, body["data"]["total_products"]


def test_lazada_products_paged(lazada):
    sim, client = lazada
    products, total = lazada_products(client, 3)
    assert total == len(PRODUCTS) == len(products)
    assert len({p["item_id"] for p in products}) == total
    skus = {s["SellerSku"]: s for p in products for s in p["skus"]}
    assert set(skus) == set(SKUS)
    mug = skus["MUG"]
    assert mug["price"] == SKUS["MUG"]["price"] and mug["quantity"] == 100
    assert isinstance(mug["SkuId"], int) and mug["ShopSku"]
    assert all(p["attributes"]["name"] and p["status"] for p in products)
    # the order items carry the same SkuId and ShopSku
    order_id = next(iter(state(sim)["orders"]))
    items = client.json("/order/items/get", {"order_id": order_id})["data"]
    for item in items:
        assert skus[item["sku"]]["ShopSku"] == item["shop_sku"]
        assert str(skus[item["sku"]]["SkuId"]) == str(item["sku_id"])


def test_lazada_products_filters_and_errors(lazada):
    _sim, client = lazada
    body = client.json("/products/get", {"sku_seller_list": '["TSHIRT-M","MUG"]'})
    names = sorted(p["attributes"]["name"] for p in body["data"]["products"])
    assert names == ["Ceramic mug 350 ml", "Cotton T-shirt"]
    assert client.json("/products/get", {"filter": "inactive"})["data"] == {
        "total_products": 0,
        "products": [],
    }
    assert client.json("/products/get", {"limit": 51})["code"] == "19"
    assert client.json("/products/get", {"filter": "nope"})["code"] == "36"
    assert client.json("/products/get", {"update_after": "yesterday"})["code"] == "17"
    assert client.json("/products/get", {"sku_seller_list": "[oops"})["code"] == "70"
    # a stock update moves the SKU's quantity and its product's update time
    before = lazada_products(client, 50)[0]
    payload = (
        "<Request><Product><Skus><Sku><SellerSku>MUG</SellerSku>"
        "<Quantity>0</Quantity></Sku></Skus></Product></Request>"
    )
    client.json("/product/price_quantity/update", {"payload": payload}, "POST")
    sold_out = client.json("/products/get", {"filter": "sold-out"})["data"]
    assert [p["attributes"]["name"] for p in sold_out["products"]] == [
        "Ceramic mug 350 ml"
    ]
    after = {p["item_id"]: p for p in lazada_products(client, 50)[0]}
    mug = next(p for p in before if p["skus"][0]["SellerSku"] == "MUG")
    assert int(after[mug["item_id"]]["updated_time"]) > int(mug["updated_time"])


# ---- Shopee ----------------------------------------------------------------------
@pytest.fixture
def shopee():
    with ShopeeSimulator(orders=10, seed=3) as sim:
        client = ShopeeClient(sim)
        client.authorize()
        yield sim, client


def test_shopee_items_models_and_stock(shopee):
    sim, client = shopee
    item_ids, offset = [], 0
    while True:
        page = client.get(
            "/api/v2/product/get_item_list",
            offset=offset,
            page_size=3,
            item_status="NORMAL",
        ).json()["response"]
        item_ids += [i["item_id"] for i in page["item"]]
        if not page["has_next_page"]:
            break
        offset = page["next_offset"]
    assert len(item_ids) == len(set(item_ids)) == len(PRODUCTS)
    base = client.get(
        "/api/v2/product/get_item_base_info",
        item_id_list=",".join(str(i) for i in item_ids),
    ).json()["response"]["item_list"]
    assert [i["item_id"] for i in base] == item_ids
    listed = {}
    for item in base:
        if not item["has_model"]:
            listed[item["item_sku"]] = (item["item_id"], 0, item)
            continue
        assert "stock_info_v2" not in item
        models = client.get(
            "/api/v2/product/get_model_list", item_id=item["item_id"]
        ).json()["response"]["model"]
        for model in models:
            listed[model["model_sku"]] = (item["item_id"], model["model_id"], model)
    assert set(listed) == set(SKUS)
    stock = state(sim)["stock"]["by_sku"]
    for sku, (_item_id, _model_id, record) in listed.items():
        assert record["price_info"][0]["current_price"] == SKUS[sku]["price"]
        assert record["price_info"][0]["currency"] == "MYR"
        info = record["stock_info_v2"]
        assert info["summary_info"]["total_available_stock"] == stock[sku]
    # the order items use the same item and model ids
    catalogue_ids = {
        m["sku"]: (i["item_id"], m["model_id"])
        for i in state(sim)["catalogue"]
        for m in i["models"]
    }
    assert {sku: v[:2] for sku, v in listed.items()} == catalogue_ids


def test_shopee_item_list_filters_and_errors(shopee):
    _sim, client = shopee
    banned = client.get(
        "/api/v2/product/get_item_list", offset=0, page_size=10, item_status="BANNED"
    ).json()["response"]
    assert banned["item"] == [] and banned["total_count"] == 0
    wrong = client.get(
        "/api/v2/product/get_item_list", offset=0, page_size=10, item_status="NOPE"
    ).json()
    assert wrong["error"] == "error_param"
    future = client.get(
        "/api/v2/product/get_item_list",
        offset=0,
        page_size=10,
        update_time_from=2_000_000_000,
    ).json()["response"]
    assert future["total_count"] == 0
    too_many = client.get(
        "/api/v2/product/get_item_base_info",
        item_id_list=",".join(str(i) for i in range(1, 52)),
    ).json()
    assert too_many["error"] == "error_param"
    assert client.get("/api/v2/product/get_item_base_info").json()["error"]


# ---- TikTok Shop -----------------------------------------------------------------
@pytest.fixture
def tiktok():
    with TikTokSimulator(orders=10, seed=3) as sim:
        yield sim, TikTokClient(sim, get_token(sim)["data"]["access_token"])


def tiktok_search(client, size, body=None):
    products, token = [], ""
    while True:
        query = {"page_size": str(size)}
        if token:
            query["page_token"] = token
        data = client.ok("POST", "/product/202309/products/search", query, body or {})
        assert len(data["products"]) <= size
        products += data["products"]
        token = data["next_page_token"]
        if not token:
            return products, data["total_count"]


def test_tiktok_search_and_detail(tiktok):
    sim, client = tiktok
    products, total = tiktok_search(client, 3)
    assert total == len(PRODUCTS) == len(products)
    skus = {s["seller_sku"]: (p, s) for p in products for s in p["skus"]}
    assert set(skus) == set(SKUS)
    stock = state(sim)["stock"]
    for sku, (product, record) in skus.items():
        assert record["id"] == stock[sku]["sku_id"]
        assert product["id"] == stock[sku]["product_id"]
        assert {i["warehouse_id"]: i["quantity"] for i in record["inventory"]} == (
            stock[sku]["inventory"]
        )
        assert record["price"]["currency"] == "MYR"
        assert float(record["price"]["sale_price"]) == SKUS[sku]["price"]
    # the detail gives each SKU its EAN where the seller gave one
    mug_product, mug = skus["MUG"]
    detail = client.ok("GET", f"/product/202309/products/{mug_product['id']}")
    code = detail["skus"][0]["identifier_code"]
    assert code["type"] == "EAN" and ean13_valid(code["code"])
    assert detail["skus"][0]["id"] == mug["id"] and detail["title"]
    notebook, _ = skus["NOTEBOOK"]
    detail = client.ok("GET", f"/product/202309/products/{notebook['id']}")
    assert "identifier_code" not in detail["skus"][0]
    codes = set()
    for product in products:
        detail = client.ok("GET", f"/product/202309/products/{product['id']}")
        codes |= {
            s["identifier_code"]["code"]
            for s in detail["skus"]
            if "identifier_code" in s
        }
    assert len(codes) == len(SKUS) - 1, "every EAN is different"
    # the line items of the orders carry the same SKU ids
    order = next(iter(state(sim)["orders"].values()))
    assert all(line["sku"] in skus for line in order["lines"])


def test_tiktok_search_filters_and_errors(tiktok):
    _sim, client = tiktok
    found, total = tiktok_search(client, 10, {"seller_skus": ["MUG", "TSHIRT-L"]})
    assert total == 2 and sorted(p["title"] for p in found) == [
        "Ceramic mug 350 ml",
        "Cotton T-shirt",
    ]
    assert tiktok_search(client, 10, {"status": "DELETED"}) == ([], 0)
    assert tiktok_search(client, 10, {"update_time_ge": 2_000_000_000}) == ([], 0)
    bad = client.call(
        "POST", "/product/202309/products/search", {"page_size": "101"}, {}
    ).json()
    assert bad["code"] != 0
    bad = client.call(
        "POST", "/product/202309/products/search", {"page_size": "5"}, {"status": "X"}
    ).json()
    assert bad["code"] != 0
    missing = client.call("GET", "/product/202309/products/123").json()
    assert missing["code"] == 12052032
