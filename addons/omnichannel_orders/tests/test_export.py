import csv
import io
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..wizards import omni_order_export
from .common import OmniCommon

HEADER = [
    "Order Number",
    "Channel",
    "Channel Order Number",
    "Order Date",
    "Lifecycle",
    "Desk Status",
    "Channel Status",
    "Tracking Number",
    "Products",
    "Quantity",
    "Odoo Total",
    "Channel Total",
    "Difference",
    "Currency",
]


class ExportCommon(OmniCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.now = fields.Datetime.now()
        cls.user = new_test_user(
            cls.env,
            login="desk_export_user",
            groups="omnichannel_orders.group_order_desk_user",
            tz="UTC",
        )

    def _order(self, days_ago=0, **vals):
        order = self.create_order(**vals)
        order.date_order = self.now - timedelta(days=days_ago)
        return order

    def _export(self, wizard):
        action = wizard.action_export()
        attachment = wizard.attachment_id
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(action["url"], f"/web/content/{attachment.id}?download=true")
        self.assertEqual(attachment.mimetype, "text/csv")
        return attachment

    def _rows(self, raw):
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], HEADER)
        return {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}


@tagged("post_install", "-at_install")
class TestExport(ExportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Export = cls.env["omni.order.export"]

    def test_last_90_days_content(self):
        recent = self._order(
            days_ago=2,
            channel_status="Chờ lấy hàng",
            tracking_ref="MY123456789",
            channel_amount_total=100.0,
        )
        recent.order_line[0].product_uom_qty = 3
        buffered = self._order(days_ago=89, lines=[(self.product_a, 1, 25.0)])
        manual = self.env["sale.order"].create(
            {"partner_id": self.business.id, "date_order": self.now}
        )
        old = self._order(days_ago=120)

        wizard = self.Export.create({})
        self.assertEqual(wizard.scope, "period")
        self.assertEqual(
            wizard.date_from,
            fields.Date.context_today(wizard) - timedelta(days=90),
        )
        self.assertEqual(wizard.order_count, 3)
        rows = self._rows(self._export(wizard).raw)
        self.assertEqual(set(rows), {recent.name, buffered.name, manual.name})
        self.assertNotIn(old.name, rows)

        row = rows[recent.name]
        self.assertEqual(row["Channel"], "Lazada MY")
        self.assertEqual(row["Channel Order Number"], recent.channel_order_ref)
        self.assertEqual(
            row["Order Date"], recent.date_order.strftime("%Y-%m-%d %H:%M:%S")
        )
        self.assertEqual(row["Lifecycle"], "Buffered")
        self.assertEqual(row["Desk Status"], "Ordered")
        self.assertEqual(row["Channel Status"], "Chờ lấy hàng")
        self.assertEqual(row["Tracking Number"], "MY123456789")
        self.assertEqual(row["Products"], "2")
        self.assertEqual(row["Quantity"], "4")
        self.assertEqual(row["Odoo Total"], f"{recent.amount_total:.2f}")
        self.assertEqual(row["Channel Total"], "100.00")
        self.assertEqual(row["Difference"], f"{recent.amount_total - 100.0:.2f}")
        self.assertEqual(row["Currency"], recent.currency_id.name)

        row = rows[manual.name]
        self.assertEqual(row["Channel"], "")
        self.assertEqual(row["Products"], "0")
        self.assertEqual(row["Channel Total"], "")
        self.assertEqual(row["Difference"], "")

        # a confirmed order shows its new state
        recent.action_confirm()
        recent.date_order = self.now - timedelta(days=2)
        rows = self._rows(self._export(self.Export.create({})).raw)
        self.assertEqual(rows[recent.name]["Lifecycle"], "Confirmed")

    def test_period_and_channels(self):
        lazada = self._order(days_ago=10)
        shopee = self._order(days_ago=10, channel=self.channel_touchless)
        self._order(days_ago=40)
        today = fields.Date.context_today(self.channel)
        wizard = self.Export.create(
            {
                "date_from": today - timedelta(days=20),
                "date_to": today,
                "channel_ids": [fields.Command.set(self.channel.ids)],
            }
        )
        self.assertEqual(set(self._rows(self._export(wizard).raw)), {lazada.name})
        wizard.channel_ids = False
        self.assertEqual(
            set(self._rows(self._export(wizard).raw)), {lazada.name, shopee.name}
        )
        with self.assertRaises(UserError):
            self.Export.create({"date_from": today, "date_to": today - timedelta(1)})

    def test_selection_and_filter(self):
        first, second, third = self._order(), self._order(), self._order()
        old = self._order(days_ago=365)
        context = {
            "active_model": "sale.order",
            "active_ids": (first | old).ids,
            "active_domain": [("id", "in", (second | third).ids)],
        }
        wizard = self.Export.with_context(**context).create({})
        self.assertEqual(wizard.scope, "selection")
        self.assertEqual(wizard.order_count, 2)
        self.assertEqual(
            set(self._rows(self._export(wizard).raw)), {first.name, old.name}
        )
        wizard.scope = "domain"
        self.assertEqual(wizard.order_count, 2)
        self.assertEqual(
            set(self._rows(self._export(wizard).raw)), {second.name, third.name}
        )
        wizard.domain = f"[('channel_order_ref', '=', '{third.channel_order_ref}')]"
        self.assertEqual(set(self._rows(self._export(wizard).raw)), {third.name})

    def test_batches(self):
        orders = self.env["sale.order"]
        for _i in range(5):
            orders |= self._order()
        wizard = self.Export.create({})
        with patch.object(omni_order_export, "EXPORT_BATCH", 2):
            rows = self._rows(self._export(wizard).raw)
        self.assertEqual(set(rows), set(orders.mapped("name")))

    def test_nothing_to_export(self):
        self._order(days_ago=200)
        with self.assertRaisesRegex(UserError, "no order to download"):
            self.Export.create({}).action_export()

    def test_order_desk_user_exports_and_file_goes_with_wizard(self):
        order = self._order()
        wizard = self.Export.with_user(self.user).create({})
        attachment = self._export(wizard)
        self.assertIn(order.name, self._rows(attachment.raw))
        self.assertEqual(attachment.res_model, "omni.order.export")
        wizard.unlink()
        self.assertFalse(attachment.exists())

    def test_list_action_binding(self):
        action = self.env.ref("omnichannel_orders.omni_order_export_action")
        self.assertEqual(action.binding_model_id.model, "sale.order")
        bindings = self.env["ir.actions.actions"].with_user(self.user)
        bindings = bindings.get_bindings("sale.order")["action"]
        self.assertIn(action.id, [binding["id"] for binding in bindings])
        salesman = new_test_user(
            self.env, login="plain_salesman", groups="sales_team.group_sale_salesman"
        )
        bindings = self.env["ir.actions.actions"].with_user(salesman)
        bindings = bindings.get_bindings("sale.order")["action"]
        self.assertNotIn(action.id, [binding["id"] for binding in bindings])


@tagged("post_install", "-at_install")
class TestExportDownload(HttpCase, ExportCommon):
    def test_download_through_web_content(self):
        order = self._order(channel_status="Đã giao hàng")
        wizard = self.env["omni.order.export"].with_user(self.user).create({})
        action = wizard.action_export()
        self.authenticate("desk_export_user", "desk_export_user")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        rows = self._rows(response.content)
        self.assertEqual(rows[order.name]["Channel Status"], "Đã giao hàng")
