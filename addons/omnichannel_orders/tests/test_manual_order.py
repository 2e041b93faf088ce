import base64

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import OmniCommon

PROOF = base64.b64encode(b"%PDF-1.4 bank transfer slip")


@tagged("post_install", "-at_install")
class TestManualOrder(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="desk_manual",
            groups="omnichannel_orders.group_order_desk_user",
        )
        cls.manual = cls._create_channel(
            "Phone & e-mail", "MAN", channel_type="manual", invoice_policy="manual"
        )
        cls.manual_proof = cls._create_channel(
            "B2B desk", "B2B", channel_type="manual", require_payment_proof=True
        )
        cls.business.email = "buyer@acme.example.com"

    def _wizard(self, **context):
        env = self.env(user=self.user, context=dict(self.env.context, **context))
        return Form(env["omni.manual.order"])

    def _fill(self, channel, customer_type="b2b", partner=None, remark=None):
        """Walk the first three steps; return the wizard on the payment step."""
        form = self._wizard()
        form.channel_id = channel
        form.customer_type = customer_type
        if remark:
            form.remark = remark
        wizard = form.save()
        wizard.action_next()
        with Form(wizard) as form:
            form.partner_id = partner or self.business
        wizard.action_next()
        with Form(wizard) as form:
            form.product_ids.add(self.product_a)
            form.product_ids.add(self.product_b)
            self.assertEqual(len(form.line_ids), 2)
            with form.line_ids.edit(0) as line:
                line.quantity = 3
        wizard.action_next()
        self.assertEqual(wizard.step, "payment")
        return wizard

    def test_b2b_order_in_four_steps(self):
        wizard = self._fill(self.manual_proof)
        self.assertEqual(wizard.line_ids.product_id, self.product_a | self.product_b)
        self.assertEqual(wizard.amount_untaxed, 3 * 25.0 + 59.0)
        with Form(wizard) as form:
            form.payment_method = "bank_transfer"
            form.payment_reference = "TRX-778"
            form.payment_proof = PROOF
        wizard.payment_proof_filename = "slip.pdf"  # set by the upload widget
        action = wizard.action_confirm()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.lifecycle_state, "confirmed")
        self.assertEqual(order.channel_id, self.manual_proof)
        self.assertEqual(order.customer_type, "b2b")
        self.assertEqual(order.channel_payment_method, "Bank transfer - TRX-778")
        self.assertEqual(
            order.order_line.mapped("product_uom_qty"), [3.0, 1.0], "quantities kept"
        )
        # the proof is an attachment of the order
        proof = order.payment_proof_attachment_id
        self.assertEqual(proof.name, "slip.pdf")
        self.assertEqual((proof.res_model, proof.res_id), ("sale.order", order.id))
        self.assertEqual(order.payment_proof, proof.datas)
        # handed over to the warehouse
        self.assertEqual(order.picking_ids.picking_type_code, "outgoing")
        self.assertEqual(order.picking_ids.location_id, self.warehouse.lot_stock_id)
        # the customer got the confirmation with the order details
        mail = order.message_ids.filtered(
            lambda m: m.subject and "order confirmation" in m.subject
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(order.name, mail.subject)
        self.assertIn(self.business, mail.partner_ids)
        self.assertIn("Ceramic mug", mail.body)
        self.assertIn("Cotton T-shirt (M)", mail.body)

    def test_proof_required_to_confirm(self):
        wizard = self._fill(self.manual_proof)
        with self.assertRaisesRegex(UserError, "requires a payment proof"):
            wizard.action_confirm()
        self.assertFalse(
            self.env["sale.order"].search([("channel_id", "=", self.manual_proof.id)])
        )
        # saved as buffered, it cannot be confirmed from the order either
        action = wizard.action_save_buffered()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.lifecycle_state, "buffered")
        with self.assertRaisesRegex(UserError, "without a payment proof"):
            order.with_user(self.user).action_confirm()
        # until a proof is uploaded on the order
        with Form(order.with_user(self.user)) as form:
            form.payment_proof = PROOF
        order.payment_proof_filename = "receipt.png"  # set by the upload widget
        self.assertEqual(order.payment_proof_attachment_id.name, "receipt.png")
        order.with_user(self.user).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_proof_optional_by_channel(self):
        wizard = self._fill(self.manual)
        order = self.env["sale.order"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.payment_proof_attachment_id)

    def test_b2c_needs_a_remark(self):
        form = self._wizard()
        form.channel_id = self.manual
        form.customer_type = "b2c"
        form.remark = " "
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "needs a remark"):
            wizard.action_next()
        self.assertEqual(wizard.step, "general")

    def test_b2c_editable_prices(self):
        wizard = self._fill(
            self.manual,
            customer_type="b2c",
            partner=self.customer,
            remark="Replacement of a broken mug",
        )
        wizard.action_back()
        with Form(wizard) as form:
            with form.line_ids.edit(0) as line:
                line.price_unit = 0.0  # a free replacement
        wizard.action_next()
        order = self.env["sale.order"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(order.customer_type, "b2c")
        self.assertEqual(order.manual_remark, "Replacement of a broken mug")
        line = order.order_line.filtered(lambda ln: ln.product_id == self.product_a)
        self.assertEqual(line.price_unit, 0.0)
        self.assertEqual(order.amount_untaxed, 59.0)

    def test_b2b_prices_come_from_the_catalogue(self):
        wizard = self._fill(self.manual)
        wizard.line_ids[0].price_unit = 1.0  # not editable in B2B: ignored
        order = self.env["sale.order"].browse(wizard.action_save_buffered()["res_id"])
        line = order.order_line.filtered(lambda ln: ln.product_id == self.product_a)
        self.assertEqual(line.price_unit, 25.0)

    def test_wrong_quantities_and_prices(self):
        wizard = self._fill(
            self.manual, customer_type="b2c", partner=self.customer, remark="Goodwill"
        )
        with (
            self.assertRaisesRegex(ValidationError, "cannot be negative"),
            self.env.cr.savepoint(),
        ):
            wizard.line_ids[0].price_unit = -5.0
        with (
            self.assertRaisesRegex(ValidationError, "must be positive"),
            self.env.cr.savepoint(),
        ):
            wizard.line_ids[1].quantity = 0.0
        wizard.action_back()
        with Form(wizard) as form:
            form.product_ids.clear()
            self.assertFalse(form.line_ids)
        with self.assertRaisesRegex(UserError, "at least one product"):
            wizard.action_next()

    def test_new_customer_inline(self):
        form = self._wizard()
        form.channel_id = self.manual
        wizard = form.save()
        wizard.action_next()
        with self.assertRaisesRegex(UserError, "Choose the customer"):
            wizard.action_next()
        with Form(wizard) as form:
            form.new_customer = True
            form.partner_name = "Borneo Retail Sdn Bhd"
            form.partner_email = "orders@borneo.example.com"
            form.partner_city = "Kuching"
        wizard.action_next()
        with Form(wizard) as form:
            form.product_ids.add(self.product_a)
        wizard.action_next()
        order = self.env["sale.order"].browse(wizard.action_confirm()["res_id"])
        partner = order.partner_id
        self.assertEqual(partner.name, "Borneo Retail Sdn Bhd")
        self.assertTrue(partner.is_company)
        self.assertEqual(partner.city, "Kuching")
        self.assertIn(partner, order.message_ids.partner_ids)

    def test_editable_until_dispatch(self):
        wizard = self._fill(self.manual)
        order = self.env["sale.order"].browse(wizard.action_confirm()["res_id"])
        line = order.order_line.filtered(lambda ln: ln.product_id == self.product_a)
        with Form(order.with_user(self.user)) as form:
            with form.order_line.edit(0) as edit:
                edit.product_uom_qty = 5
        self.assertEqual(line.product_uom_qty, 5)
        move = order.picking_ids.move_ids.filtered(
            lambda m: m.product_id == self.product_a
        )
        self.assertEqual(move.product_uom_qty, 5, "the delivery follows the edit")
        # shipping updates show on the order
        order.write({"courier_name": "J&T Express", "tracking_ref": "JT0001"})
        self.assertEqual(order.desk_stage, "ready")
        self.deliver(order)
        order._create_invoices().action_post()
        self.assertEqual(order.lifecycle_state, "fulfilled")
        with self.assertRaisesRegex(UserError, "fulfilled"):
            order.order_line[0].product_uom_qty = 7

    def test_no_email_address(self):
        wizard = self._fill(self.manual, partner=self.customer.copy({"email": False}))
        order = self.env["sale.order"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(order.state, "sale")
        self.assertIn(
            "No order confirmation was e-mailed",
            "".join(order.message_ids.mapped("body")),
        )

    def test_desk_button_and_menu(self):
        view = self.env["sale.order"].get_views(
            [
                (
                    self.env.ref("omnichannel_orders.sale_order_view_list").id,
                    "list",
                )
            ]
        )
        arch = view["views"]["list"]["arch"]
        self.assertIn("New Manual Order", arch)
        menu = self.env.ref("omnichannel_orders.omni_manual_order_menu")
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids()
        )
