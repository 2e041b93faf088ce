from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import PART_KETTLE, DropshipCommon

SALE_LOGGER = "odoo.addons.supplier_dropship.models.sale_order"
TRANSMISSION_LOGGER = "odoo.addons.supplier_dropship.models.dropship_po_transmission"


@tagged("post_install", "-at_install")
class TestShipBatch(DropshipCommon):
    """Ship over several orders at once: one procurement and one confirmation
    for all of them, the same purchase orders and transmissions as order by
    order, and one bad order never stops the others."""

    def setUp(self):
        super().setUp()
        self.sim_before = {d.code: set(self.sim_orders(d)) for d in self.distributors}

    def sim_new_orders(self):
        """{PO name: what the simulator received} since the test started."""
        return {
            name: received
            for d in self.distributors
            for name, received in self.sim_orders(d).items()
            if name not in self.sim_before[d.code]
        }

    def assertShipped(self, order, expected):
        """``order`` has one confirmed, acknowledged PO per distributor of
        ``expected`` ({distributor: {product: qty}}), transmitted once."""
        pos = order._dropship_purchase_orders()
        self.assertEqual(len(pos), len(expected), order.name)
        received = self.sim_new_orders()
        for distributor, lines in expected.items():
            po = pos.filtered(lambda p, d=distributor: p.dropship_distributor_id == d)
            self.assertEqual(len(po), 1)
            self.assertEqual(po.state, "purchase")
            self.assertEqual(po.origin, order.name)
            self.assertEqual(po.dest_address_id, order.partner_shipping_id)
            self.assertEqual(
                {line.product_id: line.product_qty for line in po.order_line}, lines
            )
            self.assertEqual(po.order_line.sale_line_id.order_id, order)
            transmission = po.dropship_transmission_ids
            self.assertEqual(len(transmission), 1)
            self.assertEqual(transmission.state, "acknowledged", transmission.message)
            self.assertEqual(transmission.attempt_count, 1)
            self.assertEqual(received[po.name]["duplicates_received"], 0)
        return pos

    def test_orders_shipped_together_share_the_live_stock(self):
        """Planned in one Ship, the second order sees the live stock the first
        one takes, as if the first had been sent already."""
        self.addCleanup(self.set_part, self.ingram, PART_KETTLE, stock=50, price=40.0)
        self.addCleanup(self.set_part, self.techdata, PART_KETTLE, stock=50, price=40.0)
        self.set_part(self.ingram, PART_KETTLE, stock=3, price=10.0)
        self.set_part(self.techdata, PART_KETTLE, stock=50, price=30.0)
        first = self.create_dropship_order([(self.kettle, 2)])
        second = self.create_dropship_order([(self.kettle, 2)])
        self.assertIs((first | second).action_dropship_ship(), True)
        self.assertShipped(first, {self.ingram: {self.kettle: 2}})
        self.assertShipped(second, {self.techdata: {self.kettle: 2}})
        self.assertEqual(
            second.order_line.dropship_planned_distributor_id, self.techdata
        )
        received = self.sim_new_orders()
        for po in (first | second)._dropship_purchase_orders():
            self.assertEqual(received[po.name]["status"], "accepted")

    def test_ship_several_orders_at_once(self):
        other = self.env["res.partner"].create(
            {
                "name": "Second customer",
                "street": "2 Bold Street",
                "city": "Liverpool",
                "zip": "L1 4DS",
                "country_id": self.country_gb.id,
            }
        )
        first = self.create_dropship_order(
            [
                (self.kettle, 2, self.ingram),
                (self.earbuds, 1, self.ingram),
                (self.notebook, 4, self.exertis),
            ]
        )
        second = self.create_dropship_order(
            [(self.kettle, 1, self.ingram), (self.earbuds, 3, self.techdata)],
            partner=other,
        )
        third = self.create_dropship_order([(self.notebook, 5, self.exertis)])
        orders = first | second | third
        self.assertIs(orders.action_dropship_ship(), True)
        pos = (
            self.assertShipped(
                first,
                {
                    self.ingram: {self.kettle: 2, self.earbuds: 1},
                    self.exertis: {self.notebook: 4},
                },
            )
            | self.assertShipped(
                second,
                {self.ingram: {self.kettle: 1}, self.techdata: {self.earbuds: 3}},
            )
            | self.assertShipped(third, {self.exertis: {self.notebook: 5}})
        )
        # one PO per distributor and order, each sent once: nothing else
        self.assertEqual(len(pos), 5)
        self.assertEqual(set(self.sim_new_orders()), set(pos.mapped("name")))
        self.assertEqual(len(pos.dropship_transmission_ids), 5)
        # shipping the selection again changes nothing
        transmissions = pos.dropship_transmission_ids
        self.assertIs(orders.action_dropship_ship(), True)
        self.assertEqual(orders._dropship_purchase_orders(), pos)
        self.assertEqual(
            orders._dropship_purchase_orders().dropship_transmission_ids, transmissions
        )
        self.assertEqual(set(self.sim_new_orders()), set(pos.mapped("name")))
        self.assertEqual(transmissions.mapped("attempt_count"), [1] * 5)

    def test_ship_from_the_order_list(self):
        """The Ship action of the order list ships the selected orders together."""
        first = self.create_dropship_order([(self.kettle, 1, self.ingram)])
        second = self.create_dropship_order([(self.notebook, 2, self.exertis)])
        orders = first | second
        action = self.env.ref("supplier_dropship.sale_order_action_dropship_ship")
        self.assertEqual(action.binding_model_id.model, "sale.order")
        self.assertIn("list", action.binding_view_types)
        result = action.with_context(
            active_model="sale.order", active_ids=orders.ids, active_id=first.id
        ).run()
        self.assertIs(result, True)
        self.assertShipped(first, {self.ingram: {self.kettle: 1}})
        self.assertShipped(second, {self.exertis: {self.notebook: 2}})

    def test_ship_batch_keeps_the_chatter(self):
        """Shipped together, each purchase order still has its vendor as follower
        and each drop-ship delivery its origin note, as when shipped alone."""
        orders = self.create_dropship_order(
            [(self.kettle, 1, self.ingram)]
        ) | self.create_dropship_order([(self.notebook, 2, self.exertis)])
        self.assertIs(orders.action_dropship_ship(), True)
        pos = orders._dropship_purchase_orders()
        self.assertEqual(len(pos), 2)
        note = self.env.ref("mail.mt_note")
        for po in pos:
            self.assertIn(po.partner_id, po.message_partner_ids)
            self.assertTrue(po.picking_ids)
            for picking in po.picking_ids:
                notes = picking.message_ids.filtered(
                    lambda m, po=po: m.subtype_id == note
                    and f'data-oe-model="purchase.order" data-oe-id="{po.id}"'
                    in str(m.body)
                )
                self.assertEqual(len(notes), 1, picking.name)

    def test_one_bad_order_does_not_stop_the_others(self):
        good = self.create_dropship_order([(self.kettle, 2, self.ingram)])
        bad = self.create_dropship_order([(self.earbuds, 1, self.techdata)])
        # an imported line with a unit of another category: cannot be planned
        self.store_foreign_unit(bad.order_line)
        draft = self.create_order(lines=[(self.notebook, 1, 99.0)])
        self.assertEqual(draft.state, "draft")
        also_good = self.create_dropship_order(
            [(self.notebook, 3, self.exertis), (self.earbuds, 1, self.techdata)]
        )
        orders = good | bad | draft | also_good
        with self.assertLogs(SALE_LOGGER, level="WARNING") as logs:
            action = orders.action_dropship_ship()
        self.assertEqual(len(logs.records), 2, logs.output)
        self.assertIn(bad.name, logs.output[0] + logs.output[1])
        self.assertIn(draft.name, logs.output[0] + logs.output[1])
        # the others are shipped as if alone
        self.assertShipped(good, {self.ingram: {self.kettle: 2}})
        self.assertShipped(
            also_good,
            {self.exertis: {self.notebook: 3}, self.techdata: {self.earbuds: 1}},
        )
        # the bad ones: nothing bought or sent, reported in the chatter and to
        # the user
        for order in bad | draft:
            self.assertFalse(order._dropship_purchase_orders())
            self.assertTrue(
                order.message_ids.filtered(lambda m: "Not shipped" in (m.body or "")),
                order.name,
            )
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(bad.name, action["params"]["message"])
        self.assertIn(draft.name, action["params"]["message"])
        self.assertNotIn(good.name, action["params"]["message"])
        self.assertEqual(
            set(self.sim_new_orders()),
            set((good | also_good)._dropship_purchase_orders().mapped("name")),
        )
        # fixed, the bad order ships with the next click
        bad.order_line.product_uom = self.env.ref("uom.product_uom_unit")
        self.assertIs((good | bad).action_dropship_ship(), True)
        self.assertShipped(bad, {self.techdata: {self.earbuds: 1}})
        self.assertShipped(good, {self.ingram: {self.kettle: 2}})

    def test_one_order_alone_shows_its_error(self):
        from odoo.exceptions import UserError

        draft = self.create_order(lines=[(self.notebook, 1, 99.0)])
        with self.assertRaises(UserError):
            draft.action_dropship_ship()

    def test_touchless_cron_ships_the_good_orders(self):
        good = self.create_dropship_order(
            [(self.earbuds, 2, self.techdata)], channel=self.channel_touchless
        )
        bad = self.create_dropship_order(
            [(self.kettle, 1, self.ingram)], channel=self.channel_touchless
        )
        self.store_foreign_unit(bad.order_line)
        SaleOrder = self.env["sale.order"].with_context(queue_job__no_delay=True)
        with self.assertLogs(SALE_LOGGER, level="WARNING") as logs:
            dispatched = SaleOrder._cron_dropship_touchless()
        self.assertIn(bad.name, logs.output[0])
        self.assertEqual(dispatched, good | bad)
        self.assertShipped(good, {self.techdata: {self.earbuds: 2}})
        self.assertFalse(bad._dropship_purchase_orders())
        self.assertEqual(bad.dropship_attempt_count, 1, "it backs off")

    def test_a_distributor_down_costs_one_attempt(self):
        self.addCleanup(self.reset_faults)
        orders = self.create_dropship_order(
            [(self.earbuds, 1, self.techdata)]
        ) | self.create_dropship_order([(self.kettle, 1, self.techdata)])
        self.set_faults(rate_5xx=1)
        with trap_jobs() as trap:
            self.assertIs(orders.action_dropship_ship(), True)
            transmissions = orders._dropship_purchase_orders().dropship_transmission_ids
            self.assertEqual(len(transmissions), 2)
            self.assertEqual(transmissions.mapped("state"), ["failed", "failed"])
            tried = transmissions.filtered("attempt_count")
            self.assertEqual(len(tried), 1, "the second PO waits for the retry")
            self.assertIn("HTTP 50", tried.message)
            self.assertIn("not sent yet", (transmissions - tried).message)
            for transmission in transmissions:
                trap.assert_jobs_count(1, only=transmission._job_send)
            self.reset_faults()
            trap.perform_enqueued_jobs()
        self.assertEqual(transmissions.mapped("state"), ["acknowledged"] * 2)
        received = self.sim_new_orders()
        for po in orders._dropship_purchase_orders():
            self.assertEqual(received[po.name]["duplicates_received"], 0)

    def test_unexpected_send_error_fails_only_its_purchase_order(self):
        # a control character pasted into an address cannot go into XML
        pasted = self.env["res.partner"].create(
            {
                "name": "Pasted address",
                "street": "3 Deansgate\x0b",
                "city": "Manchester",
                "zip": "M3 1AZ",
                "country_id": self.country_gb.id,
            }
        )
        broken = self.create_dropship_order(
            [(self.kettle, 1, self.ingram)], partner=pasted
        )
        fine = self.create_dropship_order([(self.kettle, 1, self.ingram)])
        with (
            trap_jobs() as trap,
            self.assertLogs(TRANSMISSION_LOGGER, level="ERROR") as logs,
        ):
            self.assertIs((broken | fine).action_dropship_ship(), True)
        self.assertIn("not transmitted", logs.output[0])
        self.assertShipped(fine, {self.ingram: {self.kettle: 1}})
        po = broken._dropship_purchase_orders()
        self.assertEqual(po.state, "purchase", "the PO is kept")
        transmission = po.dropship_transmission_ids
        self.assertEqual(transmission.state, "failed")
        self.assertIn(po.name, transmission.message)
        trap.assert_jobs_count(1, only=transmission._job_send)
        self.assertNotIn(po.name, self.sim_new_orders())


