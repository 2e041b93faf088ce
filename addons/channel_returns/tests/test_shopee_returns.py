"""Shopee returns through Odoo and the Shopee simulator, over HTTP."""

from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import get_client_class
from .common import ShopeeReturnsCommon


@tagged("post_install", "-at_install")
class TestShopeeReturns(ShopeeReturnsCommon):
    def test_return_approved_received_restocked_credited(self):
        """buyer asks → RMA with its deadline → approved on Shopee → parcel
        received in Odoo → graded sellable, restocked and pushed → refunded on
        Shopee → credit note of the invoice for the refunded amount."""
        order = self.delivered_order()
        invoice = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        deadline = fields.Datetime.now().replace(microsecond=0) + timedelta(days=2)
        return_sn = self.ask_return(
            order,
            reason="ITEM_DAMAGED",
            text_reason="Arrived broken",
            images=["https://cf.shopee.example/file/proof-1"],
            due_date=self.epoch(deadline),
        )
        self.pull_returns()
        ret = self.return_of(return_sn)
        self.assertEqual(len(ret), 1)
        self.assertEqual(ret.order_id, order)
        self.assertEqual(ret.stage, "to_answer")
        self.assertEqual(ret.platform_status, "REQUESTED")
        self.assertEqual(ret.reason, "ITEM_DAMAGED")
        self.assertEqual(ret.reason_text, "Arrived broken")
        self.assertEqual(ret.deadline, deadline)
        sim_ret = self.sim_return(return_sn)
        self.assertAlmostEqual(ret.refund_amount, sim_ret["refund_amount"])
        self.assertEqual(ret.currency_id, order.currency_id)
        # the deadline is an activity; the evidence, attachments
        activity = ret.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.date_deadline, deadline.date())
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "channel.return"), ("res_id", "=", ret.id)]
        )
        self.assertEqual(
            attachments.mapped("url"), ["https://cf.shopee.example/file/proof-1"]
        )
        # one RMA per returned line, linked to the order's delivery
        rmas = ret.rma_ids
        lines = order.order_line.filtered("channel_sku")
        self.assertEqual(len(rmas), len(lines))
        self.assertEqual(rmas.order_id, order)
        self.assertEqual(set(rmas.product_id.ids), set(lines.product_id.ids))
        self.assertTrue(all(rma.move_id.state == "done" for rma in rmas))
        self.assertEqual(set(rmas.mapped("channel_desk_tab")), {"to_answer"})
        self.assertEqual(set(rmas.mapped("channel_return_ref")), {return_sn})
        # approved from the RMA: pushed, the receipt made
        rmas[0].action_channel_approve()
        self.assertEqual(self.sim_return(return_sn)["status"], "PROCESSING")
        self.assertEqual(ret.stage, "awaiting_parcel")
        self.assertEqual(set(rmas.mapped("state")), {"confirmed"})
        self.assertEqual(set(rmas.mapped("channel_desk_tab")), {"awaiting_parcel"})
        self.assertFalse(ret.activity_ids)
        receipt = rmas.reception_move_id.picking_id
        self.assertEqual(len(receipt), 1)
        log = self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("operation", "=", "returns/approve"),
                ("state", "=", "done"),
            ]
        )
        self.assertEqual(log.external_ref, return_sn)
        # the parcel arrives: Shopee says so, Odoo receives it
        self.sim_post(f"/_sim/returns/{return_sn}/parcel")
        self.pull_returns()
        self.assertEqual(ret.stage, "parcel_arrived")
        self.assertTrue(ret.tracking_ref)
        stock = self.warehouse.lot_stock_id
        before = {
            rma.product_id: rma.product_id.with_context(location=stock.id).qty_available
            for rma in rmas
        }
        free_before = self.channel._connector_free_qty(rmas.product_id)
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        receipt.button_validate()
        self.assertEqual(set(rmas.mapped("state")), {"received"})
        self.assertEqual(set(rmas.mapped("channel_desk_tab")), {"to_grade"})
        # nothing is back in stock, nor sellable on the channels, before grading
        for rma in rmas:
            self.assertEqual(
                rma.product_id.with_context(location=stock.id).qty_available,
                before[rma.product_id],
            )
        self.assertEqual(self.channel._connector_free_qty(rmas.product_id), free_before)
        # graded sellable: back in stock, the stock pushed to Shopee
        pushed_before = len(self.sim_state()["stock"]["updates"])
        with self.jobs() as trap:
            rmas.action_channel_grade_sellable()
            self.run_jobs(trap)
        for rma in rmas:
            self.assertEqual(
                rma.product_id.with_context(location=stock.id).qty_available,
                before[rma.product_id] + rma.product_uom_qty,
            )
        self.assertGreater(len(self.sim_state()["stock"]["updates"]), pushed_before)
        free_after = self.channel._connector_free_qty(rmas.product_id)
        for rma in rmas:
            self.assertEqual(
                free_after[rma.product_id.id],
                free_before[rma.product_id.id] + rma.product_uom_qty,
            )
        self.assertEqual(set(rmas.mapped("channel_desk_tab")), {"to_refund"})
        # refunded on Shopee: the credit note of the invoice, for what Shopee refunded
        rmas[0].action_channel_refund()
        sim_ret = self.sim_return(return_sn)
        self.assertEqual(sim_ret["status"], "ACCEPTED")
        self.assertEqual(ret.stage, "refunded")
        self.assertAlmostEqual(ret.refunded_amount, sim_ret["refunded_amount"])
        refund = rmas.refund_id
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertTrue(
            refund.currency_id.is_zero(refund.amount_total - ret.refunded_amount),
            f"credit note {refund.amount_total} != refunded {ret.refunded_amount}",
        )
        self.assertEqual(set(rmas.mapped("channel_desk_tab")), {"done"})
        # a later pull (and the same return listed again) duplicates nothing
        self.channel.last_return_import_at = False
        self.pull_returns()
        self.assertEqual(self.return_of(return_sn), ret)
        self.assertEqual(
            self.env["rma"].search_count([("channel_return_id", "=", ret.id)]),
            len(rmas),
        )
        self.assertEqual(len(rmas.refund_id), 1)

    def test_rejected_with_reason(self):
        """Reject with Shopee's dispute reason and a text: disputed on Shopee;
        Shopee sides with the seller: the RMAs are cancelled, nothing credited."""
        order = self.delivered_order()
        return_sn = self.ask_return(order, reason="CHANGE_MIND")
        self.pull_returns()
        ret = self.return_of(return_sn)
        self.assertEqual(self.channel.channel_return_open_count, 1)
        action = ret.rma_ids[0].action_channel_reject()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"reason_code": "50", "reason_text": "Used, not as delivered"})
        )
        self.assertEqual(wizard.decision, "reject")
        wizard.action_confirm()
        sim_ret = self.sim_return(return_sn)
        self.assertEqual(sim_ret["status"], "JUDGING")
        self.assertEqual(sim_ret["dispute"]["dispute_reason_id"], 50)
        self.assertEqual(
            sim_ret["dispute"]["dispute_text_reason"], "Used, not as delivered"
        )
        self.assertEqual(ret.stage, "disputed")
        self.assertEqual(ret.reject_reason, "Used, not as delivered")
        self.assertEqual(set(ret.rma_ids.mapped("channel_desk_tab")), {"rejected"})
        self.sim_post(f"/_sim/returns/{return_sn}/judge", {"winner": "seller"})
        self.pull_returns()
        self.assertEqual(ret.stage, "rejected")
        self.assertEqual(set(ret.rma_ids.mapped("state")), {"cancelled"})
        self.channel.invalidate_recordset(["channel_return_open_count"])
        self.assertEqual(self.channel.channel_return_open_count, 0)
        self.assertFalse(ret.rma_ids.refund_id)
        # a reason is required
        with self.assertRaises(UserError):
            ret.action_reject("50", "")

    def test_partial_refund_offer(self):
        """Offer half the refund, the buyer keeps the goods and accepts: the
        credit note is the half Shopee refunded."""
        order = self.delivered_order()
        return_sn = self.ask_return(order, solution="REFUND", reason="ITEM_DAMAGED")
        self.pull_returns()
        ret = self.return_of(return_sn)
        self.assertEqual(ret.solution, "refund")
        half = order.currency_id.round(ret.refund_amount / 2)
        with self.assertRaises(UserError):
            ret.action_offer(ret.refund_amount + 1)
        action = ret.rma_ids[0].action_channel_offer()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"amount": half})
        )
        wizard.action_confirm()
        self.assertEqual(ret.stage, "offered")
        sim_ret = self.sim_return(return_sn)
        self.assertEqual(sim_ret["negotiation"]["latest_offer_amount"], half)
        self.sim_post(f"/_sim/returns/{return_sn}/buyer_offer", {"accept": True})
        self.pull_returns()
        self.assertEqual(ret.stage, "refunded")
        self.assertAlmostEqual(ret.refunded_amount, half)
        refund = ret.rma_ids.refund_id
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.state, "posted")
        self.assertTrue(
            refund.currency_id.is_zero(refund.amount_total - half),
            f"credit note {refund.amount_total} != refunded {half}: "
            f"{refund.invoice_line_ids.read(['price_unit', 'quantity'])}",
        )
        # no goods came back
        self.assertFalse(ret.rma_ids.reception_move_id)

    def test_platform_refusal_is_an_error(self):
        """A decision Shopee refuses: a clear error, logged on the channel."""
        order = self.delivered_order()
        return_sn = self.ask_return(order)
        self.pull_returns()
        ret = self.return_of(return_sn)
        # meanwhile, the seller refunded it in Seller Centre
        client = get_client_class("shopee")(self.channel._get_adapter())
        client.decide_return(return_sn, "refund")
        # (no assertRaises: its savepoint would roll the log back)
        try:
            ret.rma_ids[0].action_channel_approve()
        except UserError as exc:
            error = str(exc)
        else:
            self.fail("Shopee accepted a decision on a refunded return")
        self.assertIn("Invalid return status: ACCEPTED", error)
        failed = self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.channel.id),
                ("operation", "=", "returns/approve"),
                ("state", "=", "failed"),
            ]
        )
        self.assertEqual(failed.external_ref, return_sn)
        # the next pull brings the refund: the buyer keeps the goods, the RMAs
        # are credited without receipt
        self.pull_returns()
        self.assertEqual(ret.stage, "refunded")
        self.assertFalse(ret.rma_ids.reception_move_id)
        self.assertEqual(ret.rma_ids.refund_id.state, "posted")
        self.assertEqual(set(ret.rma_ids.mapped("channel_desk_tab")), {"done"})

    def test_push_and_pull_at_once_make_one_return(self):
        """While another worker stores a return (its advisory lock taken), the
        import job retries and the pull leaves it to a job; one return, once."""
        order = self.delivered_order()
        return_sn = self.ask_return(order)
        key = self.channel._connector_lock_key(f"return:{return_sn}")
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
            with self.assertRaises(RetryableJobError):
                self.channel._import_return_job(return_sn)
            with self.jobs() as trap:
                self.channel._import_returns_job()
                self.assertFalse(self.return_of(return_sn))
                trap.assert_jobs_count(1, only=self.channel._import_return_job)
        finally:
            other.rollback()
            other.close()
        self.channel._import_return_job(return_sn)
        self.pull_returns()
        ret = self.return_of(return_sn)
        self.assertEqual(len(ret), 1)
        self.assertEqual(
            len(ret.rma_ids), len(order.order_line.filtered("channel_sku"))
        )
        # the database refuses a second copy
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            ret.copy({"name": return_sn})

    def test_overdue_and_unknown_order(self):
        """A return past its deadline is overdue; a return of an order Odoo does
        not have is kept, logged, without RMA."""
        order = self.delivered_order()
        past = fields.Datetime.now().replace(microsecond=0) - timedelta(hours=1)
        return_sn = self.ask_return(order, due_date=self.epoch(past))
        self.pull_returns()
        ret = self.return_of(return_sn)
        self.assertTrue(ret.is_overdue)
        overdue = self.env["rma"].search([("channel_return_id.is_overdue", "=", True)])
        self.assertEqual(overdue, ret.rma_ids)
        self.assertIn(
            ret, self.env["channel.return"].search([("is_overdue", "=", True)])
        )
        # an order Odoo never imported
        other_sn = self.sim_post("/_sim/orders/new", {"count": 1})["order_sn_list"][0]
        self.sim_post(f"/_sim/orders/{other_sn}/complete")
        unknown_sn = self.sim_post("/_sim/returns/new", {"order_sn": other_sn})[
            "return_sn"
        ]
        self.pull_returns()
        unknown = self.return_of(unknown_sn)
        self.assertEqual(unknown.order_ref, other_sn)
        self.assertFalse(unknown.rma_ids)
        log = self.env["channel.sync.log"].search(
            [("operation", "=", "returns/order"), ("external_ref", "=", unknown_sn)]
        )
        self.assertEqual(log.state, "skipped")
        # the order is imported later: the next pull makes its RMAs
        self.pull()
        late_order = self.order_of(other_sn)
        mapped = set(
            self.env["omni.channel.product"]
            .search([("channel_id", "=", self.channel.id)])
            .mapped("channel_sku")
        )
        for line in late_order.order_line.filtered(
            lambda sol: sol.channel_sku and sol.channel_sku not in mapped
        ):
            mapped.add(line.channel_sku)
            self.env["omni.channel.product"].create(
                {
                    "channel_id": self.channel.id,
                    "channel_sku": line.channel_sku,
                    "channel_item_ref": line.channel_item_ref,
                    "product_id": self._create_product(
                        line.channel_sku.title(), f"L-{line.channel_sku}", 10.0
                    ).id,
                }
            )
        self.assertFalse(late_order.order_line.filtered("is_unlinked"))
        self.channel.last_return_import_at = False
        self.pull_returns()
        self.assertEqual(unknown.order_id, late_order)
        self.assertEqual(
            set(unknown.rma_ids.product_id.ids),
            set(late_order.order_line.filtered("channel_sku").product_id.ids),
        )

    def test_damaged_units_scrapped_then_credited(self):
        """Units graded damaged are scrapped (not restocked); the refund is still
        credited."""
        order = self.delivered_order()
        return_sn = self.ask_return(order, reason="PHYSICAL_DMG")
        self.pull_returns()
        ret = self.return_of(return_sn)
        rmas = ret.rma_ids
        # nothing to grade before the parcel is received
        with self.assertRaises(UserError):
            rmas.action_channel_grade_damaged()
        ret.action_approve()
        self.sim_post(f"/_sim/returns/{return_sn}/parcel")
        receipt = rmas.reception_move_id.picking_id
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        receipt.button_validate()
        stock = self.warehouse.lot_stock_id
        before = {
            rma.product_id: rma.product_id.with_context(location=stock.id).qty_available
            for rma in rmas
        }
        with self.jobs() as trap:
            rmas.action_channel_grade_damaged()
            self.run_jobs(trap)
        scraps = self.env["stock.scrap"].search([("origin", "in", rmas.mapped("name"))])
        self.assertEqual(len(scraps), len(rmas))
        self.assertEqual(set(scraps.mapped("state")), {"done"})
        for rma in rmas:
            self.assertEqual(rma.channel_grade, "damaged")
            self.assertEqual(
                rma.product_id.with_context(location=stock.id).qty_available,
                before[rma.product_id],
            )
        # graded once
        with self.assertRaises(UserError):
            rmas.action_channel_grade_sellable()
        ret.action_refund()
        self.assertEqual(ret.stage, "refunded")
        self.assertEqual(rmas.refund_id.state, "posted")

    def test_access_desk_users_and_other_companies(self):
        """An order-desk user handles the returns of the company; a user of
        another company does not see them."""
        order = self.delivered_order()
        return_sn = self.ask_return(order)
        self.pull_returns()
        ret = self.return_of(return_sn)
        desk = new_test_user(
            self.env,
            login="returns_desk",
            groups="omnichannel_orders.group_order_desk_user",
        )
        self.assertEqual(ret.with_user(desk).rma_ids, ret.rma_ids)
        self.assertEqual(
            self.env["rma"]
            .with_user(desk)
            .search([("channel_return_id", "=", ret.id)]),
            ret.rma_ids,
        )
        other_company = self.env["res.company"].create({"name": "Other Sdn Bhd"})
        outsider = new_test_user(
            self.env,
            login="returns_outsider",
            groups="omnichannel_orders.group_order_desk_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(self.env["channel.return"].with_user(outsider).search([]))
        self.assertFalse(
            self.env["rma"]
            .with_user(outsider)
            .search([("channel_return_id", "!=", False)])
        )

    def test_refund_without_return_and_bulk_approve(self):
        """Refund on the channel while the buyer keeps the goods: credited in
        full, nothing received; several returns approved at once, one job each."""
        order = self.delivered_order()
        kept_sn = self.ask_return(order, solution="REFUND")
        self.pull_returns()
        kept = self.return_of(kept_sn)
        kept.rma_ids[0].action_channel_refund()
        self.assertEqual(self.sim_return(kept_sn)["status"], "ACCEPTED")
        self.assertEqual(kept.stage, "refunded")
        refund = kept.rma_ids.refund_id
        self.assertEqual(refund.state, "posted")
        self.assertTrue(
            refund.currency_id.is_zero(refund.amount_total - kept.refunded_amount)
        )
        self.assertFalse(kept.rma_ids.reception_move_id)
        # bulk approve two other returns of the order
        other_sns = [self.ask_return(order) for _index in range(2)]
        self.pull_returns()
        others = self.return_of(other_sns[0]) | self.return_of(other_sns[1])
        self.assertEqual(set(others.mapped("stage")), {"to_answer"})
        with self.jobs() as trap:
            others.rma_ids.action_channel_approve()
            self.assertEqual(
                sorted(
                    job.recordset.name
                    for job in trap.enqueued_jobs
                    if job.method_name == "_approve_job"
                ),
                sorted(other_sns),
            )
            self.run_jobs(trap)
        self.assertEqual(set(others.mapped("stage")), {"awaiting_parcel"})
        for return_sn in other_sns:
            self.assertEqual(self.sim_return(return_sn)["status"], "PROCESSING")
        with self.assertRaises(UserError):
            others.rma_ids.action_channel_approve()

    def test_unreadable_returns_logged_and_read_again(self):
        """Returns the platform lists broken are logged with their payload and
        read again one by one; the watermark waits for them."""
        order = self.delivered_order()
        return_sns = [self.ask_return(order) for _index in range(2)]
        self.sim_post("/_sim/faults", {"malformed": 1.0})
        with self.jobs() as trap:
            self.channel._import_returns_job()
            jobs = [
                j for j in trap.enqueued_jobs if j.method_name == "_import_return_job"
            ]
            self.assertFalse(
                self.env["channel.return"].search(
                    [("channel_id", "=", self.channel.id)]
                )
            )
            self.assertFalse(self.channel.last_return_import_at)
            logs = self.env["channel.sync.log"].search(
                [
                    ("channel_id", "=", self.channel.id),
                    ("operation", "=", "returns/parse"),
                ]
            )
            self.assertEqual(len(logs), 2)
            self.assertTrue(all(log.payload for log in logs))
            self.assertEqual(set(logs.mapped("state")), {"skipped"})
            # the platform serves them right again: the jobs store them
            self.sim_post("/_sim/faults", {})
            self.assertEqual(
                sorted(job.args[0] for job in jobs), sorted(set(return_sns))
            )
            self.run_jobs(trap)
        for return_sn in return_sns:
            self.assertEqual(self.return_of(return_sn).stage, "to_answer")
