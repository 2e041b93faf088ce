"""The marketplace adapters read the seller's listings (``fetch_listings`` /
``parse_listing``) from their simulators over real HTTP: every SKU once, with the
reference the orders' lines and the stock updates use."""

import requests

from odoo.tests import tagged

from ..adapters import ParseError
from .common import (
    SHOPEE_CREDENTIALS,
    TIKTOK_CREDENTIALS,
    AdapterCommon,
    SimulatorAdapterCommon,
)


class ListingsCheckMixin:
    """What every marketplace's listings must give."""

    def all_listings(self, adapter):
        """{seller SKU: listing} of every page, and the number of pages."""
        listings, cursor, pages = {}, None, 0
        while True:
            raws, cursor = adapter.fetch_listings(cursor)
            pages += 1
            for raw in raws:
                for listing in adapter.parse_listing(raw):
                    self.assertNotIn(listing["seller_sku"], listings)
                    listings[listing["seller_sku"]] = listing
            if cursor is None:
                return listings, pages
            self.assertLess(pages, 20, "the cursor does not move")

    def assert_catalogue_listed(self, listings):
        from simulators.data import catalogue

        skus = {item["sku"]: item for item in catalogue()}
        self.assertEqual(set(listings), set(skus))
        refs = [listing["sku_ref"] for listing in listings.values()]
        self.assertEqual(len(refs), len(set(refs)), "a sku_ref came twice")
        for sku, listing in listings.items():
            self.assertAlmostEqual(listing["price"], skus[sku]["price"], places=2)
            self.assertTrue(listing["item_ref"] and listing["name"])
            self.assertTrue(listing["status"])
            self.assertIsInstance(listing["quantity"], float)

    def assert_orders_use_sku_refs(self, adapter, listings, external_ids):
        """The lines of these orders carry their listing's ``sku_ref``."""
        checked = 0
        for raw in adapter.get_orders(external_ids):
            for line in adapter.parse_order(raw)["lines"]:
                self.assertEqual(line["item_ref"], listings[line["sku"]]["sku_ref"])
                checked += 1
        self.assertTrue(checked)


@tagged("post_install", "-at_install")
class TestLazadaListingsAdapter(ListingsCheckMixin, SimulatorAdapterCommon):
    platform = "lazada"
    simulator = ("lazada", "LazadaSimulator")
    simulator_options = {"orders": 6, "seed": 5}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        code = requests.post(cls.sim.url + "/_sim/auth/code", timeout=10).json()
        cls.connection = {
            "app_key": "123456",
            "app_secret": "helloworld",
            "base_url": cls.sim.url + "/rest",
            "timeout": 5.0,
        }
        tokens = cls.adapter_class(cls.connection).create_access_token(code["code"])
        cls.connection["access_token"] = tokens["access_token"]

    def test_listings(self):
        adapter = self.adapter_class(self.connection)
        listings, pages = self.all_listings(adapter)
        self.assertEqual(pages, 1)
        self.assert_catalogue_listed(listings)
        self.assertEqual(listings["MUG"]["quantity"], 100.0)
        self.assertEqual(listings["MUG"]["barcode"], "")
        state = requests.get(self.sim.url + "/_sim/state", timeout=10).json()
        self.assert_orders_use_sku_refs(adapter, listings, list(state["orders"])[:4])

    def test_bad_products(self):
        adapter = self.adapter_class(self.connection)
        for raw in ({"skus": []}, {"item_id": 7}, "x"):
            with self.assertRaises(ParseError):
                adapter.parse_listing(raw)
        with self.assertRaises(ParseError) as caught:
            adapter.parse_listing({"item_id": 7, "skus": [{"SellerSku": "A"}]})
        self.assertEqual(caught.exception.payload["item_id"], 7)
        with self.assertRaises(ParseError):
            adapter.parse_listing(
                {"item_id": 7, "skus": [{"ShopSku": "7_MY", "price": "abc"}]}
            )


@tagged("post_install", "-at_install")
class TestShopeeListingsAdapter(ListingsCheckMixin, AdapterCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS
    simulator_options = {"orders": 6, "seed": 7}

    def test_listings(self):
        adapter = self.adapter()
        listings, _pages = self.all_listings(adapter)
        self.assert_catalogue_listed(listings)
        stock = self.state()["stock"]["by_sku"]
        for sku, listing in listings.items():
            self.assertEqual(listing["quantity"], stock[sku])
            self.assertEqual(listing["currency"], "MYR")
        self.assertTrue(listings["MUG"]["sku_ref"].endswith(":0"))
        self.assertEqual(listings["TSHIRT-M"]["name"], "Cotton T-shirt (M)")
        self.assert_orders_use_sku_refs(
            adapter, listings, list(self.state()["orders"])[:4]
        )

    def test_bad_items(self):
        adapter = self.adapter()
        for raw in ({"item": {}}, {"item": {"item_id": 5, "has_model": True}}):
            with self.assertRaises(ParseError):
                adapter.parse_listing(raw)
        with self.assertRaises(ParseError) as caught:
            adapter.parse_listing(
                {
                    "item": {"item_id": 5, "has_model": True},
                    "models": {"model": [{"model_sku": "A"}]},
                }
            )
        self.assertEqual(caught.exception.payload["item"]["item_id"], 5)


@tagged("post_install", "-at_install")
class TestTikTokListingsAdapter(ListingsCheckMixin, AdapterCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS
    simulator_options = {"orders": 6, "seed": 7}

    def test_listings(self):
        adapter = self.adapter()
        listings, _pages = self.all_listings(adapter)
        self.assert_catalogue_listed(listings)
        stock = self.state()["stock"]
        for sku, listing in listings.items():
            self.assertEqual(listing["quantity"], sum(stock[sku]["inventory"].values()))
            self.assertEqual(
                listing["sku_ref"], f"{stock[sku]['product_id']}:{stock[sku]['sku_id']}"
            )
        # the product detail's identifier codes, where the seller gave one
        self.assertRegex(listings["MUG"]["barcode"], r"^955\d{10}$")
        self.assertEqual(listings["NOTEBOOK"]["barcode"], "")
        self.assertEqual(listings["TSHIRT-M"]["name"], "Cotton T-shirt (M)")
        self.assert_orders_use_sku_refs(
            adapter, listings, list(self.state()["orders"])[:4]
        )

    def test_bad_products(self):
        adapter = self.adapter()
        for raw in ({"title": "x"}, {"id": "1"}, {"id": "1", "skus": [{}]}):
            with self.assertRaises(ParseError):
                adapter.parse_listing(raw)
        with self.assertRaises(ParseError) as caught:
            adapter.parse_listing(
                {"id": "1", "skus": [{"id": "2", "price": {"sale_price": "x"}}]}
            )
        self.assertEqual(caught.exception.payload["id"], "1")
