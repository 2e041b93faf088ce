import time

from odoo.tests import tagged

from odoo.addons.queue_job.job import Job

from .test_lazada import LazadaWebhookCommon


@tagged("post_install", "-at_install")
class TestLazadaWebhook(LazadaWebhookCommon):
    def perform(self, job_records):
        for record in job_records:
            Job.load(self.env, record.uuid).perform()

    def test_bad_signature_rejected_good_one_imports(self):
        order_id = self.order_in_status("pending")
        body = self.push_body(
            order_id,
            site="lazada_sg",
            trade_order_line_id="1",
            status_update_time=1603698638,
        )
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

        signature = self.sign(body)
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
