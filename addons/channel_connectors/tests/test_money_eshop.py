"""E-shop (PLN, gross prices) orders in Odoo are what the buyer paid, to the cent,
with the shop's VAT (23/8/5 %, rounded per line) as Odoo's tax, and so are their
invoices."""

from odoo.tests import tagged

from .common import ConnectorCommon, MoneyCheckMixin, OrderSourceMixin

#: the Polish VAT rates, created highest first (see ``adapters/eshop.py``)
VAT_RATES = (23.0, 8.0, 5.0, 0.0)


@tagged("post_install", "-at_install")
class TestEshopMoney(MoneyCheckMixin, OrderSourceMixin, ConnectorCommon):
    platform = "eshop_xml"
    simulator = ("eshop", "EshopSimulator")
    simulator_options = {"orders": 60, "seed": 11, "export_delay": 60}

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            channel_type="eshop",
            app_key="eshop-key",
            page_limit=50,
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # the shop rounds the VAT of each line: so does the company (Odoo's default)
        company.tax_calculation_rounding_method = "round_per_line"
        cls.vat = {
            rate: cls.env["account.tax"].create(
                {
                    "name": f"VAT {rate:g}% (test)",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_excluded",
                }
            )
            for rate in VAT_RATES
        }
        cls.sale_tax = cls.vat[23.0]
        # the delivery and payment fees: services at the standard rate
        company.account_sale_tax_id = cls.sale_tax
        # the channel's shipping method and charges product were made with the
        # company's default tax of then (when the channel got its platform)
        cls.channel.shipping_carrier_id.product_id.taxes_id = cls.sale_tax
        cls.channel.surcharge_product_id.taxes_id = cls.sale_tax
        cls.channel.action_update_tax_mapping()

    def test_channel_prices_include_tax(self):
        self.assertEqual(self.channel.price_tax_mode, "included")
        self.assertEqual(self.channel.currency_id.name, "PLN")

    def test_voucher_over_three_rates(self):
        """A voucher over goods at 23, 8 and 5 %, whose tax depends on the rate
        that takes the rounding rest (the lowest, as Odoo's discount lines do
        with the taxes created highest first): Odoo's tax is the shop's."""
        self.map_catalogue()
        placed = self.sim_post(
            "/_sim/orders/new",
            {
                "delivery": "DPD",
                "payment": "COD",
                "lines": [
                    {"sku": "EARBUDS", "qty": 1},
                    {"sku": "MUG", "qty": 2},
                    {"sku": "NOTEBOOK", "qty": 3},
                ],
                "voucher": "RABAT10",
                "customer_confirmed": True,
            },
        )
        self.sim_post("/_sim/clock", {"advance": 61})
        self.pull()
        order = self.order_of(str(placed["id"]))
        with self.sim.lock:
            elem = self.sim.order_element(self.sim.orders[placed["id"]])
        # 199 + 2 × 25 + 3 × 15.50 + 14.99 delivery + 5 COD - 10 voucher
        self.assertEqual(order.channel_amount_total, 305.49)
        self.assert_order_money(order)
        shop_tax = float(elem.findtext("TotalTax"))
        self.assertTrue(order.currency_id.is_zero(order.amount_tax - shop_tax))
        discounts = order.order_line.filtered(
            lambda li: li.product_id == self.env.company.sale_discount_product_id
        )
        # the parts of 23 % and 8 % in proportion, 5 % takes the rest
        self.assertEqual(discounts.mapped("price_unit"), [-6.73, -1.69, -1.58])
        self.assertEqual(len(order.order_line.filtered("is_delivery")), 1)

    def money_features(self, elements):
        """What the imported orders hold: every kind of money occurs."""
        kinds = [
            {cost.get("Type") for cost in elem.findall("CostLines/CostLine")}
            for elem in elements
        ]
        rates = [
            {line.findtext("TaxRate") for line in elem.findall("Lines/Line")}
            for elem in elements
        ]
        quantities = [
            int(line.findtext("Quantity"))
            for elem in elements
            for line in elem.findall("Lines/Line")
        ]
        self.assertTrue(any("voucher" in k for k in kinds), "voucher")
        self.assertTrue(any("delivery" in k for k in kinds), "shipping")
        self.assertTrue(any("delivery" not in k for k in kinds), "free delivery")
        self.assertTrue(any("payment_fee" in k for k in kinds), "COD fee")
        self.assertGreater(max(quantities), 1, "several units")
        self.assertEqual(set().union(*rates), {"23", "8", "5"}, "VAT rates")
        self.assertTrue(
            any(
                len(r) > 1 and "voucher" in k for r, k in zip(rates, kinds, strict=True)
            ),
            "a voucher over several VAT rates",
        )

    def test_every_order_money(self):
        self.map_catalogue()
        self.pull()
        importable = {
            oid
            for oid, o in self.sim_orders().items()
            if o["released"] and o["importable"]
        }
        with self.sim.lock:
            elements = {
                ref: self.sim.order_element(self.sim.orders[int(ref)])
                for ref in importable
            }
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), importable)
        self.money_features(elements.values())
        for order in orders:
            elem = elements[order.channel_order_ref]
            self.assertEqual(
                order.channel_amount_total, float(elem.findtext("TotalPrice"))
            )
            self.assert_order_money(order)
            # the shop's VAT is Odoo's, to the cent
            shop_tax = float(elem.findtext("TotalTax"))
            self.assertTrue(
                order.currency_id.is_zero(order.amount_tax - shop_tax),
                f"{order.channel_order_ref}: Odoo tax {order.amount_tax} != shop "
                f"tax {shop_tax}",
            )
            self.assertFalse(order.order_line.filtered("is_unlinked"))
        # confirmed, delivered and invoiced: the invoice is what the buyer paid
        deliverable = orders.filtered(lambda o: o.lifecycle_state != "cancelled")
        self.assertTrue(deliverable)
        with self.jobs() as trap:
            deliverable.action_channel_accept()
            self.run_jobs(trap)
        for order in deliverable:
            with self.jobs() as trap:
                self.deliver(order)
                self.run_jobs(trap)
            self.assert_invoice_money(order)
            invoice = order.invoice_ids
            self.assertTrue(
                order.currency_id.is_zero(invoice.amount_tax - order.amount_tax)
            )
        self.assertEqual(set(orders.currency_id.mapped("name")), {"PLN"})
