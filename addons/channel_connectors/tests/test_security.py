"""Who gets in where: webhook signatures (missing, forged, replayed, stale),
secrets hidden from the order desk (ORM, RPC, views), multi-company isolation,
and what public and portal users get from the connector's controllers."""

import time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_lazada import APP_KEY, SECRET, LazadaCommon, LazadaWebhookCommon

SECRETS = (
    "app_key",
    "app_secret",
    "access_token",
    "refresh_token",
    "shop_cipher",
    "webhook_token",
    "webhook_url",
    "token_expires_at",
)


@tagged("post_install", "-at_install")
class TestWebhookSecurity(LazadaWebhookCommon):
    def post(self, body, signature=None, path=None):
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Authorization"] = signature
        return self.url_open(path or self.webhook_path(), data=body, headers=headers)

    def webhook_logs(self):
        return self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("direction", "=", "webhook")]
        )

    def test_missing_forged_replayed_stale(self):
        order_id = self.order_in_status("pending")
        body = self.push_body(order_id)
        before = self.import_jobs()
        cases = {
            "missing": self.post(body),
            "forged": self.post(body, "ab" * 32),
            "wrong secret": self.post(body, self.sign(body, "not-the-secret")),
            "other body": self.post(body, self.sign(self.push_body("1"))),
        }
        for name, resp in cases.items():
            self.assertEqual(resp.status_code, 401, name)
        self.assertEqual(self.import_jobs(), before, "nothing enqueued")
        rejected = self.webhook_logs().filtered(lambda log: log.state == "failed")
        self.assertEqual(len(rejected), len(cases), "each rejection logged")
        self.assertTrue(all(order_id in log.payload for log in rejected))
        # the valid push: accepted once
        resp = self.post(body, self.sign(body))
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(len(self.import_jobs() - before), 1)
        # the same push again (a replay, or a duplicate delivery): acknowledged,
        # logged, not processed again
        jobs = self.import_jobs()
        resp = self.post(body, self.sign(body))
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(self.import_jobs(), jobs)
        self.assertTrue(
            self.webhook_logs().filtered(lambda log: log.operation == "webhook/replay")
        )
        # an old push, validly signed: refused as stale
        old = self.push_body(order_id, sent_at=time.time() - 3 * 86400)
        resp = self.post(old, self.sign(old))
        self.assertEqual(resp.status_code, 401)
        self.assertEqual(self.import_jobs(), jobs)
        # a token of another channel, or none: no channel at all
        other = self.channel.copy({"name": "Other", "code": "OTHER"})
        resp = self.post(
            body,
            self.sign(body),
            path=f"/channel_connectors/webhook/{self.channel.id}/"
            f"{other.sudo().webhook_token}",
        )
        self.assertEqual(resp.status_code, 404)

    def test_pushes_stored_then_drained_by_one_job(self):
        """The request stores the push and finds or makes the channel's one
        drain job; the drain job enqueues the imports."""
        bodies = [
            self.push_body(order_id) for order_id in sorted(self.sim_orders())[:3]
        ]
        imports = self.import_jobs()
        before = self.env["queue.job"].search([]).ids
        for body in bodies:
            self.assertEqual(self.post(body, self.sign(body)).status_code, 200)
        jobs = self.env["queue.job"].search([("id", "not in", before)])
        self.assertEqual(jobs.mapped("method_name"), ["_drain_webhooks_job"])
        receipts = self.env["channel.webhook.receipt"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertEqual(len(receipts.filtered("body")), 3)
        self.assertEqual(len(self.import_jobs() - imports), 3)
        receipts.invalidate_recordset()
        self.assertFalse(receipts.filtered("body"), "drained")

    def test_signature_checked_from_credentials(self):
        adapter_class = self.channel._get_adapter_class()
        body = self.push_body("1")
        credentials = {"app_key": APP_KEY, "app_secret": SECRET}
        headers = {"Authorization": self.sign(body)}
        self.assertTrue(adapter_class.check_webhook(credentials, headers, body))
        headers = {"Authorization": self.sign(body, "not-the-secret")}
        self.assertFalse(adapter_class.check_webhook(credentials, headers, body))

    def test_get_and_public_pages_give_nothing(self):
        resp = self.url_open(self.webhook_path())  # GET
        self.assertIn(resp.status_code, (404, 405))
        self.assertNotIn(self.channel.name.encode(), resp.content)
        # the OAuth callback: login required, managers only
        resp = self.url_open(
            f"/channel_connectors/oauth/{self.channel.id}/"
            f"{self.channel.sudo().webhook_token}?code=abc",
            allow_redirects=False,
        )
        self.assertIn(resp.status_code, (302, 303))
        self.assertIn("/web/login", resp.headers.get("Location", ""))
        portal = new_test_user(self.env, login="portal_cc", groups="base.group_portal")
        self.authenticate(portal.login, portal.login)
        resp = self.url_open(
            f"/channel_connectors/oauth/{self.channel.id}/"
            f"{self.channel.sudo().webhook_token}?code=abc",
            allow_redirects=False,
        )
        self.assertEqual(resp.status_code, 404)
        self.assertEqual(
            self.sim_state()["tokens"]["codes_used"], 1, "no code exchanged"
        )


@tagged("post_install", "-at_install")
class TestSecretsAndCompanies(LazadaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.desk_user = new_test_user(
            cls.env,
            login="desk_sec",
            groups="omnichannel_orders.group_order_desk_user,sales_team.group_sale_salesman",
        )
        cls.desk_manager = new_test_user(
            cls.env,
            login="desk_mgr_sec",
            groups="omnichannel_orders.group_order_desk_manager,sales_team.group_sale_salesman",
        )

    def test_order_desk_cannot_read_secrets(self):
        for user in (self.desk_user, self.desk_manager):
            channel = self.channel.with_user(user)
            self.assertEqual(channel.name, self.channel.name)
            fields = channel.fields_get()
            for name in SECRETS:
                self.assertNotIn(name, fields, f"{name} listed for {user.login}")
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    channel.read([name])
                with self.assertRaises(AccessError), mute_logger("odoo.models"):
                    channel.search_read([("id", "=", self.channel.id)], [name])
                if self.channel._fields[name].store:
                    with self.assertRaises(AccessError), mute_logger("odoo.models"):
                        channel.search([(name, "!=", False)])
            # the default read (the web client's) leaves them out
            values = channel.read()[0]
            for name in SECRETS:
                self.assertNotIn(name, values)
            # and so do the views the web client loads
            views = channel.get_views([(False, "form"), (False, "list")])
            for view in views["views"].values():
                for name in SECRETS:
                    self.assertNotIn(f'name="{name}"', view["arch"], name)
            # the sync log and the bindings never carry them either
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                channel.write({"app_secret": "stolen"})
        # the secrets are really there, for the connector manager
        self.assertEqual(self.channel.sudo().app_secret, SECRET)

    def test_sync_log_has_no_secret(self):
        self.pull()
        logs = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id)]
        )
        self.assertTrue(logs)
        secrets = [
            self.channel.sudo().access_token,
            self.channel.sudo().refresh_token,
            SECRET,
        ]
        for log in logs:
            for secret in secrets:
                self.assertNotIn(secret, (log.payload or "") + (log.message or ""))

    def test_multi_company_isolation(self):
        self.pull()
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_warehouse = self.env["stock.warehouse"].search(
            [("company_id", "=", other_company.id)], limit=1
        )
        other_channel = self.env["omni.channel"].create(
            {
                "name": "Lazada TH",
                "code": "LZ-TH",
                "channel_type": "marketplace",
                "company_id": other_company.id,
                "warehouse_id": other_warehouse.id,
            }
        )
        other_channel._connector_log("import", "orders/list", message="other co")
        our_user = new_test_user(
            self.env,
            login="desk_co1",
            groups="omnichannel_orders.group_order_desk_user,sales_team.group_sale_salesman_all_leads",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        their_user = new_test_user(
            self.env,
            login="desk_co2",
            groups="omnichannel_orders.group_order_desk_user,sales_team.group_sale_salesman_all_leads",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        for user, mine, theirs in (
            (our_user, self.channel, other_channel),
            (their_user, other_channel, self.channel),
        ):
            env = self.env(user=user)
            channels = env["omni.channel"].search([])
            self.assertIn(mine, channels)
            self.assertNotIn(theirs, channels)
            logs = env["channel.sync.log"].search([])
            self.assertTrue(logs)
            self.assertFalse(logs.filtered(lambda log, c=theirs: log.channel_id == c))
            orders = env["sale.order"].search([("channel_id", "!=", False)])
            self.assertFalse(orders.filtered(lambda o, c=theirs: o.channel_id == c))
            bindings = env["channel.order.binding"].search([])
            self.assertFalse(bindings.filtered(lambda b, c=theirs: b.channel_id == c))
            with self.assertRaises(AccessError), mute_logger("odoo.models"):
                theirs.with_user(user).read(["name"])
        # the first company's user sees its orders, the other's sees none of them
        self.assertEqual(
            self.env["sale.order"]
            .with_user(our_user)
            .search_count([("channel_id", "=", self.channel.id)]),
            len(self.channel_orders()),
        )
        self.assertEqual(
            self.env["sale.order"]
            .with_user(their_user)
            .search_count([("channel_id", "=", self.channel.id)]),
            0,
        )
