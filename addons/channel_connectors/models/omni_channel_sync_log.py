"""omni.channel: the sync log, the job guard, advisory locks, the error digest."""

import hashlib
from contextlib import contextmanager
from datetime import timedelta

import psycopg2

from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import AdapterError
from .omni_channel import _dumps

PAYLOAD_EXCERPT = 4000


def _excerpt(data):
    if data is None:
        return False
    text = data if isinstance(data, str) else _dumps(data)
    return text[:PAYLOAD_EXCERPT]


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- sync log ----------------------------------------------------------------
    def _connector_log(
        self,
        direction,
        operation,
        state="done",
        message=False,
        payload=None,
        record=None,
        external_ref=False,
        retry=None,
        separate=False,
    ):
        """Write a sync log entry. ``separate``: in its own transaction, so that it
        survives the failure of the current job. ``retry``: (method, args) of the
        job to enqueue again from the log's Retry button."""
        self.ensure_one()
        job_uuid = self.env.context.get("job_uuid") or False
        vals = {
            "channel_id": self.id,
            "direction": direction,
            "operation": operation,
            "state": state,
            "message": message,
            "payload": _excerpt(payload),
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "external_ref": external_ref,
            "job_uuid": job_uuid,
            "retry_method": retry[0] if retry else False,
            "retry_args": _dumps(retry[1]) if retry else False,
        }
        if separate and not modules.module.current_test:
            # a test runs in one transaction: the log stays in it
            with self.env.registry.cursor() as cr:
                env = self.env(cr=cr, su=True)
                return env["channel.sync.log"]._record(vals).id
        return self.env["channel.sync.log"].sudo()._record(vals)

    @contextmanager
    def _connector_job_guard(
        self, direction, operation, record=None, external_ref=False, retry=None
    ):
        """Inside a job: retryable adapter errors become RetryableJobError (with the
        platform's Retry-After); other errors are logged (in their own transaction)
        and fail the job."""
        try:
            yield
        except RetryableJobError:
            raise
        except psycopg2.errors.UniqueViolation as exc:
            # another worker created the same record (customer, mapping, order)
            # at the same moment: run again, it will find it (connector's
            # _retry_unique_violation)
            raise RetryableJobError(
                self.env._(
                    "Created at the same time by another worker, retrying: %(error)s",
                    error=str(exc).splitlines()[0],
                ),
                seconds=2,
            ) from exc
        except AdapterError as exc:
            if exc.retryable:
                seconds = int(exc.retry_after) if exc.retry_after else None
                self._connector_log(
                    direction,
                    operation,
                    state="failed",
                    message=self.env._("Will retry: %(error)s", error=str(exc)),
                    payload=exc.payload,
                    record=record,
                    external_ref=external_ref,
                    retry=retry,
                    separate=True,
                )
                # the platform said when to come back (429 + Retry-After): waiting
                # as told is not a failed attempt, a pull must not run out of them
                raise RetryableJobError(
                    str(exc), seconds=seconds or None, ignore_retry=bool(seconds)
                ) from exc
            self._connector_log(
                direction,
                operation,
                state="failed",
                message=str(exc),
                payload=exc.payload,
                record=record,
                external_ref=external_ref,
                retry=retry,
                separate=True,
            )
            raise UserError(str(exc)) from exc

    # ---- locks -------------------------------------------------------------------
    def _connector_lock_key(self, external_id):
        digest = hashlib.sha1(f"omni.channel:{self.id}:{external_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def _connector_try_lock(self, external_id):
        """Transaction-level advisory lock on (channel, order number)."""
        return external_id in self._connector_try_locks([external_id])

    def _connector_try_locks(self, external_ids):
        """The order numbers of ``external_ids`` this transaction could lock (a
        transaction-level advisory lock on each (channel, order number)), in one
        statement for a whole page."""
        keys = {self._connector_lock_key(ext): ext for ext in external_ids}
        if not keys:
            return set()
        rows = self.env.execute_query(
            SQL(
                "SELECT key, pg_try_advisory_xact_lock(key) "
                "FROM unnest(%s::bigint[]) AS key",
                list(keys),
            )
        )
        return {keys[key] for key, locked in rows if locked}

    # ---- digest ------------------------------------------------------------------
    @api.model
    def _cron_send_error_digest(self):
        """Daily: e-mail the failed exchanges of the last day to each channel's
        recipients."""
        since = fields.Datetime.now() - timedelta(days=1)
        template = self.env.ref("channel_connectors.mail_template_sync_error_digest")
        for channel in self.search([("error_email", "!=", False)]):
            if channel._connector_digest_logs(since):
                template.with_context(digest_since=since).send_mail(channel.id)
        return True

    def _connector_digest_logs(self, since=None):
        self.ensure_one()
        since = since or self.env.context.get("digest_since")
        if isinstance(since, str):
            since = fields.Datetime.to_datetime(since)
        since = since or (fields.Datetime.now() - timedelta(days=1))
        return self.env["channel.sync.log"].search(
            [
                ("channel_id", "=", self.id),
                ("state", "=", "failed"),
                ("create_date", ">=", since),
            ],
            limit=200,
        )
