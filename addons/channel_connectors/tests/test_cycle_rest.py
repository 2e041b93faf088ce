"""The generic REST source (BigLedger job) through the sync engine, against the
simulator: every parameter of the job (error e-mail, URL, token, tenant, limit, the
branch/item/customer mappings, the filter) has its effect; status goes back."""

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from .common import ENGINE_LOGGER, SEED_FILTER, ConnectorCommon, OrderSourceMixin


@tagged("post_install", "-at_install")
class TestRestCycle(OrderSourceMixin, ConnectorCommon):
    platform = "rest"
    simulator = ("rest", "RestSimulator")
    simulator_options = {"orders": 40, "seed": 7}

    @classmethod
    def _channel_vals(cls):
        return dict(
            super()._channel_vals(),
            access_token="rest-token",
            tenant_code="TENANT1",
            page_limit=20,
            status_filter=SEED_FILTER,
            error_email="ops@example.com",
        )

    # ---- helpers ---------------------------------------------------------------------
    def mapping(self, kind, key, **target):
        return self.env["channel.field.mapping"].create(
            {"channel_id": self.channel.id, "kind": kind, "external_key": key, **target}
        )

    def logs(self, **domain):
        return self.env["channel.sync.log"].search(
            [("channel_id", "=", self.channel.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )

    def failing_pull(self, exception):
        """A pull whose job raises ``exception`` (no assertRaises: its savepoint
        would roll the sync log back)."""
        with self.jobs() as trap, mute_logger(ENGINE_LOGGER):
            self.channel._enqueue_pull()
            try:
                trap.enqueued_jobs[0].perform()
            except exception as exc:
                return exc
        self.fail(f"{exception.__name__} was expected")

    # ---- tests -----------------------------------------------------------------------
    def test_filter_and_limit(self):
        sim = self.sim_orders()
        self.channel.page_limit = 6
        self.pull()
        orders = self.channel_orders()
        expected = {
            oid
            for oid, o in sim.items()
            if o["status"] != "DELETED" and "ready_to_ship" in o["item_statuses"]
        }
        self.assertEqual(set(orders.mapped("channel_order_ref")), expected)
        pages = self.sim_state()["pages"]
        self.assertEqual({p["query"]["limit"] for p in pages}, {"6"})
        self.assertGreaterEqual(len(pages), 2)  # 12 orders match, 6 a page
        self.assertTrue(all(p["query"]["status__ne"] == "DELETED" for p in pages))
        for order in orders:
            keys = [
                key
                for key, status in zip(
                    sim[order.channel_order_ref]["item_keys"],
                    sim[order.channel_order_ref]["item_statuses"],
                    strict=True,
                )
                if status == "ready_to_ship"
            ]
            self.assertEqual(
                order.order_line.filtered("channel_sku").mapped("channel_item_ref"),
                keys,
            )
            self.assertNotEqual(order.lifecycle_state, "cancelled")
        self.assertEqual(self.channel.import_cursor, self.sim_state()["cursor"])
        # the next pull resumes at the cursor: only what changed since
        changed = next(oid for oid in sorted(sim) if oid not in expected)
        self.sim_post(
            f"/_sim/sales-orders/{changed}/update",
            {"item_status": "ready_to_ship", "status": "ACTIVE"},
        )
        self.pull()
        self.assertEqual(self.sim_state()["pages"][-1]["ids"], [changed])
        self.assertTrue(self.order_of(changed))

    def test_without_filter(self):
        self.channel.status_filter = False
        self.pull()
        sim = self.sim_orders()
        orders = self.channel_orders()
        self.assertEqual(set(orders.mapped("channel_order_ref")), set(sim))
        for order in orders:
            expected = sim[order.channel_order_ref]
            self.assertEqual(
                len(order.order_line.filtered("channel_sku")),
                len(expected["item_keys"]),
            )
            deleted = expected["status"] == "DELETED"
            self.assertEqual(
                order.channel_status, "DELETED" if deleted else expected["order_status"]
            )
            if deleted or expected["order_status"] == "CANCELLED":
                self.assertEqual(order.lifecycle_state, "cancelled")

    def test_mappings(self):
        jb = self.env["stock.warehouse"].create({"name": "Johor Bahru", "code": "JB"})
        self.mapping("branch", "EMP-BR-1003", warehouse_id=jb.id)
        self.mapping("item", "EMP-ITEM-2005", product_id=self.product_a.id)
        sim = self.sim_orders()
        customer_key = sorted(o["customer_key"] for o in sim.values())[0]
        self.mapping("customer", customer_key, partner_id=self.business.id)
        self.channel.status_filter = False
        self.pull()
        orders = self.channel_orders()
        for order in orders:
            expected = sim[order.channel_order_ref]
            self.assertEqual(
                order.warehouse_id,
                jb if expected["branch_key"] == "EMP-BR-1003" else self.warehouse,
            )
            if expected["customer_key"] == customer_key:
                self.assertEqual(order.partner_id, self.business)
            else:
                self.assertNotEqual(order.partner_id, self.business)
            for line in order.order_line.filtered("channel_sku"):
                if line.channel_item_ref == "EMP-ITEM-2005":
                    self.assertEqual(line.product_id, self.product_a)
                    self.assertFalse(line.is_unlinked)
                else:
                    self.assertTrue(line.is_unlinked)
        self.assertIn(jb, orders.warehouse_id)
        self.assertIn(self.business, orders.partner_id)
        self.assertIn(self.product_a, orders.order_line.product_id)
        # customers met for the first time are mapped for the next orders
        other = self.env["channel.field.mapping"].search(
            [("channel_id", "=", self.channel.id), ("kind", "=", "customer")]
        )
        self.assertEqual(
            set(other.mapped("external_key")),
            {o["customer_key"] for o in sim.values()},
        )

    def test_status_back_to_the_hub(self):
        data = self.sim_post(
            "/_sim/sales-orders/new",
            {"item_status": "ready_to_ship", "branch_key": "EMP-BR-1001"},
        )["data"]
        for line in data["lines"]:
            product = self._create_product(
                line["item_name"], f"BLG-{line['item_code']}", 10.0, qty=20.0
            )
            self.mapping("item", line["item_key"], product_id=product.id)
        self.pull()
        order = self.order_of(data["id"])
        self.assertEqual(order.channel_status, "NEW")
        self.assertFalse(order.order_line.filtered("is_unlinked"))
        with self.jobs() as trap:
            order.action_channel_accept()
            self.run_jobs(trap)
        self.assertEqual(self.sim_orders()[data["id"]]["order_status"], "CONFIRMED")
        self.assertEqual(order.channel_status, "CONFIRMED")
        with self.jobs() as trap:
            order.tracking_ref = "JNTMY0012345"
            self.run_jobs(trap)
            self.deliver(order)
            self.run_jobs(trap)
        sim_order = self.sim_orders()[data["id"]]
        self.assertTrue(order.channel_shipped)
        self.assertEqual(sim_order["tracking_number"], "JNTMY0012345")
        # delivered and invoiced: "delivered" goes to the hub, once
        self.assertEqual(order.lifecycle_state, "fulfilled")
        self.assertTrue(order.channel_fulfilled_sent)
        self.assertEqual(sim_order["order_status"], "DELIVERED")
        self.assertEqual(
            [p["action"] for p in self.sim_state()["status_pushes"]],
            ["confirm", "prepare_shipment", "delivered"],
        )
        self.assertFalse(self.logs(state="failed"))

    def test_connection_parameters_and_error_email(self):
        # token
        self.channel.access_token = "stale-token"
        self.failing_pull(UserError)
        # tenant
        self.channel.write({"access_token": "rest-token", "tenant_code": "TENANT9"})
        self.failing_pull(UserError)
        messages = self.logs(state="failed", operation="orders/list").mapped("message")
        self.assertTrue(any("wrong token" in m for m in messages), messages)
        self.assertTrue(any("wrong tenant code" in m for m in messages), messages)
        # URL: nobody answers there, the job is retried later
        self.channel.write(
            {"tenant_code": "TENANT1", "api_base_url": "http://127.0.0.1:9"}
        )
        self.failing_pull(RetryableJobError)
        self.assertTrue(
            any(
                "cannot be reached" in m
                for m in self.logs(state="failed").mapped("message")
            )
        )
        self.assertFalse(self.channel_orders())
        # the error e-mail: the digest goes to the job's address
        Mail = self.env["mail.mail"]
        before = Mail.search([])
        self.env["omni.channel"]._cron_send_error_digest()
        mails = Mail.search([]) - before
        mail = mails.filtered(lambda m: "ops@example.com" in (m.email_to or ""))
        self.assertEqual(len(mail), 1)
        self.assertIn("wrong tenant code", mail.body_html)
        self.channel.error_email = False
        before = Mail.search([])
        self.env["omni.channel"]._cron_send_error_digest()
        self.assertFalse(
            (Mail.search([]) - before).filtered(
                lambda m: m.model == "omni.channel" and m.res_id == self.channel.id
            )
        )
        # all set right again: the pull goes through
        self.channel.api_base_url = self.sim.url
        self.pull()
        self.assertTrue(self.channel_orders())
