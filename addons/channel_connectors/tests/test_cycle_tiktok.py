"""Full cycle of a TikTok Shop order through the sync engine and the simulator."""

import json

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import (
    TIKTOK_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    load_simulator,
)


@tagged("post_install", "-at_install")
class TestTikTokCycle(MarketplaceCycleMixin, ConnectorCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS

    def test_full_cycle(self):
        """import → confirm → ship (drop-off) with tracking → status on TikTok Shop
        → delivery → invoice; stock pushed after the delivery."""
        state = self.sim_state()
        single_warehouse = {
            sku for sku, data in state["stock"].items() if len(data["inventory"]) == 1
        }
        self.pull()
        self.assertEqual(
            set(self.channel_orders().mapped("channel_order_ref")),
            set(state["orders"]),
        )
        order = self.channel_orders().filtered(
            lambda o: o.channel_status == "AWAITING_SHIPMENT"
            and state["orders"][o.channel_order_ref]["shipping_type"] == "TIKTOK"
            and not state["orders"][o.channel_order_ref]["is_buyer_request_cancel"]
            and set(o.order_line.mapped("channel_sku")) <= single_warehouse
        )[:1]
        self.assertTrue(order)
        external_id = order.channel_order_ref
        # one line_item per unit on TikTok: one line per SKU in Odoo
        raw = json.loads(order.channel_binding_ids.raw_payload)
        self.assertEqual(
            sum(order.order_line.filtered("channel_sku").mapped("product_uom_qty")),
            len(raw["line_items"]),
        )
        self.map_skus(order)
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        self.accept_and_ship(order, "dropoff")
        self.assertTrue(order.tracking_ref)
        sim_order = self.sim_state()["orders"][external_id]
        self.assertEqual(sim_order["status"], "AWAITING_COLLECTION")
        self.assertEqual(
            {p["tracking_number"] for p in sim_order["packages"].values()},
            {order.tracking_ref},
        )
        self.assertEqual(
            {p["handover_method"] for p in sim_order["packages"].values()},
            {"DROP_OFF"},
        )
        self.assertEqual(order.channel_status, "AWAITING_COLLECTION")
        # the label
        order.action_channel_print_label()
        self.assertTrue(order.label_printed)
        self.assertTrue(order.channel_label_id.raw.startswith(b"%PDF"))
        # collected by the courier: IN_TRANSIT on TikTok Shop, and in Odoo
        self.sim_post("/_sim/clock", {"advance": 7 * 3600})
        self.assertEqual(
            self.sim_state()["orders"][external_id]["status"], "IN_TRANSIT"
        )
        self.import_again(external_id)
        self.assertEqual(order.channel_status, "IN_TRANSIT")
        # the delivery: invoice posted, stock pushed
        mappings = self.deliver_and_invoice(order)
        stock = self.sim_state()["stock"]
        for line, mapping in mappings.items():
            self.assertEqual(
                list(stock[line.channel_sku]["inventory"].values()),
                [int(mapping.last_stock_sent)],
            )
        # a later pull does not duplicate it
        self.assert_pulled_once(external_id)

    def test_manual_shipment_with_own_carrier(self):
        """Seller shipping: the tracking number and the channel's own carrier ID
        reach the package on TikTok Shop; without a carrier ID, a clear error
        before anything is sent."""
        for _attempt in range(10):
            external_id = self.sim_post(
                "/_sim/orders/new",
                {"count": 1, "status": "AWAITING_SHIPMENT", "shipping_type": "SELLER"},
            )["order_ids"][0]
            if not self.sim_state()["orders"][external_id]["is_buyer_request_cancel"]:
                break
        self.import_again(external_id)
        order = self.order_of(external_id)
        self.assertEqual(order.channel_status, "AWAITING_SHIPMENT")
        self.map_skus(order)
        with self.jobs() as trap:
            order.action_channel_accept()
            self.run_jobs(trap)

        def wizard():
            return self.ship_wizard(order, "manual", tracking_ref="OWN-77")

        first = wizard()
        self.assertTrue(first.needs_provider)
        with self.jobs() as trap, self.assertRaisesRegex(UserError, "Carrier ID"):
            first.action_arrange()
        self.assertFalse(trap.enqueued_jobs)
        provider = load_simulator("tiktok", "SELLER_PROVIDERS")
        provider_id = next(iter(provider))
        self.channel.seller_shipping_provider_ref = provider_id
        second = wizard()
        self.assertEqual(second.shipping_provider_ref, provider_id)
        with self.jobs() as trap:
            second.action_arrange()
            self.run_jobs(trap)
        self.assertTrue(order.channel_shipped)
        self.assertEqual(order.tracking_ref, "OWN-77")
        packages = self.sim_state()["orders"][order.channel_order_ref]["packages"]
        self.assertEqual(
            {
                (package["tracking_number"], package["shipping_provider_id"])
                for package in packages.values()
            },
            {("OWN-77", provider_id)},
        )
