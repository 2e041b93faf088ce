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


@tagged("post_install", "-at_install")
class TestRoundingLine(LazadaCommon):
    """Unit prices with more decimals than Odoo keeps: the few cents the lines
    miss are booked on a rounding line with the reason, so that the order equals
    the platform's total; a larger difference stays shown."""

    def platform_order(self, external_id, unit_price, quantity):
        """A simulator order re-sent as ``external_id``: one line of ``quantity``
        at ``unit_price`` (more decimals than the currency), no shipping, no
        voucher; the platform's totals rounded to the cent."""
        self.pull()
        order = self.channel_orders().filtered(lambda o: o.state == "draft")[:1]
        normalised = self.channel._get_adapter().parse_order(
            json.loads(order.channel_binding_ids.raw_payload)
        )
        line = dict(
            next(li for li in normalised["lines"] if not li.get("cancelled")),
            quantity=quantity,
            price_unit=unit_price,
        )
        value = round(unit_price * quantity, 2)
        normalised.update(
            external_id=external_id,
            lines=[line],
            amounts={
                "items": value,
                "shipping": 0.0,
                "seller_discount": 0.0,
                "platform_discount": 0.0,
                "voucher": 0.0,
                "cancelled": 0.0,
                "fees": 0.0,
                "tax": 0.0,
                "total": value,
            },
        )
        return normalised

    def imported(self, normalised):
        self.channel._import_normalised([normalised])
        return self.channel_orders().filtered(
            lambda o: o.channel_order_ref == normalised["external_id"]
        )

    def test_cents_booked_on_a_rounding_line(self):
        order = self.imported(self.platform_order("ROUND-1", 3.333, 3))
        rounding = order.order_line.filtered(
            lambda line: line.product_id == self.channel.rounding_product_id
        )
        self.assertEqual(len(rounding), 1)
        self.assertAlmostEqual(rounding.price_unit, 0.01, places=2)
        self.assertFalse(rounding.tax_id)
        self.assertIn("the platform's total is", rounding.name)
        self.assertAlmostEqual(order.amount_total, 10.0, places=2)
        self.assertAlmostEqual(order.channel_amount_total, 10.0, places=2)
        self.assertFalse(order.channel_amount_difference)
        self.assertFalse(order.channel_amount_difference_reason)
        # the invoice carries it: its total is the platform's too
        order.action_confirm()
        invoice = order._create_invoices()
        self.assertAlmostEqual(invoice.amount_total, 10.0, places=2)

    def test_a_larger_difference_is_shown_not_booked(self):
        normalised = self.platform_order("ROUND-2", 3.333, 3)
        normalised["amounts"]["total"] += 1.0
        order = self.imported(normalised)
        self.assertFalse(
            order.order_line.filtered(
                lambda line: line.product_id == self.channel.rounding_product_id
            )
        )
        self.assertAlmostEqual(order.channel_amount_difference, -1.01, places=2)
        self.assertEqual(order.channel_amount_difference_reason, "unexplained")

    def test_rounding_can_be_switched_off(self):
        self.channel.rounding_max_units = 0
        order = self.imported(self.platform_order("ROUND-3", 3.333, 3))
        self.assertAlmostEqual(order.channel_amount_difference, -0.01, places=2)
