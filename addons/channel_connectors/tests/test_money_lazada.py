"""Lazada orders' money: every imported order is worth what the buyer paid (the
items' ``paid_price`` and the shipping fee) plus what Lazada pays for the buyer (its
vouchers), to the cent, in the shop's currency; and so are the invoices of the
delivered ones. Two shops in two countries (SGD, MYR; the company is in USD), and
an order in another currency than its channel's refused."""

from collections import Counter

import requests

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ENGINE_LOGGER, MoneyCheckMixin, channel_pricelist, load_simulator
from .test_lazada import APP_KEY, SECRET, LazadaCommon

#: the Lazada statuses of orders still to ship: accepted and shipped here
OPEN_STATUSES = ("pending", "packed", "ready_to_ship")
#: the Lazada statuses of orders the platform shipped already: delivered here
SHIPPED_STATUSES = ("shipped", "delivered")


@tagged("post_install", "-at_install")
class TestLazadaMoney(MoneyCheckMixin, LazadaCommon):
    simulator_options = {"orders": 60, "seed": 11}
    #: Singapore's GST, the tax the simulator's SG prices include (tax_amount)
    sale_tax_rate = 9.0
    #: no difference is allowed: Lazada's items are tax-included (the channel's
    #: fiscal position includes the products' tax), a cancelled item is neither
    #: on the order nor in what the buyer paid (``cancelled`` is not needed), and
    #: a fully cancelled order keeps its lines and its amounts alike
    allowed_reasons = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_sale_tax()
        # a second shop, in Malaysia: MYR
        cls.sim_my = load_simulator("lazada", "LazadaSimulator")(
            orders=30, seed=8, country="my"
        ).start()
        cls.addClassCleanup(cls.sim_my.stop)
        cls.channel_my = cls._create_channel(
            "Lazada MY shop",
            "LZ-MY2",
            platform="lazada",
            rate_limit_per_second=0,
            pricelist_id=channel_pricelist(cls.env, "MYR").id,
            api_base_url=cls.sim_my.url + "/rest",
            page_limit=7,
            initial_import_days=30,
            app_key=APP_KEY,
            app_secret=SECRET,
        )

    def setUp(self):
        super().setUp()
        requests.post(self.sim_my.url + "/_sim/reset", json={}, timeout=10)

    # ---- helpers ---------------------------------------------------------------------
    def authorise(self, channel, sim):
        code = requests.post(sim.url + "/_sim/auth/code", json={}, timeout=10)
        channel._connector_exchange_code(code.json()["code"])

    def pull_channel(self, channel):
        with self.jobs() as trap:
            channel._enqueue_pull()
            self.run_jobs(trap)

    def map_on(self, channel):
        """The catalogue mapped on this test's channel, mapped on ``channel``."""
        for mapping in self.env["omni.channel.product"].search(
            [("channel_id", "=", self.channel.id)]
        ):
            mapping.copy({"channel_id": channel.id})

    def assert_money_occurs(self, sim_orders):
        """What the orders' money must cover, in the simulator's orders: seller
        and platform vouchers, shipping fees and their discounts (the seller's,
        Lazada's), several units of one SKU, a partially cancelled order."""
        money = [o["money"] for o in sim_orders.values()]
        for key in (
            "voucher_seller",
            "voucher_platform",
            "shipping_fee",
            "shipping_fee_discount_seller",
            "shipping_fee_discount_platform",
        ):
            self.assertTrue(any(m[key] for m in money), key)
        self.assertTrue(
            any(
                max(Counter(i["sku"] for i in o["items"].values()).values()) > 1
                for o in sim_orders.values()
            ),
            "several units of one SKU",
        )
        self.assertTrue(
            any(
                "canceled" in o["statuses"] and len(o["statuses"]) > 1
                for o in sim_orders.values()
            ),
            "a partially cancelled order",
        )

    def check_orders(self, orders, sim_orders):
        """Every order exact: Odoo's total is the order value, what the buyer paid
        is the simulator's, and each part is on its own line."""
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim_orders))
        for order in orders:
            sim_order = sim_orders[order.channel_order_ref]
            money = sim_order["money"]
            currency = order.currency_id
            self.assert_order_money(order, self.allowed_reasons)
            self.assertAlmostEqual(order.channel_amount_total, sim_order["total"], 2)
            self.assertTrue(
                currency.is_zero(order.amount_total - sim_order["order_value"]),
                order.channel_order_ref,
            )
            self.assertAlmostEqual(
                order.channel_amount_seller_discount, money["voucher_seller"], 2
            )
            self.assertAlmostEqual(
                order.channel_amount_platform, money["voucher_platform"], 2
            )
            lines = order.order_line
            delivery = lines.filtered("is_delivery")
            self.assertAlmostEqual(
                sum(delivery.mapped("price_total")), money["shipping_fee"], 2
            )
            discount = lines.filtered(lambda x: x.price_unit < 0)
            self.assertAlmostEqual(
                -sum(discount.mapped("price_total")), money["voucher_seller"], 2
            )
            items = lines.filtered("channel_sku")
            sold = [
                i for i in sim_order["items"].values() if i["status"] != "canceled"
            ] or list(sim_order["items"].values())
            self.assertEqual(sum(items.mapped("product_uom_qty")), len(sold))
            # the tax is in the prices, not on top of them
            self.assertTrue(order.amount_tax)
            self.assertTrue(
                currency.is_zero(
                    sum(lines.mapped("price_total"))
                    - sum(x.price_unit * x.product_uom_qty for x in lines)
                )
            )

    def deliver_all(self, orders, sim_orders):
        """The orders Odoo can deliver, delivered (their invoices posted on
        dispatch): those still to ship accepted and shipped on Lazada first,
        those Lazada shipped already only delivered; none on hold (unpaid),
        cancelled or with a buyer's cancellation request."""
        status = {ref: o["statuses"] for ref, o in sim_orders.items()}
        deliverable = orders.filtered(
            lambda o: o.state != "cancel"
            and o.cancel_request_state != "requested"
            and set(status[o.channel_order_ref]) - {"canceled"}
            <= set(OPEN_STATUSES + SHIPPED_STATUSES)
        )
        to_ship = deliverable.filtered(
            lambda o: set(status[o.channel_order_ref]) - {"canceled"}
            <= set(OPEN_STATUSES)
        )
        self.assertTrue(to_ship)
        self.assertTrue(deliverable - to_ship)
        with self.jobs() as trap:
            to_ship.action_channel_accept()
            self.ship(to_ship, "dropoff")
            self.run_jobs(trap)
        self.assertTrue(all(to_ship.mapped("channel_shipped")))
        with self.jobs() as trap:
            (deliverable - to_ship).action_confirm()
            for order in deliverable:
                self.deliver(order)
            self.run_jobs(trap)
        for order in deliverable:
            self.assert_invoice_money(order)
            self.assertEqual(order.lifecycle_state, "fulfilled")
        return deliverable

    # ---- tests -----------------------------------------------------------------------
    def test_every_order_exact(self):
        """Every order of the SG shop exact, in SGD; the invoices of the delivered
        ones too."""
        sim_orders = self.sim_orders()
        self.assertEqual(len(sim_orders), 60)
        self.assert_money_occurs(sim_orders)
        self.map_catalogue()
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(set(orders.currency_id.mapped("name")), {"SGD"})
        self.assertNotEqual(self.channel.currency_id, self.env.company.currency_id)
        self.check_orders(orders, sim_orders)
        delivered = self.deliver_all(orders, sim_orders)
        self.assertEqual(set(delivered.invoice_ids.currency_id.mapped("name")), {"SGD"})
        # the money of a partially cancelled, delivered order
        partial = delivered.filtered(
            lambda o: "canceled" in sim_orders[o.channel_order_ref]["statuses"]
        )
        self.assertTrue(partial, "a partially cancelled order is delivered")
        self.assertTrue(all(partial.mapped("channel_amount_cancelled")))

    def test_second_currency(self):
        """The MY shop's orders and invoices in MYR, exact."""
        self.authorise(self.channel_my, self.sim_my)
        sim_orders = requests.get(self.sim_my.url + "/_sim/state", timeout=10).json()[
            "orders"
        ]
        self.map_catalogue()
        self.map_on(self.channel_my)
        self.pull_channel(self.channel_my)
        orders = self.env["sale.order"].search(
            [("channel_id", "=", self.channel_my.id)]
        )
        self.assertEqual(set(orders.currency_id.mapped("name")), {"MYR"})
        self.check_orders(orders, sim_orders)
        statuses = {ref: o["statuses"] for ref, o in sim_orders.items()}
        shipped = orders.filtered(
            lambda o: o.state != "cancel"
            and set(statuses[o.channel_order_ref]) <= set(SHIPPED_STATUSES)
        )
        self.assertTrue(shipped)
        with self.jobs() as trap:
            shipped.action_confirm()
            for order in shipped:
                self.deliver(order)
            self.run_jobs(trap)
        for order in shipped:
            self.assert_invoice_money(order)
            self.assertEqual(order.invoice_ids.currency_id.name, "MYR")

    def test_other_currency_refused(self):
        """An order in MYR on a channel that sells in SGD is refused: a sync-log
        error, no order."""
        self.channel.api_base_url = self.sim_my.url + "/rest"
        self.authorise(self.channel, self.sim_my)
        sim_orders = requests.get(self.sim_my.url + "/_sim/state", timeout=10).json()[
            "orders"
        ]
        self.map_catalogue()
        with mute_logger(ENGINE_LOGGER):
            self.pull()
        self.assertFalse(self.channel_orders())
        failed = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "failed")]
        )
        self.assertEqual(set(failed.mapped("external_ref")), set(sim_orders))
        for log in failed:
            self.assertIn("MYR", log.message)
            self.assertIn("SGD", log.message)
