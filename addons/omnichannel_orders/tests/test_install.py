from odoo.tests import new_test_user, tagged

from .common import AddonSmokeCase


@tagged("post_install", "-at_install")
class TestInstall(AddonSmokeCase):
    addon = "omnichannel_orders"

    def test_order_desk_menu_visible_to_order_desk_users(self):
        root = self.env.ref("omnichannel_orders.menu_order_desk_root")
        user = new_test_user(
            self.env,
            login="desk_user_smoke",
            groups="omnichannel_orders.group_order_desk_user",
        )
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        self.assertIn(root.id, visible)
        config = self.env.ref("omnichannel_orders.menu_order_desk_config")
        self.assertNotIn(config.id, visible)

    def test_bulk_jobs_run_in_the_order_desk_channel(self):
        channel = self.env.ref("omnichannel_orders.queue_job_channel_omnichannel")
        self.assertEqual(channel.complete_name, "root.omnichannel")
        Function = self.env["queue.job.function"]
        for method in ("_run_chunk", "_omni_bulk_report"):
            config = Function.job_config(
                Function.job_function_name("omni.bulk.operation", method)
            )
            self.assertEqual(config.channel, "root.omnichannel", method)
