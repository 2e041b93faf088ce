import hashlib
import hmac
import json
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import AdapterError
from ..adapters.lazada import sign
from .common import ConnectorCommon, MarketplaceMixin

SECRET = "helloworld"
APP_KEY = "123456"


class LazadaCommon(MarketplaceMixin, ConnectorCommon):
    platform = "lazada"
    simulator = ("lazada", "LazadaSimulator")
    simulator_options = {"orders": 20, "seed": 5}
    api_path = "/rest"
    credentials = {"app_key": APP_KEY, "app_secret": SECRET}

    def order_in_status(self, status):
        """An order of the simulator in ``status``, without cancellation request."""
        return next(
            order_id
            for order_id, order in sorted(self.sim_orders().items())
            if order["statuses"] == [status]
            and not any(
                item["need_cancel_confirm"] or item["reverse_order_id"]
                for item in order["items"].values()
            )
        )

    def map_skus(self, orders):
        """A product per SKU of ``orders``, in stock, mapped on the channel."""
        skus = set(orders.order_line.mapped("channel_sku")) - {False}
        for sku in sorted(skus):
            product = self._create_product(sku.title(), f"P-{sku}", 10.0, qty=50.0)
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": sku,
                    "product_id": product.id,
                }
            )


class LazadaWebhookCommon(LazadaCommon, HttpCase):
    """Lazada pushes posted to the channel's webhook (the controller)."""

    def webhook_path(self):
        return (
            f"/channel_connectors/webhook/{self.channel.id}/"
            f"{self.channel.sudo().webhook_token}"
        )

    @staticmethod
    def push_body(order_id, sent_at=None, site="lazada_my", **data):
        """A push of a pending order, sent at ``sent_at`` (epoch seconds, now by
        default); ``data`` adds to (or sets) its ``data``, whose
        ``status_update_time`` is now unless given."""
        data.setdefault("status_update_time", int(time.time()))
        return json.dumps(
            {
                "seller_id": "1000123456",
                "message_type": 0,
                "data": {
                    "order_status": "pending",
                    "trade_order_id": order_id,
                    **data,
                },
                "timestamp": int((sent_at or time.time()) * 1000),
                "site": site,
            }
        ).encode()

    @staticmethod
    def sign(body, secret=SECRET):
        return hmac.new(
            secret.encode(), APP_KEY.encode() + body, hashlib.sha256
        ).hexdigest()

    def import_jobs(self):
        self.drain_webhooks()
        return self.env["queue.job"].search(
            [
                ("method_name", "=", "_import_order_job"),
                ("model_name", "=", "omni.channel"),
            ]
        )


@tagged("post_install", "-at_install")
class TestLazadaAdapter(LazadaCommon):
    def test_signature_doc_vector(self):
        params = {
            "access_token": "test",
            "app_key": "123456",
            "order_id": "1234",
            "sign_method": "sha256",
            "timestamp": "1517820392000",
        }
        self.assertEqual(
            sign("/order/get", params, "helloworld"),
            "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A",
        )

    def test_tokens_from_code(self):
        channel = self.channel.sudo()
        self.assertTrue(channel.access_token)
        self.assertTrue(channel.refresh_token)
        self.assertGreater(channel.token_expires_at, fields.Datetime.now())


