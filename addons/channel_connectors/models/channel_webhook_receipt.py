from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# a push older than this is refused; receipts are kept twice as long
MAX_AGE = timedelta(days=1)


class ChannelWebhookReceipt(models.Model):
    """A push already received (its signature): the same push sent again is a
    replay and is not processed twice."""

    _name = "channel.webhook.receipt"
    _description = "Channel Webhook Receipt"
    _log_access = False

    channel_id = fields.Many2one(
        comodel_name="omni.channel", required=True, ondelete="cascade"
    )
    digest = fields.Char(required=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [
        (
            "channel_digest_uniq",
            "unique(channel_id, digest)",
            "This push was already received.",
        ),
    ]

    @api.model
    def _receive(self, channel, digest):
        """True the first time ``digest`` is seen for ``channel`` (safe between
        concurrent requests: the database decides)."""
        rows = self.env.execute_query(
            SQL(
                "INSERT INTO channel_webhook_receipt (channel_id, digest, received_at) "
                "VALUES (%s, %s, %s) ON CONFLICT (channel_id, digest) DO NOTHING "
                "RETURNING id",
                channel.id,
                digest,
                fields.Datetime.now(),
            )
        )
        return bool(rows)

    @api.autovacuum
    def _gc_receipts(self):
        self.search(
            [("received_at", "<", fields.Datetime.now() - 2 * MAX_AGE)]
        ).unlink()
