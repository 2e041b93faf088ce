from odoo.tests import tagged

from odoo.addons.omnichannel_orders.tests.common import AddonSmokeCase


@tagged("post_install", "-at_install")
class TestInstall(AddonSmokeCase):
    addon = "supplier_dropship"

    def test_dropship_route_is_odoos(self):
        route = self.env.ref("stock_dropshipping.route_drop_shipping")
        self.assertTrue(route.sale_selectable)
