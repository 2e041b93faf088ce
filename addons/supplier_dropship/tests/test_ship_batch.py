from odoo.tests import tagged

from .common import DropshipCommon


@tagged("post_install", "-at_install")
class TestShipBatchHelpers(DropshipCommon):
    def test_candidates_of_many_lines(self):
        first = self.create_dropship_order(
            [(self.kettle, 1, self.ingram), (self.earbuds, 1, self.techdata)]
        )
        plain = self.create_order(lines=[(self.product_a, 1, 25.0)])
        second = self.create_dropship_order([(self.notebook, 2, self.exertis)])
        lines = (first | plain | second).order_line
        candidates = lines._dropship_candidates()
        self.assertEqual(candidates, first.order_line | second.order_line)
        self.assertEqual(
            candidates, lines.filtered(lambda line: line._dropship_is_candidate())
        )
        self.assertEqual(
            (first | plain | second).mapped("dropship_line_count"), [2, 0, 1]
        )
        # without an active distributor of its vendors, a line is no candidate
        self.distributors.write({"active": False})
        self.assertFalse(lines._dropship_candidates())
        self.assertFalse(first.order_line[0]._dropship_is_candidate())
