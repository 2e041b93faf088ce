from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import OmniCommon
from .tour_common import ScreenshotTourMixin

# Odoo's own flows on orders that do not use the order desk, and on channel orders
# once fulfilled. Tagged post_install: they run with every add-on of the suite that is
# installed in the database, as a seller's database has them.


class CoexistenceMixin:
    @classmethod
    def _plain_users(cls):
        """A salesperson with *Own Documents Only* rights who also delivers and
        invoices, and nothing of the order desk."""
        cls.salesman = new_test_user(
            cls.env,
            login="plain_salesman",
            name="Plain Salesman",
            groups=(
                "sales_team.group_sale_salesman,stock.group_stock_user,"
                "account.group_account_invoice"
            ),
        )

    def _form_spec(self, record, view_type="form"):
        """The fields the web client reads to show ``record`` in its default view
        (as the user of ``record.env``), sub-views included."""
        views = record.get_views([(False, view_type)])
        arch = etree.fromstring(views["views"][view_type]["arch"])
        spec = {}
        for node in arch.iter("field"):
            if not any(parent.tag == "field" for parent in node.iterancestors()):
                spec.setdefault(node.get("name"), {})
        return {name: value for name, value in spec.items() if name in record._fields}


@tagged("post_install", "-at_install")
class TestCoexistence(CoexistenceMixin, OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._plain_users()
        cls.product_a.invoice_policy = "delivery"

    def _plain_order(self):
        """A quotation of Odoo's own, no channel."""
        return self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_a.id, "product_uom_qty": 2}
                    ),
                    Command.create(
                        {"product_id": self.product_b.id, "product_uom_qty": 1}
                    ),
                ],
            }
        )

    def _plain_order_as_salesman(self):
        env = self.env(user=self.salesman)
        form = Form(env["sale.order"])
        form.partner_id = self.customer.with_env(env)
        with form.order_line.new() as line:
            line.product_id = self.product_a.with_env(env)
            line.product_uom_qty = 3
        return form.save()

    def _deliver_and_invoice(self, order):
        self.deliver(order)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_env(order.env)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "delivered"})
        )
        wizard.create_invoices()
        order.invoice_ids.action_post()
        self.assertEqual(order.invoice_status, "invoiced")

    def test_salesperson_creates_confirms_delivers_invoices(self):
        order = self._plain_order_as_salesman()
        self.assertFalse(order.sudo().channel_id)
        # the form, the list and the search view load for the salesperson
        for view_type in ("form", "list", "kanban"):
            spec = self._form_spec(order, view_type)
            self.assertIn("partner_id", spec)
            order.web_read(spec)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        picking = order.picking_ids
        picking.web_read(self._form_spec(picking))
        self._deliver_and_invoice(order)
        invoice = order.invoice_ids
        invoice.web_read(self._form_spec(invoice))
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, order.amount_untaxed)

    def test_salesperson_sees_no_order_desk_field(self):
        """Nothing of ours is shown on Odoo's forms to users outside our groups."""
        order = self._plain_order_as_salesman()
        ours = {
            name
            for name, field in self.env["sale.order"]._fields.items()
            if field._module
            in ("omnichannel_orders", "channel_connectors", "supplier_dropship")
        }
        self.assertTrue(ours)
        spec = self._form_spec(order)
        self.assertFalse(ours & set(spec), "order-desk fields on a salesperson's form")

    def test_salesperson_gets_odoos_quotation_form(self):
        """The order desk's form (lifecycle status bar, next step) is never the
        salesperson's: Odoo's form, its buttons and status bar as they are."""
        order = self._plain_order_as_salesman()
        desk_view = self.env.ref("omnichannel_orders.sale_order_view_form_desk")
        self.assertNotEqual(order.get_formview_id(), desk_view.id)
        views = order.get_views([(False, "form")])
        self.assertEqual(
            views["views"]["form"]["id"], self.env.ref("sale.view_order_form").id
        )
        arch = etree.fromstring(views["views"]["form"]["arch"])
        header = arch.find(".//header")
        buttons = {button.get("id") for button in header.iter("button")}
        self.assertTrue(
            {"send_by_email_primary", "action_confirm", "send_by_email"} <= buttons
        )
        statusbar = header.find("field[@widget='statusbar']")
        self.assertEqual(statusbar.get("name"), "state")
        self.assertEqual(statusbar.get("statusbar_visible"), "draft,sent,sale")
        pages = {page.get("name") for page in arch.iter("page")}
        self.assertIn("optional_products", pages)
        self.assertNotIn("omni_channel", pages)

    def test_down_payment_and_return_on_plain_fulfilled_order(self):
        order = self._plain_order()
        order.action_confirm()
        self._deliver_and_invoice(order)
        # a down payment on the delivered and invoiced order
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 10})
        )
        wizard.create_invoices()
        self.assertTrue(order.order_line.filtered("is_downpayment"))
        # a return of the delivered goods writes the quantity back
        self._return_all(order)
        line = order.order_line.filtered(lambda ol: ol.product_id == self.product_a)
        self.assertEqual(line.qty_delivered, 0.0)

    def _return_all(self, order, extra_product=None):
        delivery = order.picking_ids.filtered(lambda p: p.state == "done")
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=delivery.id, active_model="stock.picking"
            )
        ).save()
        for line in wizard.product_return_moves:
            line.quantity = line.move_id.quantity
        res = wizard.action_create_returns()
        returned = self.env["stock.picking"].browse(res["res_id"])
        if extra_product:
            # a product the buyer sent back that was not on the order
            self.env["stock.move"].create(
                {
                    "name": extra_product.name,
                    "product_id": extra_product.id,
                    "product_uom_qty": 1,
                    "product_uom": extra_product.uom_id.id,
                    "picking_id": returned.id,
                    "location_id": returned.location_id.id,
                    "location_dest_id": returned.location_dest_id.id,
                    "to_refund": True,
                }
            )
        for move in returned.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        return returned

    def test_channel_order_fulfilled_accepts_odoo_flows(self):
        """A fulfilled channel order stays locked for edits, but takes down
        payments, returns (with their written-back lines), credit notes and
        cancellation of what Odoo cancels."""
        order = self.create_order()
        order.action_confirm()
        self.deliver(order)
        if not order.invoice_ids:
            self._deliver_and_invoice_rest(order)
        self.assertEqual(order.lifecycle_state, "fulfilled")
        with self.assertRaisesRegex(UserError, "Returns, credit notes"):
            order.order_line[0].product_uom_qty = 9
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            order.write(
                {"order_line": [Command.create({"product_id": self.product_b.id})]}
            )
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "fixed", "fixed_amount": 5})
        )
        wizard.create_invoices()
        self.assertTrue(order.order_line.filtered("is_downpayment"))
        extra = self._create_product("Spare lid", "LID", 4.0)
        self._return_all(order, extra_product=extra)
        self.assertEqual(
            order.order_line.filtered(lambda ol: ol.product_id == extra).qty_delivered,
            -1.0,
        )
        # a credit note of the invoice
        invoice = order.invoice_ids.filtered(
            lambda m: m.state == "posted" and m.move_type == "out_invoice"
        )[:1]
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        )
        reversal.refund_moves()
        self.assertTrue(
            order.invoice_ids.filtered(lambda m: m.move_type == "out_refund")
        )

    def _deliver_and_invoice_rest(self, order):
        order._create_invoices()
        order.invoice_ids.action_post()

    def test_warehouse_validates_channel_order_it_cannot_read(self):
        """A warehouse manager who is an *own documents* salesperson validates the
        delivery of someone else's channel order (as Odoo's own
        ``test_inventory_admin_no_backorder_not_own_sale_order`` does for a plain
        one): the delivery is done, the history written, the invoice posted."""
        warehouse_user = new_test_user(
            self.env,
            login="plain_warehouse",
            groups="stock.group_stock_manager,sales_team.group_sale_salesman",
        )
        channel = self._create_channel("B2C shop", "B2C", invoice_policy="dispatch")
        order = self.create_order(channel=channel, user_id=self.env.uid)
        order.action_confirm()
        picking = order.picking_ids.with_user(warehouse_user)
        with self.assertRaises(AccessError):
            order.with_user(warehouse_user).check_access("read")
        picking.move_ids.write({"quantity": 2, "picked": True})
        picking.move_ids.filtered(lambda m: m.product_id == self.product_b).quantity = 1
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertEqual(order.invoice_ids.state, "posted")
        self.assertTrue(
            order.omni_event_ids.filtered(lambda e: e.event_type == "picking")
        )

    def test_plain_confirmed_order_can_be_cancelled_and_edited(self):
        order = self._plain_order()
        order.order_line[0].product_uom_qty = 4
        order.action_confirm()
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        order.action_draft()
        order.order_line[0].price_unit = 30.0
        self.assertEqual(order.order_line[0].price_unit, 30.0)


