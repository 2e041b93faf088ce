"""The Shopee Open Platform v2 adapter against the in-process Shopee simulator."""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import requests

from odoo.tests import tagged

from odoo.addons.channel_connectors.adapters import (
    AdapterError,
    ParseError,
    TokenExpired,
)

from .common import SHOPEE_CREDENTIALS, AdapterCommon, utc

PARTNER_KEY = SHOPEE_CREDENTIALS["app_secret"]


class RecordingSession(requests.Session):
    """A requests session that remembers the query of every call."""

    def __init__(self):
        super().__init__()
        self.log = []

    def request(self, method, url, *args, **kwargs):
        self.log.append((method, url, dict(kwargs.get("params") or {})))
        return super().request(method, url, *args, **kwargs)


@tagged("post_install", "-at_install")
class TestShopeeAdapter(AdapterCommon):
    platform = "shopee"
    simulator = ("shopee", "ShopeeSimulator")
    credentials = SHOPEE_CREDENTIALS

    # ---- helpers ---------------------------------------------------------------------
    def advance(self, seconds):
        self.sim_post("/_sim/clock", {"advance": seconds})

    def find_shippable(self, adapter, method, exclude=()):
        """A READY_TO_SHIP order whose logistics channel offers ``method``
        (new orders are made until one does)."""
        for _attempt in range(10):
            for order_sn, data in self.state()["orders"].items():
                if data["status"] != "READY_TO_SHIP" or order_sn in exclude:
                    continue
                params = adapter.call(
                    "GET",
                    "/api/v2/logistics/get_shipping_parameter",
                    {"order_sn": order_sn},
                )
                if method in (params.get("info_needed") or {}):
                    return order_sn
            self.sim_post("/_sim/orders/new", {"count": 4})
        self.fail(f"no order offers {method}")

    # ---- orders ----------------------------------------------------------------------
    def test_paging_every_order_once(self):
        session = RecordingSession()
        self.addCleanup(session.close)
        adapter = self.adapter_class(self.connection, session=session)
        _state, since, pages = self.list_every_order(adapter)
        windows = {
            (int(params["time_from"]), int(params["time_to"]))
            for _method, url, params in session.log
            if url.endswith("/api/v2/order/get_order_list")
        }
        self.assertGreater(len(windows), 1, "the 15-day window was not split")
        for time_from, time_to in windows:
            self.assertLessEqual(time_to - time_from, 15 * 86400)
        self.assertGreater(len(pages), len(windows), "the cursor was not followed")
        # nothing in an empty window
        self.assert_nothing_listed_before(adapter, since)

    def test_escrow_details_per_page(self):
        """get_orders asks the escrow details once per page of orders (the paid
        ones), not once per order."""
        session = RecordingSession()
        self.addCleanup(session.close)
        adapter = self.adapter_class(self.connection, session=session)
        orders = self.state()["orders"]
        sns = sorted(orders)
        raws = adapter.get_orders(sns)
        escrow_calls = [
            url for _method, url, _params in session.log if "get_escrow_detail" in url
        ]
        detail_calls = [
            url for _method, url, _params in session.log if "get_order_detail" in url
        ]
        self.assertEqual(len(escrow_calls), len(detail_calls))
        batch = "get_escrow_detail_batch"
        self.assertTrue(all(u.endswith(batch) for u in escrow_calls))
        with_detail = {raw["order_sn"] for raw in raws if raw.get("escrow_detail")}
        self.assertEqual(with_detail, {sn for sn in sns if orders[sn]["paid"]})

    def test_parse_every_order(self):
        adapter = self.adapter()
        for raw, order, sim in self.every_parsed_order(adapter):
            self.assertEqual(order["status"], sim["status"])
            self.assertEqual(order["currency"], sim["currency"])
            self.assertEqual(order["cod"], sim["cod"])
            self.assertEqual(order["created_at"], utc(sim["create_time"]))
            self.assertEqual(order["updated_at"], utc(sim["update_time"]))
            self.assertIsNone(order["updated_at"].tzinfo)
            amounts, expected = order["amounts"], sim["amounts"]
            self.assertAlmostEqual(amounts["total"], expected["total_amount"], places=2)
            self.assertAlmostEqual(
                amounts["items"], expected["items_subtotal"], places=2
            )
            self.assert_amounts_add_up(amounts)
            platform = (
                expected["voucher_from_shopee"]
                + expected["coins"]
                + expected["shopee_discount"]
            )
            if sim["paid"]:
                # the split of the escrow detail
                self.assertTrue(amounts["split_known"], sim)
                self.assertAlmostEqual(
                    amounts["shipping"], expected["buyer_paid_shipping_fee"], places=2
                )
                self.assertAlmostEqual(
                    amounts["seller_discount"],
                    expected["voucher_from_seller"],
                    places=2,
                )
                self.assertAlmostEqual(amounts["platform_discount"], platform, places=2)
            else:
                # no escrow detail yet: guessed, and said so
                self.assertFalse(amounts["split_known"], sim)
                self.assertAlmostEqual(
                    amounts["shipping"] - amounts["voucher"],
                    expected["buyer_paid_shipping_fee"]
                    - expected["voucher_from_seller"]
                    - platform,
                    places=2,
                )
            self.assertEqual(
                sorted(
                    (line["sku"], line["quantity"], line["item_ref"])
                    for line in order["lines"]
                ),
                sorted(
                    (item["sku"], item["qty"], f"{item['item_id']}:{item['model_id']}")
                    for item in sim["items"]
                ),
            )
            for line in order["lines"]:
                self.assertIsInstance(line["price_unit"], float)
                self.assertTrue(line["name"])
            self.assertEqual(
                len({line["external_id"] for line in order["lines"]}),
                len(order["lines"]),
            )
            customer = order["customer"]
            self.assertTrue(customer["external_id"])
            self.assertTrue(customer["name"])
            self.assertEqual(len(customer["country_code"]), 2)
            self.assertTrue(order["shipping"]["street"])
            self.assertEqual(order["cancel_requested"], sim["status"] == "IN_CANCEL")
            self.assertEqual(
                {p["id"] for p in order["packages"]},
                {p["package_number"] for p in sim["packages"]},
            )
            self.assertIs(order["raw"], raw)

    def test_malformed_record(self):
        adapter = self.adapter()
        ids = list(self.state()["orders"])
        self.faults({"malformed": 0.3})
        good, bad = self.parse_all(adapter, adapter.get_orders(ids), "Shopee order")
        self.assertTrue(bad, "no malformed record was served")
        self.assertTrue(good, "every record was malformed")
        self.assertEqual(len(good) + len(bad), len(ids))
        with self.assertRaises(ParseError):
            adapter.parse_order({"order_sn": "X1", "order_status": "READY_TO_SHIP"})
        with self.assertRaises(ParseError):
            adapter.parse_order("not an order")

    # ---- errors ----------------------------------------------------------------------
    def test_rate_limit_and_server_errors(self):
        adapter = self.adapter()
        order_sn = next(iter(self.state()["orders"]))
        self.faults({"rate_429": 1.0, "retry_after": 7})
        self.assert_retryable(lambda: adapter.get_orders([order_sn]), retry_after=7)
        self.faults({"rate_5xx": 1.0})
        error = self.assert_retryable(lambda: adapter.get_orders([order_sn]))
        self.assertNotIsInstance(error, TokenExpired)
        self.faults({})
        # network failures: a timeout, a refused connection
        self.assert_network_errors_retryable(order_sn)
        self.faults({})
        # a business error is not retryable and says what the platform said
        with self.assertRaises(AdapterError) as caught:
            adapter.cancel_decision({"external_id": "NOSUCHORDER"}, True)
        self.assertFalse(caught.exception.retryable)
        self.assertIn(
            "NOSUCHORDER", str(caught.exception.payload) + str(caught.exception)
        )

    def test_token_expired_then_refresh(self):
        adapter = self.adapter()
        order_sn = next(iter(self.state()["orders"]))
        old_refresh = adapter.connection["refresh_token"]
        self.faults({"expire_tokens": 1})
        with self.assertRaises(TokenExpired):
            adapter.get_orders([order_sn])
        tokens = adapter.refresh_access_token()
        self.assertNotEqual(tokens["refresh_token"], old_refresh)
        self.assertAlmostEqual(
            (
                tokens["expires_at"] - datetime.now(UTC).replace(tzinfo=None)
            ).total_seconds(),
            4 * 3600,
            delta=120,
        )
        self.assertEqual(len(adapter.get_orders([order_sn])), 1)
        # Shopee refresh tokens are single use
        with self.assertRaises(AdapterError) as caught:
            self.adapter(refresh_token=old_refresh).refresh_access_token()
        self.assertNotIsInstance(caught.exception, TokenExpired)
        type(self).connection.update(
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"]
        )

    # ---- fulfilment ------------------------------------------------------------------
    def _ship_and_check(self, method, **kwargs):
        adapter = self.adapter()
        order_sn = self.find_shippable(adapter, method)
        order = self.order(adapter, order_sn)
        result = adapter.ship_order(
            order, "manual" if method == "non_integrated" else method, **kwargs
        )
        self.assertEqual(result["package_id"], order["packages"][0]["id"])
        self.advance(60)  # integrated channels give their tracking number later
        sim = self.state()["orders"][order_sn]
        self.assertEqual(sim["status"], "PROCESSED")
        self.assertEqual(set(sim["shipping_methods"]), {method})
        tracking = result["tracking_ref"] or adapter.get_tracking_number(
            order_sn, result["package_id"]
        )
        self.assertTrue(tracking)
        self.assertIn(tracking, sim["tracking_numbers"])
        return adapter, order, sim

    def test_ship_pickup(self):
        adapter, order, sim = self._ship_and_check("pickup")
        params = sim["packages"][0]["ship_params"]
        self.assertTrue(params["address_id"])
        self.assertTrue(params["pickup_time_id"])

    def test_ship_dropoff_and_label(self):
        adapter, order, sim = self._ship_and_check("dropoff")
        pdf = adapter.get_label(order)
        self.assertTrue(pdf.startswith(b"%PDF"))
        # a second print reuses the ready document
        self.assertTrue(adapter.get_label(order).startswith(b"%PDF"))

    def test_ship_manual(self):
        adapter = self.adapter()
        order_sn = self.find_shippable(adapter, "non_integrated")
        order = self.order(adapter, order_sn)
        with self.assertRaises(AdapterError):
            adapter.ship_order(order, "manual")  # no tracking number
        with self.assertRaises(AdapterError) as caught:
            adapter.ship_order(order, "pickup")  # not offered by this channel
        self.assertIn("non_integrated", str(caught.exception))
        result = adapter.ship_order(order, "manual", tracking_ref="OWN-0001")
        self.assertEqual(result["tracking_ref"], "OWN-0001")
        sim = self.state()["orders"][order_sn]
        self.assertEqual(sim["status"], "PROCESSED")
        self.assertEqual(sim["tracking_numbers"], ["OWN-0001"])
        self.assertEqual(sim["shipping_methods"], ["non_integrated"])

    def test_cancel_decision(self):
        adapter = self.adapter()
        state = self.state()
        ready = [
            sn for sn, o in state["orders"].items() if o["status"] == "READY_TO_SHIP"
        ]
        accept_sn, reject_sn = ready[-2:]
        for order_sn in (accept_sn, reject_sn):
            self.sim_post(
                f"/_sim/orders/{order_sn}/buyer_cancel", {"reason": "Need to change"}
            )
        orders = {sn: self.order(adapter, sn) for sn in (accept_sn, reject_sn)}
        for order in orders.values():
            self.assertTrue(order["cancel_requested"])
            self.assertEqual(order["status"], "IN_CANCEL")
            self.assertEqual(order["cancel_reason"], "Need to change")
        adapter.cancel_decision(orders[accept_sn], True)
        adapter.cancel_decision(orders[reject_sn], False, reason="already packed")
        state = self.state()["orders"]
        self.assertEqual(state[accept_sn]["status"], "CANCELLED")
        self.assertEqual(state[accept_sn]["decisions"][-1]["operation"], "ACCEPT")
        self.assertEqual(state[reject_sn]["status"], "READY_TO_SHIP")
        self.assertEqual(state[reject_sn]["decisions"][-1]["operation"], "REJECT")
        self.assertFalse(self.order(adapter, reject_sn)["cancel_requested"])

    # ---- stock -----------------------------------------------------------------------
    def test_update_stock(self):
        adapter = self.adapter()
        state = self.state()
        catalogue = state["catalogue"]
        variant = catalogue[0]["models"][0]
        plain = next(
            item for item in catalogue if [m["model_id"] for m in item["models"]] == [0]
        )
        failures = adapter.update_stock(
            [
                {
                    "sku": variant["sku"],
                    "quantity": 11,
                    "item_ref": f"{catalogue[0]['item_id']}:{variant['model_id']}",
                },
                {
                    "sku": plain["item_sku"],
                    "quantity": 4,
                    "item_ref": f"{plain['item_id']}:0",
                },
                {"sku": "GHOST", "quantity": 1, "item_ref": f"{plain['item_id']}:987"},
                {"sku": "NOREF", "quantity": 1, "item_ref": False},
            ]
        )
        self.assertEqual({f["sku"] for f in failures}, {"GHOST", "NOREF"})
        self.assertTrue(all(f["message"] for f in failures))
        stock = self.state()["stock"]["by_sku"]
        self.assertEqual(stock[variant["sku"]], 11)
        self.assertEqual(stock[plain["item_sku"]], 4)

    # ---- webhooks --------------------------------------------------------------------
    def test_webhook(self):
        order_sn = next(iter(self.state()["orders"]))
        headers, body, url = self.receive_push({"order_sn": order_sn, "code": 3})
        adapter = self.adapter(webhook_url=url)
        self.assertTrue(adapter.verify_webhook(headers, body))
        forged = body.replace(b'"code": 3', b'"code": 4').replace(
            b'"code":3', b'"code":4'
        )
        self.assertNotEqual(forged, body)
        self.assertFalse(adapter.verify_webhook(headers, forged))
        self.assertFalse(adapter.verify_webhook(headers, body, url=url + "x"))
        self.assertFalse(adapter.verify_webhook({}, body))
        events = adapter.parse_webhook(body)
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["external_id"], order_sn)
        self.assertEqual(events[0]["event"], "order_status")
        self.assertIsInstance(events[0]["updated_at"], datetime)
        # a body signed by us the documented way verifies too
        own = json.dumps(
            {"code": 3, "data": {"ordersn": order_sn, "status": "SHIPPED"}}
        )
        signature = hmac.new(
            PARTNER_KEY.encode(), f"{url}|{own}".encode(), hashlib.sha256
        ).hexdigest()
        self.assertTrue(
            adapter.verify_webhook({"Authorization": signature}, own.encode())
        )
