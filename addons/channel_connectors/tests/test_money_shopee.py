"""Shopee orders' money: every imported order is worth what the buyer paid plus
what Shopee pays for the buyer (its vouchers, coins and campaign discounts), to the
cent, in the shop's currency; and so are the invoices of the delivered ones."""

from odoo.tests import tagged

from .common import (
    SHOPEE_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    MoneyCheckMixin,
)

#: the simulator's carriers that take a drop-off (the orders these tests ship)
DROPOFF = ("Standard Delivery (SPX)", "Ninja Van")


class _ShopeeMoney(MoneyCheckMixin, MarketplaceCycleMixin, ConnectorCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS
    simulator_options = {"orders": 80, "seed": 17}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_sale_tax()

    def deliver_and_invoice(self, order):
        """Deliver ``order``: its invoice posted, the order fulfilled (the
        catalogue's mappings have no Shopee item ids: no stock is pushed)."""
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        self.assertEqual(order.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(order.lifecycle_state, "fulfilled")

    def import_all(self):
        """Every order of the simulator, imported (catalogue mapped first)."""
        self.map_catalogue()
        sim_orders = self.sim_orders()
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim_orders))
        return orders, sim_orders

    def check_money(self):
        orders, sim_orders = self.import_all()
        for order in orders:
            self.assertEqual(order.currency_id.name, self.sim.currency)
            self.assert_order_money(order)
            amounts = sim_orders[order.channel_order_ref]["amounts"]
            self.assertAlmostEqual(
                order.channel_amount_total, amounts["total_amount"], places=2
            )
            if sim_orders[order.channel_order_ref]["paid"]:
                # the escrow detail's split: Shopee's part is not a discount
                self.assertAlmostEqual(
                    order.channel_amount_platform,
                    amounts["voucher_from_shopee"]
                    + amounts["coins"]
                    + amounts["shopee_discount"],
                    places=2,
                )
                self.assertAlmostEqual(
                    order.channel_amount_seller_discount,
                    amounts["voucher_from_seller"],
                    places=2,
                )
                self.assertAlmostEqual(
                    order.channel_amount_shipping,
                    amounts["buyer_paid_shipping_fee"],
                    places=2,
                )
        delivered = self.ship_and_deliver(orders, sim_orders)
        self.assertGreaterEqual(len(delivered), 3)
        for order in delivered:
            self.assert_invoice_money(order)
        return orders, sim_orders

    def ship_and_deliver(self, orders, sim_orders):
        """The orders to ship (READY_TO_SHIP, with a drop-off carrier): accepted,
        shipped on Shopee (drop-off), delivered, their invoice posted."""
        ready = orders.filtered(
            lambda o: sim_orders[o.channel_order_ref]["status"] == "READY_TO_SHIP"
            and sim_orders[o.channel_order_ref]["channel"] in DROPOFF
        )
        if not ready:
            return ready
        for order in ready:
            self.accept_and_ship(order, "dropoff")
        # the 3PL's tracking numbers
        self.sim_post("/_sim/clock", {"advance": 60})
        for order in ready:
            self.deliver_and_invoice(order)
        return ready


@tagged("post_install", "-at_install")
class TestShopeeMoney(_ShopeeMoney):
    def test_every_order_exact(self):
        """Seller and Shopee vouchers, coins, Shopee discounts, shipping fees and
        several quantities: every order and invoice to the cent (MYR)."""
        orders, sim_orders = self.check_money()
        paid = [o for o in sim_orders.values() if o["paid"]]
        for key in (
            "voucher_from_seller",
            "voucher_from_shopee",
            "coins",
            "shopee_discount",
            "buyer_paid_shipping_fee",
        ):
            self.assertTrue(any(o["amounts"][key] for o in paid), key)
        self.assertTrue(
            any(
                line.product_uom_qty > 1
                for line in orders.order_line.filtered("channel_sku")
            )
        )
        self.assertTrue(orders.order_line.filtered("is_delivery"))
        discount = self.env.company.sale_discount_product_id
        self.assertTrue(orders.order_line.filtered(lambda x: x.product_id == discount))
        self.assertTrue(any(o.channel_amount_platform for o in orders))

    def test_unpaid_then_paid(self):
        """An order imported unpaid has no escrow detail (every voucher counts as
        the seller's); once paid, the next import splits them and the quotation's
        discount lines follow: Odoo's total is the order value again."""
        orders, sim_orders = self.import_all()
        sn = next(
            sn
            for sn, o in sorted(sim_orders.items())
            if not o["paid"]
            and o["status"] == "UNPAID"
            and o["amounts"]["voucher_from_shopee"] + o["amounts"]["coins"]
        )
        order = orders.filtered(lambda o: o.channel_order_ref == sn)
        self.assertFalse(order.channel_amount_platform)
        self.sim_post("/_sim/clock", {"advance": 60})
        self.sim_post(f"/_sim/orders/{sn}/pay")
        self.import_again(sn)
        amounts = self.sim_orders()[sn]["amounts"]
        self.assertEqual(order.state, "draft")
        self.assertAlmostEqual(
            order.channel_amount_platform,
            amounts["voucher_from_shopee"]
            + amounts["coins"]
            + amounts["shopee_discount"],
            places=2,
        )
        self.assertAlmostEqual(
            order.channel_amount_seller_discount, amounts["voucher_from_seller"], 2
        )
        self.assert_order_money(order)


@tagged("post_install", "-at_install")
class TestShopeeMoneySGD(_ShopeeMoney):
    """A Singapore shop (SGD) of a company in another currency."""

    simulator_options = {"orders": 40, "seed": 23, "region": "SG"}

    def test_every_order_exact_sgd(self):
        self.assertEqual(self.sim.currency, "SGD")
        self.assertNotEqual(self.env.company.currency_id.name, "SGD")
        orders, _sim_orders = self.check_money()
        self.assertEqual(set(orders.mapped("currency_id.name")), {"SGD"})
