"""The e-shop XML exchange adapter against the in-process e-shop simulator."""

from decimal import Decimal

import requests

from odoo.tests import tagged

from odoo.addons.channel_connectors.adapters import AdapterError, ParseError

from .common import SourceAdapterCommon


@tagged("post_install", "-at_install")
class TestEshopAdapter(SourceAdapterCommon):
    platform = "eshop_xml"
    simulator = ("eshop", "EshopSimulator")
    simulator_options = {"orders": 25, "seed": 7, "export_delay": 60}
    credentials = {"api_key": "eshop-key"}

    # ---- tests -----------------------------------------------------------------------
    def test_registered(self):
        self.assertEqual(self.adapter_class.platform, "eshop_xml")
        self.assertTrue(self.adapter_class.list_returns_details)

    def test_paging_each_order_once(self):
        adapter = self.adapter(page_limit=7)
        pages = list(adapter.list_orders(None))
        self.assertGreaterEqual(len(pages), 4)
        ids = [adapter.external_id_of(raw) for page in pages for raw in page]
        self.assertEqual(len(ids), len(set(ids)), "an order was served twice")
        state = self.sim_state()
        released = {oid for oid, o in state["orders"].items() if o["released"]}
        self.assertEqual(set(ids), released)
        self.assertEqual(len(released), 24, "the newest order is inside the delay")
        self.assertEqual(adapter.next_cursor, state["cursor"])

        # resuming from the stored cursor: nothing new, then only what changed
        again = self.adapter(page_limit=7, cursor=adapter.next_cursor)
        self.assertEqual(list(again.list_orders(None)), [])
        self.assertEqual(again.next_cursor, state["cursor"])
        waiting_id, _order = self.find_state(state, state="awaiting_customer")
        self.sim_post(f"/_sim/orders/{waiting_id}/customer_confirm", {})
        self.sim.advance(61)  # the newest order leaves the export delay
        pages = list(again.list_orders(None))
        ids = sorted(again.external_id_of(raw) for page in pages for raw in page)
        unreleased = next(o for o, s in state["orders"].items() if not s["released"])
        self.assertEqual(ids, sorted([waiting_id, unreleased]))
        self.assertEqual(again.next_cursor, self.sim_state()["cursor"])

    def test_repeated_and_stale_copies_dropped(self):
        self.sim_post("/_sim/faults", {"duplicates": 0.5, "out_of_order": 0.5})
        for oid in ("1002", "1006"):  # fulfilled: several versions in the history
            self.assertGreater(len(self.sim.history[int(oid)]), 1)
        adapter = self.adapter(page_limit=5)
        orders, errors = self.fetch(adapter)
        self.assertFalse(errors)
        faults = self.sim_state()["faults"]["fired"]
        self.assertTrue(faults.get("duplicates") and faults.get("out_of_order"))
        ids = [o["external_id"] for o in orders]
        self.assertEqual(len(ids), len(set(ids)))
        state = self.sim_state()["orders"]
        for order in orders:
            self.assertEqual(order["version"], state[order["external_id"]]["version"])

    def test_customer_confirmation_gating(self):
        state = self.sim_state()
        order_id, _order = self.find_state(
            state, state="awaiting_customer", payment="TRANSFER"
        )
        adapter = self.adapter()
        orders = {o["external_id"]: o for o in self.fetch(adapter)[0]}
        waiting = orders[order_id]
        self.assertFalse(waiting["importable"])
        self.assertEqual(
            waiting["not_importable_reason"], "awaiting_customer_confirmation"
        )
        self.assertEqual(waiting["status"], "awaiting_customer")
        self.assertEqual(waiting["status_label"], "oczekuje na potwierdzenie klienta")
        not_importable = {oid for oid, o in orders.items() if not o["importable"]}
        self.assertEqual(
            not_importable,
            {oid for oid, o in state["orders"].items() if o["released"]}
            - {oid for oid, o in state["orders"].items() if o["importable"]},
        )
        with self.assertRaises(AdapterError) as caught:
            adapter.update_status(waiting, "Confirmed")
        self.assertIn(
            "not importable (awaiting_customer_confirmation)", str(caught.exception)
        )
        self.assertFalse(caught.exception.retryable)

        self.sim_post(f"/_sim/orders/{order_id}/customer_confirm", {})
        resumed = self.adapter(cursor=adapter.next_cursor)
        (confirmed,) = self.fetch(resumed)[0]
        self.assertEqual(confirmed["external_id"], order_id)
        self.assertTrue(confirmed["importable"])
        self.assertEqual(confirmed["not_importable_reason"], "")
        self.assertEqual(confirmed["status"], "awaiting_shop")
        self.assertGreater(confirmed["updated_at"], waiting["updated_at"])

    def test_confirm_for_customer(self):
        order_id, _order = self.find_state(
            self.sim_state(), state="awaiting_customer", payment="COD"
        )
        adapter = self.adapter()
        order = adapter.confirm_for_customer({"external_id": order_id})
        self.assertEqual(order["external_id"], order_id)
        self.assertTrue(order["importable"])
        self.assertEqual(order["status"], "awaiting_shop")
        self.assertEqual(self.sim_state()["orders"][order_id]["state"], "awaiting_shop")
        with self.assertRaises(AdapterError) as caught:
            adapter.confirm_for_customer(order)
        message = str(caught.exception)
        self.assertIn(
            f"order {order_id} is awaiting_shop, not awaiting_customer", message
        )
        self.assertIn("illegal_transition", message)

    def test_parse_consistency(self):
        orders, errors = self.fetch(self.adapter(page_limit=10))
        self.assertFalse(errors)
        state = self.sim_state()["orders"]
        companies = 0
        for order in orders:
            expected = state[order["external_id"]]
            sim_order = self.sim.orders[int(order["external_id"])]
            self.assertEqual(order["order_number"], expected["number"])
            self.assertEqual(order["status"], expected["state"])
            self.assertEqual(order["status_label"], expected["state_label"])
            self.assertEqual(order["importable"], expected["importable"])
            self.assertEqual(order["currency"], "PLN")
            self.assertEqual(order["payment_method"], expected["payment"])
            self.assertEqual(order["delivery_method"], expected["delivery"])
            self.assertEqual(order["cod"], expected["payment"] == "COD")
            self.assertEqual(order["payment_status"], expected["payment_status"])
            self.assertEqual(
                [
                    (li["sku"], li["quantity"], li["price_unit"])
                    for li in order["lines"]
                ],
                [
                    (li["sku"], li["qty"], float(li["price"]))
                    for li in expected["lines"]
                ],
            )
            self.assertEqual(
                [li["item_ref"] for li in order["lines"]],
                [li["sku"] for li in order["lines"]],
            )
            amounts = order["amounts"]
            self.assertEqual(amounts["total"], float(expected["total"]))
            self.assertAlmostEqual(
                amounts["items"]
                + amounts["shipping"]
                + amounts["fees"]
                + amounts["tax"]
                - amounts["seller_discount"]
                - amounts["platform_discount"],
                amounts["total"],
                places=2,
            )
            # gross prices: the voucher is the shop's, no tax on top, the VAT
            # the prices contain is the shop's TotalTax
            self.assertEqual(amounts["seller_discount"], amounts["voucher"])
            self.assertEqual((amounts["platform_discount"], amounts["tax"]), (0.0, 0.0))
            self.assertEqual(amounts["tax_included"], float(expected["tax"]))
            self.assertAlmostEqual(
                amounts["net"] + amounts["tax_included"], amounts["total"], places=2
            )
            self.assertTrue(order["prices_include_tax"])
            self.assertTrue(
                all(li["tax_rate"] in (23.0, 8.0, 5.0) for li in order["lines"])
            )
            self.assertEqual(bool(amounts["voucher"]), bool(expected["voucher"]))
            if expected["voucher"]:
                self.assertEqual(order["voucher_codes"], [expected["voucher"]])
            self.assertEqual(
                amounts["fees"], 5.0 if expected["payment"] == "COD" else 0.0
            )
            self.assertEqual(
                Decimal(str(amounts["shipping"])),
                sim_order["delivery_fee"],
            )
            buyer = sim_order["customer"]
            self.assertEqual(order["customer"]["external_id"], f"K{buyer['buyer_id']}")
            self.assertEqual(order["customer"]["email"], buyer["email"])
            self.assertEqual(order["shipping"]["name"], buyer["name"])
            self.assertEqual(order["shipping"]["city"], buyer["city"])
            self.assertEqual(order["shipping"]["zip"], buyer["zip"])
            self.assertEqual(order["shipping"]["country_code"], buyer["country"])
            company = sim_order["company"]
            self.assertEqual(order["customer"]["is_company"], bool(company))
            if company:
                companies += 1
                self.assertEqual(order["customer"]["name"], company[0])
                self.assertEqual(order["customer"]["vat"], company[1])
                self.assertEqual(order["customer"]["contact_name"], buyer["name"])
                self.assertTrue(order["customer"]["invoice_requested"])
            self.assertTrue(order["updated_at"] >= order["created_at"])
            self.assertIsNone(order["updated_at"].tzinfo)
        self.assertTrue(companies, "no invoice-to-company order in the sample")
        names = {o["delivery_method_name"] for o in orders}
        self.assertIn("Przesyłka paletowa (koszt ustalany indywidualnie)", names)
        labels = {o["status_label"] for o in orders}
        self.assertIn("oczekuje na ustalenie kosztów przesyłki", labels)

    def test_polish_company_round_trip(self):
        created = self.sim_post(
            "/_sim/orders/new",
            {
                "delivery": "PICKUP",
                "payment": "CASH",
                "lines": [{"sku": "KETTLE", "qty": 2}],
                "customer_confirmed": True,
                "comment": "Proszę o fakturę – zażółć gęślą jaźń",
            },
        )
        with self.sim.lock:
            sim_order = self.sim.orders[created["id"]]
            sim_order["company"] = ("Hurtownia Żółć Sp. z o.o.", "6762460122")
        self.sim.advance(61)
        adapter = self.adapter()
        (raw,) = adapter.get_orders([str(created["id"])])
        order = adapter.parse_order(raw)
        self.assertEqual(order["customer"]["name"], "Hurtownia Żółć Sp. z o.o.")
        self.assertEqual(order["customer"]["vat"], "6762460122")
        self.assertTrue(order["customer"]["is_company"])
        self.assertEqual(order["note"], "Proszę o fakturę – zażółć gęślą jaźń")
        self.assertEqual(
            order["delivery_method_name"],
            "Odbiór osobisty – sklep Kraków, ul. Floriańska",
        )
        self.assertEqual(
            order["payment_method_name"], "Gotówka przy odbiorze osobistym"
        )
        self.assertEqual(order["amounts"]["shipping"], 0.0)
        self.assertEqual(order["amounts"]["total"], 258.0)
        self.assertEqual(order["status"], "awaiting_shop")

    def test_malformed_record(self):
        self.sim_post("/_sim/faults", {"malformed": 0.25})
        adapter = self.adapter(page_limit=6)
        orders, errors = self.fetch(adapter)
        state = self.sim_state()
        malformed = [oid for page in state["exports"] for oid in page["malformed"]]
        self.assertTrue(malformed, "the fault never fired")
        self.assertEqual(len(errors), len(malformed))
        for exc in errors:
            self.assertIsInstance(exc, ParseError)
            self.assertFalse(exc.retryable)
            self.assertIn('Malformed="true"', exc.payload)
            self.assertIn("e-shop order", str(exc))
        released = {oid for oid, o in state["orders"].items() if o["released"]}
        self.assertEqual({o["external_id"] for o in orders}, released)
        self.assertEqual(len(orders), len(released))
        # a broken document that is not even XML, and one that has a bad total
        with self.assertRaises(ParseError):
            adapter.parse_order("<Order Id='1'><Number>")
        good = next(o for o in orders if o["importable"])
        broken = good["raw"].replace(
            f"<TotalPrice>{good['amounts']['total']:.2f}</TotalPrice>",
            "<TotalPrice>12,3.4.5 zł</TotalPrice>",
        )
        self.assertNotEqual(broken, good["raw"])
        with self.assertRaises(ParseError) as caught:
            adapter.parse_order(broken)
        self.assertIn("TotalPrice", str(caught.exception))

    def test_status_updates(self):
        state = self.sim_state()
        order_id, _order = self.find_state(state, state="awaiting_shop")
        adapter = self.adapter()
        result = adapter.update_status({"external_id": order_id}, "Confirmed")
        self.assertTrue(result["success"])
        self.assertEqual(result["state"], "confirmed")
        self.assertEqual(self.sim_state()["orders"][order_id]["state"], "confirmed")

        result = adapter.update_status(
            {"external_id": order_id},
            "Fulfilled",
            invoice_number="FS/12/2025",
            delivery_number="WZ/7/2025",
            tracking_ref="6969123456789",
            carrier="DPD",
        )
        self.assertEqual(result["state"], "fulfilled")
        sim = self.sim_state()
        self.assertEqual(sim["orders"][order_id]["state"], "fulfilled")
        self.assertEqual(
            sim["orders"][order_id]["documents"],
            [["FS", "FS/12/2025"], ["WZ", "WZ/7/2025"]],
        )
        self.assertEqual(sim["orders"][order_id]["tracking"], "6969123456789")
        last = sim["status_updates"][-1]
        self.assertEqual(last["status"], "Zrealizowane")
        self.assertEqual(last["carrier"], "DPD")
        self.assertEqual(sim["status_updates"][0]["status"], "Potwierdzone")
        (raw,) = adapter.get_orders([order_id])
        order = adapter.parse_order(raw)
        self.assertEqual(order["shop_status"], "Zrealizowane")
        self.assertEqual(order["tracking_ref"], "6969123456789")
        self.assertEqual(order["courier"], "DPD")
        self.assertEqual(
            order["documents"],
            [
                {"type": "FS", "number": "FS/12/2025"},
                {"type": "WZ", "number": "WZ/7/2025"},
            ],
        )
        # sending the same status again changes nothing
        again = adapter.update_status(order, "Zrealizowane")
        self.assertTrue(again["unchanged"])

        # an illegal transition: the shop's own message
        with self.assertRaises(AdapterError) as caught:
            adapter.update_status(order, "Confirmed")
        message = str(caught.exception)
        self.assertIn(
            f"order {order_id} is 'Zrealizowane' (fulfilled); it cannot become "
            "'Potwierdzone' (confirmed): allowed only from awaiting_shop",
            message,
        )
        self.assertIn("illegal_transition", message)
        self.assertFalse(caught.exception.retryable)

        with self.assertRaises(AdapterError) as caught:
            adapter.update_status(order, "shipped")
        self.assertIn("cannot send status 'shipped'", str(caught.exception))

    def test_engine_hooks(self):
        """accept_order on confirmation; ship_order sends nothing; the fulfilled
        push sends Zrealizowane with the FS and WZ numbers and the tracking
        number."""
        order_id, _order = self.find_state(self.sim_state(), state="awaiting_shop")
        adapter = self.adapter()
        order = adapter.parse_order(adapter.get_orders([order_id])[0])
        self.assertTrue(adapter.accept_order(order)["success"])
        self.assertEqual(self.sim_state()["orders"][order_id]["state"], "confirmed")
        order = adapter.parse_order(adapter.get_orders([order_id])[0])
        sent = len(self.sim_state()["status_updates"])
        self.assertTrue(adapter.accept_order(order)["unchanged"])
        shipped = adapter.ship_order(order, method="manual", tracking_ref="INP-77")
        self.assertEqual(shipped["tracking_ref"], "INP-77")
        self.assertEqual(len(self.sim_state()["status_updates"]), sent)
        self.assertFalse(adapter.supports("set_invoice_number"))
        result = adapter.update_status(
            order,
            "Fulfilled",
            invoice_number="FS/99/2025",
            delivery_number="WZ/3",
            tracking_ref="INP-77",
            courier="InPost",
        )
        self.assertTrue(result["success"])
        state = self.sim_state()
        self.assertEqual(state["orders"][order_id]["state"], "fulfilled")
        self.assertEqual(
            state["orders"][order_id]["documents"],
            [["FS", "FS/99/2025"], ["WZ", "WZ/3"]],
        )
        self.assertEqual(state["orders"][order_id]["tracking"], "INP-77")
        self.assertEqual(state["status_updates"][-1]["carrier"], "InPost")

    def test_batch_status_results(self):
        state = self.sim_state()
        shop_id, _order = self.find_state(state, state="awaiting_shop")
        done_id, _order = self.find_state(state, state="fulfilled")
        results = self.adapter().update_statuses(
            [
                ({"external_id": shop_id}, "Potwierdzone", {}),
                ({"external_id": done_id}, "Anulowane", {}),
                ({"external_id": "999999"}, "Confirmed", {}),
            ]
        )
        self.assertEqual(
            [r["external_id"] for r in results], [shop_id, done_id, "999999"]
        )
        self.assertEqual([r["success"] for r in results], [True, False, False])
        self.assertEqual(results[1]["error_code"], "illegal_transition")
        self.assertEqual(results[2]["error_code"], "unknown_order")
        self.assertIn("'999999' does not exist", results[2]["message"])

    def test_wrong_api_key(self):
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(api_key="not-the-key").list_orders(None))
        self.assertFalse(caught.exception.retryable)
        self.assertIn("wrong X-Api-Key", str(caught.exception))
        self.assertIn("invalid API key", str(caught.exception))
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter(api_key="").list_orders(None))
        self.assertIn("no API key", str(caught.exception))

    def test_retryable_errors(self):
        self.sim_post("/_sim/faults", {"rate_429": 1, "retry_after": 7})
        with self.assertRaises(AdapterError) as caught:
            list(self.adapter().list_orders(None))
        self.assertTrue(caught.exception.retryable)
        self.assertEqual(caught.exception.retry_after, 7.0)
        self.assertIn("HTTP 429", str(caught.exception))

        self.sim_post("/_sim/faults", {"rate_5xx": 1})
        with self.assertRaises(AdapterError) as caught:
            self.adapter().update_status({"external_id": "1001"}, "Confirmed")
        self.assertTrue(caught.exception.retryable)
        self.assertIn("HTTP 503", str(caught.exception))
        self.assertIn("chwilowo niedostępna", str(caught.exception))

        self.assert_network_errors_retryable(3, requests.ReadTimeout)