@tagged("post_install", "-at_install")
class TestLazadaSync(LazadaCommon):
    def test_pull_imports_every_order_once(self):
        sim_orders = self.sim_orders()
        self.pull()
        orders = self.channel_orders()
        self.assertEqual(
            set(orders.mapped("channel_order_ref")), set(sim_orders), "all imported"
        )
        binding = orders[0].channel_binding_ids
        self.assertEqual(len(binding), 1)
        self.assertEqual(
            str(json.loads(binding.raw_payload)["order_id"]), binding.external_id
        )
        self.assertTrue(self.channel.last_import_at)
        # unlinked lines keep the channel's SKU
        # the items' lines (the shipping fee and the vouchers have their own)
        items = orders.order_line.filtered("channel_sku")
        self.assertEqual(
            orders.order_line - items,
            orders.order_line.filtered(
                lambda line: line.is_delivery or line.price_unit < 0
            ),
        )
        self.assertTrue(all(items.mapped("is_unlinked")))
        # a pull again, and the manual import of a date range: no duplicate
        self.pull()
        wizard = self.env["channel.import.wizard"].create(
            {
                "channel_id": self.channel.id,
                "date_from": fields.Datetime.now() - timedelta(days=30),
                "date_to": fields.Datetime.now() + timedelta(days=30),
            }
        )
        with self.jobs() as trap:
            wizard.action_import()
            self.run_jobs(trap)
        self.assertEqual(self.channel_orders(), orders)
        self.assertEqual(
            self.env["channel.order.binding"].search_count(
                [("channel_id", "=", self.channel.id)]
            ),
            len(sim_orders),
        )

    def test_pull_in_batch(self):
        self.channel.import_in_batch = True
        with self.jobs() as trap:
            self.channel._enqueue_pull()
            trap.perform_enqueued_jobs()
            # the pull imported the pages itself: no job per order
            self.assertFalse(
                [j for j in trap.enqueued_jobs if j.method_name == "_import_order_job"]
            )
        self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))

    def test_pull_a_page_per_job(self):
        """By default a pull enqueues one job per page (no job per order); the
        watermark moves when every page job is done."""
        self.channel.page_limit = 3
        watermark = self.channel.last_import_at
        with self.jobs() as trap:
            self.channel._enqueue_pull()
            trap.perform_enqueued_jobs()
            methods = [j.method_name for j in trap.enqueued_jobs]
            pages = -(-len(self.sim_orders()) // 3)
            self.assertEqual(methods.count("_import_page_job"), pages)
            self.assertEqual(methods.count("_import_pull_done_job"), 1)
            self.assertNotIn("_import_order_job", methods)
            done = trap.enqueued_jobs[methods.index("_import_pull_done_job")]
            self.assertEqual(len(done.depends_on), pages)
            self.assertEqual(self.channel.last_import_at, watermark)
            self.run_jobs(trap)
        self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))
        self.assertTrue(self.channel.last_import_at)
        # the same pages again: nothing new, no page job
        with self.jobs() as trap:
            self.channel._enqueue_pull()
            trap.perform_enqueued_jobs()
            self.assertFalse(
                [j for j in trap.enqueued_jobs if j.method_name == "_import_page_job"]
            )

    def test_cron_dispatches_one_pull_per_channel(self):
        with self.jobs() as trap:
            self.env["omni.channel"]._cron_import_orders()
            trap.assert_jobs_count(1, only=self.channel._import_orders_job)
            self.run_jobs(trap)
        self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))
        actors = self.channel_orders().omni_event_ids.mapped("actor")
        self.assertNotIn("user", actors)

    def test_older_update_never_overwrites(self):
        self.pull()
        order = self.channel_orders()[0]
        binding = order.channel_binding_ids
        raw = json.loads(binding.raw_payload)
        raw["statuses"] = ["unpaid"]
        for item in raw["items"]:
            item["status"] = "unpaid"
        older = order.channel_updated_at - timedelta(hours=1)
        raw["updated_at"] = (older + timedelta(hours=8)).strftime(
            "%Y-%m-%dT%H:%M:%S+08:00"
        )
        status = order.channel_status
        self.channel._import_order_job(order.channel_order_ref, None, raw)
        self.assertEqual(order.channel_status, status)

    def test_malformed_records_skipped_and_logged(self):
        self.sim_post("/_sim/faults", {"malformed": 0.3})
        with mute_logger("odoo.addons.channel_connectors.models.omni_channel"):
            self.pull()
        skipped = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "skipped")]
        )
        self.assertTrue(skipped, "the simulator served malformed records")
        self.assertTrue(all(skipped.mapped("payload")))
        self.sim_post("/_sim/faults", {})
        imported = self.channel_orders()
        self.assertTrue(imported, "the rest of the pages imported")
        self.assertLess(len(imported), len(self.sim_orders()))
        # a later pull (records well-formed again) completes the import
        self.channel.last_import_at = False
        self.pull()
        self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))

    def test_429_and_5xx_are_retried(self):
        for faults in ({"rate_429": 1.0, "retry_after": 3}, {"rate_5xx": 1.0}):
            self.sim_post("/_sim/faults", faults)
            with self.jobs() as trap:
                self.channel._enqueue_pull()
                job = trap.enqueued_jobs[0]
                # (no assertRaises: its savepoint would roll the sync log back)
                try:
                    job.perform()
                except RetryableJobError as exc:
                    caught = exc
                else:
                    self.fail("a RetryableJobError was expected")
                if "retry_after" in faults:
                    self.assertEqual(caught.seconds, 3)
                self.sim_post("/_sim/faults", {})
                job.perform()  # the retry succeeds
                self.run_jobs(trap)
            self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))
        failed = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "failed")]
        )
        self.assertTrue(failed)

    def test_expired_token_refreshed_once(self):
        old_token = self.channel.sudo().access_token
        self.sim_post("/_sim/faults", {"expire_tokens": 1})
        self.pull()
        self.assertEqual(len(self.channel_orders()), len(self.sim_orders()))
        self.assertNotEqual(self.channel.sudo().access_token, old_token)
        self.assertEqual(self.sim_state()["tokens"]["refreshes"], 1)

    def test_token_refreshed_before_expiry(self):
        old_token = self.channel.sudo().access_token
        self.channel.sudo().token_expires_at = fields.Datetime.now() + timedelta(
            minutes=2
        )
        self.pull()
        self.assertNotEqual(self.channel.sudo().access_token, old_token)
        self.assertGreater(
            self.channel.sudo().token_expires_at,
            fields.Datetime.now() + timedelta(days=1),
        )

    def test_secrets_hidden_from_order_desk_users(self):
        user = self.env["res.users"].create(
            {
                "name": "Desk user",
                "login": "desk_user_cc",
                "groups_id": [
                    (
                        6,
                        0,
                        [self.env.ref("omnichannel_orders.group_order_desk_user").id],
                    )
                ],
            }
        )
        channel = self.channel.with_user(user)
        self.assertEqual(channel.name, self.channel.name)
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            channel.read(["app_secret"])

    def test_full_cycle(self):
        """import → confirm → ship with tracking → status on the platform →
        delivery → invoice number on the platform; stock pushed after delivery."""
        external_id = self.order_in_status("pending")
        self.pull()
        order = self.order_of(external_id)
        self.assertEqual(order.channel_status, "pending")
        self.map_skus(order)
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        self.accept_and_ship(order, "dropoff")
        self.assertTrue(order.tracking_ref)
        sim_order = self.sim_orders()[external_id]
        self.assertEqual(sim_order["statuses"], ["ready_to_ship"])
        self.assertEqual(sim_order["tracking_numbers"], [order.tracking_ref])
        self.assertEqual(order.channel_status, "ready_to_ship")
        # the label
        order.action_channel_print_label()
        self.assertTrue(order.label_printed)
        self.assertEqual(order.channel_label_id.mimetype, "application/pdf")
        self.assertTrue(order.channel_label_id.raw.startswith(b"%PDF"))
        # the delivery: invoice posted, its number on the platform, stock pushed
        with self.jobs() as trap:
            self.deliver(order)
            self.run_jobs(trap)
        invoice = order.invoice_ids
        self.assertEqual(invoice.state, "posted")
        items = self.sim_orders()[external_id]["items"]
        self.assertEqual(
            {item["invoice_number"] for item in items.values()}, {invoice.name}
        )
        stock = self.sim_state()["stock"]
        for line in order.order_line.filtered("channel_sku"):
            mapping = self.env["omni.channel.product"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("product_id", "=", line.product_id.id),
                ]
            )
            self.assertTrue(mapping.stock_sent_at)
            self.assertIn(line.channel_sku, json.dumps(stock))
        self.assertEqual(order.lifecycle_state, "fulfilled")
        # a later pull does not duplicate it nor go back in time
        self.pull()
        self.assertEqual(
            self.env["sale.order"].search_count(
                [
                    ("channel_id", "=", self.channel.id),
                    ("channel_order_ref", "=", external_id),
                ]
            ),
            1,
        )

    def test_buyer_cancellation_request(self):
        external_id = self.order_in_status("pending")
        self.pull()
        order = self.order_of(external_id)
        self.sim_post(f"/_sim/orders/{external_id}/buyer_cancel")
        with self.jobs() as trap:
            self.channel._enqueue_import(external_id)
            self.run_jobs(trap)
        self.assertEqual(order.cancel_request_state, "requested")
        with self.jobs() as trap:
            order.action_omni_cancel_request_reject()
            self.run_jobs(trap)
        self.assertEqual(order.cancel_request_state, "rejected")
        decisions = self.sim_state()["decisions"]
        self.assertTrue(decisions)

    def test_cancellation_decision_error_blocks(self):
        self.pull()
        order = self.channel_orders().filtered(lambda o: o.channel_status == "pending")[
            :1
        ]
        # the platform knows no cancellation request for this order
        order.write({"cancel_request_state": "requested"})
        with (
            self.assertRaises(UserError),
            mute_logger("odoo.addons.channel_connectors.models.omni_channel"),
        ):
            order.action_omni_cancel_request_approve()

    def test_adapter_error_is_clear(self):
        adapter = self.channel._get_adapter()
        with self.assertRaises(AdapterError):
            adapter.get_label({"external_id": "1", "raw": {}})


