from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestUnlinked(OmniCommon):
    def _order_with_unknown_sku(self, sku="NEW-SKU-1", ref=None):
        placeholder = self.env.ref("omnichannel_orders.product_unlinked_channel_item")
        return self.create_order(
            ref=ref,
            lines=[(self.product_a, 1, 25.0)],
            order_line=[
                Command.create({"product_id": self.product_a.id, "product_uom_qty": 1}),
                Command.create(
                    {
                        "product_id": placeholder.id,
                        "name": "Wireless earbuds [NEW-SKU-1]",
                        "channel_sku": sku,
                        "product_uom_qty": 2,
                        "price_unit": 199.0,
                    }
                ),
            ],
        )

    def test_unlinked_line_flows_and_moves_no_stock(self):
        order = self._order_with_unknown_sku()
        line = order.order_line.filtered("is_unlinked")
        self.assertEqual(len(line), 1)
        self.assertEqual(order.unlinked_line_count, 1)
        order.action_confirm()
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertFalse(line.move_ids, "no stock move for an unlinked line")
        self.assertEqual(order.picking_ids.move_ids.product_id, self.product_a)

    def test_link_relinks_every_open_line_and_reserves(self):
        earbuds = self._create_product("Wireless earbuds", "EARBUDS", 199.0, qty=10)
        confirmed = self._order_with_unknown_sku()
        confirmed.action_confirm()
        buffered = self._order_with_unknown_sku()
        other_sku = self._order_with_unknown_sku(sku="OTHER")
        line = confirmed.order_line.filtered("is_unlinked")
        wizard = (
            self.env["omni.link.product"]
            .with_context(default_line_id=line.id)
            .create({"product_id": earbuds.id})
        )
        self.assertEqual(wizard.channel_sku, "NEW-SKU-1")
        self.assertEqual(wizard.open_line_count, 2)
        wizard.action_link()
        self.assertFalse(confirmed.order_line.filtered("is_unlinked"))
        self.assertFalse(buffered.order_line.filtered("is_unlinked"))
        self.assertTrue(other_sku.order_line.filtered("is_unlinked"))
        linked = confirmed.order_line.filtered(lambda x: x.product_id == earbuds)
        self.assertEqual(linked.price_unit, 199.0, "the channel's price is kept")
        self.assertEqual(linked.move_ids.product_uom_qty, 2.0, "stock now moves")
        self.assertEqual(linked.move_ids.state, "assigned")
        mapping = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.channel.id), ("channel_sku", "=", "NEW-SKU-1")]
        )
        self.assertEqual(mapping.product_id, earbuds)
        self.deliver(confirmed)
        self.assertEqual(earbuds.qty_available, 8.0)

    def test_cannot_link_another_companys_product(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        foreign = self.env["product.product"].create(
            {"name": "Foreign", "type": "consu", "company_id": other_company.id}
        )
        order = self._order_with_unknown_sku()
        with self.assertRaisesRegex(ValidationError, "Other Co"):
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": "NEW-SKU-1",
                    "product_id": foreign.id,
                }
            )
        self.assertTrue(order.order_line.filtered("is_unlinked"), "nothing half done")
