"""Installing channel_returns (and so OCA rma / rma_sale) leaves Odoo as it was
for those who do not handle returns: a salesperson reads her orders, and a
warehouse is archived and unarchived as in plain Odoo."""

from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReturnsCoexistence(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create({"name": "Plain customer"})
        cls.product = cls.env["product.product"].create(
            {"name": "Plain product", "list_price": 10.0}
        )

    def test_salesperson_reads_her_orders(self):
        salesperson = new_test_user(
            self.env,
            login="plain_salesperson",
            groups="sales_team.group_sale_salesman",
        )
        self.assertFalse(salesperson.has_group("rma.rma_group_user_own"))
        order = (
            self.env["sale.order"]
            .with_user(salesperson)
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [(0, 0, {"product_id": self.product.id})],
                }
            )
        )
        # every field she may read, lines included (Odoo's test_access_rights)
        values = order.read()[0]
        self.assertEqual(values["partner_id"][0], self.partner.id)
        self.assertNotIn("rma_ids", values)
        self.assertTrue(order.order_line.read())
        # an RMA user still gets rma_sale's fields
        rma_user = new_test_user(
            self.env,
            login="rma_salesperson",
            groups="sales_team.group_sale_salesman_all_leads,rma.rma_group_user_own",
        )
        values = order.with_user(rma_user).read(["rma_ids", "rma_count"])[0]
        self.assertEqual(values["rma_count"], 0)

    def test_warehouse_archived_and_unarchived(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Seasonal", "code": "SEAS"}
        )
        routes = warehouse.rma_in_route_id | warehouse.rma_out_route_id
        self.assertEqual(len(routes), 2)
        warehouse.active = False
        self.assertFalse(any(routes.mapped("active")))
        # rma's routes made this recurse until the stack ran out
        warehouse.active = True
        self.assertTrue(warehouse.active)
        self.assertTrue(all(routes.mapped("active")))