@tagged("post_install", "-at_install")
class TestLazadaWebhookSignature(LazadaCommon):
    def test_push_signature_helper(self):
        body = b'{"message_type":0}'
        adapter = self.channel._get_adapter()
        good = hmac.new(SECRET.encode(), APP_KEY.encode() + body, hashlib.sha256)
        self.assertTrue(
            adapter.verify_webhook({"Authorization": good.hexdigest()}, body)
        )
        self.assertFalse(adapter.verify_webhook({"Authorization": "00" * 32}, body))
        self.assertFalse(adapter.verify_webhook({}, body))


@tagged("post_install", "-at_install")
class TestSyncLog(LazadaCommon):
    def test_digest_and_retry(self):
        self.sim_post("/_sim/faults", {"malformed": 1.0})
        self.pull()
        self.sim_post("/_sim/faults", {})
        skipped = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("state", "=", "skipped")]
        )
        self.assertTrue(skipped)
        retryable = skipped.filtered("retry_method")
        self.assertTrue(retryable)
        with self.jobs() as trap:
            retryable.action_retry()
            self.run_jobs(trap)
        self.assertEqual(
            set(self.channel_orders().mapped("channel_order_ref")),
            set(retryable.mapped("external_ref")),
        )
        # the daily digest of failures
        self.channel.error_email = "ops@example.com"
        self.channel._connector_log(
            "export", "stock/update", state="failed", message="SKU X unknown"
        )
        mails = self.env["mail.mail"].search([("email_to", "=", "ops@example.com")])
        self.env["omni.channel"]._cron_send_error_digest()
        mail = (
            self.env["mail.mail"].search([("email_to", "=", "ops@example.com")]) - mails
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("SKU X unknown", mail.body_html)
