"""TikTok Shop orders in Odoo are what the buyer paid plus what the platform pays
for the buyer, to the cent, and so are their invoices (MYR shop, and a migrated
Tokopedia shop in IDR for a company in USD)."""

import copy

from odoo.tests import tagged

from .common import (
    TIKTOK_CREDENTIALS,
    ConnectorCommon,
    MarketplaceCycleMixin,
    MoneyCheckMixin,
)


class TikTokMoneyCase(MoneyCheckMixin, MarketplaceCycleMixin, ConnectorCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS
    simulator_options = {"orders": 60, "seed": 17}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_sale_tax()

    def deliver_invoiced(self, order):
        """Deliver ``order`` in Odoo: its invoice is posted (the stock push is
        the cycle tests' business)."""
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        self.assertEqual(order.invoice_ids.mapped("state"), ["posted"])
        self.assertEqual(order.lifecycle_state, "fulfilled")

    def money_features(self, sim_orders):
        """What the simulator's orders hold: every kind of money occurs."""
        payments = [o["payment"] for o in sim_orders.values()]
        units = [x for o in sim_orders.values() for x in o["lines"]]
        quantities = {
            sum(1 for x in o["lines"] if x["sku_id"] == sku)
            for o in sim_orders.values()
            for sku in {x["sku_id"] for x in o["lines"]}
        }
        self.assertTrue(any(x["seller_discount"] for x in units), "seller discount")
        self.assertTrue(any(x["platform_discount"] for x in units), "platform discount")
        self.assertTrue(
            any(p["shipping_fee_platform_discount"] for p in payments),
            "free-shipping voucher",
        )
        self.assertTrue(
            any(p["shipping_fee_seller_discount"] for p in payments),
            "seller shipping discount",
        )
        self.assertTrue(any(p["shipping_fee"] for p in payments), "shipping fee")
        self.assertTrue(
            any(not p["shipping_fee"] for p in payments), "free shipping for the buyer"
        )
        self.assertGreater(max(quantities), 1, "several units of a SKU")

    def check_every_order(self):
        """Import every order of the simulator; each one's total is its order
        value; the deliverable ones are delivered and their invoice too."""
        self.map_catalogue()
        new_ids = self.sim_post(
            "/_sim/orders/new",
            {"count": 12, "status": "AWAITING_SHIPMENT", "shipping_type": "TIKTOK"},
        )["order_ids"]
        with self.sim.lock:
            sim_orders = copy.deepcopy(self.sim.orders)
        self.money_features(sim_orders)
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim_orders))
        for order in orders:
            payment = sim_orders[order.channel_order_ref]["payment"]
            self.assertAlmostEqual(
                order.channel_amount_total, payment["total_amount"], places=2
            )
            self.assert_order_money(order)
        # the new orders the buyer does not want to cancel: shipped, delivered
        deliverable = orders.filtered(
            lambda o: o.channel_order_ref in new_ids
            and not sim_orders[o.channel_order_ref]["buyer_cancel_pending"]
        )
        self.assertGreater(len(deliverable), 6)
        for order in deliverable:
            self.accept_and_ship(order, "dropoff")
            self.deliver_invoiced(order)
            self.assert_invoice_money(order)
        return orders


@tagged("post_install", "-at_install")
class TestTikTokMoney(TikTokMoneyCase):
    def test_every_order_money(self):
        orders = self.check_every_order()
        self.assertEqual(set(orders.currency_id.mapped("name")), {"MYR"})


@tagged("post_install", "-at_install")
class TestTokopediaMoney(TikTokMoneyCase):
    """A migrated Tokopedia shop: IDR, whole rupiahs, for a company in USD."""

    simulator_options = {"orders": 40, "seed": 17, "tokopedia": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        idr = cls.channel.pricelist_id.currency_id
        cls.env["res.currency.rate"].create(
            {
                "name": "2020-01-01",
                "rate": 16000.0,
                "currency_id": idr.id,
                "company_id": cls.env.company.id,
            }
        )

    def test_every_order_money_idr(self):
        self.assertEqual(self.env.company.currency_id.name, "USD")
        orders = self.check_every_order()
        self.assertEqual(set(orders.currency_id.mapped("name")), {"IDR"})
        for order in orders:
            self.assertEqual(order.amount_total, round(order.amount_total))