@tagged("post_install", "-at_install")
class TestShipBatchHelpers(DropshipCommon):
    def test_candidates_of_many_lines(self):
        first = self.create_dropship_order(
            [(self.kettle, 1, self.ingram), (self.earbuds, 1, self.techdata)]
        )
        plain = self.create_order(lines=[(self.product_a, 1, 25.0)])
        second = self.create_dropship_order([(self.notebook, 2, self.exertis)])
        lines = (first | plain | second).order_line
        candidates = lines._dropship_candidates()
        self.assertEqual(candidates, first.order_line | second.order_line)
        self.assertEqual(
            candidates, lines.filtered(lambda line: line._dropship_is_candidate())
        )
        self.assertEqual(
            (first | plain | second).mapped("dropship_line_count"), [2, 0, 1]
        )
        # without an active distributor of its vendors, a line is no candidate
        self.distributors.write({"active": False})
        self.assertFalse(lines._dropship_candidates())
        self.assertFalse(first.order_line[0]._dropship_is_candidate())

    def test_ensure_many_creates_each_transmission_once(self):
        order = self.create_dropship_order(
            [(self.kettle, 1, self.ingram), (self.notebook, 1, self.exertis)]
        )
        order.action_dropship_ship()
        pos = order._dropship_purchase_orders()
        self.assertEqual(len(pos), 2)
        sent = pos.dropship_transmission_ids
        Transmission = self.env["dropship.po.transmission"]
        wanted = [(po, po.dropship_distributor_id, "document") for po in pos]
        self.assertEqual(Transmission._ensure_many(wanted + wanted), sent)
        sent.unlink()
        first = Transmission._ensure(pos[0], pos[0].dropship_distributor_id, "document")
        both = Transmission._ensure_many(wanted + wanted)
        self.assertEqual(len(both), 2)
        self.assertEqual(both[0], first)
        self.assertEqual(both.purchase_order_id, pos)
        self.assertEqual(set(both.mapped("state")), {"to_send"})
        self.assertEqual(
            both.mapped("po_format"),
            [po.dropship_distributor_id.po_format for po in pos],
        )
        self.assertEqual(Transmission._ensure_many(wanted), both)
        self.assertEqual(
            Transmission.search_count([("purchase_order_id", "in", pos.ids)]), 2
        )
        pdf = Transmission._ensure_many(
            [(pos[0], pos[0].dropship_distributor_id, "account_manager")]
        )
        self.assertEqual(pdf.po_format, "pdf")
        self.assertEqual(len(pos.dropship_transmission_ids), 3)
