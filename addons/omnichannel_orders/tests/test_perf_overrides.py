"""The overrides of Odoo internals for speed (``models/perf_overrides/``), each
compared with Odoo's own path: the same followers, notes, messages and pickings as
Odoo gives one document at a time, in fewer statements."""

from odoo.tests import new_test_user, tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestMailBatch(OmniCommon):
    """``perf_overrides/mail_thread.py``: channel orders confirmed and invoiced in
    batches get the same followers, origin notes and creation messages as Odoo
    gives one order at a time, written in one go."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the chatter as in production (OmniCommon disables tracking)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.channel_touchless.invoice_policy = "dispatch"
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Siti Aminah", "email": "siti@example.com"}
        )
        cls.note = cls.env.ref("mail.mt_note")

    def _customer_follower(self, record):
        follower = record.message_follower_ids.filtered(
            lambda f: f.partner_id == self.customer
        )
        self.assertEqual(len(follower), 1)
        return follower.subtype_ids

    def _origin_notes(self, record, origin):
        return record.message_ids.filtered(
            lambda m: m.subtype_id == self.note
            and f'data-oe-model="{origin._name}"' in str(m.body)
            and f'data-oe-id="{origin.id}"' in str(m.body)
        )

    def _plain_order(self, partner):
        """The same order without channel: Odoo's own confirmation, one by one."""
        order = self.create_order(channel=self.channel, partner=partner)
        order.channel_id = False
        order.action_confirm()
        return order

    def test_batch_confirmation_matches_odoo(self):
        orders = self.create_order(partner=self.customer) | self.create_order(
            partner=self.other_customer
        )
        orders.action_confirm()
        plain = self._plain_order(self.customer)
        for order, partner in zip(
            orders, (self.customer, self.other_customer), strict=False
        ):
            self.assertEqual(order.state, "sale")
            self.assertIn(partner, order.message_partner_ids)
            picking = order.picking_ids
            self.assertEqual(len(picking), 1)
            self.assertIn(partner, picking.message_partner_ids)
            notes = self._origin_notes(picking, order)
            self.assertEqual(len(notes), 1, "one origin note per delivery")
            self.assertIn("has been created from", str(notes.body))
            self.assertEqual(notes.author_id, self.env.user.partner_id)
            self.assertEqual(notes.message_type, "notification")
        # the customer follows with the same subtypes as on a plain order
        for record, plain_record in (
            (orders[0], plain),
            (orders[0].picking_ids, plain.picking_ids),
        ):
            self.assertEqual(
                self._customer_follower(record), self._customer_follower(plain_record)
            )
        plain_note = self._origin_notes(plain.picking_ids, plain)
        self.assertEqual(len(plain_note), 1)
        self.assertEqual(
            str(self._origin_notes(orders[0].picking_ids, orders[0]).body)
            .replace(orders[0].name, plain.name)
            .replace(f'data-oe-id="{orders[0].id}"', f'data-oe-id="{plain.id}"'),
            str(plain_note.body),
        )

    def test_batch_confirmation_costs_fewer_queries(self):
        """The point of the batch: confirming channel orders together takes fewer
        statements than Odoo's one-document-at-a-time chatter and pickings."""
        customers = self.customer | self.other_customer
        channel_orders = self.env["sale.order"]
        plain_orders = self.env["sale.order"]
        for i in range(4):
            partner = customers[i % 2]
            channel_orders |= self.create_order(partner=partner)
            plain = self.create_order(partner=partner)
            plain.channel_id = False
            plain_orders |= plain
        # the first confirmation fills Odoo's caches: not part of the comparison
        warm = self.create_order(partner=self.customer) | self.create_order(
            partner=self.other_customer
        )
        warm.channel_id = False
        warm.action_confirm()
        self.env.flush_all()

        def statements(orders):
            before = self.env.cr.sql_log_count
            orders.action_confirm()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        plain_count = statements(plain_orders)
        channel_count = statements(channel_orders)
        self.assertEqual(len(channel_orders.picking_ids), 4)
        # per order: no subscription and note queries, no picking search/create
        # of its own (≈ 23 % fewer here; 0.5 % fewer without the batch)
        self.assertLess(channel_count, 0.9 * plain_count, (channel_count, plain_count))

    def test_touchless_orders_invoiced_on_dispatch_in_batch(self):
        orders = self.create_order(
            channel=self.channel_touchless, partner=self.customer
        ) | self.create_order(
            channel=self.channel_touchless, partner=self.other_customer
        )
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        self.assertIs(pickings.button_validate(), True)
        for order, partner in zip(
            orders, (self.customer, self.other_customer), strict=False
        ):
            invoice = order.invoice_ids
            self.assertEqual(len(invoice), 1)
            self.assertEqual(invoice.state, "posted")
            self.assertIn(partner, invoice.message_partner_ids)
            self.assertEqual(len(self._origin_notes(invoice, order)), 1)
            follower = invoice.message_follower_ids.filtered(
                lambda f, partner=partner: f.partner_id == partner
            )
            self.assertEqual(
                follower.subtype_ids,
                self.env["mail.message.subtype"].default_subtypes("account.move")[2],
                "a customer follows with the external default subtypes",
            )

    def _creation_messages(self, invoice):
        return invoice.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("account.mt_invoice_created")
        )

    def _dispatch(self, orders):
        pickings = orders.picking_ids
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        self.assertIs(pickings.button_validate(), True)
        return orders.invoice_ids

    def test_invoice_creation_message_matches_odoo(self):
        orders = self.create_order(channel=self.channel_touchless) | self.create_order(
            channel=self.channel_touchless
        )
        invoices = self._dispatch(orders)
        self.assertEqual(len(invoices), 2)
        plain = self._plain_order(self.customer)
        plain_invoice = plain._create_invoices()
        expected = self._creation_messages(plain_invoice)
        self.assertEqual(len(expected), 1)
        for invoice in invoices:
            message = self._creation_messages(invoice)
            self.assertEqual(len(message), 1, "one creation message per invoice")
            self.assertEqual(str(message.body), str(expected.body))
            self.assertEqual(message.author_id, expected.author_id)
            self.assertEqual(message.message_type, expected.message_type)
            self.assertEqual(message.is_internal, expected.is_internal)
            self.assertLess(
                message.id,
                self._origin_notes(
                    invoice, invoice.invoice_line_ids.sale_line_ids.order_id
                ).id,
                "the creation message comes first, as in Odoo",
            )

    def test_team_follower_is_notified_of_invoice_creation(self):
        """Who follows a sales team for "Invoice Created" is notified of the
        invoices of its orders, as with one invoice at a time."""
        user = self.env["res.users"].create(
            {
                "name": "Sales lead",
                "login": "sales-lead@example.com",
                "email": "sales-lead@example.com",
                "groups_id": [
                    (6, 0, self.env.ref("sales_team.group_sale_manager").ids)
                ],
            }
        )
        team = self.env["crm.team"].create({"name": "Marketplaces"})
        team.message_subscribe(
            [user.partner_id.id],
            self.env.ref("sale.mt_salesteam_invoice_created").ids,
        )
        followed = self.create_order(channel=self.channel_touchless, team_id=team.id)
        quiet = self.create_order(channel=self.channel_touchless)
        self._dispatch(followed | quiet)
        message = self._creation_messages(followed.invoice_ids)
        self.assertEqual(len(message), 1)
        self.assertIn(user.partner_id, message.notification_ids.res_partner_id)
        self.assertEqual(len(self._creation_messages(quiet.invoice_ids)), 1)
        self.assertFalse(self._creation_messages(quiet.invoice_ids).notification_ids)

    def test_subscriptions_match_odoo(self):
        """The batch subscribes with the subtypes Odoo's ``message_subscribe``
        gives: the default subtypes to an internal user, the external ones to a
        customer; an existing follower is kept as it is."""
        user = new_test_user(self.env, login="desk-follower", groups="base.group_user")
        partner_ids = [user.partner_id.id, self.customer.id, self.other_customer.id]
        batched, plain = self.create_order(), self.create_order()
        (batched | plain).message_subscribe([self.other_customer.id], self.note.ids)
        plain.message_subscribe(partner_ids)
        with batched._omni_mail_batch() as batch_order:
            batch_order.message_subscribe(partner_ids)
            self.assertNotIn(user.partner_id, batched.message_partner_ids)

        def followers(order):
            return {
                (follower.partner_id, frozenset(follower.subtype_ids.ids))
                for follower in order.message_follower_ids
            }

        self.assertIn(user.partner_id, batched.message_partner_ids)
        self.assertEqual(followers(batched), followers(plain))

    def test_existing_follower_is_kept(self):
        order = self.create_order(partner=self.customer)
        order.message_subscribe([self.customer.id], self.note.ids)
        order.action_confirm()
        follower = order.message_follower_ids.filtered(
            lambda f: f.partner_id == self.customer
        )
        self.assertEqual(len(follower), 1)
        self.assertEqual(follower.subtype_ids, self.note, "not replaced")

    def test_inactive_partner_is_not_subscribed(self):
        order = self.create_order(partner=self.customer)
        ghost = self.env["res.partner"].create({"name": "Archived", "active": False})
        with order._omni_mail_batch() as batch_order:
            batch_order.message_subscribe([ghost.id, self.other_customer.id])
        self.assertNotIn(ghost, order.message_partner_ids)
        self.assertIn(self.other_customer, order.message_partner_ids)

    def test_note_follower_is_still_notified(self):
        """Someone who follows a document for its notes gets the origin note as a
        notification, as with message_post."""
        order = self.create_order()
        user = self.env["res.users"].create(
            {
                "name": "Warehouse lead",
                "login": "wh-lead@example.com",
                "email": "wh-lead@example.com",
                "groups_id": [(6, 0, self.env.ref("base.group_user").ids)],
            }
        )
        order.message_subscribe([user.partner_id.id], self.note.ids)
        quiet = self.create_order()
        with (order | quiet)._omni_mail_batch() as batch_orders:
            batch_orders.message_post_with_source(
                "mail.message_origin_link",
                render_values={"self": batch_orders, "origin": self.customer},
                subtype_xmlid="mail.mt_note",
            )
            self.assertFalse(
                self._origin_notes(order, self.customer), "written at the end"
            )
        notified = self._origin_notes(order, self.customer)
        self.assertEqual(len(notified), 1)
        self.assertIn(user.partner_id, notified.notification_ids.res_partner_id)
        logged = self._origin_notes(quiet, self.customer)
        self.assertEqual(len(logged), 1)
        self.assertFalse(logged.notification_ids)

    def test_error_in_batch_writes_nothing(self):
        order = self.create_order()
        with self.assertRaises(ValueError):
            with order._omni_mail_batch() as batch_order:
                batch_order.message_subscribe([self.other_customer.id])
                raise ValueError("stop")
        self.assertNotIn(self.other_customer, order.message_partner_ids)
        # the batch is closed: later calls subscribe at once
        batch_order.message_subscribe([self.other_customer.id])
        self.assertIn(self.other_customer, order.message_partner_ids)

    def test_templates_and_other_subtypes_are_not_deferred(self):
        order = self.create_order()
        with order._omni_mail_batch() as batch_order:
            batch_order.message_post_with_source(
                "mail.message_origin_link",
                render_values={"self": batch_order, "origin": self.customer},
                subtype_xmlid="mail.mt_comment",
            )
            self.assertEqual(
                len(
                    order.message_ids.filtered(
                        lambda m: "has been created from" in str(m.body)
                    )
                ),
                1,
                "a comment is posted at once (it notifies the followers)",
            )


