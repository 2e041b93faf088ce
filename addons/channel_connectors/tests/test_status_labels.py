"""The readable labels each adapter gives its platform's order statuses."""

from odoo.tests import BaseCase, tagged

from ..adapters import get_adapter_class


@tagged("post_install", "-at_install")
class TestStatusLabels(BaseCase):
    def test_every_platform_labels_its_statuses(self):
        expected = {
            "lazada": {"ready_to_ship": "Ready to Ship", "canceled": "Cancelled"},
            "shopee": {
                "TO_RETURN": "Return Requested",
                "PROCESSED": "Shipment Arranged",
            },
            "tiktok": {
                "AWAITING_COLLECTION": "Awaiting Collection",
                "ON_HOLD": "On Hold",
            },
            "eshop_xml": {"fulfilled": "Fulfilled (Zrealizowane)"},
            "rest": {"READY_TO_SHIP": "Ready to Ship", "DELETED": "Deleted in the Hub"},
        }
        for platform, labels in expected.items():
            adapter = get_adapter_class(platform)
            for code, label in labels.items():
                self.assertEqual(adapter.status_label(code), label, platform)
            # the engine's statuses are all labelled
            for code in (
                adapter.cancelled_statuses
                | adapter.hold_statuses
                | adapter.shipped_statuses
            ):
                self.assertIn(code, adapter.status_labels, f"{platform}: {code}")

    def test_unknown_status_shows_its_code(self):
        adapter = get_adapter_class("lazada")
        self.assertEqual(adapter.status_label("new_lazada_status"), "new_lazada_status")
        self.assertEqual(adapter.status_label(False), "")
