"""omni.channel: the webhook drain (pushes read in batch, one import per order)."""

from odoo import models

from ..adapters import AdapterError
from .omni_channel import WEBHOOK_DRAIN_DELAY

# the drain job reads at most this many pushes
WEBHOOK_DRAIN_BATCH = 500


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- webhooks ----------------------------------------------------------------
    def _enqueue_webhook_drain(self):
        """One pending drain job per channel, a few seconds ahead: the pushes
        received meanwhile are drained together. queue_job's identity key
        answers the job already waiting (pending, enqueued or waiting for its
        dependencies) instead of creating another one."""
        self.ensure_one()
        return self.with_delay(
            eta=WEBHOOK_DRAIN_DELAY,
            identity_key=f"channel_connectors.webhooks:{self.id}",
            description=self.env._("Read the pushes of %(channel)s", channel=self.name),
        )._drain_webhooks_job()

    def _drain_webhooks_job(self):
        """Job: read the pushes the channel received, enqueue one import per
        order they speak of (the newest update time of each)."""
        self.ensure_one()
        channel = self.with_context(omni_actor="webhook")
        receipts = self.env["channel.webhook.receipt"]
        rows = receipts._take_pending(channel, WEBHOOK_DRAIN_BATCH)
        if not rows:
            return self.env._("Nothing to read")
        adapter = channel._get_adapter()
        events = {}
        for _receipt_id, body in rows:
            try:
                parsed = adapter.parse_webhook(body.encode())
            except (ValueError, AdapterError) as exc:
                channel._connector_log(
                    "webhook",
                    "webhook/parse",
                    state="skipped",
                    message=str(exc),
                    payload=body,
                )
                continue
            for event in parsed:
                external_id = event["external_id"]
                updated_at = event.get("updated_at")
                if external_id not in events or (
                    updated_at and (events[external_id] or updated_at) <= updated_at
                ):
                    events[external_id] = updated_at
        for external_id, updated_at in events.items():
            channel._enqueue_import(external_id, updated_at)
        if len(rows) >= WEBHOOK_DRAIN_BATCH:
            channel._enqueue_webhook_drain()
        return self.env._(
            "%(pushes)s push(es): %(orders)s order(s) queued",
            pushes=len(rows),
            orders=len(events),
        )