@tagged("post_install", "-at_install")
class TestBatchPickingAssignment(OmniCommon):
    """``perf_overrides/stock_move.py``: moves of a batch of channel orders go
    into their pickings with one search and one create: the same pickings as
    Odoo's one order at a time."""

    def test_one_delivery_per_order(self):
        orders = self.env["sale.order"]
        for _i in range(3):
            orders |= self.create_order(
                lines=[(self.product_a, 1, 25.0), (self.product_b, 2, 59.0)]
            )
        orders.action_confirm()
        for order in orders:
            picking = order.picking_ids
            self.assertEqual(len(picking), 1)
            self.assertEqual(picking.move_ids, order.order_line.move_ids)
            self.assertEqual(picking.partner_id, order.partner_shipping_id)
            self.assertEqual(picking.origin, order.name)
            self.assertEqual(picking.group_id, order.procurement_group_id)
            self.assertEqual(picking.state, "assigned")
        self.assertEqual(len(set(orders.picking_ids.mapped("name"))), 3)

    def _draft_moves(self, count):
        """``count`` outgoing moves, each of its own procurement group."""
        out = self.warehouse.out_type_id
        groups = self.env["procurement.group"].create(
            [{"name": f"G{i}"} for i in range(count)]
        )
        return self.env["stock.move"].create(
            [
                {
                    "name": "move",
                    "product_id": self.product_a.id,
                    "product_uom": self.product_a.uom_id.id,
                    "product_uom_qty": 1.0,
                    "location_id": out.default_location_src_id.id,
                    "location_dest_id": self.env.ref(
                        "stock.stock_location_customers"
                    ).id,
                    "picking_type_id": out.id,
                    "group_id": group.id,
                }
                for group in groups
            ]
        )

    def _assignment(self, batched):
        """Moves of four procurement groups put into pickings by Odoo's own
        ``_assign_picking`` or by the batch: two moves of one group, one move of a
        group that has an open picking already, one move of each other group.
        Returns the moves and that open picking."""
        out = self.warehouse.out_type_id
        groups = self.env["procurement.group"].create(
            [{"name": f"G{i}", "partner_id": self.customer.id} for i in range(4)]
        )

        def vals(group, product, qty):
            return {
                "name": "move",
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": qty,
                "location_id": out.default_location_src_id.id,
                "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                "picking_type_id": out.id,
                "group_id": group.id,
                "partner_id": self.customer.id,
                "origin": group.name,
            }

        Move = self.env["stock.move"]
        open_move = Move.create(vals(groups[3], self.product_a, 1.0))
        open_move._assign_picking()
        moves = Move.create(
            [
                vals(groups[0], self.product_a, 1.0),
                vals(groups[0], self.product_b, 2.0),
                vals(groups[1], self.product_a, 1.0),
                vals(groups[2], self.product_b, 1.0),
                vals(groups[3], self.product_b, 3.0),
            ]
        )
        if batched:
            moves = moves.with_context(omni_mail_batch=True)
        moves._assign_picking()
        return moves.with_context(omni_mail_batch=False), open_move.picking_id

    def _assignment_result(self, moves, open_picking):
        pickings = moves.picking_id
        self.env.flush_all()
        return [
            (
                pickings.ids.index(move.picking_id.id),
                move.picking_id == open_picking,
                move.picking_id.group_id == move.group_id,
                move.picking_id.picking_type_id,
                move.picking_id.location_id,
                move.picking_id.location_dest_id,
                move.picking_id.partner_id,
                move.picking_id.origin,
                move.picking_id.company_id,
                move.picking_id.move_type,
                move.picking_id.state,
                len(move.picking_id.move_ids),
                len(move.picking_id.message_ids),
            )
            for move in moves
        ]

    def test_same_pickings_as_odoo(self):
        """The batch puts the moves into the pickings Odoo's ``_assign_picking``
        puts them in, with the same values."""
        plain = self._assignment_result(*self._assignment(batched=False))
        batched = self._assignment_result(*self._assignment(batched=True))
        self.assertEqual(batched, plain)
        # the scenario: 3 new pickings, one of them with 2 moves, and the open one
        self.assertEqual(
            [row[:2] for row in plain],
            [(0, False), (0, False), (1, False), (2, False), (3, True)],
        )

    def test_batch_assignment_costs_fewer_statements(self):
        """One search and one create for the batch instead of one per group."""
        plain, batched = self._draft_moves(6), self._draft_moves(6)
        # the first assignment fills Odoo's caches: not part of the comparison
        self._draft_moves(2)._assign_picking()
        self.env.flush_all()

        def statements(moves):
            before = self.env.cr.sql_log_count
            moves._assign_picking()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        plain_count = statements(plain)
        batched_count = statements(batched.with_context(omni_mail_batch=True))
        self.assertEqual(len(batched.picking_id), 6)
        self.assertEqual(
            [m.picking_id.group_id for m in batched], [m.group_id for m in batched]
        )
        self.assertLess(batched_count, plain_count, (batched_count, plain_count))

    def test_moves_join_the_open_picking_of_their_group(self):
        orders = self.create_order() | self.create_order()
        orders.action_confirm()
        pickings = orders.picking_ids
        self.assertEqual(len(pickings), 2)
        moves = self.env["stock.move"]
        for picking in pickings:
            moves |= self.env["stock.move"].create(
                {
                    "name": "extra",
                    "product_id": self.product_a.id,
                    "product_uom_qty": 1.0,
                    "product_uom": self.product_a.uom_id.id,
                    "location_id": picking.location_id.id,
                    "location_dest_id": picking.location_dest_id.id,
                    "picking_type_id": picking.picking_type_id.id,
                    "group_id": picking.group_id.id,
                    "partner_id": picking.partner_id.id,
                }
            )
        moves.with_context(omni_mail_batch=True)._assign_picking()
        for move, picking in zip(moves, pickings, strict=True):
            self.assertEqual(move.picking_id, picking)
        self.assertEqual(orders.picking_ids, pickings, "no new picking")

    def test_negative_move_gets_no_picking(self):
        group = self.env["procurement.group"].create({"name": "NEG"})
        other = self.env["procurement.group"].create({"name": "POS"})
        out = self.warehouse.out_type_id
        common = {
            "product_id": self.product_a.id,
            "product_uom": self.product_a.uom_id.id,
            "location_id": out.default_location_src_id.id,
            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
            "picking_type_id": out.id,
        }
        negative = self.env["stock.move"].create(
            {
                "name": "negative",
                "product_uom_qty": -1.0,
                "group_id": group.id,
                **common,
            }
        )
        positive = self.env["stock.move"].create(
            {"name": "positive", "product_uom_qty": 1.0, "group_id": other.id, **common}
        )
        (negative | positive).with_context(omni_mail_batch=True)._assign_picking()
        self.assertFalse(negative.picking_id)
        self.assertTrue(positive.picking_id)
        self.assertEqual(positive.picking_id.group_id, other)
