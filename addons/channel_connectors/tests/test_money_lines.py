"""The money lines of an imported order follow a newer version while it is a
quotation: the platform may tell its vouchers and shipping fee later (a Shopee
order imported unpaid)."""

import copy
import json
from datetime import timedelta

from odoo.tests import tagged

from .test_lazada import LazadaCommon


@tagged("post_install", "-at_install")
class TestMoneyLines(LazadaCommon):
    def newer_version(self, order, shipping_fee, voucher_seller):
        """``order``'s payload an hour later, with another shipping fee and seller
        voucher (on its first item that is not cancelled)."""
        raw = copy.deepcopy(json.loads(order.channel_binding_ids.raw_payload))
        newer = order.channel_updated_at + timedelta(hours=1)
        raw["updated_at"] = newer.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        raw["shipping_fee"] = f"{shipping_fee:.2f}"
        item = next(i for i in raw["items"] if i["status"] != "canceled")
        item["voucher_seller"] = voucher_seller
        item["paid_price"] = round(
            item["item_price"] - voucher_seller - item.get("voucher_platform", 0.0), 2
        )
        return self.channel._get_adapter().parse_order(raw)

    def money_lines(self, order):
        return self.channel._connector_money_lines(order)

    def test_quotation_follows_the_newer_money(self):
        self.pull()
        order = self.channel_orders().filtered(
            lambda o: o.state == "draft"
            and all(
                i["status"] != "canceled"
                for i in json.loads(o.channel_binding_ids.raw_payload)["items"]
            )
        )[:1]
        self.assertTrue(order, "no buffered order in the simulator")
        items = order.order_line.filtered("channel_sku")
        self.channel._import_normalised([self.newer_version(order, 7.5, 4.0)])
        self.assertEqual(order.order_line.filtered("channel_sku"), items)
        delivery = order.order_line.filtered("is_delivery")
        self.assertEqual(delivery.mapped("price_unit"), [7.5])
        self.assertEqual(order.carrier_id, self.channel.shipping_carrier_id)
        discount = self.money_lines(order) - delivery
        self.assertAlmostEqual(sum(discount.mapped("price_subtotal")), -4.0, places=2)
        self.assertEqual(order.channel_amount_seller_discount, 4.0)
        self.assertAlmostEqual(order.amount_total, order.channel_amount_expected, 2)
        self.assertFalse(order.channel_amount_difference)
        # no shipping fee and no voucher any more: no such lines
        self.channel._import_normalised([self.newer_version(order, 0.0, 0.0)])
        self.assertFalse(self.money_lines(order))
        self.assertFalse(order.carrier_id)
        self.assertAlmostEqual(order.amount_total, order.channel_amount_expected, 2)

    def test_confirmed_order_keeps_its_lines(self):
        self.pull()
        order = self.channel_orders().filtered(lambda o: o.state == "draft")[:1]
        lines = order.order_line
        order.action_confirm()
        self.channel._import_normalised([self.newer_version(order, 9.0, 1.0)])
        self.assertEqual(order.order_line, lines)
        self.assertTrue(order.channel_amount_difference)
        self.assertEqual(order.channel_amount_difference_reason, "unexplained")
