"""The ``settlement`` scenario: a marketplace's settlements imported, posted and
reconciled, at two sizes (``--settle-small`` then ``--settle-orders`` orders).

Per size, untimed: a Lazada simulator (its own process) with that many orders,
pending; the orders imported through the connector (``import_in_batch``),
confirmed, delivered and invoiced by plain batched ORM (100 per commit); on
Lazada every order delivered and the finance clock moved 17 days on (settled 3
days after delivery, the weekly statement closed and paid out); the channel's
settlement accounts set up. Timed: the add-on's import wizard for the channel
(its job run in process: the finance API paged over HTTP, the statements and
payouts stored), ``action_post()`` of every settlement (each fee type on its
account through the clearing account, the invoices paid, the payouts posted)
and one bank statement line per payout (matched on create), commit. Checked:
every invoice paid with residual 0, the clearing account at 0, no exception.
The figure is the cost per order at the large size over the small one."""

import scenarios as base

DAY = 86400


def _fulfil(env, orders):
    """Confirm, deliver and invoice (one invoice per order, posted), 100 per
    commit: the invoices the settlements pay."""
    for start in range(0, len(orders), base.BATCH):
        chunk = orders[start : start + base.BATCH]
        chunk.action_confirm()
        # the marketplace's buyers have phone numbers: no SMS wizard
        base.validate_pickings(chunk.picking_ids.with_context(skip_sms=True))
        chunk._create_invoices(grouped=True).action_post()
        env.cr.commit()


def _prepared_channel(env, args, size, index):
    """A Lazada channel whose ``size`` orders are invoiced in Odoo and settled
    and paid out on Lazada."""
    # an online app's tokens (30 / 180 days, API_FACTS): the finance clock moves
    # 17 days on, past a test app's 14-day refresh token
    sim = base.Simulator(
        "lazada",
        0,
        args.seed + index,
        options={"access_ttl": 30 * DAY, "refresh_ttl": 180 * DAY},
    )
    lazada = base.setup_lazada_channel(env, sim, batch=True)
    lazada.write(
        {"code": f"BENCH-LZ-S{index}", "name": f"Bench Lazada settlements {index}"}
    )
    for start in range(0, size, 500):
        sim.post(
            "/_sim/orders/new",
            {"count": min(500, size - start), "status": "pending"},
        )
    lazada.with_context(omni_actor="cron")._enqueue_pull()
    env.cr.commit()
    base.run_queue_jobs(env.registry, max_rounds=500)
    env.invalidate_all()
    orders = env["sale.order"].search([("channel_id", "=", lazada.id)], order="id")
    assert len(orders) == size, (len(orders), size)
    _fulfil(env, orders)
    # the dispatch hook queued the shipment pushes: not what is measured, and
    # their simulator stops with this size
    env.cr.execute(
        "UPDATE queue_job SET state = 'cancelled' "
        "WHERE state IN ('pending', 'enqueued', 'wait_dependencies')"
    )
    lazada.auto_import = False
    for ref in orders.mapped("channel_order_ref"):
        sim.post(f"/_sim/orders/{ref}/deliver")
    sim.post("/_sim/clock", {"advance": 17 * DAY})
    lazada.action_settlement_setup()
    env.cr.commit()
    return sim, lazada, orders


def _settle(env, lazada):
    """The timed part: import, post, match the payouts' bank lines."""
    from datetime import timedelta

    from odoo import fields

    today = fields.Date.context_today(lazada)
    wizard = (
        env["channel.settlement.import"]
        .with_context(active_model="omni.channel", active_ids=lazada.ids)
        .create(
            {
                "date_from": today - timedelta(days=2),
                "date_to": today + timedelta(days=40),
            }
        )
    )
    wizard.with_context(queue_job__no_delay=True).action_import()
    settlements = env["channel.settlement"].search([("channel_id", "=", lazada.id)])
    settlements.action_post()
    journal = lazada.settlement_bank_journal_id
    env["account.bank.statement.line"].create(
        [
            {
                "journal_id": journal.id,
                "date": payout.date,
                "payment_ref": f"LAZADA PAYOUT {payout.bank_ref}",
                "amount": payout.amount,
            }
            for payout in settlements.payout_id
        ]
    )
    env.cr.commit()
    return settlements


def _check(env, lazada, orders, settlements):
    invoices = orders.invoice_ids
    env.invalidate_all()
    unpaid = invoices.filtered(
        lambda m: m.payment_state not in ("paid", "in_payment")
        or not m.currency_id.is_zero(m.amount_residual)
    )
    clearing = env["account.move.line"].search(
        [
            ("account_id", "=", lazada.settlement_clearing_account_id.id),
            ("parent_state", "=", "posted"),
        ]
    )
    balance = round(sum(clearing.mapped("balance")), 2)
    exceptions = env["channel.settlement.exception"].search_count(
        [("channel_id", "=", lazada.id)]
    )
    payouts = settlements.payout_id
    unmatched = payouts.filtered(lambda p: p.reconcile_state != "matched")
    assert not unpaid, f"{len(unpaid)} invoice(s) not paid by the settlements"
    assert not balance, f"clearing account at {balance}"
    assert not exceptions, f"{exceptions} settlement exception(s)"
    assert not unmatched, f"{len(unmatched)} payout(s) not matched"
    return {
        "invoices": len(invoices),
        "settlements": len(settlements),
        "settlement_lines": len(settlements.line_ids),
        "payouts": len(payouts),
        "clearing_balance": balance,
    }


def scenario_settlement(env, args):
    result = {}
    for index, (size, key) in enumerate(
        ((args.settle_small, "small"), (args.settle_orders, "big"))
    ):
        sim, lazada, orders = _prepared_channel(env, args, size, index)
        try:
            meter = base.Meter()
            with meter:
                settlements = _settle(env, lazada)
            measured = meter.result(len(orders))
            measured.update(_check(env, lazada, orders, settlements))
        finally:
            sim.stop()
        result[key] = measured
    big = result["big"]
    return dict(
        big,
        small=result["small"],
        big=big,
        growth=round(big["ms_per_order"] / result["small"]["ms_per_order"], 3),
    )


SCENARIOS = {"settlement": scenario_settlement}
