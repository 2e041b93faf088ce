import base64
from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.bus.models.bus import dispatch
from odoo.addons.bus.websocket import WebsocketConnectionHandler
from odoo.addons.queue_job.controllers.main import RunJobController

from .tour_common import ScreenshotTourMixin

ORDER_DESK = "/odoo/action-omnichannel_orders.sale_order_action_order_desk"
DASHBOARD = "/odoo/action-omnichannel_orders.omni_channel_action_dashboard"
BULK_OPERATIONS = "/odoo/action-omnichannel_orders.omni_bulk_operation_action"
CHUNK_SIZE = "odoo.addons.omnichannel_orders.models.omni_bulk_operation.CHUNK_SIZE"


@contextmanager
def live_bus():
    """Odoo's bus in a browser test: the websocket is open (Odoo closes it during
    tests), and once the job runner's request has run a job, the websockets are
    told to fetch their notifications (what PostgreSQL's NOTIFY does after a real
    commit; a test never commits, see ``bus.tests.common.WebsocketCase``)."""
    run = RunJobController._runjob

    def run_then_dispatch(controller_class, env, job):
        run.__func__(controller_class, env, job)
        # the websockets fetch once the runner's request has committed (its test
        # cursor is theirs only then)
        for websockets in list(dispatch._channels_to_ws.values()):
            for websocket in list(websockets):
                websocket.trigger_notification_dispatching()

    with (
        patch.object(
            WebsocketConnectionHandler, "websocket_allowed", return_value=True
        ),
        patch.object(RunJobController, "_runjob", classmethod(run_then_dispatch)),
    ):
        yield


