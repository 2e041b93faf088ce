from odoo.tests import tagged

from odoo.addons.omnichannel_orders.tests.common import AddonSmokeCase


@tagged("post_install", "-at_install")
class TestInstall(AddonSmokeCase):
    addon = "channel_returns"

    def test_operations_and_cron(self):
        ret = self.env.ref("channel_returns.rma_operation_channel_return")
        self.assertEqual(ret.action_create_receipt, "automatic_on_confirm")
        self.assertEqual(ret.action_create_refund, "manual_after_receipt")
        refund = self.env.ref("channel_returns.rma_operation_channel_refund")
        self.assertEqual(refund.action_create_refund, "manual_on_confirm")
        cron = self.env.ref("channel_returns.ir_cron_import_returns")
        self.assertEqual(cron.code, "model._cron_import_returns()")
        # order-desk users handle returns: they are RMA users
        desk = self.env.ref("omnichannel_orders.group_order_desk_user")
        self.assertIn(self.env.ref("rma.rma_group_user_all"), desk.implied_ids)

    def test_dashboard_shows_returns(self):
        """The channel dashboard card carries the open returns counter."""
        arch = self.env["omni.channel"].get_views(
            [
                (
                    self.env.ref(
                        "omnichannel_orders.omni_channel_view_kanban_dashboard"
                    ).id,
                    "kanban",
                )
            ]
        )["views"]["kanban"]["arch"]
        self.assertIn("channel_return_open_count", arch)
        self.assertIn("action_view_channel_returns", arch)
