from odoo import Command
from odoo.tests import Form, tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestChannelTax(OmniCommon):
    """A channel's prices include tax (marketplaces, e-shops) or not (manual B2B):
    Odoo's own taxes do the rest, through the channel's fiscal position."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.env["account.tax"].create(
            {
                "name": "SST 10% (test)",
                "amount": 10.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
                "company_id": cls.company.id,
            }
        )
        (cls.product_a + cls.product_b).taxes_id = cls.tax
        cls.manual = cls._create_channel("Phone desk", "PH", channel_type="manual")

    def test_marketplace_prices_include_tax(self):
        self.assertEqual(self.channel.price_tax_mode, "included")
        position = self.channel.fiscal_position_id
        self.assertTrue(position.omni_tax_included)
        twin = position.map_tax(self.tax)
        self.assertEqual(len(twin), 1)
        self.assertTrue(twin.price_include)
        self.assertEqual(twin.amount, 10.0)
        order = self.create_order(lines=[(self.product_a, 3, 22.0)])
        self.assertEqual(order.fiscal_position_id, position)
        self.assertEqual(order.order_line.tax_id, twin)
        # what the buyer paid, the tax extracted from it
        self.assertAlmostEqual(order.amount_total, 66.0)
        self.assertAlmostEqual(order.amount_tax, 6.0)
        order.action_confirm()
        self.deliver(order)  # the channel invoices on dispatch
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.fiscal_position_id, position)
        self.assertAlmostEqual(invoice.amount_total, 66.0)

    def test_one_position_per_company_for_every_included_channel(self):
        self.assertEqual(
            self.channel.fiscal_position_id, self.channel_touchless.fiscal_position_id
        )
        # a sale tax made later is mapped at once
        later = self.tax.copy({"name": "SST 8% (test)", "amount": 8.0})
        twin = self.channel.fiscal_position_id.map_tax(later)
        self.assertTrue(twin.price_include)
        self.assertEqual(twin.amount, 8.0)
        # and one unmapped since (e.g. made before the add-on) when asked
        self.channel.fiscal_position_id.tax_ids.filtered(
            lambda m: m.tax_src_id == later
        ).unlink()
        self.channel.action_update_tax_mapping()
        self.assertEqual(self.channel.fiscal_position_id.map_tax(later), twin)

    def test_manual_b2b_keeps_prices_without_tax(self):
        self.assertEqual(self.manual.price_tax_mode, "excluded")
        self.assertFalse(self.manual.fiscal_position_id)
        order = self.create_order(
            channel=self.manual, lines=[(self.product_a, 2, 25.0)]
        )
        self.assertEqual(order.order_line.tax_id, self.tax)
        self.assertAlmostEqual(order.amount_total, 55.0)

    def test_manual_b2c_channel_follows_its_setting(self):
        self.manual.price_tax_mode = "included"
        self.assertTrue(self.manual.fiscal_position_id.omni_tax_included)
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.business
            form.channel_id = self.manual
            with form.order_line.new() as line:
                line.product_id = self.product_b
                line.price_unit = 59.0
        order = form.save()
        self.assertEqual(order.fiscal_position_id, self.manual.fiscal_position_id)
        self.assertAlmostEqual(order.amount_total, 59.0)
        self.manual.price_tax_mode = "excluded"
        self.assertFalse(self.manual.fiscal_position_id)

    def test_orders_without_channel_keep_odoo_taxes(self):
        position = self.env["account.fiscal.position"].create({"name": "Export"})
        self.customer.property_account_position_id = position
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "price_unit": 25.0}
                    )
                ],
            }
        )
        self.assertEqual(order.fiscal_position_id, position)
        self.assertEqual(order.order_line.tax_id, self.tax)
        self.assertAlmostEqual(order.amount_total, 27.5)

    def test_copy_with_another_pricelist_sells_in_its_currency(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR prices", "currency_id": eur.id}
        )
        copy = self.channel.copy({"code": "LZ-EU", "pricelist_id": pricelist.id})
        self.assertEqual(copy.currency_id, eur)
