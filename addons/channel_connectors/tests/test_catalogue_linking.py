"""Catalogue linking: the listings of Lazada, Shopee and TikTok Shop imported from
their simulators over HTTP, linked by seller SKU = internal reference, then by
barcode; the rest an unlinked queue with suggestions; bulk links through Odoo's
import; the order desk's SYNC."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import file_open, mute_logger

from simulators.data import catalogue

from .common import (
    SHOPEE_CREDENTIALS,
    TIKTOK_CREDENTIALS,
    ConnectorCommon,
    MarketplaceMixin,
)
from .test_lazada import LazadaCommon

SKUS = {item["sku"]: item for item in catalogue()}


class CatalogueMixin:
    """Import a channel's listings through its jobs, read them back."""

    def import_listings(self):
        with self.jobs() as trap:
            self.channel.action_import_listings()
            self.assertTrue(trap.enqueued_jobs)
            self.run_jobs(trap)

    def listings(self):
        return self.env["omni.channel.listing"].search(
            [("channel_id", "=", self.channel.id)]
        )

    def listing(self, sku):
        listing = self.listings().filtered(lambda r: r.seller_sku == sku)
        self.assertEqual(len(listing), 1, sku)
        return listing

    def mapping(self, sku):
        return self.env["omni.channel.product"].search(
            [("channel_id", "=", self.channel.id), ("channel_sku", "=", sku)]
        )

    def assert_stock_push_enqueued(self, trap):
        """A stock push of the channel waits among the trapped jobs."""
        self.assertGreaterEqual(
            trap.jobs_count(only=self.channel._export_stock_job), 1, "no stock push"
        )

    def assert_catalogue_imported(self):
        listings = self.listings()
        self.assertEqual(sorted(listings.mapped("seller_sku")), sorted(SKUS))
        self.assertEqual(len(set(listings.mapped("sku_ref"))), len(listings))
        for listing in listings:
            self.assertTrue(listing.item_ref and listing.name and listing.status)
            self.assertAlmostEqual(
                listing.price, SKUS[listing.seller_sku]["price"], places=2
            )
            self.assertEqual(listing.listing_currency, self.channel.currency_id.name)
            self.assertTrue(listing.imported_at)
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("operation", "=", "products/list")]
        )
        self.assertTrue(log)
        self.assertEqual(set(log.mapped("state")), {"done"})
        return listings

    def assert_linked_by_sku(self):
        """The fixtures' MUG and TSHIRT-M (internal references) link by SKU: the
        mappings carry the listing's SKU id, the listing the product."""
        for sku, product in (("MUG", self.product_a), ("TSHIRT-M", self.product_b)):
            listing = self.listing(sku)
            mapping = self.mapping(sku)
            self.assertEqual(listing.state, "linked", sku)
            self.assertEqual(listing.product_id, product)
            self.assertEqual(listing.mapping_id, mapping)
            self.assertEqual(mapping.product_id, product)
            self.assertEqual(mapping.channel_item_ref, listing.sku_ref)
            # the listing's price stands beside Odoo's (the channel's pricelist)
            self.assertAlmostEqual(
                listing.odoo_price,
                self.channel.pricelist_id._get_product_price(product, 1.0),
            )


