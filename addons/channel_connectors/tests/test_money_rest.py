"""Generic REST hub (BigLedger job) orders in Odoo are what the marketplace buyer
paid, to the cent, on a channel whose prices include tax (the hub relays
marketplace prices: its SST rates 10/5/0 % are in them), and so are their
invoices. On a channel whose prices exclude tax, Odoo adds the tax: the
difference is exactly that tax."""

from odoo.tests import tagged

from .common import ConnectorCommon, MoneyCheckMixin, OrderSourceMixin

#: the hub's SST rates
TAX_RATES = (10.0, 5.0, 0.0)


@tagged("post_install", "-at_install")
class TestRestMoney(MoneyCheckMixin, OrderSourceMixin, ConnectorCommon):
    platform = "rest"
    simulator = ("rest", "RestSimulator")
    simulator_options = {"orders": 50, "seed": 13}

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            access_token="rest-token",
            tenant_code="TENANT1",
            page_limit=50,
            status_filter=False,
        )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sst = {
            rate: cls.env["account.tax"].create(
                {
                    "name": f"SST {rate:g}% (test)",
                    "amount": rate,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_excluded",
                }
            )
            for rate in TAX_RATES
        }
        cls.sale_tax = cls.sst[10.0]
        cls.env.company.account_sale_tax_id = cls.sale_tax
        cls.channel.action_update_tax_mapping()

    def money_features(self, hub):
        """What the hub's orders hold: every kind of money occurs."""
        lines = [li for o in hub.values() for li in o["lines"]]
        self.assertTrue(any(li["discount"] for li in lines), "line discount")
        self.assertGreater(max(li["qty"] for li in lines), 1, "several units")
        self.assertEqual({li["tax_rate"] for li in lines}, set(TAX_RATES))
        self.assertTrue(any(o["amount_shipping"] for o in hub.values()), "shipping")
        self.assertTrue(
            any(
                len({li["tax_rate"] for li in o["lines"]}) > 1 and o["amount_discount"]
                for o in hub.values()
            ),
            "discounts over several rates",
        )

    def import_every_order(self):
        self.map_catalogue()
        self.pull()
        with self.sim.lock:
            hub = {oid: self.sim.public(o) for oid, o in self.sim.orders.items()}
        self.money_features(hub)
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(hub))
        for order in orders:
            self.assertEqual(
                order.channel_amount_total, hub[order.channel_order_ref]["amount_total"]
            )
            self.assertFalse(order.order_line.filtered("is_unlinked"))
        return orders, hub

    def test_every_order_money(self):
        self.assertEqual(self.channel.price_tax_mode, "included")
        orders, _hub = self.import_every_order()
        for order in orders:
            self.assert_order_money(order)
        self.assertTrue(orders.filtered("amount_tax"))
        # accepted, delivered and invoiced: the invoice is what the buyer paid
        new = orders.filtered(lambda o: o.channel_status == "NEW")
        with self.jobs() as trap:
            new.action_channel_accept()
            self.run_jobs(trap)
        deliverable = orders.filtered(
            lambda o: o.state == "sale"
            and o.picking_ids.filtered(
                lambda p: p.state not in ("done", "cancel")
                and p.picking_type_code == "outgoing"
            )
        )
        self.assertTrue(deliverable)
        for order in deliverable:
            with self.jobs() as trap:
                self.deliver(order)
                self.run_jobs(trap)
            self.assert_invoice_money(order)
        self.assertEqual(set(orders.currency_id.mapped("name")), {"MYR"})

    def test_prices_excluding_tax_differ_by_the_tax(self):
        """A channel set to prices without tax: Odoo adds its tax on top of the
        hub's (tax-included) total: the difference is exactly Odoo's tax."""
        self.channel.price_tax_mode = "excluded"
        orders, hub = self.import_every_order()
        taxed = orders.filtered("amount_tax")
        self.assertTrue(taxed)
        for order in orders:
            self.assertEqual(hub[order.channel_order_ref]["amount_tax"], 0.0)
            self.assert_order_money(order, allowed_reasons=("tax",))
            self.assertTrue(
                order.currency_id.is_zero(
                    order.channel_amount_difference - order.amount_tax
                ),
                order.name,
            )
        self.assertEqual(set(taxed.mapped("channel_amount_difference_reason")), {"tax"})
