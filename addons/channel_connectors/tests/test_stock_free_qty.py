"""The free quantity a channel sells: on hand in its source warehouses, minus what
is reserved or owed to confirmed orders there, minus what buffered orders of every
channel of the company hold there, in the product's unit of measure."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.omnichannel_orders.tests.common import OmniCommon


@tagged("post_install", "-at_install")
class TestStockFreeQty(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse_2 = cls.env["stock.warehouse"].create(
            {"name": "Penang", "code": "PNG"}
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_a, cls.warehouse_2.lot_stock_id, 30.0
        )
        cls.channel_2 = cls._create_channel("TikTok MY", "TT-MY")
        cls.company_2 = cls.env["res.company"].create({"name": "Second Sdn Bhd"})
        cls.warehouse_c2 = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_2.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product_a, cls.warehouse_c2.lot_stock_id, 40.0
        )
        cls.channel_c2 = cls.env["omni.channel"].create(
            {
                "name": "Lazada SG",
                "code": "LZ-SG",
                "company_id": cls.company_2.id,
                "warehouse_id": cls.warehouse_c2.id,
            }
        )

    def free(self, channel, product=None):
        product = product or self.product_a
        return channel._connector_free_qty(product)[product.id]

    def test_on_hand_in_the_channel_warehouse(self):
        self.assertEqual(self.free(self.channel), 100.0)
        self.assertEqual(self.free(self.channel_c2), 40.0)

    def test_buffered_orders_of_every_channel_hold_stock(self):
        """A buffered order of another channel holds its quantity: this channel
        cannot sell it again; a quotation without channel holds nothing."""
        order = self.create_order(self.channel_2, lines=[(self.product_a, 7, 25.0)])
        self.assertEqual(order.lifecycle_state, "buffered")
        self.create_order(self.channel, lines=[(self.product_a, 3, 25.0)])
        self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 20}
                    )
                ],
            }
        )
        self.assertEqual(self.free(self.channel), 90.0)
        self.assertEqual(self.free(self.channel_2), 90.0)
        # cancelled: the hold is released
        order._action_cancel()
        self.assertEqual(self.free(self.channel), 97.0)

    def test_confirmed_orders_reserve(self):
        """A confirmed order reserves its quantity (Odoo's free quantity): counted
        once, not as a hold too."""
        order = self.create_order(self.channel_2, lines=[(self.product_a, 5, 25.0)])
        order.action_confirm()
        self.assertEqual(order.picking_ids.move_ids.state, "assigned")
        self.assertEqual(self.free(self.channel), 95.0)

    def test_confirmed_demand_not_reserved(self):
        """A delivery type that reserves manually: the confirmed order reserved
        nothing, its demand is still subtracted."""
        self.warehouse.out_type_id.reservation_method = "manual"
        order = self.create_order(self.channel_2, lines=[(self.product_a, 6, 25.0)])
        order.action_confirm()
        move = order.picking_ids.move_ids
        self.assertEqual(move.state, "confirmed")
        self.assertEqual(move.quantity, 0.0)
        self.assertEqual(
            self.product_a.with_context(warehouse_id=self.warehouse.id).free_qty, 100.0
        )
        self.assertEqual(self.free(self.channel), 94.0)
        # reserved later: still 94, not counted twice
        move.picking_id.action_assign()
        self.assertEqual(move.quantity, 6.0)
        self.assertEqual(self.free(self.channel), 94.0)

    def test_other_company_orders_ignored(self):
        """An order of another company holds nothing here, and the other
        company's channel sells its own warehouse."""
        self.env["sale.order"].with_company(self.company_2).create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company_2.id,
                "channel_id": self.channel_c2.id,
                "channel_order_ref": "C2-1",
                "warehouse_id": self.warehouse_c2.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 4}
                    )
                ],
            }
        )
        self.assertEqual(self.free(self.channel), 100.0)
        self.assertEqual(self.free(self.channel_c2), 36.0)

    def test_other_warehouse_orders_ignored(self):
        """A buffered order shipped from a warehouse the channel does not sell
        from holds nothing of its stock."""
        self.create_order(
            self.channel_2,
            lines=[(self.product_a, 9, 25.0)],
            warehouse_id=self.warehouse_2.id,
        )
        self.assertEqual(self.free(self.channel), 100.0)
        self.channel.stock_warehouse_ids = self.warehouse_2
        self.assertEqual(self.free(self.channel), 21.0)

    def test_units_of_measure(self):
        """A line sold in dozens holds twelve units per dozen."""
        dozen = self.env.ref("uom.product_uom_dozen")
        order = self.create_order(self.channel_2, lines=[(self.product_a, 1, 250.0)])
        order.order_line.product_uom = dozen
        self.assertEqual(order.order_line.product_uom_qty, 1.0)
        self.assertEqual(self.free(self.channel), 88.0)

    def test_several_source_warehouses(self):
        """Source warehouses: their stock summed, the holds of the orders of each
        subtracted."""
        self.create_order(self.channel_2, lines=[(self.product_a, 2, 25.0)])
        self.create_order(
            self.channel_2,
            lines=[(self.product_a, 5, 25.0)],
            warehouse_id=self.warehouse_2.id,
        )
        self.channel.stock_warehouse_ids = self.warehouse | self.warehouse_2
        self.assertEqual(self.free(self.channel), 123.0)
        self.assertEqual(self.free(self.channel_2), 98.0)

    def test_never_negative(self):
        self.create_order(self.channel_2, lines=[(self.product_b, 150, 59.0)])
        self.assertEqual(self.free(self.channel, self.product_b), 0.0)
