"""The generic REST source (BigLedger job) adapter against the in-process simulator."""

import requests

from odoo.tests import tagged

from odoo.addons.channel_connectors.adapters import AdapterError, ParseError

from .common import SEED_FILTER, SourceAdapterCommon


@tagged("post_install", "-at_install")
class TestRestAdapter(SourceAdapterCommon):
    platform = "rest"
    simulator = ("rest", "RestSimulator")
    simulator_options = {"orders": 40, "seed": 7}
    credentials = {"access_token": "rest-token", "tenant_code": "TENANT1"}

    # ---- tests -----------------------------------------------------------------------
    def test_registered(self):
        self.assertEqual(self.adapter_class.platform, "rest")
        self.assertTrue(self.adapter_class.list_returns_details)

    def test_paging_each_order_once(self):
        adapter = self.adapter(page_limit=7)
        pages = list(adapter.list_orders(None))
        self.assertEqual(len(pages), 6)
        ids = [adapter.external_id_of(raw) for page in pages for raw in page]
        self.assertEqual(len(ids), len(set(ids)))
        state = self.sim_state()
        self.assertEqual(set(ids), set(state["orders"]))
        self.assertEqual(adapter.next_cursor, state["cursor"])
        self.assertEqual({p["query"]["limit"] for p in state["pages"]}, {"7"})

        # resuming from the stored cursor: nothing, then only what changed
        again = self.adapter(page_limit=7, cursor=adapter.next_cursor)
        self.assertEqual(list(again.list_orders(None)), [])
        order_id, _order = self.find_state(state, order_status="NEW", status="ACTIVE")
        self.sim_post(
            f"/_sim/sales-orders/{order_id}/update", {"item_status": "pending"}
        )
        ids = [again.external_id_of(raw) for p in again.list_orders(None) for raw in p]
        self.assertEqual(ids, [order_id])
        self.assertEqual(again.next_cursor, self.sim_state()["cursor"])

    def test_default_page_limit_and_updated_since(self):
        adapter = self.adapter()
        orders, _errors = self.fetch(adapter)
        self.assertEqual(len(orders), 40)
        pages = self.sim_state()["pages"]
        self.assertEqual(len(pages), 2)
        self.assertEqual({p["query"]["limit"] for p in pages}, {"20"})
        # no cursor: the time watermark is sent as updated_since
        newest = max(o["updated_at"] for o in orders)
        recent = sorted(o["updated_at"] for o in orders)[-3].replace(microsecond=0)
        orders, _errors = self.fetch(self.adapter(), since=recent)
        self.assertEqual(len(orders), 3)
        self.assertTrue(all(recent <= o["updated_at"] <= newest for o in orders))
        query = self.sim_state()["pages"][-1]["query"]
        self.assertEqual(query["updated_since"], recent.isoformat() + "Z")

    def test_filter_honoured(self):
        state = self.sim_state()["orders"]
        self.assertTrue(any(o["status"] == "DELETED" for o in state.values()))
        expected = {
            oid
            for oid, o in state.items()
            if o["status"] != "DELETED" and "ready_to_ship" in o["item_statuses"]
        }
        mixed = {
            oid
            for oid in expected
            if set(state[oid]["item_statuses"]) != {"ready_to_ship"}
        }
        self.assertTrue(expected and mixed and len(expected) < len(state))
        for status_filter in (
            SEED_FILTER,
            "hdr.status != 'DELETED' and item_status = 'ready_to_ship'",
            "filter=status != 'DELETED' and lines.item_status in ('ready_to_ship')",
        ):
            adapter = self.adapter(status_filter=status_filter, page_limit=9)
            orders, errors = self.fetch(adapter)
            self.assertFalse(errors)
            self.assertEqual(
                {o["external_id"] for o in orders}, expected, status_filter
            )
            for order in orders:
                self.assertNotEqual(order["status"], "DELETED")
                self.assertTrue(order["importable"])
                self.assertTrue(order["lines"])
                self.assertEqual(
                    {li["status"] for li in order["lines"]}, {"ready_to_ship"}
                )
                self.assertEqual(
                    len(order["lines"]) + len(order["skipped_lines"]),
                    len(state[order["external_id"]]["item_statuses"]),
                )
                amounts = order["amounts"]
                self.assertAlmostEqual(
                    amounts["items"]
                    - amounts["seller_discount"]
                    - amounts["platform_discount"]
                    + amounts["shipping"]
                    + amounts["fees"]
                    + amounts["tax"],
                    amounts["total"],
                    places=2,
                )
                self.assertEqual(amounts["seller_discount"], amounts["voucher"])
                self.assertTrue(
                    all(li["tax_rate"] in (10.0, 5.0, 0.0) for li in order["lines"])
                )
                self.assertAlmostEqual(
                    sum(li["price_total"] for li in order["lines"])
                    + amounts["shipping"],
                    amounts["total"],
                    places=2,
                )
                if order["external_id"] in mixed:
                    self.assertTrue(order["skipped_lines"])
                    self.assertLess(amounts["total"], order["hub_amounts"]["total"])
                else:
                    self.assertEqual(amounts, order["hub_amounts"])
            query = self.sim_state()["pages"][-1]["query"]
            if status_filter == SEED_FILTER:
                self.assertEqual(query["status__ne"], "DELETED")
                self.assertEqual(query["item_status"], "ready_to_ship")
            else:
                self.assertIn("'ready_to_ship'", query["filter"])

    def test_bad_filter(self):
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(status_filter="status__like=DEL").list_orders(None))
        self.assertFalse(caught.exception.retryable)
        self.assertIn("unknown operator __like", str(caught.exception))
        self.assertIn("invalid_filter", str(caught.exception))

    def test_parse_external_keys(self):
        orders, errors = self.fetch(self.adapter(page_limit=15))
        self.assertFalse(errors)
        state = self.sim_state()
        branches = {b["branch_key"] for b in state["branches"]}
        items = {i["item_key"]: i["item_code"] for i in state["items"]}
        customers = {c["customer_key"] for c in state["customers"]}
        for order in orders:
            expected = state["orders"][order["external_id"]]
            self.assertEqual(order["order_number"], expected["doc_number"])
            self.assertEqual(order["order_status"], expected["order_status"])
            self.assertEqual(
                order["status"],
                "DELETED"
                if expected["status"] == "DELETED"
                else expected["order_status"],
            )
            self.assertEqual(order["deleted"], expected["status"] == "DELETED")
            self.assertEqual(order["branch_key"], expected["branch_key"])
            self.assertIn(order["branch_key"], branches)
            self.assertEqual(order["customer"]["external_id"], expected["customer_key"])
            self.assertIn(order["customer"]["external_id"], customers)
            self.assertTrue(order["customer"]["name"])
            self.assertEqual(
                [li["item_ref"] for li in order["lines"]], expected["item_keys"]
            )
            self.assertEqual(
                [li["status"] for li in order["lines"]], expected["item_statuses"]
            )
            for line in order["lines"]:
                self.assertEqual(line["sku"], items[line["item_ref"]])
            self.assertEqual(order["amounts"]["total"], expected["amount_total"])
            self.assertEqual(order["tracking_ref"], expected["tracking_number"] or "")
            self.assertEqual(order["marketplace"], expected["marketplace"])
            self.assertEqual(
                order["marketplace_status"], expected["marketplace_status"]
            )
            self.assertEqual(order["currency"], "MYR")
            self.assertIsNone(order["updated_at"].tzinfo)
            self.assertEqual(order["skipped_lines"], [])
        self.assertIn("Shopee MY – 官方店", {o["marketplace_shop"] for o in orders})

    def test_malformed_record(self):
        self.sim_post("/_sim/faults", {"malformed": 0.2})
        orders, errors = self.fetch(self.adapter(page_limit=8))
        state = self.sim_state()
        malformed = [oid for page in state["pages"] for oid in page["malformed"]]
        self.assertTrue(malformed)
        self.assertEqual(len(errors), len(malformed))
        for exc in errors:
            self.assertFalse(exc.retryable)
            self.assertIn("doc_number is missing", str(exc))
            self.assertIn(exc.payload["id"], malformed)
        self.assertEqual(
            sorted(o["external_id"] for o in orders), sorted(state["orders"])
        )
        broken = dict(errors[0].payload, doc_number="SO-X-1")
        with self.assertRaises(ParseError) as caught:
            self.adapter().parse_order(broken)
        self.assertIn("lines is not a non-empty list", str(caught.exception))
        broken["lines"] = orders[0]["raw"]["lines"]
        with self.assertRaises(ParseError) as caught:
            self.adapter().parse_order(broken)
        self.assertIn("amount_total 'NaN' is not a number", str(caught.exception))

    def test_repeated_and_stale_copies_dropped(self):
        self.sim_post("/_sim/faults", {"duplicates": 0.5, "out_of_order": 0.5})
        orders, errors = self.fetch(self.adapter(page_limit=10))
        self.assertFalse(errors)
        fired = self.sim_state()["faults"]["fired"]
        self.assertTrue(fired.get("duplicates") and fired.get("out_of_order"))
        state = self.sim_state()["orders"]
        self.assertEqual(len(orders), len(state))
        for order in orders:
            self.assertEqual(order["version"], state[order["external_id"]]["version"])

    def test_status_updates(self):
        state = self.sim_state()
        order_id, _order = self.find_state(state, order_status="NEW", status="ACTIVE")
        adapter = self.adapter()
        order = adapter.accept_order({"external_id": order_id})
        self.assertEqual(order["order_status"], "CONFIRMED")
        self.assertFalse(order["unchanged"])
        shipped = adapter.ship_order(
            order, method="manual", tracking_ref="JNT123456789"
        )
        self.assertEqual(shipped["tracking_ref"], "JNT123456789")
        sim = self.sim_state()["orders"][order_id]
        self.assertEqual(sim["order_status"], "READY_TO_SHIP")
        self.assertEqual(sim["tracking_number"], "JNT123456789")
        self.assertEqual(set(sim["item_statuses"]), {"ready_to_ship"})
        done = adapter.update_status(order, "delivered", remark="POD signed")
        self.assertEqual(done["order_status"], "DELIVERED")
        # three changes within a second: the change sequence orders them
        self.assertGreater(done["updated_at"], order["updated_at"])
        pushes = self.sim_state()["status_pushes"]
        self.assertEqual(
            [p["action"] for p in pushes], ["confirm", "prepare_shipment", "delivered"]
        )
        self.assertEqual(pushes[-1]["remark"], "POD signed")
        self.assertTrue(all(p["pushed_to_marketplace"] for p in pushes))
        self.assertTrue(adapter.update_status(order, "DELIVERED")["unchanged"])

        with self.assertRaises(AdapterError) as caught:
            adapter.update_status(order, "confirm")
        message = str(caught.exception)
        self.assertIn(
            f"sales order {order['order_number']} is DELIVERED; action 'confirm' "
            "(CONFIRMED) is allowed only from NEW",
            message,
        )
        self.assertIn("invalid_transition", message)
        self.assertFalse(caught.exception.retryable)

        deleted_id, deleted = self.find_state(state, status="DELETED")
        with self.assertRaises(AdapterError) as caught:
            adapter.update_status({"external_id": deleted_id}, "cancel")
        self.assertIn(
            f"sales order {deleted['doc_number']} is DELETED", str(caught.exception)
        )

        with self.assertRaises(AdapterError) as caught:
            adapter.update_status(order, "returned")
        self.assertIn("cannot send status 'returned'", str(caught.exception))

    def test_wrong_token_or_tenant(self):
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(access_token="stale").list_orders(None))
        self.assertFalse(caught.exception.retryable)
        self.assertIn("wrong token", str(caught.exception))
        self.assertIn("invalid access token", str(caught.exception))
        with self.assertRaises(AdapterError) as caught:
            self.adapter(tenant_code="TENANT9").get_orders(["x"])
        self.assertFalse(caught.exception.retryable)
        self.assertIn("wrong tenant code", str(caught.exception))
        self.assertIn("'TENANT9'", str(caught.exception))
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(tenant_code="").list_orders(None))
        self.assertIn("no tenant code", str(caught.exception))

    def test_retryable_errors(self):
        self.sim_post("/_sim/faults", {"rate_429": 1, "retry_after": 4})
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter().list_orders(None))
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(caught.exception.retry_after, 4.0)
        self.assertIn("HTTP 429", str(caught.exception))

        self.sim_post("/_sim/faults", {"rate_5xx": 1})
        with self.assertRaises(AdapterError) as caught:
            self.adapter().accept_order({"external_id": "x"})
        self.assertTrue(caught.exception.retryable)
        self.assertIn("HTTP 503", str(caught.exception))

        self.assert_network_errors_retryable(2.5, requests.ConnectTimeout)
