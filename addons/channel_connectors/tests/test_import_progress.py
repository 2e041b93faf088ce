"""An import asked from the Import wizard tells its progress live (Odoo's bus) to
the user who asked, on the Lazada simulator."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestImportProgress(LazadaCommon):
    def notifications(self, partner, kind):
        self.env.cr.precommit.run()  # the bus writes its notifications at commit
        channel = json.dumps(
            [self.env.cr.dbname, "res.partner", partner.id], separators=(",", ":")
        )
        messages = [
            json.loads(note.message)
            for note in self.env["bus.bus"]
            .sudo()
            .search([("channel", "=", channel)], order="id")
        ]
        return [m["payload"] for m in messages if m["type"] == kind]

    def test_wizard_import_reports_each_page(self):
        manager = new_test_user(
            self.env,
            login="import_progress_manager",
            groups="channel_connectors.group_connector_manager",
        )
        wizard = (
            self.env["channel.import.wizard"]
            .with_user(manager)
            .create(
                {
                    "channel_id": self.channel.id,
                    "date_from": fields.Datetime.now() - timedelta(days=60),
                    "date_to": fields.Datetime.now() + timedelta(minutes=5),
                }
            )
        )
        with self.jobs() as trap:
            wizard.action_import()
            self.run_jobs(trap)
        orders = self.channel_orders()
        self.assertTrue(orders)
        progress = self.notifications(manager.partner_id, "omni_import_progress")
        self.assertEqual(progress[0]["stage"], "listed")
        self.assertEqual(progress[0]["channel_id"], self.channel.id)
        pages = [p for p in progress if p["stage"] == "page"]
        self.assertTrue(pages)
        self.assertEqual(
            {ref for page in pages for ref in page["orders"]},
            set(orders.mapped("channel_order_ref")),
        )
        shown = self.notifications(manager.partner_id, "simple_notification")
        self.assertEqual(len(shown), len(progress))
        self.assertIn(self.channel.name, shown[-1]["title"])

    def test_scheduled_pull_stays_quiet(self):
        with self.jobs() as trap:
            self.channel._enqueue_pull()
            self.run_jobs(trap)
        self.assertTrue(self.channel_orders())
        self.assertFalse(
            self.notifications(self.env.user.partner_id, "omni_import_progress")
        )
