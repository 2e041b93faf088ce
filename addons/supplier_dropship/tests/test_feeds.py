from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PART_EARBUDS, PART_KETTLE, DropshipCommon

LOGGER = "odoo.addons.supplier_dropship.models.dropship_distributor"


@tagged("post_install", "-at_install")
class TestFeeds(DropshipCommon):
    def test_csv_feed_updates_vendor_lines(self):
        self.set_part(self.ingram, PART_KETTLE, stock=7, price=31.5, lead_time_days=2)
        result = self.ingram._import_feed()
        self.assertEqual(result["state"], "ok", result["message"])
        seller = self.seller(self.ingram, self.kettle)
        part = self.sim.inspect()["stock"]["ingram"]
        self.assertIn(seller.product_code, part, "matched by MPN, keyed by part no")
        self.assertEqual(part[seller.product_code]["mpn"], PART_KETTLE)
        self.assertEqual(seller.distributor_stock, 7)
        self.assertEqual(seller.price, 31.5)
        self.assertEqual(seller.feed_price, 31.5)
        self.assertEqual(seller.delay, 2)
        self.assertEqual(seller.currency_id, self.gbp)
        self.assertTrue(seller.feed_updated_at)
        self.assertEqual(self.ingram.feed_state, "ok")
        # a second read matches the vendor line by its part number, no duplicate
        self.ingram._import_feed()
        self.assertEqual(
            len(
                self.kettle.seller_ids.filtered(
                    lambda s: s.partner_id == self.ingram.partner_id
                )
            ),
            1,
        )

    def test_xml_feed_with_banded_stock(self):
        self.set_part(self.exertis, PART_EARBUDS, stock=500, price=12.0)
        result = self.exertis._import_feed()
        self.assertEqual(result["state"], "ok", result["message"])
        seller = self.seller(self.exertis, self.earbuds)
        self.assertEqual(seller.distributor_stock, 100, "'>100' reads as 100")
        self.assertEqual(seller.price, 12.0)

    def test_unknown_parts_are_reported(self):
        result = self.techdata._import_feed()
        # the simulator's extra parts (laptops, SSDs...) are not in our catalogue
        self.assertTrue(result["unknown"])
        self.assertIn("Unknown part numbers", self.techdata.feed_message)

    def test_broken_rows_are_skipped_and_logged(self):
        self.addCleanup(self.reset_faults)
        self.set_part(self.ingram, PART_KETTLE, stock=3, price=22.0)
        self.set_faults(malformed=0.5)
        with self.assertLogs(LOGGER, level="WARNING") as logs:
            result = self.ingram._import_feed()
        self.assertEqual(result["state"], "warning")
        self.assertTrue(result["errors"])
        self.assertIn("feed rows skipped", logs.output[0])
        self.assertIn("Skipped rows", self.ingram.feed_message)
        self.assertGreater(result["updated"], 0, "the good rows are still read")

    def test_failed_feed_keeps_figures(self):
        seller = self.seller(self.ingram, self.kettle)
        before = (seller.price, seller.distributor_stock, seller.feed_updated_at)
        self.ingram.feed_url = f"{self.sim.url}/nobody/feed.csv"
        with mute_logger(LOGGER):
            result = self.ingram._import_feed()
        self.assertEqual(result["state"], "failed")
        self.assertEqual(self.ingram.feed_state, "failed")
        with mute_logger(LOGGER):
            self.exertis._import_feed(text="<feed><product>")
        self.assertEqual(self.exertis.feed_state, "failed")
        self.assertEqual(
            (seller.price, seller.distributor_stock, seller.feed_updated_at), before
        )

    def test_cron_enqueues_one_job_per_due_distributor(self):
        self.distributors.feed_last_run_at = False
        with trap_jobs() as trap:
            self.env["dropship.distributor"]._cron_import_feeds()
            trap.assert_jobs_count(3)
            trap.perform_enqueued_jobs()
        self.assertEqual(set(self.distributors.mapped("feed_state")), {"ok"})
        with trap_jobs() as trap:  # just read: not due again
            self.env["dropship.distributor"]._cron_import_feeds()
            trap.assert_jobs_count(0)