@tagged("post_install", "-at_install")
class TestLazadaCatalogue(CatalogueMixin, LazadaCommon):
    def test_import_link_by_sku_queue_and_suggestion(self):
        kettle = self._create_product("Electric kettle 1.7 L", "K-17", 120.0)
        # the same internal reference, other case and spaces: still the SKU
        earbuds = self._create_product("Earbuds", " earbuds ", 199.0)
        self.import_listings()
        listings = self.assert_catalogue_imported()
        self.assertEqual(self.listing("MUG").quantity, 100.0)
        self.assert_linked_by_sku()
        self.assertEqual(self.listing("EARBUDS").product_id, earbuds)
        # the unlinked queue, with suggestions by name
        unlinked = listings.filtered(lambda r: r.state == "unlinked")
        self.assertEqual(len(unlinked), len(SKUS) - 3)
        queue = self.env["omni.channel.listing"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "unlinked")]
        )
        self.assertEqual(queue, unlinked)
        kettle_listing = self.listing("KETTLE")
        self.assertEqual(kettle_listing.suggested_product_id, kettle)
        self.assertFalse(self.listing("CABLE-USBC").suggested_product_id)
        result = unlinked.action_link_suggestion()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(kettle_listing.product_id, kettle)
        self.assertEqual(self.mapping("KETTLE").product_id, kettle)
        self.assertEqual(self.listing("CABLE-USBC").state, "unlinked")
        # importing again updates, creates nothing twice
        mappings = self.env["omni.channel.product"].search_count(
            [("channel_id", "=", self.channel.id)]
        )
        self.import_listings()
        self.assertEqual(self.listings(), listings)
        self.assertEqual(
            self.env["omni.channel.product"].search_count(
                [("channel_id", "=", self.channel.id)]
            ),
            mappings,
        )

    def test_listings_no_longer_listed_are_archived(self):
        self.import_listings()
        gone = self.env["omni.channel.listing"].create(
            {
                "channel_id": self.channel.id,
                "sku_ref": "999_SG-9",
                "seller_sku": "DISCONTINUED",
                "imported_at": fields.Datetime.now() - timedelta(days=2),
            }
        )
        mug = self.listing("MUG")
        mug.active = False
        self.import_listings()
        self.assertFalse(gone.active)
        self.assertTrue(mug.active, "listed again: back in the list")
        self.assertEqual(len(self.listings()), len(SKUS))
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("operation", "=", "products/list")],
            limit=1,
        )
        self.assertIn("1 no longer listed", log.message)

    def test_link_by_hand_and_unlink(self):
        self.import_listings()
        listing = self.listing("BACKPACK-GREY")
        bag = self._create_product("Backpack grey", "BAG-G", 249.0)
        listing.product_id = bag
        self.assertEqual(listing.state, "linked")
        self.assertEqual(self.mapping("BACKPACK-GREY").product_id, bag)
        listing.product_id = False
        self.assertEqual(listing.state, "unlinked")
        self.assertFalse(self.mapping("BACKPACK-GREY"))
        # a mapping made elsewhere (the SKU mappings list) links the listing too
        mapping = self.env["omni.channel.product"].create(
            {
                "channel_id": self.channel.id,
                "channel_sku": "BACKPACK-GREY",
                "product_id": bag.id,
            }
        )
        self.assertEqual(listing.mapping_id, mapping)
        self.assertEqual(listing.product_id, bag)

    def test_listing_without_seller_sku_cannot_link(self):
        listing = self.env["omni.channel.listing"].create(
            {"channel_id": self.channel.id, "sku_ref": "123_SG-1", "name": "No SKU"}
        )
        with self.assertRaises(UserError):
            listing.product_id = self.product_a

    def test_bad_product_logged_and_skipped(self):
        """A product the adapter cannot read is logged with its payload; the
        others of its page are stored."""
        adapter = self.channel._get_adapter()
        raws, cursor = adapter.fetch_listings()
        spoilt = len(raws[0]["skus"])
        raws[0]["skus"] = "garbage"

        class Adapter:
            def fetch_listings(self, cursor=None):
                return raws, None

            parse_listing = adapter.parse_listing

        listings, _cursor = self.channel._listing_page(Adapter(), None)
        self.assertIsNone(cursor)
        self.assertEqual(len(listings), len(SKUS) - spoilt)
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("operation", "=", "products/parse")]
        )
        self.assertEqual(log.state, "skipped")
        self.assertIn("garbage", log.payload)


