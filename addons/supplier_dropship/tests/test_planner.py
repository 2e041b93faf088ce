import json
import time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.supplier_dropship.controllers.main import RATE_LIMITER

from .common import PART_EARBUDS, PART_KETTLE, DropshipCommon


@tagged("post_install", "-at_install")
class TestPlanner(DropshipCommon):
    def plan_line(self, order, product):
        plan = order._dropship_plan()
        return next(p for p in plan["lines"] if p["product_id"] == product.id), plan

    def test_out_of_stock_distributor_is_skipped(self):
        self.set_part(self.ingram, PART_KETTLE, stock=0, price=10.0)
        self.set_part(self.techdata, PART_KETTLE, stock=50, price=30.0)
        order = self.create_dropship_order([(self.kettle, 1)])
        line, _plan = self.plan_line(order, self.kettle)
        self.assertEqual(line["distributor_id"], self.techdata.id)
        self.assertEqual(line["reason"], "best")
        ingram = next(
            c for c in line["candidates"] if c["distributor_id"] == self.ingram.id
        )
        self.assertEqual(ingram["source"], "realtime", "live figures of ingram")
        self.assertFalse(ingram["in_stock"])
        exertis = next(
            c for c in line["candidates"] if c["distributor_id"] == self.exertis.id
        )
        self.assertEqual(exertis["source"], "feed", "exertis has no real-time API")

    def test_lowest_landed_cost_counts_the_delivery_charge(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=30.0)
        self.set_part(self.techdata, PART_KETTLE, stock=50, price=32.0)
        self.ingram.freight_rule_ids = [Command.create({"charge": 10.0})]
        self.techdata.freight_rule_ids = [Command.create({"charge": 5.0})]
        order = self.create_dropship_order([(self.kettle, 1)])
        line, plan = self.plan_line(order, self.kettle)
        self.assertEqual(line["distributor_id"], self.techdata.id)
        self.assertAlmostEqual(line["landed_cost"], 37.0)
        self.assertEqual(plan["delivery_charge"], 5.0)
        self.assertEqual(plan["total_cost"], 37.0)
        # without freight ingram is cheaper
        self.ingram.freight_rule_ids = [Command.clear()]
        line, _plan = self.plan_line(order, self.kettle)
        self.assertEqual(line["distributor_id"], self.ingram.id)

    def test_lead_time_breaks_ties(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=30.0, lead_time_days=5)
        self.set_part(
            self.techdata, PART_KETTLE, stock=50, price=30.0, lead_time_days=1
        )
        order = self.create_dropship_order([(self.kettle, 1)])
        line, _plan = self.plan_line(order, self.kettle)
        self.assertEqual(line["distributor_id"], self.techdata.id)
        self.assertEqual(line["lead_time_days"], 1)

    def test_user_choice_always_wins(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=10.0)
        order = self.create_dropship_order([(self.kettle, 1, self.exertis)])
        line, _plan = self.plan_line(order, self.kettle)
        self.assertEqual(line["distributor_id"], self.exertis.id)
        self.assertEqual(line["reason"], "user_choice")

    def test_weight_based_delivery_charges(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=10.0)
        self.ingram.freight_rule_ids = [
            Command.create(
                {
                    "country_ids": [Command.link(self.country_gb.id)],
                    "weight_max": 1.0,
                    "charge": 5.0,
                }
            ),
            Command.create(
                {
                    "country_ids": [Command.link(self.country_gb.id)],
                    "weight_max": 5.0,
                    "charge": 9.0,
                }
            ),
            Command.create(
                {"country_ids": [Command.link(self.country_gb.id)], "charge": 20.0}
            ),
            Command.create({"charge": 50.0}),
        ]
        self.assertEqual(
            self.ingram._dropship_delivery_charge(0.5, self.country_gb), 5.0
        )
        self.assertEqual(
            self.ingram._dropship_delivery_charge(4.0, self.country_gb), 9.0
        )
        self.assertEqual(
            self.ingram._dropship_delivery_charge(40.0, self.country_gb), 20.0
        )
        france = self.env.ref("base.fr")
        self.assertEqual(self.ingram._dropship_delivery_charge(0.5, france), 50.0)
        # 2 kettles of 1.3 kg: 2.6 kg to Manchester
        order = self.create_dropship_order([(self.kettle, 2)])
        _line, plan = self.plan_line(order, self.kettle)
        shipment = plan["shipments"][0]
        self.assertEqual(shipment["distributor_id"], self.ingram.id)
        self.assertAlmostEqual(shipment["weight_kg"], 2.6)
        self.assertEqual(shipment["delivery_charge"], 9.0)

    def test_realtime_timeout_falls_back_to_the_feed(self):
        self.addCleanup(self.reset_faults)
        self.set_part(self.ingram, PART_EARBUDS, stock=50, price=5.0)
        self.set_part(self.techdata, PART_EARBUDS, stock=50, price=6.0)
        (self.ingram | self.techdata).timeout = 0.5
        self.set_faults(timeout=1, timeout_seconds=3)
        started = time.monotonic()
        offers = self.env["dropship.distributor"]._dropship_offers(self.earbuds)
        self.assertLess(time.monotonic() - started, 2.5, "the timeout is short")
        by_dist = {o["distributor"]: o for o in offers[self.earbuds.id]}
        self.assertEqual(by_dist[self.ingram]["source"], "feed")
        self.assertEqual(by_dist[self.ingram]["price"], 40.0, "latest feed price")
        # the basket still gets an answer
        answer = self.env["dropship.distributor"]._dropship_availability(
            [(self.earbuds, 1)]
        )
        self.assertTrue(answer[0]["available"])
        self.assertEqual(answer[0]["price"], 40.0)
        self.assertFalse(answer[0]["live"])

    def test_plan_is_stored_on_the_order(self):
        self.set_part(self.techdata, PART_KETTLE, stock=50, price=20.0)
        self.techdata.freight_rule_ids = [Command.create({"charge": 4.0})]
        order = self.create_dropship_order([(self.kettle, 1)])
        order.action_dropship_plan()
        line = order.order_line
        self.assertEqual(line.dropship_planned_distributor_id, self.techdata)
        self.assertEqual(line.dropship_unit_cost, 20.0)
        self.assertEqual(line.dropship_feed_price, 20.0)
        self.assertFalse(line.dropship_cost_edited)
        self.assertEqual(order.dropship_delivery_charge, 4.0)
        self.assertEqual(order.dropship_cost, 24.0)
        self.assertFalse(order.purchase_order_count, "planning orders nothing")


