import json

import requests

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import PART_KETTLE, CaptureServer, DropshipCommon

CONTROLLER_LOGGER = "odoo.addons.supplier_dropship.controllers.main"


@tagged("post_install", "-at_install")
class TestDispatch(DropshipCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.capture = CaptureServer().start()
        cls.addClassCleanup(cls.capture.stop)
        requests.post(
            f"{cls.sim.url}/_sim/dispatch_config",
            json={"url": cls.capture.url},
            timeout=10,
        )

    def shipped_order(self, qty=2):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=30.0)
        order = self.create_dropship_order([(self.kettle, qty, self.ingram)])
        order.action_dropship_ship()
        po = order._dropship_purchase_orders()
        self.assertEqual(po.dropship_transmission_state, "acknowledged")
        return order, po

    def simulate_dispatch(self, distributor, po):
        """The simulator dispatches the PO; returns the notification it sent
        (captured on the way) to replay against Odoo's controller."""
        count = len(self.capture.requests)
        response = requests.post(
            f"{self.sim.url}/_sim/{distributor.code}/orders/{po.name}/dispatch",
            timeout=10,
        )
        response.raise_for_status()
        self.sim.flush_dispatches()
        self.assertEqual(len(self.capture.requests), count + 1)
        return self.capture.requests[-1]

    def post_notification(self, code, captured, signature=None):
        headers = {
            "Content-Type": "application/json",
            "X-Signature": signature or captured["headers"]["X-Signature"],
        }
        return self.url_open(
            f"/supplier_dropship/dispatch/{code}",
            data=captured["body"],
            headers=headers,
        )

    def test_dispatch_validates_tracks_and_invoices_once(self):
        order, po = self.shipped_order()
        self.assertEqual(order.channel_id.invoice_policy, "dispatch")
        self.assertFalse(order.invoice_ids)
        captured = self.simulate_dispatch(self.ingram, po)
        payload = json.loads(captured["body"])
        response = self.post_notification("ingram", captured)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.json_of(response)["status"], "done")
        picking = po.picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.dropship_tracking_ref, payload["tracking_number"])
        # the hook the channel connectors push to the channel
        self.assertEqual(order.tracking_ref, payload["tracking_number"])
        self.assertEqual(order.courier_name, payload["carrier"])
        self.assertEqual(order.order_line.qty_delivered, 2)
        invoice = order.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(order.lifecycle_state, "fulfilled")
        record = self.env["dropship.dispatch"].search(
            [("event_id", "=", payload["event_id"])]
        )
        self.assertEqual(record.picking_id, picking)
        # the same notification again: recognised, nothing more
        response = self.post_notification("ingram", captured)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.json_of(response)["status"], "duplicate")
        self.assertEqual(len(order.invoice_ids), 1)

    def test_bad_signature_is_refused(self):
        _order, po = self.shipped_order()
        captured = self.simulate_dispatch(self.ingram, po)
        with self.assertLogs(CONTROLLER_LOGGER, level="WARNING") as logs:
            response = self.post_notification(
                "ingram", captured, signature="sha256=" + "0" * 64
            )
        self.assertEqual(response.status_code, 401)
        self.assertIn("bad signature", logs.output[0])
        with mute_logger(CONTROLLER_LOGGER):
            # signed with another distributor's secret
            response = self.post_notification("techdata", captured)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(po.picking_ids.state, "assigned")

    def test_manual_validation_sets_tracking_and_invoices(self):
        order, po = self.shipped_order(qty=1)
        picking = po.picking_ids
        picking.write(
            {"dropship_tracking_ref": "MANUAL-123", "dropship_carrier": "DPD"}
        )
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.tracking_ref, "MANUAL-123")
        self.assertEqual(order.courier_name, "DPD")
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertEqual(order.invoice_ids.state, "posted")
