import hashlib
import json
import logging
import secrets
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import psycopg2
import requests

from odoo import Command, api, fields, models, modules
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import ADAPTERS, AdapterError, ParseError, TokenExpired

_logger = logging.getLogger(__name__)

MANAGER = "channel_connectors.group_connector_manager"
JOB_CHANNEL = "root.omnichannel"
# refresh an access token this long before it expires
TOKEN_MARGIN = timedelta(minutes=10)
# at most this many quick in-place retries of a 429/5xx before the job is retried
INLINE_RETRIES = 2
INLINE_MAX_WAIT = 2.0
PAYLOAD_EXCERPT = 4000
# the webhook drain job runs this many seconds after the first push it reads,
# and reads at most this many pushes
WEBHOOK_DRAIN_DELAY = 3
WEBHOOK_DRAIN_BATCH = 500


def _dumps(data):
    return json.dumps(data, default=str, ensure_ascii=False)


def _excerpt(data):
    if data is None:
        return False
    text = data if isinstance(data, str) else _dumps(data)
    return text[:PAYLOAD_EXCERPT]


class _ChannelSession(requests.Session):
    """The HTTP session given to an adapter: a per-channel rate limit, and a quick
    in-place retry of a 429 (honouring a short Retry-After), or of a 5xx, a
    timeout or a lost connection on a read.
    Longer waits are left to the job (RetryableJobError)."""

    _slots = {}
    _slots_lock = threading.Lock()

    def __init__(self, channel_key, rate_limit=0.0):
        super().__init__()
        self.channel_key = channel_key
        self.rate_limit = rate_limit or 0.0

    def _throttle(self):
        if self.rate_limit <= 0:
            return
        interval = 1.0 / self.rate_limit
        with self._slots_lock:
            now = time.monotonic()
            slot = max(self._slots.get(self.channel_key, 0.0), now)
            self._slots[self.channel_key] = slot + interval
        if slot > now:
            time.sleep(slot - now)

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10.0)
        attempt = 0
        while True:
            self._throttle()
            try:
                resp = super().request(method, url, *args, **kwargs)
            except (requests.Timeout, requests.ConnectionError):
                # a read is safe to send again; a write may have been done
                if method.upper() != "GET" or attempt >= INLINE_RETRIES:
                    raise
                attempt += 1
                time.sleep(0.2 * 2**attempt)
                continue
            retryable = resp.status_code == 429 or (
                resp.status_code >= 500 and method.upper() == "GET"
            )
            if not retryable or attempt >= INLINE_RETRIES:
                return resp
            try:
                wait = float(resp.headers.get("Retry-After") or 0.2 * 2**attempt)
            except ValueError:
                wait = 0.2 * 2**attempt
            if wait > INLINE_MAX_WAIT:
                return resp
            attempt += 1
            time.sleep(wait)


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    # ---- connection --------------------------------------------------------------
    api_base_url = fields.Char(
        string="API Base URL", help="e.g. https://api.lazada.com.my/rest"
    )
    auth_base_url = fields.Char(
        string="Auth URL",
        help="Where tokens are created and refreshed, when not the API URL "
        "(Lazada: https://auth.lazada.com/rest).",
    )
    app_key = fields.Char(groups=MANAGER)
    app_secret = fields.Char(groups=MANAGER, copy=False)
    access_token = fields.Char(groups=MANAGER, copy=False)
    refresh_token = fields.Char(groups=MANAGER, copy=False)
    token_expires_at = fields.Datetime(copy=False, groups=MANAGER)
    refresh_expires_at = fields.Datetime(copy=False, groups=MANAGER)
    shop_id = fields.Char(string="Shop ID")
    shop_cipher = fields.Char(groups=MANAGER, copy=False)
    tenant_code = fields.Char()
    page_limit = fields.Integer(default=20, help="Orders asked per page.")
    status_filter = fields.Char(help="Only pull orders with this channel status.")
    import_overlap_minutes = fields.Integer(
        string="Overlap (minutes)",
        default=10,
        help="Each pull starts this long before the watermark, to catch updates "
        "stored late by the platform.",
    )
    initial_import_days = fields.Integer(
        default=30, help="The first pull goes this many days back."
    )
    last_import_at = fields.Datetime(
        string="Watermark",
        copy=False,
        help="The latest update time pulled from the channel: the next pull starts "
        "here (minus the overlap).",
    )
    last_pull_at = fields.Datetime(string="Last Pull", copy=False, readonly=True)
    import_cursor = fields.Char(
        copy=False,
        help="Cursor-paged sources (e-shop, REST): where the next pull resumes.",
    )
    auto_import = fields.Boolean(
        string="Scheduled Pull", default=True, help="Pull orders periodically."
    )
    import_interval_minutes = fields.Integer(string="Pull Every (minutes)", default=5)
    import_in_batch = fields.Boolean(
        help="Import the pages inside the pull job (the whole pull in one "
        "transaction) instead of one job per page. Only for platforms whose "
        "order lists carry full orders; by default each page is its own job.",
    )
    stock_sync = fields.Boolean(
        string="Push Stock", default=True, help="Send free quantities to the channel."
    )
    seller_shipping_provider_ref = fields.Char(
        string="Own Carrier ID",
        help="TikTok Shop: the shipping_provider_id of the carrier you ship with "
        "yourself (Manual shipment with your own tracking number); the Arrange "
        "Shipment wizard proposes it.",
    )
    default_ship_method = fields.Selection(
        selection=[
            ("dropoff", "Drop-off"),
            ("pickup", "Pickup"),
            ("manual", "Manual (own tracking number)"),
        ],
        default="dropoff",
        help="How a delivery validated in Odoo is shipped on the channel when the "
        "shipment was not arranged before.",
    )
    error_email = fields.Char(
        string="Error Recipients", help="Comma-separated e-mails for the error digest."
    )
    rate_limit_per_second = fields.Float(
        string="Rate Limit (calls/s)", default=10.0, help="0 = no limit."
    )
    request_timeout = fields.Float(
        string="Timeout (s)",
        default=10.0,
        help="How long a call to the channel may wait for an answer; a call that "
        "times out is retried later.",
    )
    webhook_token = fields.Char(
        groups=MANAGER,
        copy=False,
        default=lambda self: secrets.token_urlsafe(24),
    )
    webhook_url = fields.Char(compute="_compute_webhook_url", groups=MANAGER)
    field_mapping_ids = fields.One2many(
        comodel_name="channel.field.mapping",
        inverse_name="channel_id",
        string="Field Mappings",
    )
    connector_ready = fields.Boolean(
        compute="_compute_connector_ready",
        help="The channel has a platform adapter and an API URL.",
    )

    def _compute_webhook_url(self):
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for channel in self:
            channel.webhook_url = (
                f"{base}/channel_connectors/webhook/{channel.id}/"
                f"{channel.sudo().webhook_token}"
                if channel.id
                else False
            )

    @api.depends("platform", "api_base_url")
    def _compute_connector_ready(self):
        for channel in self:
            channel.connector_ready = bool(
                channel.platform in ADAPTERS and channel.api_base_url
            )

    def _job_prepare_context_before_enqueue_keys(self):
        """The jobs know who started them (history: cron, webhook, job)."""
        return tuple(super()._job_prepare_context_before_enqueue_keys()) + (
            "omni_actor",
        )

    # ---- adapter -----------------------------------------------------------------
    def _get_connection(self):
        """The adapter's connection dict (secrets included: for the engine only)."""
        self.ensure_one()
        channel = self.sudo()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        return {
            "base_url": channel.api_base_url,
            "auth_url": channel.auth_base_url or channel.api_base_url,
            "app_key": channel.app_key,
            "app_secret": channel.app_secret,
            "access_token": channel.access_token,
            "refresh_token": channel.refresh_token,
            "shop_id": channel.shop_id,
            "shop_cipher": channel.shop_cipher,
            "tenant_code": channel.tenant_code,
            "page_limit": channel.page_limit or 20,
            "status_filter": channel.status_filter,
            "cursor": channel.import_cursor or None,
            "currency": channel.currency_id.name,
            "timeout": channel.request_timeout or 10.0,
            "webhook_url": f"{base}/channel_connectors/webhook/{channel.id}/"
            f"{channel.webhook_token}",
            "mappings": {
                kind: {
                    m.external_key: m._target_ref()
                    for m in channel.field_mapping_ids
                    if m.kind == kind
                }
                for kind in ("branch", "item", "customer")
            },
        }

    def _get_adapter_class(self):
        self.ensure_one()
        cls = ADAPTERS.get(self.platform)
        if not cls:
            raise UserError(
                self.env._("Channel %(channel)s has no connector.", channel=self.name)
            )
        return cls

    def _get_adapter(self):
        self.ensure_one()
        session = _ChannelSession(
            (self.env.cr.dbname, self.id), self.sudo().rate_limit_per_second
        )
        connection = self._get_connection()
        if self.env.context.get("connector_no_cursor"):
            connection["cursor"] = None
        return self._get_adapter_class()(connection, session=session)

    def _connector_channels(self):
        return self.filtered("connector_ready")

    def _connector_check_webhook(self, headers, body, url=None):
        """The push's signature checked from the stored credentials only (the
        adapter class's ``check_webhook``: no session, no mappings)."""
        self.ensure_one()
        channel = self.sudo()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        credentials = {
            "base_url": channel.api_base_url,
            "app_key": channel.app_key,
            "app_secret": channel.app_secret,
            "shop_id": channel.shop_id,
            "webhook_url": f"{base}/channel_connectors/webhook/{channel.id}/"
            f"{channel.webhook_token}",
        }
        return self._get_adapter_class().check_webhook(credentials, headers, body, url)

    # ---- tokens ------------------------------------------------------------------
    def _connector_store_tokens(self, tokens):
        self.ensure_one()
        vals = {
            "access_token": tokens.get("access_token"),
            "token_expires_at": tokens.get("expires_at"),
        }
        if tokens.get("refresh_token"):
            vals["refresh_token"] = tokens["refresh_token"]
        if tokens.get("refresh_expires_at"):
            vals["refresh_expires_at"] = tokens["refresh_expires_at"]
        self.sudo().write(vals)

    def _connector_refresh_token(self):
        """Refresh the access token (row-locked so that two workers don't spend the
        same single-use refresh token)."""
        self.ensure_one()
        self.env.execute_query(
            SQL("SELECT id FROM omni_channel WHERE id = %s FOR UPDATE", self.id)
        )
        self.sudo().invalidate_recordset(
            ["access_token", "refresh_token", "token_expires_at"]
        )
        adapter = self._get_adapter()
        try:
            tokens = adapter.refresh_access_token()
        except AdapterError as exc:
            self._connector_log(
                "import",
                "auth/token/refresh",
                state="failed",
                message=str(exc),
                payload=exc.payload,
            )
            raise
        self._connector_store_tokens(tokens)
        self._connector_log(
            "import", "auth/token/refresh", message=self.env._("Access token refreshed")
        )
        return tokens

    def _connector_exchange_code(self, code):
        """The authorisation-code flow: exchange the seller's code for tokens."""
        self.ensure_one()
        tokens = self._get_adapter().create_access_token(code)
        self._connector_store_tokens(tokens)
        self._connector_log(
            "import", "auth/token/create", message=self.env._("Channel authorised")
        )
        return tokens

    def _connector_refresh_if_needed(self):
        channel = self.sudo()
        if (
            channel.refresh_token
            and channel.token_expires_at
            and channel.token_expires_at - TOKEN_MARGIN <= fields.Datetime.now()
            and self._get_adapter_class().supports("refresh_access_token")
        ):
            self._connector_refresh_token()

    def _connector_call(self, func):
        """Call ``func(adapter)``: the token refreshed before it expires, and an
        expired token refreshed once, then the call retried."""
        self.ensure_one()
        self._connector_refresh_if_needed()
        try:
            return func(self._get_adapter())
        except TokenExpired:
            if not self.sudo().refresh_token:
                raise
            self._connector_refresh_token()
            return func(self._get_adapter())

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

    # ---- pull --------------------------------------------------------------------
    @api.model
    def _cron_import_orders(self):
        """Scheduled action: dispatch one pull job per channel that is due."""
        now = fields.Datetime.now()
        channels = self.search([("auto_import", "=", True)])._connector_channels()
        for channel in channels:
            due = not channel.last_pull_at or channel.last_pull_at + timedelta(
                minutes=max(channel.import_interval_minutes, 1)
            ) <= now + timedelta(seconds=30)
            if due:
                channel.with_context(omni_actor="cron")._enqueue_pull()
        # pushes a drain job may have missed (stored as it started)
        stale = now - timedelta(seconds=WEBHOOK_DRAIN_DELAY * 10)
        receipts = self.env["channel.webhook.receipt"]
        for channel in self.browse(receipts._pending_channel_ids(stale)).exists():
            channel.with_context(omni_actor="webhook")._enqueue_webhook_drain()
        return True

    # ---- webhooks ----------------------------------------------------------------
    def _enqueue_webhook_drain(self):
        """One pending drain job per channel, a few seconds ahead: the pushes
        received meanwhile are drained together. The request only looks for
        it (an index scan); the job is created when none is waiting."""
        self.ensure_one()
        identity_key = f"channel_connectors.webhooks:{self.id}"
        waiting = self.env.execute_query(
            SQL(
                "SELECT 1 FROM queue_job WHERE identity_key = %s "
                "AND state IN ('wait_dependencies', 'pending', 'enqueued') LIMIT 1",
                identity_key,
            )
        )
        if waiting:
            return False
        return self.with_delay(
            channel=JOB_CHANNEL,
            eta=WEBHOOK_DRAIN_DELAY,
            identity_key=identity_key,
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

    def _enqueue_pull(self, since=None, until=None, advance_watermark=True):
        self.ensure_one()
        return self.with_delay(
            channel=JOB_CHANNEL,
            identity_key=f"channel_connectors.pull:{self.id}:{since}:{until}",
            description=self.env._("Pull orders of %(channel)s", channel=self.name),
        )._import_orders_job(
            since=since and fields.Datetime.to_string(since),
            until=until and fields.Datetime.to_string(until),
            advance_watermark=advance_watermark,
        )

    def _import_orders_job(self, since=None, until=None, advance_watermark=True):
        """Job: page through the orders updated since the watermark (minus the
        overlap) or in [since, until); enqueue one page job per page of new
        versions (or import them here with ``import_in_batch``); move the
        watermark once every page is stored (a job that waits for the page
        jobs)."""
        self.ensure_one()
        channel = self.with_context(
            omni_actor=self.env.context.get("omni_actor", "job")
        )
        if since:
            start = fields.Datetime.to_datetime(since)
        elif channel.last_import_at:
            start = channel.last_import_at - timedelta(
                minutes=channel.import_overlap_minutes
            )
        else:
            start = fields.Datetime.now() - timedelta(
                days=channel.initial_import_days or 30
            )
        end = fields.Datetime.to_datetime(until) if until else None
        if since or not advance_watermark:
            # a date range (the import wizard): not from the stored cursor
            channel = channel.with_context(connector_no_cursor=True)
        stats = {"pages": 0, "orders": 0, "queued": 0, "imported": 0, "skipped": 0}
        latest = []
        with channel._connector_job_guard("import", "orders/list"):
            channel._connector_call(
                lambda adapter: channel._pull_pages(adapter, start, end, stats, latest)
            )
        page_items = stats.pop("page_items", [])
        watermark = {}
        next_cursor = stats.pop("next_cursor", None)
        if advance_watermark and next_cursor not in (None, "", False):
            watermark["import_cursor"] = str(next_cursor)
        hold_all, hold = stats.pop("hold_all", False), stats.pop("hold", [])
        if advance_watermark and latest and not hold_all:
            # never past a record that was skipped: the next pull reads it again
            newest = min([max(latest), *hold])
            if not channel.last_import_at or newest > channel.last_import_at:
                watermark["last_import_at"] = fields.Datetime.to_string(newest)
        channel.write({"last_pull_at": fields.Datetime.now()})
        page_jobs = [channel._page_delayable(items) for items in page_items]
        if page_jobs and watermark:
            # the watermark moves when every page job is done (a failed page
            # keeps it where it is: the next pull lists that page again)
            done = channel.delayable(
                channel=JOB_CHANNEL,
                identity_key="channel_connectors.pull_done:"
                + self._connector_digest(
                    [job.identity_key for job in page_jobs], watermark
                ),
                description=self.env._(
                    "Move the watermark of %(channel)s", channel=self.name
                ),
            )._import_pull_done_job(watermark)
            group(*page_jobs).on_done(done).delay()
        elif page_jobs:
            group(*page_jobs).delay()
        elif watermark:
            channel._import_pull_done_job(watermark)
        return self.env._(
            "%(pages)s page(s), %(orders)s order(s): %(queued)s queued in "
            "%(page_jobs)s page job(s), %(imported)s imported, %(skipped)s skipped",
            page_jobs=len(page_jobs),
            **stats,
        )

    def _import_pull_done_job(self, watermark):
        """Job (after the page jobs of a pull): move the watermark and the cursor
        the pull reached; a watermark never moves back."""
        self.ensure_one()
        vals = {}
        if watermark.get("import_cursor"):
            vals["import_cursor"] = watermark["import_cursor"]
        newest = watermark.get("last_import_at")
        if newest:
            newest = fields.Datetime.to_datetime(newest)
            if not self.last_import_at or newest > self.last_import_at:
                vals["last_import_at"] = newest
        if vals:
            self.write(vals)
        return self.env._("Watermark: %(vals)s", vals=vals or "-")

    @staticmethod
    def _connector_digest(*parts):
        return hashlib.sha1(_dumps(parts).encode()).hexdigest()

    def _pull_pages(self, adapter, start, end, stats, latest):
        for page in adapter.list_orders(start, end):
            stats["pages"] += 1
            stats["orders"] += len(page)
            self._pull_page(adapter, page, stats, latest)
        stats["next_cursor"] = getattr(adapter, "next_cursor", None)
        return stats

    def _pull_page(self, adapter, page, stats, latest):
        """Store one page: skip what is already known at this version, import the
        rest here (``import_in_batch``) or in one page job (its items added to
        ``stats["page_items"]``: the pull enqueues the page jobs at its end)."""
        entries = []
        for raw in page:
            try:
                external_id = adapter.external_id_of(raw)
                if adapter.list_returns_details:
                    normalised = adapter.parse_order(raw)
                    updated_at = normalised["updated_at"]
                else:
                    normalised, updated_at = None, adapter.updated_at_of(raw)
            except ParseError as exc:
                stats["skipped"] += 1
                self._connector_log_parse_error(exc, raw, adapter=adapter)
                self._connector_hold_watermark(adapter, raw, stats)
                continue
            if updated_at:
                latest.append(updated_at)
            if normalised is not None and normalised.get("importable") is False:
                stats["skipped"] += 1
                continue
            entries.append((external_id, updated_at, raw, normalised))
        known = self.env["channel.order.binding"]._versions(
            self, [e[0] for e in entries]
        )
        todo, seen = [], {}
        for entry in entries:
            external_id, updated_at = entry[0], entry[1]
            stored = known.get(external_id)
            if stored and updated_at and updated_at <= stored:
                continue
            previous = seen.get(external_id)
            if previous is not None:
                if updated_at and previous[1] and updated_at <= previous[1]:
                    continue
                todo.remove(previous)
            seen[external_id] = entry
            todo.append(entry)
        if not todo:
            return
        if self.import_in_batch and adapter.list_returns_details:
            result = self._import_normalised(
                [entry[3] for entry in todo], adapter=adapter, defer_locked=True
            )
            stats["imported"] += result["created"] + result["updated"]
            return
        details = adapter.list_returns_details
        items = [
            [
                str(external_id),
                fields.Datetime.to_string(updated_at) if updated_at else None,
                raw if details else None,
            ]
            for external_id, updated_at, raw, _normalised in todo
        ]
        stats.setdefault("page_items", []).append(items)
        stats["queued"] += len(items)

    def _page_delayable(self, items):
        """The page job of ``items`` ([order number, update time, raw or None]):
        one per (channel, the page's numbers and versions)."""
        self.ensure_one()
        digest = self._connector_digest([item[:2] for item in items])
        return self.delayable(
            channel=JOB_CHANNEL,
            identity_key=f"channel_connectors.page:{self.id}:{digest}",
            description=self.env._(
                "Import %(count)s order(s) from %(channel)s (%(first)s…%(last)s)",
                count=len(items),
                channel=self.name,
                first=items[0][0],
                last=items[-1][0],
            ),
        )._import_page_job(items)

    def _import_page_job(self, items):
        """Job: import a page of orders in one transaction and in batch (one
        prefetch, one ``create`` for the new orders, one savepoint per order when
        the batch fails). ``items``: [order number, update time listed, raw
        payload or None]; the orders without payload are read with one
        ``get_orders``. What cannot be done here (unreadable, older than listed,
        locked, conflicting) goes to one job per order."""
        self.ensure_one()
        channel = self.with_context(
            omni_actor=self.env.context.get("omni_actor", "job")
        )
        listed = {item[0]: item[1] for item in items}
        raws = [item[2] for item in items if item[2] is not None]
        to_fetch = [item[0] for item in items if item[2] is None]
        if to_fetch:
            with channel._connector_job_guard("import", "orders/get"):
                fetched = channel._connector_call(
                    lambda channel_adapter: channel_adapter.get_orders(to_fetch)
                )
            raws.extend(fetched or [])
        adapter = channel._get_adapter()
        normalised_list, done = [], set()
        for raw in raws:
            try:
                normalised = adapter.parse_order(raw)
            except ParseError as exc:
                ref = channel._connector_external_ref_of(raw, adapter)
                if ref in to_fetch:
                    # a copy read back that cannot be parsed: read it again later
                    continue
                channel._connector_log_parse_error(exc, raw, adapter=adapter)
                done.add(ref)
                continue
            external_id = str(normalised["external_id"])
            stamp = listed.get(external_id)
            if external_id not in listed or external_id in done:
                continue
            if (
                external_id in to_fetch
                and stamp
                and normalised["updated_at"] < fields.Datetime.to_datetime(stamp)
            ):
                # the channel served an older copy than it listed
                continue
            done.add(external_id)
            if normalised.get("importable") is False:
                continue
            normalised_list.append(normalised)
        for external_id in to_fetch:
            if external_id not in done:
                channel._enqueue_import(
                    external_id,
                    fields.Datetime.to_datetime(listed[external_id])
                    if listed[external_id]
                    else None,
                    strict=True,
                )
        # a customer created by another worker at the same moment: retried
        with channel._connector_job_guard("import", "orders/create"):
            result = channel._import_normalised(
                normalised_list, adapter=adapter, defer_locked=True, isolate=True
            )
        return self.env._(
            "%(count)s order(s): %(created)s created, %(updated)s updated, "
            "%(stale)s stale, %(conflicts)s deferred",
            count=len(items),
            **result,
        )

    @staticmethod
    def _connector_hold_watermark(adapter, raw, stats):
        """A record of the page was skipped: keep the watermark at its update time
        (or where it is, when the record does not say), so that the next pull
        reads it again."""
        try:
            updated_at = adapter.updated_at_of(raw)
        except Exception:  # a broken record: its time is as unreadable as the rest
            updated_at = None
        if updated_at:
            stats.setdefault("hold", []).append(updated_at)
        else:
            stats["hold_all"] = True

    @staticmethod
    def _connector_external_ref_of(raw, adapter=None):
        """The order number of a record that could not be parsed, when it can
        be read at all: the adapter's ``external_id_of`` (e.g. e-shop XML), else
        the usual keys of a dict payload; False otherwise."""
        if adapter is not None:
            try:
                external_ref = adapter.external_id_of(raw)
            except Exception:  # a broken record: its number may be as broken
                _logger.debug("No order number in an unreadable record", exc_info=True)
            else:
                if external_ref not in (None, "", False):
                    return str(external_ref)
        if isinstance(raw, dict):
            for key in ("order_id", "order_sn", "id", "order_number", "external_id"):
                if raw.get(key):
                    return str(raw[key])
        return False

    def _connector_log_parse_error(self, exc, raw, separate=False, adapter=None):
        external_ref = self._connector_external_ref_of(raw, adapter)
        self._connector_log(
            "import",
            "orders/parse",
            state="skipped",
            message=str(exc),
            # the record as it came, even when it is nothing at all
            payload=raw if raw not in (None, "", [], {}) else _dumps(raw),
            external_ref=external_ref,
            retry=("_import_order_job", [external_ref, None, None])
            if external_ref
            else None,
            separate=separate,
        )

    def _enqueue_import(
        self, external_id, updated_at=None, raw=None, priority=None, strict=False
    ):
        """One import job per (channel, order number, update time). ``strict``:
        ``updated_at`` is the version the channel listed; an older copy read
        back is retried, never stored as the latest."""
        self.ensure_one()
        stamp = fields.Datetime.to_string(updated_at) if updated_at else ""
        options = {
            "channel": JOB_CHANNEL,
            "identity_key": "channel_connectors.import:"
            f"{self.id}:{external_id}:{stamp}",
            "description": self.env._(
                "Import order %(ref)s from %(channel)s",
                ref=external_id,
                channel=self.name,
            ),
        }
        if priority is not None:
            options["priority"] = priority
        kwargs = {"strict": True} if strict and stamp else {}
        return self.with_delay(**options)._import_order_job(
            external_id, stamp or None, raw, **kwargs
        )

    def _import_order_job(
        self, external_id, updated_at_iso=None, raw=None, strict=False
    ):
        """Job: import (create or update) one order. ``raw``: the payload when the
        order list carried it, else the order is read from the channel (a copy
        that cannot be read, or that is older than the listed version with
        ``strict``, is read again later: the platform may serve it right)."""
        self.ensure_one()
        channel = self.with_context(
            omni_actor=self.env.context.get("omni_actor", "job")
        )
        if not channel._connector_try_lock(external_id):
            raise RetryableJobError(
                f"Order {external_id} is being imported by another worker",
                seconds=5,
                ignore_retry=True,
            )
        retry = ("_import_order_job", [external_id, None, None])
        with channel._connector_job_guard(
            "import", "order/get", external_ref=external_id, retry=retry
        ):
            if raw is None:
                raws = channel._connector_call(
                    lambda adapter: adapter.get_orders([external_id])
                )
                if not raws:
                    channel._connector_log(
                        "import",
                        "order/get",
                        state="failed",
                        message=channel.env._("The channel does not know this order."),
                        external_ref=external_id,
                    )
                    return False
                raw = raws[0]
                fetched = True
            else:
                fetched = False
            adapter = channel._get_adapter()
            try:
                normalised = adapter.parse_order(raw)
            except ParseError as exc:
                channel._connector_log_parse_error(
                    exc, raw, separate=fetched, adapter=adapter
                )
                if fetched:
                    raise RetryableJobError(str(exc), seconds=30) from exc
                return self.env._("Skipped: %(error)s", error=str(exc))
        if (
            fetched
            and strict
            and updated_at_iso
            and normalised["updated_at"] < fields.Datetime.to_datetime(updated_at_iso)
        ):
            raise RetryableJobError(
                f"Order {external_id}: the channel served a version older than "
                f"the one it listed ({updated_at_iso})",
                seconds=10,
            )
        if normalised.get("importable") is False:
            return self.env._(
                "Not importable yet: %(reason)s",
                reason=normalised.get("not_importable_reason") or "-",
            )
        with channel._connector_job_guard(
            "import", "order/create", external_ref=external_id, retry=retry
        ):
            result = channel._import_normalised([normalised], adapter=adapter)
        if result["conflicts"]:
            raise RetryableJobError(
                f"Order {external_id} was created meanwhile", seconds=2
            )
        return self.env._(
            "%(created)s created, %(updated)s updated, %(stale)s stale", **result
        )

    # ---- upsert ------------------------------------------------------------------
    def _import_normalised(
        self, normalised_list, adapter=None, defer_locked=False, isolate=False
    ):
        """Create or update the orders of ``normalised_list`` (normalised dicts) in
        batch: one prefetch of bindings, partners, products and mappings, one
        ``create`` for the new orders. An older version never overwrites a newer one.
        ``defer_locked``: orders locked by another worker are left to a job.
        ``isolate``: an order that fails is logged (with its Retry) and the others
        are stored."""
        self.ensure_one()
        adapter = adapter or self._get_adapter()
        result = {"created": 0, "updated": 0, "stale": 0, "conflicts": 0}
        if not normalised_list:
            return result
        Binding = self.env["channel.order.binding"]
        external_ids = [n["external_id"] for n in normalised_list]
        bindings = {
            b.external_id: b
            for b in Binding.search(
                [("channel_id", "=", self.id), ("external_id", "in", external_ids)]
            )
        }
        orders = {
            o.channel_order_ref: o
            for o in self.env["sale.order"].search(
                [
                    ("channel_id", "=", self.id),
                    ("channel_order_ref", "in", external_ids),
                ]
            )
        }
        to_create, to_update = [], []
        locked = self._connector_try_locks(external_ids) if defer_locked else ()
        for normalised in normalised_list:
            external_id = normalised["external_id"]
            if defer_locked and external_id not in locked:
                self._enqueue_import(
                    external_id, normalised["updated_at"], normalised["raw"]
                )
                continue
            binding = bindings.get(external_id)
            order = orders.get(external_id) or (binding.order_id if binding else None)
            newest = max(
                filter(
                    None,
                    [
                        binding.external_updated_at if binding else None,
                        order.channel_updated_at if order else None,
                    ],
                ),
                default=None,
            )
            if newest and normalised["updated_at"] <= newest:
                result["stale"] += 1
                continue
            if order:
                to_update.append((order, binding, normalised))
            else:
                to_create.append(normalised)
        if to_create:
            created, conflicts = self._import_create(to_create, adapter)
            result["created"] += created
            result["conflicts"] += conflicts
        for order, binding, normalised in to_update:
            if not isolate:
                self._import_update(order, binding, normalised, adapter)
                result["updated"] += 1
                continue
            try:
                self._import_update(order, binding, normalised, adapter)
            except (UserError, ValueError, TypeError, KeyError) as exc:
                self._connector_log_import_failure(normalised, exc, "order/update")
            else:
                result["updated"] += 1
        return result

    def _connector_log_import_failure(self, normalised, exc, operation):
        """One order of a page could not be stored: logged with its Retry (one
        job for that order), the rest of the page goes on."""
        _logger.info("Order %s not imported: %s", normalised.get("external_id"), exc)
        external_id = normalised["external_id"]
        self._connector_log(
            "import",
            operation,
            state="failed",
            message=str(exc) or repr(exc),
            payload=normalised.get("raw"),
            external_ref=external_id,
            retry=("_import_order_job", [external_id, None, None]),
        )

    def _import_cache(self, normalised_list):
        """Everything a page of orders needs, read once: customers and delivery
        contacts, SKU and item mappings, branch mappings, countries."""
        customers = [n.get("customer") or {} for n in normalised_list]
        partners = self._connector_find_partners(customers)
        shipping = self._connector_shipping_partners(normalised_list, partners)
        skus = {line["sku"] for n in normalised_list for line in n["lines"]}
        sku_map = {
            m.channel_sku: m.product_id
            for m in self.env["omni.channel.product"].search(
                [("channel_id", "=", self.id), ("channel_sku", "in", list(skus))]
            )
        }
        mappings = self.field_mapping_ids
        return {
            "partners": partners,
            "shipping": shipping,
            "sku_map": sku_map,
            "item_map": {
                m.external_key: m.product_id
                for m in mappings
                if m.kind == "item" and m.product_id
            },
            "branch_map": {
                m.external_key: m.warehouse_id
                for m in mappings
                if m.kind == "branch" and m.warehouse_id
            },
            "placeholder": self.env.ref(
                "omnichannel_orders.product_unlinked_channel_item"
            ),
            # Odoo looks for analytic distribution models line by line; with none
            # in the company, every line's distribution is empty: said once
            "no_analytic_model": not self.env["account.analytic.distribution.model"]
            .sudo()
            .search_count([("company_id", "in", [self.company_id.id, False])], limit=1),
        }

    def _import_create(self, normalised_list, adapter):
        cache = self._import_cache(normalised_list)
        vals_list, kept = [], []
        for normalised in normalised_list:
            try:
                vals_list.append(self._prepare_order_vals(normalised, cache=cache))
            except (UserError, ValueError, TypeError, KeyError) as exc:
                self._connector_log_import_failure(normalised, exc, "order/create")
            else:
                kept.append(normalised)
        normalised_list = kept
        if not vals_list:
            return 0, 0
        # the job's user does not follow every imported order (the salesperson
        # and the team do, through Odoo's auto-subscription)
        SaleOrder = self.env["sale.order"].with_context(
            omni_no_auto_process=True,
            connector_no_export=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
        )
        conflicts = 0
        try:
            with self.env.cr.savepoint():
                orders = SaleOrder.create(vals_list)
                pairs = list(zip(orders, normalised_list, strict=True))
        except (psycopg2.IntegrityError, UserError, ValueError, TypeError) as exc:
            # one bad order must not sink the page: again, one by one
            _logger.info("Batch create failed (%s), creating one by one", exc)
            pairs = []
            for vals, normalised in zip(vals_list, normalised_list, strict=True):
                try:
                    with self.env.cr.savepoint():
                        pairs.append((SaleOrder.create([vals]), normalised))
                except psycopg2.IntegrityError:
                    conflicts += 1
                    self._enqueue_import(
                        normalised["external_id"],
                        normalised["updated_at"],
                        normalised["raw"],
                    )
                except (UserError, ValueError, TypeError) as err:
                    self._connector_log_import_failure(normalised, err, "order/create")
        if not pairs:
            return 0, conflicts
        self.env["channel.order.binding"].create(
            [self._prepare_binding_vals(order, n) for order, n in pairs]
        )
        self._import_after_write(pairs, adapter, new=True)
        products = (
            self.env["product.product"].union(
                *[order.order_line.product_id for order, _n in pairs]
            )
            - cache["placeholder"]
        )
        if products:
            self._omni_stock_changed(products)
        return len(pairs), conflicts

    def _import_update(self, order, binding, normalised, adapter):
        with self.env.cr.savepoint():
            vals = self._prepare_order_update_vals(normalised, order)
            if vals and order.channel_edited_fields:
                vals = order._connector_keep_edited(vals)
            order.with_context(connector_no_export=True).write(vals)
            if binding:
                binding.write(self._prepare_binding_vals(order, normalised))
            else:
                self.env["channel.order.binding"].create(
                    self._prepare_binding_vals(order, normalised)
                )
            self._import_after_write([(order, normalised)], adapter, new=False)

    def _import_after_write(self, pairs, adapter, new):
        """Channel-side events: cancellation requests, cancellations, and orders
        that become processable (touchless channels confirm them)."""
        to_process = self.env["sale.order"]
        to_cancel, normalised_of = [], {}
        for order, normalised in pairs:
            status = normalised.get("status")
            if status in adapter.cancelled_statuses:
                if order.state != "cancel" and order.lifecycle_state != "fulfilled":
                    to_cancel.append((order, normalised))
                continue
            if normalised.get("cancel_requested"):
                order._omni_register_cancel_request(
                    normalised.get("cancel_reason") or False
                )
            if status not in adapter.hold_statuses and order.state in ("draft", "sent"):
                to_process |= order
                normalised_of[order.id] = normalised
        if to_cancel:
            self._import_cancel(to_cancel)
        if to_process:
            self._import_process(to_process, normalised_of)

    def _import_process(self, orders, normalised_of):
        """Process the orders that became processable (touchless channels confirm,
        and maybe invoice, them), as sale_automatic_workflow does: the whole batch
        in one savepoint, else order by order, each in its own savepoint. An order
        that cannot be processed stays stored as it came (a quotation): the reason
        goes to the sync log and to a To-Do on the order, the others go on.
        ``normalised_of``: {order id: the normalised order it was stored from}."""
        try:
            with self.env.cr.savepoint():
                orders._omni_process_new_orders()
            return
        except (UserError, ValidationError) as exc:
            if len(orders) == 1:
                self._connector_log_process_failure(
                    orders, normalised_of[orders.id], exc
                )
                return
            _logger.info("Batch processing failed (%s), processing one by one", exc)
        for order in orders:
            try:
                with self.env.cr.savepoint():
                    order._omni_process_new_orders()
            except (UserError, ValidationError) as exc:
                self._connector_log_process_failure(order, normalised_of[order.id], exc)

    def _connector_log_process_failure(self, order, normalised, exc):
        """A stored order could not be processed (confirmed, invoiced): said in
        the sync log and, once, in a To-Do for its salesperson (else the
        channel's team leader)."""
        _logger.info("Order %s stored but not processed: %s", order.name, exc)
        message = self.env._(
            "Order %(order)s was stored but could not be confirmed: %(error)s",
            order=order.name,
            error=str(exc) or repr(exc),
        )
        self._connector_log(
            "import",
            "order/confirm",
            state="failed",
            message=message,
            payload=normalised.get("raw"),
            record=order,
            external_ref=normalised["external_id"],
        )
        summary = self.env._("Imported order not confirmed")
        if order.activity_ids.filtered(lambda a: a.summary == summary):
            return
        order.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=summary,
            note=message,
            user_id=order.user_id.id or self.team_id.user_id.id or self.env.uid,
        )

    def _import_cancel(self, pairs):
        """Cancel the orders the channel cancelled: all at once, one by one when
        one of them refuses (logged)."""
        orders = self.env["sale.order"].union(*[order for order, _n in pairs])
        orders = orders.with_context(
            disable_cancel_warning=True, connector_no_export=True
        )
        if len(pairs) > 1:
            try:
                with self.env.cr.savepoint():
                    orders._action_cancel()
                return
            except UserError:
                _logger.info("Batch cancel failed, cancelling one by one")
        for order, normalised in pairs:
            try:
                with self.env.cr.savepoint():
                    order.with_context(
                        disable_cancel_warning=True, connector_no_export=True
                    )._action_cancel()
            except UserError as exc:
                self._connector_log(
                    "import",
                    "order/cancel",
                    state="failed",
                    message=str(exc),
                    record=order,
                    external_ref=normalised["external_id"],
                )

    def _prepare_binding_vals(self, order, normalised):
        return {
            "channel_id": self.id,
            "order_id": order.id,
            "external_id": normalised["external_id"],
            "external_updated_at": normalised["updated_at"],
            "raw_payload": _dumps(normalised.get("raw")),
            "sync_date": fields.Datetime.now(),
        }

    def _prepare_order_vals(self, normalised, cache=None):
        """Values of a new sale.order (extension point)."""
        cache = cache or self._import_cache([normalised])
        partner = cache["partners"][id(normalised.get("customer") or {})]
        shipping = cache["shipping"][id(normalised)]
        warehouse = (
            cache["branch_map"].get(normalised.get("branch_key") or "")
            or self.warehouse_id
        )
        lines = [
            line for line in normalised["lines"] if not line.get("cancelled")
        ] or normalised["lines"]
        amounts = normalised.get("amounts") or {}
        vals = {
            "partner_id": partner.id,
            "partner_invoice_id": partner.id,
            "partner_shipping_id": shipping.id,
            "company_id": self.company_id.id,
            "channel_id": self.id,
            "channel_order_ref": normalised["external_id"],
            "client_order_ref": normalised["external_id"],
            "channel_status": normalised.get("status"),
            "channel_updated_at": normalised["updated_at"],
            "date_order": normalised.get("created_at") or fields.Datetime.now(),
            "channel_payment_method": normalised.get("payment_method") or False,
            "courier_name": normalised.get("courier") or False,
            "tracking_ref": normalised.get("tracking_ref") or False,
            "channel_amount_items": amounts.get("items") or 0.0,
            "channel_amount_shipping": amounts.get("shipping") or 0.0,
            "channel_amount_voucher": amounts.get("voucher") or 0.0,
            "channel_amount_fees": amounts.get("fees") or 0.0,
            "channel_amount_total": amounts.get("total") or 0.0,
            "order_line": [
                Command.create(self._prepare_order_line_vals(line, cache))
                for line in lines
            ],
        }
        if warehouse:
            vals["warehouse_id"] = warehouse.id
        if self.pricelist_id:
            vals["pricelist_id"] = self.pricelist_id.id
        if self.team_id:
            vals["team_id"] = self.team_id.id
        return vals

    def _prepare_order_line_vals(self, line, cache):
        """Values of a new sale.order.line (extension point): the product through
        the SKU mapping, else the item mapping, else the unlinked placeholder."""
        product = (
            cache["sku_map"].get(line["sku"])
            or cache["item_map"].get(line.get("item_ref") or "")
            or cache["item_map"].get(line["sku"])
            or cache["placeholder"]
        )
        vals = {
            "product_id": product.id,
            "name": line.get("name") or line["sku"],
            "product_uom_qty": line.get("quantity") or 1.0,
            "price_unit": line.get("price_unit") or 0.0,
            "channel_sku": line["sku"],
            "channel_item_ref": line.get("item_ref") or line.get("external_id"),
        }
        if cache.get("no_analytic_model"):
            vals["analytic_distribution"] = False
        return vals

    def _prepare_order_update_vals(self, normalised, order):
        """Values written on an existing order by a newer version (extension
        point): the channel's status, shipping and amounts; never lines or
        partners."""
        amounts = normalised.get("amounts") or {}
        vals = {
            "channel_status": normalised.get("status"),
            "channel_updated_at": normalised["updated_at"],
            "channel_amount_items": amounts.get("items") or 0.0,
            "channel_amount_shipping": amounts.get("shipping") or 0.0,
            "channel_amount_voucher": amounts.get("voucher") or 0.0,
            "channel_amount_fees": amounts.get("fees") or 0.0,
            "channel_amount_total": amounts.get("total") or 0.0,
        }
        if normalised.get("courier"):
            vals["courier_name"] = normalised["courier"]
        if normalised.get("tracking_ref"):
            vals["tracking_ref"] = normalised["tracking_ref"]
        return {key: value for key, value in vals.items() if order[key] != value}

    # ---- partners ----------------------------------------------------------------
    def _connector_find_partners(self, customers):
        """{id(customer dict): partner} found by external id (customer mapping),
        e-mail or phone, else created (in one batch). By e-mail or phone, only
        an active partner the channel's company may use (its own or a shared
        one) is reused: never an archived one, nor another company's."""
        Partner = self.env["res.partner"]
        match_domain = [
            ("parent_id", "=", False),
            ("active", "=", True),
            *Partner._check_company_domain(self.company_id),
        ]
        ext_ids = {c.get("external_id") for c in customers if c.get("external_id")}
        emails = {
            (c.get("email") or "").strip().lower() for c in customers if c.get("email")
        }
        phones = {c.get("phone") for c in customers if c.get("phone")}
        by_ext = {
            m.external_key: m.partner_id
            for m in self.env["channel.field.mapping"].search(
                [
                    ("channel_id", "=", self.id),
                    ("kind", "=", "customer"),
                    ("external_key", "in", list(ext_ids)),
                ]
            )
            if m.partner_id
        }
        by_email, by_phone = {}, {}
        if emails:
            for partner in Partner.search(
                [("email_normalized", "in", list(emails)), *match_domain], order="id"
            ):
                by_email.setdefault(partner.email_normalized, partner)
        if phones:
            for partner in Partner.search(
                [("phone", "in", list(phones)), *match_domain], order="id"
            ):
                by_phone.setdefault(partner.phone, partner)
        result, new_vals, new_keys = {}, [], {}
        for customer in customers:
            key = (
                customer.get("external_id")
                or (customer.get("email") or "").strip().lower()
                or customer.get("phone")
                or customer.get("name")
            )
            partner = (
                by_ext.get(customer.get("external_id"))
                or by_email.get((customer.get("email") or "").strip().lower())
                or by_phone.get(customer.get("phone"))
            )
            if partner:
                result[id(customer)] = partner
                continue
            if key in new_keys:
                new_keys[key].append(customer)
                continue
            new_keys[key] = [customer]
            new_vals.append(self._prepare_partner_vals(customer))
        if new_vals:
            # as Odoo's marketplace connectors do: no "Contact created" note and
            # no follower (the job's user) on each customer a channel brings
            created = Partner.with_context(tracking_disable=True).create(new_vals)
            mapping_vals = []
            for partner, group in zip(created, new_keys.values(), strict=True):
                for customer in group:
                    result[id(customer)] = partner
                if group[0].get("external_id"):
                    mapping_vals.append(
                        {
                            "channel_id": self.id,
                            "kind": "customer",
                            "external_key": group[0]["external_id"],
                            "partner_id": partner.id,
                        }
                    )
            if mapping_vals:
                self.env["channel.field.mapping"].sudo().create(mapping_vals)
        return result

    def _connector_country(self, address):
        """The country of an address (by ISO code, else by name), read once per
        transaction for all addresses."""
        cache = self.env.cr.cache.setdefault("channel_connectors.countries", {})
        if not cache:
            for country in self.env["res.country"].search([]):
                cache[country.code.upper()] = country.id
                cache[country.with_context(lang="en_US").name.lower()] = country.id
        code = (address.get("country_code") or "").upper()
        name = (address.get("country_name") or "").lower()
        country_id = cache.get(code) or cache.get(name)
        return self.env["res.country"].browse(country_id)

    def _prepare_partner_vals(self, customer, parent=None):
        """Values of a customer created from a channel order (extension point)."""
        country = self._connector_country(customer)
        vals = {
            "name": customer.get("name") or customer.get("phone") or self.name,
            "email": customer.get("email") or False,
            "phone": customer.get("phone") or False,
            "street": customer.get("street") or False,
            "street2": customer.get("street2") or False,
            "city": customer.get("city") or False,
            "zip": customer.get("zip") or False,
            "country_id": country.id or False,
            "vat": customer.get("vat") or False,
            "is_company": bool(customer.get("is_company")),
            "customer_rank": 1,
        }
        if parent:
            vals.update(parent_id=parent.id, type="delivery", is_company=False)
        return vals

    def _connector_shipping_partners(self, normalised_list, partners):
        """{id(normalised): delivery partner} of a page of orders: the customer
        when the order ships to the customer's address, else the customer's
        delivery contact with that name and street, else a new one (all the new
        ones created in one batch). ``partners``: what
        ``_connector_find_partners`` returned for these orders' customers."""
        result, new_vals, new_keys = {}, [], {}
        for normalised in normalised_list:
            partner = partners[id(normalised.get("customer") or {})]
            shipping = normalised.get("shipping") or {}
            if not shipping or (
                (shipping.get("name") or "") == (partner.name or "")
                and (shipping.get("street") or "") == (partner.street or "")
                and (shipping.get("city") or "") == (partner.city or "")
            ):
                result[id(normalised)] = partner
                continue
            existing = partner.child_ids.filtered(
                lambda p, shipping=shipping: p.type == "delivery"
                and p.name == shipping.get("name")
                and (p.street or "") == (shipping.get("street") or "")
            )[:1]
            if existing:
                result[id(normalised)] = existing
                continue
            key = (partner.id, shipping.get("name"), shipping.get("street") or "")
            if key not in new_keys:
                new_keys[key] = []
                new_vals.append(self._prepare_partner_vals(shipping, parent=partner))
            new_keys[key].append(normalised)
        if new_vals:
            created = (
                self.env["res.partner"]
                .with_context(tracking_disable=True)
                .create(new_vals)
            )
            for contact, group in zip(created, new_keys.values(), strict=True):
                for normalised in group:
                    result[id(normalised)] = contact
        return result

    # ---- stock -------------------------------------------------------------------
    def _omni_stock_changed(self, products):
        res = super()._omni_stock_changed(products)
        channels = self._connector_channels().filtered(
            lambda c: c.stock_sync and c._get_adapter_class().supports("update_stock")
        )
        if not channels or not products:
            return res
        mapped = self.env["omni.channel.product"].search(
            [("channel_id", "in", channels.ids), ("product_id", "in", products.ids)]
        )
        for channel in mapped.channel_id:
            channel._enqueue_stock_export()
        return res

    def _enqueue_stock_export(self):
        """Debounced: one pending stock job per channel, a few seconds ahead."""
        self.ensure_one()
        return self.with_delay(
            channel=JOB_CHANNEL,
            eta=5,
            identity_key=f"channel_connectors.stock:{self.id}",
            description=self.env._("Push stock to %(channel)s", channel=self.name),
        )._export_stock_job()

    def _connector_free_qty(self, products):
        """{product id: free quantity}: on hand − reserved in the channel's
        warehouse − quantities on imported orders not confirmed yet."""
        products = products.with_context(warehouse_id=self.warehouse_id.id)
        draft = self.env["sale.order.line"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("order_id.state", "in", ("draft", "sent")),
                ("order_id.channel_id", "!=", False),
            ],
            ["product_id"],
            ["product_uom_qty:sum"],
        )
        pending = {product.id: qty for product, qty in draft}
        return {
            product.id: max(product.free_qty - pending.get(product.id, 0.0), 0.0)
            for product in products
        }

    def _export_stock_job(self):
        """Job: send the free quantity of every mapped SKU whose quantity changed
        since it was last sent."""
        self.ensure_one()
        mappings = self.env["omni.channel.product"].search(
            [("channel_id", "=", self.id)]
        )
        free = self._connector_free_qty(mappings.product_id)
        todo = mappings.filtered(
            lambda m: not m.stock_sent_at
            or int(free[m.product_id.id]) != int(m.last_stock_sent)
        )
        if not todo:
            return self.env._("Nothing changed")
        items = [
            {
                "sku": m.channel_sku,
                "quantity": int(free[m.product_id.id]),
                "item_ref": m.channel_item_ref or False,
            }
            for m in todo
        ]
        with self._connector_job_guard("export", "stock/update"):
            failures = self._connector_call(lambda adapter: adapter.update_stock(items))
        failed = {f["sku"] for f in failures}
        now = fields.Datetime.now()
        for mapping in todo.filtered(lambda m: m.channel_sku not in failed):
            mapping.write(
                {
                    "last_stock_sent": int(free[mapping.product_id.id]),
                    "stock_sent_at": now,
                }
            )
        self._connector_log(
            "export",
            "stock/update",
            state="failed" if failures else "done",
            message=self.env._(
                "%(sent)s SKU(s) sent, %(failed)s failed",
                sent=len(items) - len(failed),
                failed=len(failed),
            )
            + ("\n" + "\n".join(f"{f['sku']}: {f['message']}" for f in failures)),
            payload=items,
        )
        return self.env._("%(count)s SKU(s) sent", count=len(items))

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

    # ---- actions -----------------------------------------------------------------
    def action_connector_pull_now(self):
        for channel in self._connector_channels():
            channel._enqueue_pull()
        return True

    def action_connector_authorize(self):
        """Open the platform's authorisation page (the authorisation-code flow)."""
        self.ensure_one()
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        redirect = (
            f"{base}/channel_connectors/oauth/{self.id}/{self.sudo().webhook_token}"
        )
        url = self._get_adapter().authorize_url(redirect, state=str(self.id))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def action_connector_refresh_token(self):
        for channel in self:
            channel._connector_refresh_token()
        return True