@tagged("post_install", "-at_install")
class TestShopeeCatalogue(CatalogueMixin, MarketplaceMixin, ConnectorCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS

    def test_import_link_and_push_stock(self):
        """The listing gives the mapping its item:model id, which Shopee's stock
        update needs: the link made pushes the stock, the simulator takes it."""
        self.import_listings()
        self.assert_catalogue_imported()
        self.assert_linked_by_sku()
        self.assertEqual(
            self.listing("TSHIRT-M").sku_ref.split(":")[0],
            self.listing("TSHIRT-M").item_ref,
        )
        pushed = self.sim_state()["seller_stock"]
        for sku, product in (("MUG", self.product_a), ("TSHIRT-M", self.product_b)):
            self.assertEqual(pushed[sku]["pushed"], int(product.free_qty), sku)


@tagged("post_install", "-at_install")
class TestTikTokCatalogue(CatalogueMixin, MarketplaceMixin, ConnectorCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS

    def barcodes(self):
        """{seller SKU: barcode} as the channel lists them (over HTTP)."""
        adapter = self.channel._get_adapter()
        raws, _cursor = adapter.fetch_listings()
        return {
            listing["seller_sku"]: listing["barcode"]
            for raw in raws
            for listing in adapter.parse_listing(raw)
        }

    def test_link_by_barcode(self):
        barcodes = self.barcodes()
        self.assertFalse(barcodes["NOTEBOOK"])
        tee = self._create_product("Tee L", "OWN-TEE-L", 59.0)
        tee.barcode = barcodes["TSHIRT-L"]
        # two products with the reference PHONE-CASE-BLACK: neither is chosen
        for name in ("Case A", "Case B"):
            self._create_product(name, "PHONE-CASE-BLACK", 35.0)
        self.import_listings()
        self.assert_catalogue_imported()
        self.assert_linked_by_sku()
        self.assertEqual(self.listing("TSHIRT-L").barcode, barcodes["TSHIRT-L"])
        self.assertEqual(self.listing("TSHIRT-L").product_id, tee)
        self.assertEqual(self.mapping("TSHIRT-L").product_id, tee)
        case = self.listing("PHONE-CASE-BLACK")
        self.assertEqual(case.state, "unlinked")
        self.assertEqual(case.suggested_product_id.default_code, "PHONE-CASE-BLACK")


@tagged("post_install", "-at_install")
class TestCatalogueBulkAndSync(CatalogueMixin, LazadaCommon):
    def open_unlinked_lines(self, skus=None):
        domain = [
            ("order_id.channel_id", "=", self.channel.id),
            ("is_unlinked", "=", True),
            ("order_id.lifecycle_state", "in", ("buffered", "confirmed")),
        ]
        if skus:
            domain.append(("channel_sku", "in", skus))
        return self.env["sale.order.line"].search(domain)

    def test_bulk_link_through_odoo_import(self):
        self.pull()
        self.import_listings()
        skus = sorted(set(self.open_unlinked_lines().mapped("channel_sku")))[:2]
        self.assertEqual(len(skus), 2, "the simulator's orders sell several SKUs")
        lines = self.open_unlinked_lines(skus)
        products = {
            sku: self._create_product(f"Product {sku}", f"REF-{sku}", 10.0)
            for sku in skus
        }
        rows = ["Channel,Channel SKU,Product"] + [
            f"{self.channel.name},{sku},REF-{sku}" for sku in skus
        ]
        importer = self.env["base_import.import"].create(
            {
                "res_model": "omni.channel.product",
                "file": "\n".join(rows).encode(),
                "file_name": "skus.csv",
                "file_type": "text/csv",
            }
        )
        options = {"quoting": '"', "separator": ",", "has_headers": True}
        preview = importer.parse_preview(options)
        self.assertEqual(preview["headers"], ["Channel", "Channel SKU", "Product"])
        with self.jobs() as trap:
            result = importer.execute_import(
                ["channel_id", "channel_sku", "product_id"],
                preview["headers"],
                options,
            )
            self.assertFalse(result["messages"], result["messages"])
            self.assertEqual(len(result["ids"]), 2)
            # a link made pushes the channel's stock
            self.assert_stock_push_enqueued(trap)
        for sku, product in products.items():
            self.assertEqual(self.mapping(sku).product_id, product)
            # the imported listing of the SKU follows its new mapping
            self.assertEqual(self.listing(sku).product_id, product)
        # every open line of those SKUs has its product now
        self.assertFalse(lines.filtered("is_unlinked"))
        for line in lines:
            self.assertEqual(line.product_id, products[line.channel_sku])
        # a row naming a product that does not exist is refused, clearly
        bad = self.env["base_import.import"].create(
            {
                "res_model": "omni.channel.product",
                "file": (
                    f"Channel,Channel SKU,Product\n{self.channel.name},X-1,NOPE\n"
                ).encode(),
                "file_name": "bad.csv",
                "file_type": "text/csv",
            }
        )
        with mute_logger("odoo.sql_db"):  # the row's product is required
            result = bad.execute_import(
                ["channel_id", "channel_sku", "product_id"],
                ["Channel", "Channel SKU", "Product"],
                options,
            )
        self.assertEqual(result["messages"][0]["type"], "error")
        self.assertIn("NOPE", result["messages"][0]["message"])
        self.assertFalse(self.mapping("X-1"))

    def test_sync_relinks_open_orders_and_pushes_stock(self):
        self.pull()
        skus = set(self.open_unlinked_lines().mapped("channel_sku"))
        # the fixtures' products MUG and TSHIRT-M have their SKU as reference
        fixtures = skus & {"MUG", "TSHIRT-M"}
        others = sorted(skus - fixtures)
        self.assertGreater(len(others), 1, "the simulator's orders sell several SKUs")
        sku = others[0]
        lines = self.open_unlinked_lines([sku])
        # the seller adds the product to Odoo afterwards, the SKU as its internal
        # reference (in lower case)
        product = self._create_product(f"Product {sku}", sku.lower(), 19.9)
        orders = lines.order_id
        # every SKU was sent already and nothing changed since
        mappings = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.channel.id)]
        )
        mappings.write({"stock_sent_at": fields.Datetime.now(), "stock_dirty": False})
        with self.jobs() as trap:
            result = orders.action_channel_sync()
            self.assert_stock_push_enqueued(trap)
        # "push stock now": every SKU of the channel goes again
        mappings = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertTrue(mappings)
        self.assertTrue(all(m.stock_dirty for m in mappings))
        self.assertFalse(any(mappings.mapped("stock_sent_at")))
        self.assertEqual(result["params"]["type"], "success")
        self.assertIn(f"{len(fixtures) + 1} SKU(s) linked", result["params"]["message"])
        self.assertEqual(lines.product_id, product)
        self.assertFalse(lines.filtered("is_unlinked"))
        self.assertEqual(self.mapping(sku).product_id, product)
        self.assertEqual(self.mapping(sku).channel_item_ref, lines[0].channel_item_ref)
        # the other SKUs stay unlinked: no product has them
        still = self.open_unlinked_lines()
        self.assertEqual(set(still.mapped("channel_sku")), set(others) - {sku})
        # SYNC from the desk with nothing selected: every channel, nothing to link
        with self.jobs() as trap:
            result = self.env["sale.order"].action_channel_sync()
            self.assert_stock_push_enqueued(trap)
        self.assertIn("0 SKU(s) linked", result["params"]["message"])

    def test_import_template_links_in_bulk(self):
        """The template Odoo's import offers imports as it is: its products are
        found by internal reference and by barcode."""
        template = self.env["omni.channel.product"].get_import_templates()[0]
        with file_open(template["template"].lstrip("/"), "rb") as handle:
            content = handle.read()
        self.assertTrue(content.startswith(b"Channel,Channel SKU,Product\n"))
        self.assertIn(self.channel.name.encode(), content)
        mug = self._create_product("Mug 350", "MUG-001", 25.0)
        tee = self._create_product("Tee M", "TEE-M", 59.0)
        tee.barcode = "8991234567895"
        importer = self.env["base_import.import"].create(
            {
                "res_model": "omni.channel.product",
                "file": content,
                "file_name": "sku_mappings_template.csv",
                "file_type": "text/csv",
            }
        )
        result = importer.execute_import(
            ["channel_id", "channel_sku", "product_id"],
            ["Channel", "Channel SKU", "Product"],
            {"quoting": '"', "separator": ",", "has_headers": True},
        )
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(self.mapping("MUG-350").product_id, mug)
        self.assertEqual(self.mapping("TSHIRT-M").product_id, tee)

    def test_desk_user_links_and_syncs(self):
        """An order desk user (no connector rights) works the unlinked queue and
        presses SYNC."""
        kettle = self._create_product("Electric kettle 1.7 L", "K-17", 120.0)
        self.import_listings()
        user = new_test_user(
            self.env,
            login="desk_catalogue",
            groups="omnichannel_orders.group_order_desk_user",
        )
        env = self.env(user=user)
        queue = env["omni.channel.listing"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "unlinked")]
        )
        kettle_listing = queue.filtered(lambda r: r.seller_sku == "KETTLE")
        self.assertEqual(kettle_listing.suggested_product_id, kettle)
        with self.jobs() as trap:
            kettle_listing.action_link_suggestion()
            self.assert_stock_push_enqueued(trap)
        self.assertEqual(self.mapping("KETTLE").product_id, kettle)
        self.assertEqual(self.mapping("KETTLE").create_uid, user)
        with self.jobs() as trap:
            result = env["sale.order"].action_channel_sync()
            self.assert_stock_push_enqueued(trap)
        self.assertEqual(result["params"]["type"], "success")
