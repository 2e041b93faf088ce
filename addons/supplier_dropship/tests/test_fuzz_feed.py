"""Fuzzing (hypothesis) of the supplier feed parser: a bad row is skipped and
logged with its content, never aborts the feed."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import PART_KETTLE, DropshipCommon

LOGGER = "odoo.addons.supplier_dropship.models.dropship_distributor"
COLUMNS = ["part_number", "mpn", "ean", "stock", "price", "currency", "lead_time_days"]
cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", "12", ">100", "٣", "²", "1e5", "-3", "10.50", " 7 ", "x" * 500]
    ),
)


@tagged("post_install", "-at_install")
class TestFuzzFeed(DropshipCommon):
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(rows=st.lists(st.fixed_dictionaries({c: cell for c in COLUMNS}), max_size=4))
    def test_fuzz_feed_rows(self, rows):
        good = {
            "part_number": "FUZZ-GOOD",
            "mpn": PART_KETTLE,
            "ean": "",
            "stock": "5",
            "price": "9.99",
            "currency": "GBP",
            "lead_time_days": "2",
        }
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        for row in [*rows, good]:
            writer.writerow(row)
        distributor = self.ingram
        with self.env.cr.savepoint() as savepoint, mute_logger(LOGGER):
            previous = distributor.feed_format
            distributor.feed_format = "csv"
            result = distributor._import_feed(buffer.getvalue())
            self.assertIn(result["state"], ("ok", "warning"), result["message"])
            for error in result.get("errors") or []:
                self.assertIn("{", error, "the row goes with the error")
            distributor.feed_format = previous
            savepoint.rollback()
