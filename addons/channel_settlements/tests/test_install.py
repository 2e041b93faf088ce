from odoo.tests import tagged

from odoo.addons.omnichannel_orders.tests.common import AddonSmokeCase


@tagged("post_install", "-at_install")
class TestInstall(AddonSmokeCase):
    addon = "channel_settlements"
