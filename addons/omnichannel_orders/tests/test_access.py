from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import OmniCommon

USER = "omnichannel_orders.group_order_desk_user"
MANAGER = "omnichannel_orders.group_order_desk_manager"


@tagged("post_install", "-at_install")
class TestAccessRights(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="desk_user", groups=USER)
        cls.manager = new_test_user(cls.env, login="desk_manager", groups=MANAGER)
        cls.order = cls.create_order(cls)
        cls.order._omni_log_event("sync", "Imported")
        cls.mapping = cls.env["omni.channel.product"].create(
            {
                "channel_id": cls.channel.id,
                "channel_sku": "LZ-MUG",
                "product_id": cls.product_a.id,
            }
        )

    def test_user_reads_orders_channels_events(self):
        env = self.env(user=self.user)
        orders = env["sale.order"].search([("channel_id", "=", self.channel.id)])
        self.assertIn(self.order, orders)
        values = orders.filtered(lambda o: o == self.order).read(
            ["channel_id", "channel_order_ref", "lifecycle_state", "desk_stage"]
        )[0]
        self.assertEqual(values["channel_id"][0], self.channel.id)
        self.assertEqual(values["lifecycle_state"], "buffered")
        channel = env["omni.channel"].browse(self.channel.id)
        self.assertEqual(channel.name, "Lazada MY")
        self.assertEqual(channel.dashboard_to_process_count, 1)
        events = env["omni.order.event"].search([("order_id", "=", self.order.id)])
        self.assertEqual(events.mapped("note"), ["Imported"])
        self.assertEqual(
            env["omni.channel.product"].search([("channel_sku", "=", "LZ-MUG")]),
            self.mapping,
        )

    def test_user_cannot_manage_channels(self):
        Channel = self.env["omni.channel"].with_user(self.user)
        with self.assertRaises(AccessError):
            Channel.create({"name": "Rogue channel", "code": "ROGUE"})
        with self.assertRaises(AccessError):
            self.channel.with_user(self.user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.channel.with_user(self.user).unlink()
        with self.assertRaises(AccessError):
            self.env["omni.order.event"].with_user(self.user).create(
                {"order_id": self.order.id, "event_type": "sync", "note": "forged"}
            )

    def test_manager_manages_channels(self):
        Channel = self.env["omni.channel"].with_user(self.manager)
        channel = Channel.create(
            {"name": "Website", "code": "WEB", "channel_type": "eshop"}
        )
        channel.write({"processing_policy": "touchless", "sequence": 5})
        self.assertEqual(channel.processing_policy, "touchless")
        self.channel.with_user(self.manager).write({"name": "Lazada Malaysia"})
        self.assertEqual(self.channel.name, "Lazada Malaysia")
        channel.unlink()
        self.assertFalse(channel.exists())

    def test_menus_by_group(self):
        Menu = self.env["ir.ui.menu"]
        dashboard = self.env.ref("omnichannel_orders.omni_channel_menu_dashboard")
        export = self.env.ref("omnichannel_orders.omni_order_export_menu")
        config = self.env.ref("omnichannel_orders.menu_order_desk_config")
        visible = Menu.with_user(self.user)._visible_menu_ids()
        self.assertIn(dashboard.id, visible)
        self.assertIn(export.id, visible)
        self.assertNotIn(config.id, visible)
        self.assertIn(config.id, Menu.with_user(self.manager)._visible_menu_ids())


@tagged("post_install", "-at_install")
class TestMultiCompany(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.company
        cls.company_b = cls.env["res.company"].create({"name": "Omni Company B"})
        cls.warehouse_b = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_b.id)], limit=1
        )
        env_b = cls.env(
            context=dict(cls.env.context, allowed_company_ids=[cls.company_b.id])
        )
        cls.channel_b = env_b["omni.channel"].create(
            {
                "name": "Shopee SG",
                "code": "SP-SG",
                "company_id": cls.company_b.id,
                "warehouse_id": cls.warehouse_b.id,
            }
        )
        cls.order_a = cls.create_order(cls)
        cls.order_b = env_b["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "company_id": cls.company_b.id,
                "channel_id": cls.channel_b.id,
                "channel_order_ref": "SG-0001",
                "warehouse_id": cls.warehouse_b.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product_a.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        (cls.order_a | cls.order_b)._omni_log_event("sync", "Imported")
        cls.mapping_a, cls.mapping_b = cls.env["omni.channel.product"].create(
            [
                {
                    "channel_id": cls.channel.id,
                    "channel_sku": "MUG",
                    "product_id": cls.product_a.id,
                },
                {
                    "channel_id": cls.channel_b.id,
                    "channel_sku": "MUG",
                    "product_id": cls.product_a.id,
                },
            ]
        )
        cls.user_a = new_test_user(
            cls.env,
            login="desk_user_a",
            groups=USER,
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.manager_a = new_test_user(
            cls.env,
            login="desk_manager_a",
            groups=MANAGER,
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.user_ab = new_test_user(
            cls.env,
            login="desk_user_ab",
            groups=USER,
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )

    def _records(self, user, company_ids=None):
        env = self.env(user=user)
        if company_ids:
            env = env(context=dict(env.context, allowed_company_ids=company_ids))
        return {
            "channels": env["omni.channel"].search([]),
            "orders": env["sale.order"].search([]),
            "events": env["omni.order.event"].search([]),
            "mappings": env["omni.channel.product"].search([]),
        }

    def test_rules_exist(self):
        for xmlid in (
            "omnichannel_orders.omni_channel_rule_company",
            "omnichannel_orders.omni_channel_product_rule_company",
            "omnichannel_orders.omni_order_event_rule_company",
            "sale.sale_order_comp_rule",
        ):
            rule = self.env.ref(xmlid)
            self.assertTrue(rule.active, xmlid)
            self.assertFalse(rule.groups, f"{xmlid} applies to everyone")
            self.assertIn("company_ids", rule.domain_force, xmlid)

    def test_company_b_invisible_to_user_of_company_a(self):
        for user in (self.user_a, self.manager_a):
            records = self._records(user)
            self.assertIn(self.channel, records["channels"])
            self.assertNotIn(self.channel_b, records["channels"])
            self.assertIn(self.order_a, records["orders"])
            self.assertNotIn(self.order_b, records["orders"])
            self.assertIn(self.order_a, records["events"].order_id)
            self.assertNotIn(self.order_b, records["events"].sudo().order_id)
            self.assertIn(self.mapping_a, records["mappings"])
            self.assertNotIn(self.mapping_b, records["mappings"])
            env = self.env(user=user)
            with self.assertRaises(AccessError):
                env["omni.channel"].browse(self.channel_b.id).read(["name"])
            with self.assertRaises(AccessError):
                env["sale.order"].browse(self.order_b.id).read(["name"])
            with self.assertRaises(AccessError):
                env["omni.channel.product"].browse(self.mapping_b.id).read(
                    ["channel_sku"]
                )
            events_b = self.order_b.omni_event_ids
            self.assertTrue(events_b)
            with self.assertRaises(AccessError):
                env["omni.order.event"].browse(events_b.ids).read(["note"])

    def test_manager_of_company_a_cannot_touch_company_b(self):
        channel_b = self.channel_b.with_user(self.manager_a)
        with self.assertRaises(AccessError):
            channel_b.write({"name": "Hijacked"})
        with self.assertRaises(AccessError):
            channel_b.unlink()

    def test_user_of_both_companies(self):
        both = (self.company_a | self.company_b).ids
        records = self._records(self.user_ab, both)
        self.assertIn(self.channel_b, records["channels"])
        self.assertIn(self.order_b, records["orders"])
        self.assertIn(self.order_b, records["events"].order_id)
        self.assertIn(self.mapping_b, records["mappings"])
        # only the companies selected in the switcher count
        records = self._records(self.user_ab, self.company_a.ids)
        self.assertNotIn(self.channel_b, records["channels"])
        self.assertNotIn(self.order_b, records["orders"])

    def test_dashboard_and_export_stay_in_company(self):
        env = self.env(user=self.user_a)
        channels = env["omni.channel"].search([])
        self.assertEqual(channels.mapped("dashboard_to_process_count"), [1, 0])
        wizard = env["omni.order.export"].create({})
        self.assertEqual(wizard.order_count, 1)
        wizard.action_export()
        content = wizard.attachment_id.raw.decode("utf-8-sig")
        self.assertIn(self.order_a.name, content)
        self.assertNotIn(self.order_b.name, content)