@tagged("post_install", "-at_install")
class TestCoexistenceHttp(ScreenshotTourMixin, CoexistenceMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._plain_users()
        cls.portal = new_test_user(
            cls.env,
            login="plain_portal",
            name="Portal Buyer",
            groups="base.group_portal",
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Desk lamp",
                "type": "consu",
                "is_storable": True,
                "list_price": 40,
            }
        )
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, warehouse.lot_stock_id, 10
        )
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.portal.partner_id.id,
                "user_id": cls.salesman.id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": 2})
                ],
            }
        )
        cls.order.action_confirm()

    def test_portal_user_opens_order_and_delivery(self):
        self.authenticate("plain_portal", "plain_portal")
        response = self.url_open(f"/my/orders/{self.order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.order.name, response.text)
        picking = self.order.picking_ids
        self.assertIn(f"/my/picking/pdf/{picking.id}", response.text)
        response = self.url_open(f"/my/picking/pdf/{picking.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(picking.name, response.text)
        response = self.url_open("/my/orders")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.order.name, response.text)

    def test_portal_user_opens_channel_order_and_delivery(self):
        """The same for an order that came from a channel, once delivered."""
        channel = self.env["omni.channel"].create(
            {"name": "Web shop", "code": "WEB", "channel_type": "eshop"}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.portal.partner_id.id,
                "channel_id": channel.id,
                "channel_order_ref": "WEB-1001",
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = 1
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.authenticate("plain_portal", "plain_portal")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(order.name, response.text)
        response = self.url_open(f"/my/picking/pdf/{picking.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(picking.name, response.text)

    def test_salesperson_web_client(self):
        """The quotation form in the browser for a salesperson without the order
        desk: it opens, and the order is confirmed from it."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Walk-in"}).id,
                "user_id": self.salesman.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        self._start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
            "omni_plain_salesperson_tour",
            "omni_plain_quotation_salesperson_form",
            login="plain_salesman",
        )
        self.assertEqual(order.state, "sale")
        self.assertTrue(self.screenshots and self.screenshots[0].is_file())
