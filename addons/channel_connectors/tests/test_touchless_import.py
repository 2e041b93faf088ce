"""A touchless channel's page holding an order Odoo cannot confirm."""

import json
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestTouchlessImport(LazadaCommon):
    """A touchless channel: an order that cannot be confirmed stays a quotation,
    with its reason in the sync log and a To-Do, and the rest of the page goes
    on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel.processing_policy = "touchless"
        # a route that pulls the product, to order, from a location nothing
        # supplies: Odoo refuses to confirm an order of it ("No rule has been
        # found to replenish ...")
        nowhere = cls.env["stock.location"].create(
            {
                "name": "Nowhere",
                "usage": "internal",
                "location_id": cls.env.ref("stock.stock_location_locations").id,
            }
        )
        cls.route_nowhere = cls.env["stock.route"].create(
            {
                "name": "From nowhere",
                "product_selectable": True,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Nowhere → Customers",
                            "action": "pull",
                            "procure_method": "make_to_order",
                            "location_src_id": nowhere.id,
                            "location_dest_id": cls.env.ref(
                                "stock.stock_location_customers"
                            ).id,
                            "picking_type_id": cls.warehouse.out_type_id.id,
                            "company_id": cls.company.id,
                        }
                    )
                ],
            }
        )

    def map_sim_skus(self, unsuppliable=()):
        """A product in stock per SKU of the simulator's orders, mapped on the
        channel; the SKUs of ``unsuppliable`` come from nowhere."""
        skus = {
            item["sku"]
            for order in self.sim_orders().values()
            for item in order["items"].values()
        }
        products = {}
        for sku in sorted(skus):
            product = self._create_product(sku.title(), f"P-{sku}", 10.0, qty=50.0)
            if sku in unsuppliable:
                product.route_ids = self.route_nowhere
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": sku,
                    "product_id": product.id,
                }
            )
            products[sku] = product
        return products

    @staticmethod
    def not_confirmed_todo(order):
        return order.activity_ids.filtered(
            lambda a: a.summary == "Imported order not confirmed"
        )

    def assert_buffered(self, order, reason):
        """``order`` is stored but not confirmed: a quotation, with ``reason`` in
        a failed sync log entry and in a To-Do on the order."""
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.picking_ids)
        log = self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("external_ref", "=", order.channel_order_ref),
                ("state", "=", "failed"),
            ]
        )
        self.assertEqual(len(log), 1, "one log entry for the order")
        self.assertEqual(log.operation, "order/confirm")
        self.assertEqual((log.res_model, log.res_id), ("sale.order", order.id))
        self.assertIn(reason, log.message)
        self.assertIn(order.channel_order_ref, log.payload)
        activity = self.not_confirmed_todo(order)
        self.assertEqual(len(activity), 1, "one To-Do on the order")
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertIn(reason, activity.note)
        self.assertEqual(activity.user_id, order.user_id)

    def test_unconfirmable_order_does_not_sink_the_page(self):
        # the SKU of the fewest orders comes from nowhere
        sim_orders = self.sim_orders()
        orders_of = {}
        for ref, sim_order in sim_orders.items():
            for item in sim_order["items"].values():
                orders_of.setdefault(item["sku"], set()).add(ref)
        sku = min(sorted(orders_of), key=lambda s: len(orders_of[s]))
        self.map_sim_skus(unsuppliable={sku})

        self.pull()

        # every order is stored, the watermark moved past them all
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim_orders))
        self.assertTrue(self.channel.last_import_at)
        self.assertGreaterEqual(
            self.channel.last_import_at, max(orders.mapped("channel_updated_at"))
        )
        # the orders to confirm (neither unpaid nor cancelled on the channel)
        processable = orders.filtered(
            lambda o: o.channel_status not in ("unpaid", "canceled")
        )
        bad = processable.filtered(lambda o: sku in o.order_line.mapped("channel_sku"))
        good = processable - bad
        self.assertTrue(bad)
        self.assertGreater(len(good), 5)
        for order in bad:
            self.assert_buffered(order, "No rule has been found to replenish")
        for order in good:
            self.assertEqual(order.state, "sale", order.channel_order_ref)
            self.assertEqual(len(order.picking_ids), 1)
            self.assertFalse(self.not_confirmed_todo(order))
            # their history is whole: the values they came with, their
            # confirmation
            events = order.omni_event_ids
            self.assertIn("channel_status", events.mapped("event_type"))
            self.assertEqual(
                events.filtered(lambda e: e.event_type == "lifecycle")
                .sorted("id")
                .mapped("from_value")[:1],
                [""],
                f"{order.channel_order_ref}: the lifecycle it was created with",
            )
        self.assertFalse(
            self.env["channel.sync.log"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("state", "=", "failed"),
                    ("res_id", "not in", bad.ids),
                ]
            )
        )
        # the next pull finds nothing new: no second log entry, no second To-Do
        self.pull()
        for order in bad:
            self.assert_buffered(order, "No rule has been found to replenish")

    def test_update_that_cannot_be_confirmed_is_stored(self):
        """An unpaid order stored as a quotation is paid on the channel: the new
        status is stored even when the order cannot be confirmed."""
        products = self.map_sim_skus()
        ref = self.order_in_status("unpaid")
        self.pull()
        order = self.order_of(ref)
        self.assertEqual((order.state, order.channel_status), ("draft", "unpaid"))
        self.assertFalse(self.not_confirmed_todo(order))
        # its products can no longer be supplied
        for line in order.order_line.filtered("channel_sku"):
            products[line.channel_sku].route_ids = self.route_nowhere
        self.sim_post(f"/_sim/orders/{ref}/pay")
        watermark = self.channel.last_import_at

        self.pull()

        self.assertEqual(order.channel_status, "pending")
        self.assert_buffered(order, "No rule has been found to replenish")
        self.assertGreaterEqual(self.channel.last_import_at, order.channel_updated_at)
        self.assertGreater(self.channel.last_import_at, watermark)

        # a later version, still not confirmable: logged again, one To-Do
        self.import_newer_version(order)
        logs = self.env["channel.sync.log"].search(
            [("external_ref", "=", ref), ("state", "=", "failed")]
        )
        self.assertEqual(logs.mapped("operation"), ["order/confirm"] * 2)
        self.assertEqual(len(self.not_confirmed_todo(order)), 1)
        self.assertEqual(order.state, "draft")
        # the products can be supplied again: the next version is confirmed
        order.order_line.product_id.route_ids = False
        self.import_newer_version(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(len(order.picking_ids), 1)

    def import_newer_version(self, order):
        """Import the stored payload of ``order`` as a version an hour newer."""
        raw = json.loads(order.channel_binding_ids.raw_payload)
        newer = order.channel_updated_at + timedelta(hours=1)
        raw["updated_at"] = newer.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        adapter = self.channel._get_adapter()
        result = self.channel._import_normalised(
            [adapter.parse_order(raw)], adapter=adapter
        )
        self.assertEqual(result["updated"], 1)
        self.assertEqual(order.channel_updated_at, newer)
