"""The drop-ship columns of the order lines show only where a line can be
drop-shipped: the company works with distributors and the product has the route."""

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import DropshipCommon

COLUMNS = (
    "dropship_distributor_id",
    "dropship_planned_distributor_id",
    "dropship_unit_cost",
    "dropship_feed_price",
    "dropship_landed_cost",
)


@tagged("post_install", "-at_install")
class TestDropshipColumns(DropshipCommon):
    def test_lines_of_dropship_products_only(self):
        order = self.create_order(
            lines=[(self.kettle, 1, 99.0), (self.product_a, 2, 25.0)]
        )
        kettle, mug = order.order_line
        self.assertTrue(kettle.dropship_possible)
        self.assertFalse(mug.dropship_possible)
        self.assertTrue(order.dropship_possible)
        marketplace = self.create_order()
        self.assertFalse(marketplace.order_line.mapped("dropship_possible")[0])
        self.assertFalse(marketplace.dropship_possible)

    def test_company_without_distributors(self):
        self.distributors.action_archive()
        order = self.create_order(lines=[(self.kettle, 1, 99.0)])
        self.assertFalse(order.order_line.dropship_possible)
        self.assertFalse(order.dropship_possible)

    def test_route_on_the_line(self):
        order = self.create_order(lines=[(self.product_a, 1, 25.0)])
        self.assertFalse(order.dropship_possible)
        order.order_line.route_id = self.route_dropship
        self.assertTrue(order.order_line.dropship_possible)
        self.assertTrue(order.dropship_possible)

    def test_columns_follow_the_order(self):
        user = new_test_user(
            self.env,
            login="dropship_columns_desk",
            groups="omnichannel_orders.group_order_desk_user,sales_team.group_sale_salesman",
        )
        views = self.env["sale.order"].with_user(user).get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        columns = {
            node.get("name"): node
            for node in arch.iterfind(".//field[@name='order_line']/list/field")
        }
        for name in COLUMNS:
            self.assertEqual(
                columns[name].get("column_invisible"), "not parent.dropship_possible"
            )
            self.assertEqual(columns[name].get("invisible"), "not dropship_possible")
