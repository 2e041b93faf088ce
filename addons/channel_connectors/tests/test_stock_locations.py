"""Platform seller warehouses: a channel with Lazada warehouse codes, Shopee
location ids or TikTok Shop warehouse ids shows in each the free quantity of the
Odoo warehouses it draws from."""

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from .stock_common import StockChannelsCommon


@tagged("post_install", "-at_install")
class TestStockLocations(StockChannelsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_2 = cls.env["stock.warehouse"].create(
            {"name": "Penang", "code": "PNG"}
        )
        cls.sku, cls.product = next(iter(cls.products.items()))
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse_2.lot_stock_id, 30.0
        )

    def locate(self, channel, first, second):
        """Two platform warehouses on ``channel``: ``first`` draws from the main
        warehouse, ``second`` from Penang; the push run."""
        with trap_jobs() as trap:
            self.env["omni.channel.stock.location"].create(
                [
                    {
                        "channel_id": channel.id,
                        "name": "Main",
                        "code": first,
                        "warehouse_ids": [(6, 0, self.warehouse.ids)],
                    },
                    {
                        "channel_id": channel.id,
                        "name": "Penang",
                        "code": second,
                        "warehouse_ids": [(6, 0, self.warehouse_2.ids)],
                    },
                ]
            )
            trap.assert_jobs_count(1, only=channel._export_stock_job)
            trap.perform_enqueued_jobs()

    def order_in_penang(self, channel, quantity):
        order = self.create_order(
            channel,
            lines=[(self.product, quantity, 10.0)],
            warehouse_id=self.warehouse_2.id,
        )
        with trap_jobs() as trap:
            channel._omni_stock_changed(self.product)
            trap.perform_enqueued_jobs()
        return order

    def test_lazada_multi_warehouse(self):
        lazada = self.channels["lazada"]
        lazada.stock_buffer = 2
        self.locate(lazada, "dropshipping", "PNG-1")
        self.assertEqual(
            self.sim_stock("lazada")[self.sku], {"dropshipping": 98, "PNG-1": 28}
        )
        mapping = lazada.sku_mapping_ids.filtered(
            lambda m: m.product_id == self.product
        )
        self.assertEqual(mapping.last_stock_sent, 126)
        self.assertEqual(
            mapping.last_stock_sent_locations, {"dropshipping": 98, "PNG-1": 28}
        )
        self.order_in_penang(self.channels["shopee"], 5)
        self.assertEqual(
            self.sim_stock("lazada")[self.sku], {"dropshipping": 98, "PNG-1": 23}
        )

    def test_shopee_locations(self):
        """Shopee takes one seller_stock per location_id (the simulator keeps
        their sum)."""
        shopee = self.channels["shopee"]
        self.locate(shopee, "MYZ01", "MYZ02")
        self.assertEqual(self.sim_stock("shopee")[self.sku], 130)
        self.order_in_penang(self.channels["lazada"], 4)
        self.assertEqual(self.sim_stock("shopee")[self.sku], 126)
        mapping = shopee.sku_mapping_ids.filtered(
            lambda m: m.product_id == self.product
        )
        self.assertEqual(mapping.last_stock_sent_locations, {"MYZ01": 100, "MYZ02": 26})

    def test_tiktok_warehouses(self):
        """A TikTok Shop SKU stocked in two warehouses gets both in one call (the
        shop's SKUs in one warehouse only are not listed on this channel here)."""
        tiktok = self.channels["tiktok"]
        tiktok.sku_mapping_ids.unlink()
        state = self.sim_state("tiktok")
        sku, data = next(
            (sku, data)
            for sku, data in sorted(state["stock"].items())
            if len(data["inventory"]) == 2
        )
        main, second = sorted(data["inventory"])
        product = self._create_product("Two warehouses", "STK-2WH", 10.0, qty=60.0)
        self.env["stock.quant"]._update_available_quantity(
            product, self.warehouse_2.lot_stock_id, 15.0
        )
        self.env["omni.channel.product"].create(
            {
                "channel_id": tiktok.id,
                "channel_sku": sku,
                "channel_item_ref": f"{data['product_id']}:{data['sku_id']}",
                "product_id": product.id,
            }
        )
        self.locate(tiktok, main, second)
        self.assertEqual(self.sim_stock("tiktok"), {sku: {main: 60, second: 15}})
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", tiktok.id), ("operation", "=", "stock/update")]
        )
        self.assertEqual(log.mapped("state"), ["done"])

    def test_code_unique_per_channel(self):
        lazada = self.channels["lazada"]
        self.locate(lazada, "A", "B")
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["omni.channel.stock.location"].create(
                {
                    "channel_id": lazada.id,
                    "name": "Again",
                    "code": "A",
                    "warehouse_ids": [(6, 0, self.warehouse.ids)],
                }
            )

    def test_location_removed(self):
        """A platform warehouse removed: the channel's SKUs are pushed again, as
        one stock per SKU."""
        shopee = self.channels["shopee"]
        self.locate(shopee, "MYZ01", "MYZ02")
        self.env["omni.channel.product"].search([]).write({"stock_dirty": False})
        with trap_jobs() as trap:
            shopee.stock_location_ids.unlink()
            trap.assert_jobs_count(1, only=shopee._export_stock_job)
            self.assertTrue(all(shopee.sku_mapping_ids.mapped("stock_dirty")))
            trap.perform_enqueued_jobs()
        self.assertEqual(self.sim_stock("shopee")[self.sku], 100)
