"""sale.order: the touchless cron. Confirmed drop-ship orders of touchless
channels are handed to small jobs that ship them; an order that cannot be
shipped backs off."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.job import identity_exact

from .sale_order import _logger

#: the touchless cron dispatches at most this many orders a run, in jobs of
#: TOUCHLESS_CHUNK orders (the rest at once in the next run: see _notify_progress)
TOUCHLESS_RUN_LIMIT = 500
TOUCHLESS_CHUNK = 20
#: an order handed to a job is not dispatched again for this long (the job's
#: lease: a job that never ran gives its orders back after it)
TOUCHLESS_LEASE = timedelta(hours=1)
#: after the n-th failed attempt in a row, the next one waits
#: TOUCHLESS_BACKOFF * 2 ** (n - 1), at most TOUCHLESS_BACKOFF_MAX
TOUCHLESS_BACKOFF = timedelta(minutes=5)
TOUCHLESS_BACKOFF_MAX = timedelta(days=1)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model
    def _dropship_touchless_domain(self):
        """The lines the touchless cron ships: drop-ship goods lines of confirmed
        orders of touchless channels that have no purchase line yet."""
        return [
            ("order_id.state", "=", "sale"),
            ("order_id.channel_id.processing_policy", "=", "touchless"),
            ("display_type", "=", False),
            ("product_id.type", "=", "consu"),
            ("purchase_line_ids", "=", False),
        ]

    def _dropship_touchless_pending(self):
        """These orders that still have drop-ship lines for the touchless cron."""
        lines = self.env["sale.order.line"].search(
            [("order_id", "in", self.ids), *self._dropship_touchless_domain()]
        )
        return lines._dropship_candidates().order_id

    @api.model
    def _cron_dropship_touchless(
        self, limit=TOUCHLESS_RUN_LIMIT, chunk_size=TOUCHLESS_CHUNK
    ):
        """Dispatch the touchless drop-ship orders that are due to jobs of
        ``chunk_size`` orders (:meth:`_dropship_touchless_job`), at most ``limit``
        orders a run. Due: never tried, or their back-off is over. Oldest first,
        by when they became due (confirmation, or end of the back-off), so an
        order that keeps failing never holds the newer ones up.
        Must be called from ir.cron; returns the orders dispatched."""
        now = fields.Datetime.now()
        lines = self.env["sale.order.line"].search(
            [
                *self._dropship_touchless_domain(),
                "|",
                ("order_id.dropship_next_attempt", "=", False),
                ("order_id.dropship_next_attempt", "<=", now),
            ]
        )
        due = lines._dropship_candidates().order_id.sorted(
            lambda o: (o.dropship_next_attempt or o.date_order, o.id)
        )
        dispatched = due[:limit]
        for index in range(0, len(dispatched), chunk_size):
            dispatched[index : index + chunk_size]._dropship_touchless_enqueue(now)
        self.env["ir.cron"]._notify_progress(
            done=len(dispatched), remaining=len(due) - len(dispatched)
        )
        return dispatched

    def _dropship_touchless_enqueue(self, now):
        """One job ships these orders; they are not dispatched again while it
        holds them (:data:`TOUCHLESS_LEASE`)."""
        self.write({"dropship_next_attempt": now + TOUCHLESS_LEASE})
        return self.with_delay(
            identity_key=identity_exact,
            description=self.env._(
                "Drop-ship touchless orders %s", ", ".join(self.mapped("name"))
            ),
        )._dropship_touchless_job()

    def _dropship_touchless_job(self):
        """Ship these touchless orders (queue job of the touchless cron). Orders
        another job is shipping are left to it; an order that is not shipped
        (its error is logged and noted in its chatter) backs off: its next
        attempt waits longer after each failure in a row."""
        locked = self._dropship_lock_for_ship()
        orders = locked._dropship_touchless_pending()
        shipped, failures = orders._dropship_ship_isolated()
        # an order with lines left to ship (e.g. no distributor offers one) failed
        # too: it would come back every run
        failed = self.browse([o.id for o in failures]) | (
            orders._dropship_touchless_pending()
        )
        (locked - failed).write(
            {"dropship_attempt_count": 0, "dropship_next_attempt": False}
        )
        failed._dropship_back_off()
        return self.env._(
            "%(shipped)s order(s) shipped, %(failed)s backing off: %(names)s",
            shipped=len(shipped - failed),
            failed=len(failed),
            names=", ".join(failed.mapped("name")) or "-",
        )

    def _dropship_lock_for_ship(self):
        """These orders, but those whose row another transaction holds (a job
        shipping them already): they are locked until the end of this one."""
        if not self:
            return self
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM sale_order WHERE id IN %s FOR UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        return self.browse([row[0] for row in rows])

    def _dropship_back_off(self):
        """One more failed attempt: the next one waits twice as long as the
        previous one (:data:`TOUCHLESS_BACKOFF`, at most
        :data:`TOUCHLESS_BACKOFF_MAX`)."""
        now = fields.Datetime.now()
        for order in self:
            count = order.dropship_attempt_count + 1
            delay = min(
                TOUCHLESS_BACKOFF * 2 ** min(count - 1, 16), TOUCHLESS_BACKOFF_MAX
            )
            order.write(
                {"dropship_attempt_count": count, "dropship_next_attempt": now + delay}
            )
            _logger.info(
                "Drop-ship touchless order %s not shipped (attempt %s): next "
                "attempt after %s",
                order.name,
                count,
                order.dropship_next_attempt,
            )
