from odoo.tests import tagged

from odoo.addons.omnichannel_orders.tests.common import AddonSmokeCase


@tagged("post_install", "-at_install")
class TestInstall(AddonSmokeCase):
    addon = "channel_connectors"

    def test_job_channel(self):
        channel = self.env.ref("channel_connectors.queue_job_channel_connectors")
        self.assertEqual(channel.complete_name, "root.omnichannel")
