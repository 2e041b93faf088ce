"""The TikTok Shop (202309) adapter against the in-process TikTok Shop simulator."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from odoo.tests import tagged

from odoo.addons.channel_connectors.adapters import (
    AdapterError,
    ParseError,
    TokenExpired,
)

from .common import TIKTOK_CREDENTIALS, AdapterCommon, utc

APP_KEY = TIKTOK_CREDENTIALS["app_key"]
APP_SECRET = TIKTOK_CREDENTIALS["app_secret"]


@tagged("post_install", "-at_install")
class TestTikTokAdapter(AdapterCommon):
    platform = "tiktok"
    simulator = ("tiktok", "TikTokSimulator")
    credentials = TIKTOK_CREDENTIALS

    # ---- helpers ---------------------------------------------------------------------
    def new_order(self, adapter, shipping_type="TIKTOK"):
        """A new AWAITING_SHIPMENT order without a cancellation request."""
        for _attempt in range(10):
            order_id = self.sim_post(
                "/_sim/orders/new",
                {
                    "count": 1,
                    "status": "AWAITING_SHIPMENT",
                    "shipping_type": shipping_type,
                },
            )["order_ids"][0]
            order = self.order(adapter, order_id)
            if not order["cancel_requested"]:
                return order
        self.fail("the simulator makes only orders with a cancellation request")

    # ---- orders ----------------------------------------------------------------------
    def test_paging_every_order_once(self):
        adapter = self.adapter()
        state, since, pages = self.list_every_order(adapter)
        self.assertGreater(len(pages), 1, "the page token was not followed")
        for raw in (raw for page in pages for raw in page):
            self.assertEqual(
                adapter.updated_at_of(raw),
                utc(state["orders"][raw["id"]]["update_time"]),
            )
        self.assert_nothing_listed_before(adapter, since)

    def test_parse_every_order(self):
        adapter = self.adapter()
        for raw, order, sim in self.every_parsed_order(adapter):
            payment = raw["payment"]
            self.assertEqual(order["status"], sim["status"])
            self.assertEqual(order["currency"], payment["currency"])
            self.assertEqual(order["cod"], sim["is_cod"])
            self.assertEqual(order["updated_at"], utc(sim["update_time"]))
            self.assertEqual(order["created_at"], utc(raw["create_time"]))
            amounts = order["amounts"]
            self.assertAlmostEqual(amounts["total"], float(payment["total_amount"]), 2)
            # the units at their price before discounts, the discounts split by
            # who funds them
            self.assertAlmostEqual(
                amounts["items"], float(payment["original_total_product_price"]), 2
            )
            self.assertAlmostEqual(
                amounts["seller_discount"], float(payment["seller_discount"]), 2
            )
            self.assertAlmostEqual(
                amounts["platform_discount"], float(payment["platform_discount"]), 2
            )
            self.assertAlmostEqual(
                amounts["items"] - amounts["voucher"], float(payment["sub_total"]), 2
            )
            self.assertAlmostEqual(
                amounts["shipping"], float(payment["shipping_fee"]), 2
            )
            self.assert_amounts_add_up(amounts)
            # one line_item per unit, aggregated per SKU
            self.assertEqual(
                sum(line["quantity"] for line in order["lines"]), len(raw["line_items"])
            )
            units = {}
            for item in raw["line_items"]:
                units.setdefault(item["sku_id"], []).append(item)
            self.assertEqual(len(order["lines"]), len(units))
            for line in order["lines"]:
                same = units[line["external_id"]]
                self.assertEqual(line["quantity"], len(same))
                self.assertEqual(line["sku"], same[0]["seller_sku"])
                self.assertEqual(
                    line["item_ref"], f"{same[0]['product_id']}:{same[0]['sku_id']}"
                )
                self.assertAlmostEqual(
                    line["price_unit"] * line["quantity"],
                    sum(float(i["original_price"]) for i in same),
                    places=2,
                )
            self.assertEqual(order["cancel_requested"], sim["is_buyer_request_cancel"])
            self.assertEqual(
                {p["id"] for p in order["packages"]},
                {p["id"] for p in raw.get("packages") or []},
            )
            self.assertLessEqual(
                {p["id"] for p in order["packages"]}, set(sim["packages"])
            )
            for package in order["packages"]:
                self.assertEqual(
                    package["tracking_ref"],
                    sim["packages"][package["id"]]["tracking_number"] or "",
                )
            customer = order["customer"]
            self.assertTrue(customer["external_id"])
            self.assertTrue(customer["name"])
            if raw.get("recipient_address"):  # hidden while UNPAID / ON_HOLD
                self.assertEqual(len(customer["country_code"]), 2)
                self.assertTrue(order["shipping"]["street"])
                self.assertTrue(order["shipping"]["zip"])
            self.assertIs(order["raw"], raw)

    def test_malformed_record(self):
        adapter = self.adapter()
        count = len(self.state()["orders"])
        self.faults({"malformed": 0.3})
        raws = [raw for page in adapter.list_orders(None) for raw in page]
        good, bad = self.parse_all(adapter, raws, "TikTok order")
        self.assertTrue(bad, "no malformed record was served")
        self.assertTrue(good, "every record was malformed")
        self.assertEqual(len(good) + len(bad), count)
        with self.assertRaises(ParseError):
            adapter.parse_order({"id": "1", "status": "AWAITING_SHIPMENT"})
        with self.assertRaises(ParseError):
            adapter.parse_order(None)

    # ---- errors ----------------------------------------------------------------------
    def test_rate_limit_and_server_errors(self):
        adapter = self.adapter()
        order_id = next(iter(self.state()["orders"]))
        self.faults({"rate_429": 1.0, "retry_after": 4})
        self.assert_retryable(lambda: adapter.get_orders([order_id]), retry_after=4)
        self.faults({"rate_5xx": 1.0})
        self.assert_retryable(lambda: list(adapter.list_orders(None)))
        self.faults({})
        self.assert_network_errors_retryable(order_id)
        # envelope errors: not retryable, the platform's message
        with self.assertRaises(AdapterError) as caught:
            self.adapter(app_secret="wrong").get_orders([order_id])
        self.assertFalse(caught.exception.retryable)
        self.assertNotIsInstance(caught.exception, TokenExpired)
        self.assertTrue(caught.exception.payload["message"])

    def test_token_expired_then_refresh(self):
        adapter = self.adapter()
        order_id = next(iter(self.state()["orders"]))
        self.faults({"expire_tokens": 1})
        with self.assertRaises(TokenExpired):
            adapter.get_orders([order_id])
        tokens = adapter.refresh_access_token()
        # absolute timestamps, a week ahead by default
        now = datetime.now(UTC).replace(tzinfo=None)
        self.assertGreater(tokens["expires_at"], now + timedelta(days=1))
        self.assertLess(tokens["expires_at"], now + timedelta(days=60))
        self.assertGreater(tokens["refresh_expires_at"], tokens["expires_at"])
        self.assertEqual(len(adapter.get_orders([order_id])), 1)
        with self.assertRaises(AdapterError) as caught:
            self.adapter(refresh_token="bogus").refresh_access_token()
        self.assertNotIsInstance(caught.exception, TokenExpired)
        type(self).connection.update(
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )

    # ---- fulfilment ------------------------------------------------------------------
    def test_ship_pickup_and_label(self):
        adapter = self.adapter()
        order = self.new_order(adapter)
        result = adapter.ship_order(order, "pickup")
        package = self.state()["orders"][order["external_id"]]["packages"][
            result["package_id"]
        ]
        self.assertEqual(package["handover_method"], "PICKUP")
        self.assertTrue(result["tracking_ref"])
        self.assertEqual(package["tracking_number"], result["tracking_ref"])
        self.assertTrue(result["courier"])
        self.assertEqual(
            adapter.get_tracking(order),
            {p["package_id"]: p["tracking_ref"] for p in result["packages"]},
        )
        self.assertEqual(len(result["packages"]), len(order["packages"]))
        for shipped in result["packages"]:
            package = self.state()["orders"][order["external_id"]]["packages"][
                shipped["package_id"]
            ]
            self.assertEqual(package["handover_method"], "PICKUP")
            self.assertEqual(package["tracking_number"], shipped["tracking_ref"])
        self.assertEqual(
            self.order(adapter, order["external_id"])["tracking_ref"],
            result["tracking_ref"],
        )
        pdf = adapter.get_label(order)
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_ship_dropoff(self):
        adapter = self.adapter()
        order = self.new_order(adapter)
        result = adapter.ship_order(order, "dropoff")
        sim = self.state()["orders"][order["external_id"]]
        package = sim["packages"][result["package_id"]]
        self.assertEqual(package["handover_method"], "DROP_OFF")
        self.assertEqual(package["tracking_number"], result["tracking_ref"])
        self.assertEqual(sim["status"], "AWAITING_COLLECTION")

    def test_ship_manual(self):
        adapter = self.adapter()
        state = self.state()
        provider = next(
            package["shipping_provider_id"]
            for data in state["orders"].values()
            if data["shipping_type"] == "SELLER"
            for package in data["packages"].values()
            if package["shipping_provider_id"]
        )
        order = self.new_order(adapter, "SELLER")
        with self.assertRaises(AdapterError):
            adapter.ship_order(order, "manual", tracking_ref="OWN-1")  # no provider
        result = adapter.ship_order(
            order,
            "manual",
            tracking_ref="OWN-1",
            pickup={"shipping_provider_id": provider},
        )
        self.assertEqual(result["tracking_ref"], "OWN-1")
        package = self.state()["orders"][order["external_id"]]["packages"][
            result["package_id"]
        ]
        self.assertEqual(package["tracking_number"], "OWN-1")
        self.assertEqual(package["shipping_provider_id"], provider)
        # seller shipping has no TikTok label
        with self.assertRaises(AdapterError):
            adapter.get_label(order)

    def test_cancel_decision(self):
        adapter = self.adapter()
        approve, reject = self.new_order(adapter), self.new_order(adapter)
        for order in (approve, reject):
            self.sim_post(
                f"/_sim/orders/{order['external_id']}/buyer_cancel",
                {"reason": "Changed my mind"},
            )
        approve = self.order(adapter, approve["external_id"])
        reject = self.order(adapter, reject["external_id"])
        self.assertTrue(approve["cancel_requested"])
        self.assertTrue(reject["cancel_requested"])
        adapter.cancel_decision(approve, True)
        adapter.cancel_decision(reject, False, reason="Already packed")
        state = self.state()
        by_order = {c["order_id"]: c for c in state["cancellations"].values()}
        self.assertEqual(state["orders"][approve["external_id"]]["status"], "CANCELLED")
        self.assertEqual(
            by_order[approve["external_id"]]["decisions"][-1]["decision"],
            "SELLER_APPROVED",
        )
        rejected = by_order[reject["external_id"]]
        self.assertEqual(rejected["decisions"][-1]["decision"], "SELLER_REJECTED")
        self.assertEqual(rejected["decisions"][-1]["comment"], "Already packed")
        self.assertTrue(rejected["reject_reason"])
        self.assertEqual(
            state["orders"][reject["external_id"]]["status"], "AWAITING_SHIPMENT"
        )
        self.assertFalse(self.order(adapter, reject["external_id"])["cancel_requested"])
        with self.assertRaises(AdapterError):  # nothing pending any more
            adapter.cancel_decision(reject, True)

    # ---- stock -----------------------------------------------------------------------
    def test_update_stock(self):
        adapter = self.adapter()
        stock = self.state()["stock"]
        single = next(s for s, v in stock.items() if len(v["inventory"]) == 1)
        multi = next(s for s, v in stock.items() if len(v["inventory"]) > 1)
        ref = "{product_id}:{sku_id}".format
        warehouses = sorted(stock[multi]["inventory"])
        failures = adapter.update_stock(
            [
                {"sku": single, "quantity": 12, "item_ref": ref(**stock[single])},
                # a SKU in several warehouses: one entry per warehouse
                {
                    "sku": multi,
                    "quantity": 3,
                    "item_ref": f"{ref(**stock[multi])}:{warehouses[0]}",
                },
                {
                    "sku": multi,
                    "quantity": 4,
                    "item_ref": f"{ref(**stock[multi])}:{warehouses[1]}",
                },
                {
                    "sku": "GHOST",
                    "quantity": 1,
                    "item_ref": f"{stock[single]['product_id']}:999",
                },
                {"sku": "NOREF", "quantity": 1, "item_ref": ""},
            ]
        )
        self.assertEqual({f["sku"] for f in failures}, {"GHOST", "NOREF"})
        self.assertTrue(all(f["message"] for f in failures))
        stock = self.state()["stock"]
        self.assertEqual(list(stock[single]["inventory"].values()), [12])
        self.assertEqual(
            stock[multi]["inventory"], {warehouses[0]: 3, warehouses[1]: 4}
        )

    # ---- webhooks --------------------------------------------------------------------
    def test_webhook(self):
        order_id = next(iter(self.state()["orders"]))
        headers, body, _url = self.receive_push({"order_id": order_id, "type": 1})
        adapter = self.adapter()
        self.assertTrue(adapter.verify_webhook(headers, body))
        forged = body.replace(order_id.encode(), b"576400000000000000")
        self.assertNotEqual(forged, body)
        self.assertFalse(adapter.verify_webhook(headers, forged))
        self.assertFalse(self.adapter(app_secret="other").verify_webhook(headers, body))
        self.assertFalse(adapter.verify_webhook({}, body))
        events = adapter.parse_webhook(body)
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["external_id"], order_id)
        self.assertEqual(events[0]["event"], "order_status")
        self.assertIsInstance(events[0]["updated_at"], datetime)
        own = json.dumps({"type": 11, "data": {"order_id": order_id}}).encode()
        signature = hmac.new(
            APP_SECRET.encode(), APP_KEY.encode() + own, hashlib.sha256
        ).hexdigest()
        self.assertTrue(adapter.verify_webhook({"authorization": signature}, own))
        self.assertEqual(adapter.parse_webhook(own)[0]["event"], "cancellation")