@tagged("post_install", "-at_install")
class TestEndpoints(DropshipCommon, HttpCase):
    def post_basket(self, payload, raw=None):
        return self.url_open(
            "/supplier_dropship/availability",
            data=raw if raw is not None else json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )

    def setUp(self):
        super().setUp()
        RATE_LIMITER.hits.clear()

    def test_basket_returns_availability_and_price_only(self):
        self.set_part(self.ingram, PART_KETTLE, stock=1, price=25.0)
        self.set_part(self.techdata, PART_KETTLE, stock=9, price=28.0)
        response = self.post_basket(
            {"items": [{"sku": PART_KETTLE, "quantity": 2}, {"sku": "NO-SUCH"}]}
        )
        self.assertEqual(response.status_code, 200)
        items = self.json_of(response)["items"]
        self.assertTrue(items[0]["available"])
        self.assertEqual(items[0]["price"], 28.0, "the cheapest offer in stock")
        self.assertTrue(items[0]["live"])
        self.assertEqual(
            set(items[0]),
            {
                "sku",
                "product_id",
                "quantity",
                "available",
                "stock",
                "price",
                "currency",
                "lead_time_days",
                "offers",
                "live",
            },
        )
        self.assertEqual(items[1]["error"], "unknown_product")
        self.assertFalse(items[1]["available"])

    def test_basket_validates_its_input(self):
        self.assertEqual(self.post_basket(None, raw="not json").status_code, 400)
        self.assertEqual(self.post_basket({"items": []}).status_code, 400)
        many = {"items": [{"sku": "X"}] * 51}
        self.assertEqual(self.post_basket(many).status_code, 400)
        bad_qty = {"items": [{"sku": PART_KETTLE, "quantity": -1}]}
        self.assertEqual(self.post_basket(bad_qty).status_code, 400)

    def test_basket_is_rate_limited(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "supplier_dropship.basket_rate_limit", "2"
        )
        payload = {"items": [{"sku": PART_KETTLE}]}
        self.assertEqual(self.post_basket(payload).status_code, 200)
        self.assertEqual(self.post_basket(payload).status_code, 200)
        response = self.post_basket(payload)
        self.assertEqual(response.status_code, 429)
        self.assertTrue(response.headers.get("Retry-After"))

    def test_plan_endpoint(self):
        user = new_test_user(
            self.env,
            login="desk_planner",
            groups="omnichannel_orders.group_order_desk_user",
        )
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=11.0)
        order = self.create_dropship_order([(self.kettle, 1)])
        self.authenticate(user.login, user.login)
        response = self.url_open(f"/supplier_dropship/plan/{order.id}")
        self.assertEqual(response.status_code, 200)
        plan = self.json_of(response)
        self.assertEqual(plan["order"], order.name)
        self.assertEqual(plan["lines"][0]["distributor_id"], self.ingram.id)
        response = self.url_open("/supplier_dropship/plan/999999999")
        self.assertEqual(response.status_code, 404)

    def test_plan_endpoint_hides_costs_from_portal_customers(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=11.0)
        order = self.create_dropship_order([(self.kettle, 1)])
        portal = new_test_user(
            self.env, login="portal_buyer", groups="base.group_portal"
        )
        order.partner_id = portal.partner_id
        order.sudo().message_subscribe(partner_ids=portal.partner_id.ids)
        # the customer can read the order itself...
        self.assertTrue(order.with_user(portal).check_access("read") is None)
        self.authenticate(portal.login, portal.login)
        response = self.url_open(f"/supplier_dropship/plan/{order.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(b"distributor", response.content)
