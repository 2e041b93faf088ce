from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index

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
    body = fields.Text(
        help="The push as received, until the channel's drain job has read it."
    )

    _sql_constraints = [
        (
            "channel_digest_uniq",
            "unique(channel_id, digest)",
            "This push was already received.",
        ),
    ]

    def init(self):
        # the pushes still to drain, per channel
        create_index(
            self.env.cr,
            "channel_webhook_receipt_pending_index",
            self._table,
            ["channel_id", "id"],
            where="body IS NOT NULL",
        )

    @api.model
    def _receive(self, channel, digest, body=None):
        """True the first time ``digest`` is seen for ``channel`` (safe between
        concurrent requests: the database decides); ``body`` is kept for the
        drain job."""
        rows = self.env.execute_query(
            SQL(
                "INSERT INTO channel_webhook_receipt "
                "(channel_id, digest, received_at, body) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (channel_id, digest) DO NOTHING "
                "RETURNING id",
                channel.id,
                digest,
                fields.Datetime.now(),
                body,
            )
        )
        return bool(rows)

    @api.model
    def _take_pending(self, channel, limit):
        """[(id, body)] of the pushes of ``channel`` not drained yet, oldest
        first, marked drained (rows another drain holds are skipped)."""
        rows = self.env.execute_query(
            SQL(
                "SELECT id, body FROM channel_webhook_receipt "
                "WHERE channel_id = %s AND body IS NOT NULL "
                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                channel.id,
                limit,
            )
        )
        if rows:
            self.env.execute_query(
                SQL(
                    "UPDATE channel_webhook_receipt SET body = NULL WHERE id IN %s",
                    tuple(row[0] for row in rows),
                )
            )
        return rows

    @api.model
    def _pending_channel_ids(self, before):
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT channel_id FROM channel_webhook_receipt "
                "WHERE body IS NOT NULL AND received_at < %s",
                before,
            )
        )
        return [row[0] for row in rows]

    @api.autovacuum
    def _gc_receipts(self):
        self.search(
            [("received_at", "<", fields.Datetime.now() - 2 * MAX_AGE)]
        ).unlink()
