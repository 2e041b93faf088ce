from lxml import etree

from odoo.tests import new_test_user, tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PART_EARBUDS, PART_KETTLE, PART_NOTEBOOK, DropshipCommon

TRANSMISSION_LOGGER = "odoo.addons.supplier_dropship.models.dropship_po_transmission"


@tagged("post_install", "-at_install")
class TestShip(DropshipCommon):
    def setUp(self):
        super().setUp()
        self.sim_orders_before = [
            po for d in self.distributors for po in self.sim_orders(d)
        ]

    def ship_order(self):
        """Kettle and earbuds from ingram, earbuds from techdata, notebook from
        exertis: three distributors."""
        order = self.create_dropship_order(
            [
                (self.kettle, 2, self.ingram),
                (self.earbuds, 1, self.ingram),
                (self.earbuds, 3, self.techdata),
                (self.notebook, 4, self.exertis),
            ]
        )
        self.assertFalse(
            order._dropship_purchase_orders(), "no PO before the Ship button"
        )
        order.action_dropship_ship()
        return order

    def test_ship_makes_one_po_per_distributor_in_its_format(self):
        order = self.ship_order()
        pos = order._dropship_purchase_orders()
        self.assertEqual(len(pos), 3)
        self.assertEqual(pos.partner_id, self.distributors.partner_id)
        expected = {
            self.ingram: {self.kettle: 2, self.earbuds: 1},
            self.techdata: {self.earbuds: 3},
            self.exertis: {self.notebook: 4},
        }
        for distributor, lines in expected.items():
            po = pos.filtered(lambda p, d=distributor: p.dropship_distributor_id == d)
            self.assertEqual(po.state, "purchase")
            self.assertEqual(po.dest_address_id, order.partner_shipping_id)
            self.assertEqual(po.currency_id, self.gbp)
            self.assertEqual(
                {line.product_id: line.product_qty for line in po.order_line}, lines
            )
            self.assertEqual(po.picking_ids.picking_type_code, "dropship")
            self.assertTrue(po.picking_ids.is_dropship)
            transmission = po.dropship_transmission_ids
            self.assertEqual(len(transmission), 1)
            self.assertEqual(transmission.po_format, distributor.po_format)
            self.assertEqual(transmission.state, "acknowledged", transmission.message)
            self.assertEqual(transmission.ack_status, "accepted")
            self.assertTrue(transmission.distributor_order_ref)
            self.assertTrue(transmission.response_body)
            self.assertEqual(po.dropship_transmission_state, "acknowledged")
            # the simulator validated and accepted the document
            received = self.sim_orders(distributor)[po.name]
            self.assertEqual(received["status"], "accepted")
            self.assertEqual(received["format"], distributor.po_format)
            self.assertEqual(
                {line["part_number"]: line["quantity"] for line in received["lines"]},
                {
                    self.seller(distributor, product).product_code: qty
                    for product, qty in lines.items()
                },
            )
            self.assertEqual(received["raw"], transmission.request_body)
        # the routes of the lines are Odoo's Dropship route
        self.assertEqual(order.order_line.route_id, self.route_dropship)
        self.assertEqual(order.dropship_transmission_count, 3)

    def test_documents_are_valid_ubl_cxml_and_opentrans(self):
        order = self.ship_order()
        pos = order._dropship_purchase_orders()
        bodies = {
            po.dropship_distributor_id: (
                po.dropship_transmission_ids.request_body.encode()
            )
            for po in pos
        }
        ubl = etree.fromstring(bodies[self.techdata])
        ns = {
            "o": "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
            "cbc": "urn:oasis:names:specification:ubl:schema:xsd:"
            "CommonBasicComponents-2",
            "cac": "urn:oasis:names:specification:ubl:schema:xsd:"
            "CommonAggregateComponents-2",
        }
        self.assertEqual(
            ubl.findtext("cbc:CustomizationID", namespaces=ns),
            "urn:fdc:peppol.eu:poacc:trns:order:3",
            "Odoo's own Peppol BIS Ordering 3 builder",
        )
        self.assertEqual(
            ubl.findtext(
                "cac:OrderLine/cac:LineItem/cac:Item/cac:SellersItemIdentification/cbc:ID",
                namespaces=ns,
            ),
            self.seller(self.techdata, self.earbuds).product_code,
        )
        self.assertEqual(ubl.findtext("cbc:DocumentCurrencyCode", namespaces=ns), "GBP")
        self.assertIn(b"<!DOCTYPE cXML", bodies[self.ingram])
        cxml = etree.fromstring(bodies[self.ingram])
        self.assertEqual(len(cxml.findall("Request/OrderRequest/ItemOut")), 2)
        self.assertEqual(
            cxml.findtext("Header/Sender/Credential/SharedSecret"),
            "ingram-shared-secret",
        )
        ot = etree.fromstring(bodies[self.exertis])
        self.assertEqual(ot.tag, "{http://www.opentrans.org/XMLSchema/2.1}ORDER")
        self.assertEqual(ot.get("version"), "2.1")
        # nothing was refused by the simulator
        state = self.sim.inspect()["rejected_documents"]
        self.assertEqual(sum(len(docs) for docs in state.values()), 0)

    def test_ship_twice_never_duplicates(self):
        order = self.ship_order()
        pos = order._dropship_purchase_orders()
        transmissions = pos.dropship_transmission_ids
        order.action_dropship_ship()
        order.action_dropship_ship()
        self.assertEqual(order._dropship_purchase_orders(), pos)
        self.assertEqual(pos.dropship_transmission_ids, transmissions)
        self.assertEqual(len(pos.order_line), 4)
        for po in pos:
            received = self.sim_orders(po.dropship_distributor_id)
            self.assertEqual(received[po.name]["duplicates_received"], 0)
        self.assertEqual(
            sum(len(self.sim_orders(d)) for d in self.distributors),
            len(self.sim_orders_before) + 3,
        )

    def test_edited_cost_mails_the_pdf_to_the_account_manager(self):
        self.set_part(self.ingram, PART_KETTLE, stock=50, price=40.0)
        order = self.create_dropship_order([(self.kettle, 1, self.ingram)])
        order.action_dropship_plan()
        line = order.order_line
        self.assertEqual(line.dropship_unit_cost, 40.0)
        line.dropship_unit_cost = 35.0  # agreed with the account manager
        self.assertTrue(line.dropship_cost_edited)
        order.action_dropship_ship()
        po = order._dropship_purchase_orders()
        self.assertEqual(po.order_line.price_unit, 35.0)
        document = po.dropship_transmission_ids.filtered(lambda t: t.kind == "document")
        self.assertEqual(document.state, "acknowledged")
        pdf = po.dropship_transmission_ids.filtered(
            lambda t: t.kind == "account_manager"
        )
        self.assertEqual(pdf.state, "sent")
        self.assertEqual(pdf.po_format, "pdf")
        mail = pdf.mail_id
        self.assertEqual(mail.email_to, "am@ingram.example.com")
        self.assertIn(po.name, mail.subject)
        self.assertEqual(len(mail.attachment_ids), 1)
        self.assertIn(po.name, mail.attachment_ids.name)
        # the distributor got the agreed price in the cXML document
        received = self.sim_orders(self.ingram)[po.name]
        self.assertEqual(received["lines"][0]["requested_price"], 35.0)
        # shipping again sends nothing more
        order.action_dropship_ship()
        self.assertEqual(len(po.dropship_transmission_ids), 2)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("model", "=", "purchase.order"), ("res_id", "=", po.id)]
            ),
            1,
        )

    def test_order_desk_user_can_ship(self):
        user = new_test_user(
            self.env,
            login="desk_shipper",
            groups="omnichannel_orders.group_order_desk_user",
        )
        self.assertFalse(user.has_group("purchase.group_purchase_user"))
        order = self.create_dropship_order([(self.kettle, 1, self.techdata)])
        order.with_user(user).action_dropship_plan()
        order.with_user(user).action_dropship_ship()
        po = order._dropship_purchase_orders()
        self.assertEqual(po.dropship_transmission_state, "acknowledged")
        self.assertEqual(order.with_user(user).dropship_transmission_count, 1)

    def test_unedited_cost_sends_no_pdf(self):
        order = self.create_dropship_order([(self.kettle, 1, self.ingram)])
        order.action_dropship_ship()
        po = order._dropship_purchase_orders()
        self.assertEqual(po.dropship_transmission_ids.kind, "document")

    def test_rejected_po_leaves_state_log_and_activity(self):
        self.set_part(self.techdata, PART_NOTEBOOK, stock=0)
        order = self.create_dropship_order([(self.notebook, 2, self.techdata)])
        with self.assertLogs(TRANSMISSION_LOGGER, level="WARNING") as logs:
            order.action_dropship_ship()
        self.assertIn("rejected", logs.output[0])
        po = order._dropship_purchase_orders()
        transmission = po.dropship_transmission_ids
        self.assertEqual(transmission.state, "rejected")
        self.assertEqual(transmission.ack_status, "rejected")
        self.assertIn("out_of_stock", transmission.message)
        self.assertEqual(po.dropship_transmission_state, "rejected")
        activity = po.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, po.user_id or self.env.user)
        self.assertIn("rejected", activity.summary)
        self.assertTrue(
            po.message_ids.filtered(lambda m: "rejected" in (m.body or "")),
        )

    def test_bad_credentials_are_a_rejection(self):
        self.exertis.password = "wrong"
        order = self.create_dropship_order([(self.notebook, 1, self.exertis)])
        with self.assertLogs(TRANSMISSION_LOGGER, level="WARNING"):
            order.action_dropship_ship()
        transmission = order._dropship_purchase_orders().dropship_transmission_ids
        self.assertEqual(transmission.state, "rejected")
        self.assertEqual(transmission.response_status, 401)

    def order_while_techdata_fails(self):
        """An order of earbuds from techdata, whose endpoint answers HTTP 5xx
        until ``reset_faults`` (at the latest when the test ends)."""
        self.addCleanup(self.reset_faults)
        self.set_faults(rate_5xx=1)
        return self.create_dropship_order([(self.earbuds, 1, self.techdata)])

    def test_transient_failure_is_retried_by_a_job(self):
        order = self.order_while_techdata_fails()
        with trap_jobs() as trap:
            order.action_dropship_ship()
            transmission = order._dropship_purchase_orders().dropship_transmission_ids
            self.assertEqual(transmission.state, "failed")
            self.assertIn("HTTP 50", transmission.message)
            trap.assert_jobs_count(1, only=transmission._job_send)
            self.reset_faults()
            trap.perform_enqueued_jobs()
        self.assertEqual(transmission.state, "acknowledged")
        self.assertEqual(transmission.attempt_count, 2)

    def test_retry_job_raises_retryable_while_the_distributor_is_down(self):
        from odoo.addons.queue_job.exception import RetryableJobError

        order = self.order_while_techdata_fails()
        with trap_jobs():
            order.action_dropship_ship()
        transmission = order._dropship_purchase_orders().dropship_transmission_ids
        with self.assertRaises(RetryableJobError):
            transmission._job_send()

    def test_pdf_distributor_gets_the_po_by_email(self):
        partner = self.env["res.partner"].create(
            {"name": "Mail Only Ltd", "is_company": True, "email": "po@mail.example"}
        )
        distributor = self.env["dropship.distributor"].create(
            {"partner_id": partner.id, "code": "mailonly", "po_format": "pdf"}
        )
        self.env["product.supplierinfo"].create(
            {
                "partner_id": partner.id,
                "product_tmpl_id": self.notebook.product_tmpl_id.id,
                "product_code": "MO-1",
                "price": 1.0,
                "distributor_stock": 10,
            }
        )
        order = self.create_dropship_order([(self.notebook, 1, distributor)])
        order.action_dropship_ship()
        po = order._dropship_purchase_orders()
        self.assertEqual(po.partner_id, partner)
        transmission = po.dropship_transmission_ids
        self.assertEqual(transmission.state, "sent")
        self.assertEqual(transmission.mail_id.email_to, "po@mail.example")


@tagged("post_install", "-at_install")
class TestTouchless(DropshipCommon):
    def test_touchless_orders_are_shipped_by_the_cron(self):
        self.set_part(self.ingram, PART_EARBUDS, stock=50, price=9.0)
        order = self.create_dropship_order(
            [(self.earbuds, 2)], channel=self.channel_touchless
        )
        manual = self.create_dropship_order([(self.earbuds, 1)])
        self.assertEqual(order.state, "sale", "touchless orders confirm themselves")
        # the cron's jobs run at once
        SaleOrder = self.env["sale.order"].with_context(queue_job__no_delay=True)
        dispatched = SaleOrder._cron_dropship_touchless()
        self.assertIn(order, dispatched)
        self.assertNotIn(manual, dispatched, "review channels wait for a click")
        self.assertFalse(manual._dropship_purchase_orders())
        po = order._dropship_purchase_orders()
        self.assertEqual(po.dropship_distributor_id, self.ingram, "the planner's pick")
        self.assertEqual(po.dropship_transmission_state, "acknowledged")
        self.assertFalse(SaleOrder._cron_dropship_touchless())