@tagged("post_install", "-at_install")
class TestTours(ScreenshotTourMixin, HttpCase):
    """The order desk in a real browser (headless Chromium): a manual B2B order
    with its payment proof, the inbox filtered and bulk-confirmed, the dashboard.
    The final screen of each tour is saved as a PNG (see ``screenshot_dir``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.user = new_test_user(
            env,
            login="tour_desk",
            name="Tour Desk",
            groups="omnichannel_orders.group_order_desk_user",
        )
        warehouse = env["stock.warehouse"].search(
            [("company_id", "=", env.company.id)], limit=1
        )
        cls.warehouse = warehouse
        cls.products = env["product.product"].create(
            [
                {
                    "name": name,
                    "default_code": code,
                    "type": "consu",
                    "is_storable": True,
                    "list_price": price,
                    "invoice_policy": "order",
                }
                for name, code, price in (
                    ("Tour Mug", "TMUG", 12.0),
                    ("Tour Shirt", "TSHIRT", 30.0),
                )
            ]
        )
        for product in cls.products:
            env["stock.quant"]._update_available_quantity(
                product, warehouse.lot_stock_id, 50.0
            )
        cls.partner = env["res.partner"].create(
            {
                "name": "Tour Trading Sdn Bhd",
                "is_company": True,
                "email": "buyer@tour-trading.example.com",
            }
        )
        channels = env["omni.channel"].create(
            [
                {
                    "name": "Tour phone desk",
                    "code": "TPHONE",
                    "channel_type": "manual",
                    "require_payment_proof": True,
                    "warehouse_id": warehouse.id,
                },
                {
                    "name": "Tour Shop",
                    "code": "TSHOP",
                    "warehouse_id": warehouse.id,
                },
                {
                    "name": "Other Shop",
                    "code": "OSHOP",
                    "warehouse_id": warehouse.id,
                },
            ]
        )
        cls.phone_desk, cls.shop, cls.other_shop = channels

    def _order(self, channel, ref):
        return (
            self.env["sale.order"]
            .with_context(omni_no_auto_process=True)
            .create(
                {
                    "partner_id": self.partner.id,
                    "channel_id": channel.id,
                    "channel_order_ref": ref,
                    "warehouse_id": self.warehouse.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.products[0].id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
        )

    def test_manual_b2b_order(self):
        self._start_tour(
            ORDER_DESK, "omni_manual_order_b2b_tour", "omni_manual_order_b2b"
        )
        order = self.env["sale.order"].search([("channel_id", "=", self.phone_desk.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, self.partner)
        self.assertEqual(order.customer_type, "b2b")
        self.assertEqual(order.client_order_ref, "PO-TOUR-77")
        self.assertEqual(order.create_uid, self.user)
        self.assertEqual(
            {line.product_id.name: line.product_uom_qty for line in order.order_line},
            {"Tour Mug": 3.0, "Tour Shirt": 1.0},
        )
        self.assertEqual(order.payment_proof_attachment_id.name, "transfer-slip.pdf")
        self.assertEqual(
            base64.b64decode(order.payment_proof_attachment_id.datas),
            b"%PDF-1.4 transfer slip",
        )
        self.assertTrue(order.picking_ids)
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_bulk_confirm_from_status_tab(self):
        orders = self.env["sale.order"]
        for index in (1, 2, 3):
            orders |= self._order(self.shop, f"TOUR-ORD-{index}")
        ready = self._order(self.shop, "TOUR-READY-1")
        ready.action_confirm()
        self.assertEqual(ready.desk_stage, "ready")
        self._start_tour(ORDER_DESK, "omni_bulk_confirm_tour", "omni_bulk_confirm")
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        operation = self.env["omni.bulk.operation"].search([])
        self.assertEqual(len(operation), 1)
        self.assertEqual(operation.order_ids, orders)
        self.assertEqual((operation.done_count, operation.failed_count), (3, 0))
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_dashboard_card_opens_list(self):
        self._order(self.shop, "TOUR-ORD-1")
        self._order(self.shop, "TOUR-ORD-2")
        self._order(self.other_shop, "OTHER-1")
        self._start_tour(DASHBOARD, "omni_dashboard_tour", "omni_dashboard")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_plain_quotation_in_the_desk_form(self):
        quotation = (
            self.env["sale.order"]
            .with_context(omni_no_auto_process=True)
            .create(
                {
                    "partner_id": self.partner.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.products[0].id, "product_uom_qty": 2}
                        )
                    ],
                }
            )
        )
        self._start_tour(
            f"{ORDER_DESK}/{quotation.id}",
            "omni_plain_quotation_desk_tour",
            "omni_plain_quotation_desk_form",
        )
        self.assertEqual(quotation.state, "draft")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_bulk_progress_live(self):
        """A bulk confirmation in three parts: the form follows the job runner."""
        orders = self.env["sale.order"]
        for index in range(1, 26):
            orders |= self._order(self.shop, f"TOUR-BULK-{index:02d}")
        with patch(CHUNK_SIZE, 10):
            operation = (
                self.env["omni.bulk.operation"]
                .with_user(self.user)
                ._omni_start("confirm", orders)
            )
        parts = operation._omni_jobs()
        self.assertEqual(len(parts), 3)
        self.assertEqual(operation.state, "queued")
        # the job runner hands the parts over, one after the other (the tour asks)
        parts.write({"state": "enqueued"})
        with live_bus():
            self._start_tour(
                f"{BULK_OPERATIONS}/{operation.id}",
                "omni_bulk_progress_tour",
                "omni_bulk_progress",
            )
        self.assertEqual(set(parts.mapped("state")), {"done"})
        self.assertEqual((operation.done_count, operation.failed_count), (25, 0))
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())

    def test_manual_b2c_order_in_the_desk_form(self):
        buyer = self.env["res.partner"].create(
            {"name": "Walk-in Buyer", "email": "walk-in@example.com"}
        )
        self.phone_desk.require_payment_proof = False
        order = (
            self.env["sale.order"]
            .with_context(omni_no_auto_process=True)
            .create(
                {
                    "partner_id": buyer.id,
                    "channel_id": self.phone_desk.id,
                    "warehouse_id": self.warehouse.id,
                    "manual_reason": "replacement",
                    "order_line": [
                        Command.create(
                            {"product_id": self.products[1].id, "product_uom_qty": 1}
                        )
                    ],
                }
            )
        )
        self.assertEqual(order.customer_type, "b2c")
        self._start_tour(
            f"{ORDER_DESK}/{order.id}",
            "omni_manual_order_form_tour",
            "omni_manual_order_b2c_form",
        )
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())
