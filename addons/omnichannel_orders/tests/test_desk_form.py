"""The order desk's form: which orders it shows as channel orders, their next
step without a connector, the channel status label, and who gets it."""

from lxml import etree

from odoo.tests import new_test_user, tagged

from .common import OmniCommon


@tagged("post_install", "-at_install")
class TestDeskForm(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.desk_user = new_test_user(
            cls.env,
            login="desk_form_user",
            groups="omnichannel_orders.group_order_desk_user",
        )
        cls.phone = cls._create_channel("Phone", "PHONE", channel_type="manual")
        cls.quote_tool = cls._create_channel("Quotes", "QUOTE", channel_type="quote")
        cls.desk_view = cls.env.ref("omnichannel_orders.sale_order_view_form_desk")

    def test_channel_orders_use_the_channel_form(self):
        marketplace = self.create_order()
        manual_b2c = self.create_order(channel=self.phone)
        manual_b2b = self.create_order(channel=self.phone, partner=self.business)
        quote = self.create_order(channel=self.quote_tool, partner=self.business)
        plain = self.create_order(channel=self.channel, channel_id=False)
        self.assertTrue(marketplace.omni_channel_form)
        self.assertTrue(manual_b2c.omni_channel_form)
        # quotes sent to customers stay quotations
        self.assertFalse(manual_b2b.omni_channel_form)
        self.assertFalse(quote.omni_channel_form)
        self.assertFalse(plain.omni_channel_form)
        self.assertEqual(
            (manual_b2b | quote | plain).mapped("omni_next_action"), ["none"] * 3
        )

    def test_next_step_without_connector(self):
        order = self.create_order()
        self.assertEqual(order.lifecycle_state, "buffered")
        self.assertEqual(order.omni_next_action, "confirm")
        order.action_confirm()
        self.assertEqual(order.omni_next_action, "none")

    def test_status_label_without_adapter_is_the_code(self):
        order = self.create_order(channel_status="AWAITING_COLLECTION")
        self.assertEqual(order.channel_status_label, "AWAITING_COLLECTION")
        self.assertFalse(self.create_order().channel_status_label)

    def test_desk_users_open_channel_orders_in_the_desk_form(self):
        order = self.create_order()
        plain = self.create_order(channel_id=False, channel_order_ref=False)
        desk_env = self.env(user=self.desk_user)
        self.assertEqual(order.with_env(desk_env).get_formview_id(), self.desk_view.id)
        self.assertNotEqual(
            plain.with_env(desk_env).get_formview_id(), self.desk_view.id
        )
        # a salesperson outside the order desk gets Odoo's form
        salesman = new_test_user(
            self.env,
            login="desk_form_salesman",
            groups="sales_team.group_sale_salesman",
        )
        self.assertNotEqual(
            order.get_formview_id(access_uid=salesman.id), self.desk_view.id
        )

    def test_desk_form_arch(self):
        """The desk form: the lifecycle status bar and the channel header for
        channel orders, Odoo's quotation buttons for the others."""
        views = (
            self.env["sale.order"]
            .with_user(self.desk_user)
            .get_views([(self.desk_view.id, "form")])
        )
        arch = etree.fromstring(views["views"]["form"]["arch"])
        header = arch.find(".//header")
        statusbars = {
            node.get("name"): node.get("invisible")
            for node in header.iter("field")
            if node.get("widget") == "statusbar"
        }
        self.assertEqual(statusbars["lifecycle_state"], "not omni_channel_form")
        self.assertIn("omni_channel_form", statusbars["state"])
        buttons = {
            button.get("id"): button.get("invisible") or ""
            for button in header.iter("button")
            if button.get("id")
        }
        for quotation_button in (
            "send_by_email_primary",
            "send_by_email",
            "action_confirm",
            "create_invoice",
        ):
            self.assertIn("omni_channel_form", buttons[quotation_button])
        self.assertEqual(buttons["omni_next_confirm"], "omni_next_action != 'confirm'")
        pages = {page.get("name"): page.get("invisible") for page in arch.iter("page")}
        self.assertIn("omni_channel_form", pages["optional_products"])
        if "pdf_quote_builder" in pages:
            self.assertIn("omni_channel_form", pages["pdf_quote_builder"])
        self.assertTrue(arch.find(".//group[@name='omni_channel_header']") is not None)
