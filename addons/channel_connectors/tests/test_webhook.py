import hashlib
import hmac
import json
import time

from odoo.tests import HttpCase, tagged

from odoo.addons.queue_job.job import Job

from .test_lazada import APP_KEY, SECRET, LazadaCommon


@tagged("post_install", "-at_install")
class TestLazadaWebhook(LazadaCommon, HttpCase):
    def webhook_path(self):
        return (
            f"/channel_connectors/webhook/{self.channel.id}/"
            f"{self.channel.sudo().webhook_token}"
        )

    def import_jobs(self):
        self.drain_webhooks()
        return self.env["queue.job"].search(
            [
                ("method_name", "=", "_import_order_job"),
                ("model_name", "=", "omni.channel"),
            ]
        )

    def perform(self, job_records):
        for record in job_records:
            Job.load(self.env, record.uuid).perform()

    def push_body(self, order_id):
        return json.dumps(
            {
                "seller_id": "1000123456",
                "message_type": 0,
                "data": {
                    "order_status": "pending",
                    "trade_order_id": order_id,
                    "trade_order_line_id": "1",
                    "status_update_time": 1603698638,
                },
                "timestamp": int(time.time() * 1000),
                "site": "lazada_sg",
            }
        ).encode()

    def test_bad_signature_rejected_good_one_imports(self):
        order_id = self.order_in_status("pending")
        body = self.push_body(order_id)
        before = self.import_jobs()
        resp = self.url_open(
            self.webhook_path(),
            data=body,
            headers={"Authorization": "0" * 64, "Content-Type": "application/json"},
        )
        self.assertEqual(resp.status_code, 401)
        log = self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id), ("direction", "=", "webhook")]
        )
        self.assertEqual(log.state, "failed")
        self.assertIn(order_id, log.payload)
        self.assertEqual(self.import_jobs(), before)
        # a wrong token in the URL is not even a channel
        resp = self.url_open(
            f"/channel_connectors/webhook/{self.channel.id}/nope", data=body
        )
        self.assertEqual(resp.status_code, 404)

        signature = hmac.new(
            SECRET.encode(), APP_KEY.encode() + body, hashlib.sha256
        ).hexdigest()
        resp = self.url_open(
            self.webhook_path(),
            data=body,
            headers={"Authorization": signature, "Content-Type": "application/json"},
        )
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.content, b"")
        jobs = self.import_jobs() - before
        self.assertEqual(len(jobs), 1)
        self.perform(jobs)
        order = self.channel_orders()
        self.assertEqual(order.channel_order_ref, order_id)
        self.assertIn("webhook", order.omni_event_ids.mapped("actor"))

    def test_simulator_push_imports(self):
        order_id = self.order_in_status("pending")
        self.sim_post(
            "/_sim/push_config", {"url": self.base_url() + self.webhook_path()}
        )
        before = self.import_jobs()
        self.sim_post("/_sim/push", {"order_id": int(order_id)})
        self.sim.wait_pushes(timeout=10)
        # no more pushes while the jobs run (they share the test cursor)
        self.sim_post("/_sim/push_config", {"url": None})
        self.sim.wait_pushes(timeout=10)
        time.sleep(0.3)
        pushes = self.sim_state()["pushes"]
        self.assertTrue(pushes)
        self.assertEqual({p["http_status"] for p in pushes}, {200})
        jobs = self.import_jobs() - before
        self.assertTrue(jobs, pushes)
        self.perform(jobs)
        self.assertEqual(self.channel_orders().channel_order_ref, order_id)
