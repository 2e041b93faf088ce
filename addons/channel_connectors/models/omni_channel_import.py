"""omni.channel: the pull (cron, pages, watermark) and the single-order job."""

import hashlib
from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.queue_job.delay import group
from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import ParseError
from .omni_channel import WEBHOOK_DRAIN_DELAY, _dumps, _logger


class OmniChannel(models.Model):
    _inherit = "omni.channel"

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

    def _enqueue_pull(self, since=None, until=None, advance_watermark=True):
        self.ensure_one()
        return self.with_delay(
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
        start = channel._pull_start(since)
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
        watermark = channel._pull_watermark(stats, latest, advance_watermark)
        channel.write({"last_pull_at": fields.Datetime.now()})
        page_jobs = channel._enqueue_page_jobs(page_items, watermark)
        return self.env._(
            "%(pages)s page(s), %(orders)s order(s): %(queued)s queued in "
            "%(page_jobs)s page job(s), %(imported)s imported, %(skipped)s skipped",
            page_jobs=len(page_jobs),
            **stats,
        )

    def _pull_start(self, since=None):
        """Where a pull starts: ``since``, else the watermark minus the overlap,
        else ``initial_import_days`` ago."""
        if since:
            return fields.Datetime.to_datetime(since)
        if self.last_import_at:
            return self.last_import_at - timedelta(minutes=self.import_overlap_minutes)
        return fields.Datetime.now() - timedelta(days=self.initial_import_days or 30)

    def _pull_watermark(self, stats, latest, advance_watermark):
        """The cursor and the watermark the pull reached (``stats``' cursor and
        held records popped): what ``_import_pull_done_job`` stores."""
        watermark = {}
        next_cursor = stats.pop("next_cursor", None)
        if advance_watermark and next_cursor not in (None, "", False):
            watermark["import_cursor"] = str(next_cursor)
        hold_all, hold = stats.pop("hold_all", False), stats.pop("hold", [])
        if advance_watermark and latest and not hold_all:
            # never past a record that was skipped: the next pull reads it again
            newest = min([max(latest), *hold])
            if not self.last_import_at or newest > self.last_import_at:
                watermark["last_import_at"] = fields.Datetime.to_string(newest)
        return watermark

    def _enqueue_page_jobs(self, page_items, watermark):
        """One page job per page, then the job that moves the watermark once
        they are all done (a failed page keeps it where it is: the next pull
        lists that page again). Returns the page jobs."""
        page_jobs = [self._page_delayable(items) for items in page_items]
        if page_jobs and watermark:
            done = self.delayable(
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
            self._import_pull_done_job(watermark)
        return page_jobs

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
        normalised_list, done = channel._page_normalised(
            adapter, raws, listed, to_fetch
        )
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

    def _page_normalised(self, adapter, raws, listed, to_fetch):
        """The page's orders to import (parsed, listed, importable) and the
        order numbers done with (imported here, or logged as unreadable); a
        copy read back (``to_fetch``) that is unreadable or older than listed
        is left for its own job."""
        normalised_list, done = [], set()
        for raw in raws:
            try:
                normalised = adapter.parse_order(raw)
            except ParseError as exc:
                ref = self._connector_external_ref_of(raw, adapter)
                if ref in to_fetch:
                    # a copy read back that cannot be parsed: read it again later
                    continue
                self._connector_log_parse_error(exc, raw, adapter=adapter)
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
        return normalised_list, done

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
        channel._connector_lock_order(external_id)
        retry = ("_import_order_job", [external_id, None, None])
        with channel._connector_job_guard(
            "import", "order/get", external_ref=external_id, retry=retry
        ):
            fetched = raw is None
            if fetched:
                raws = channel._connector_fetch_order(external_id)
                if not raws:
                    return False
                raw = raws[0]
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
        if fetched and strict and updated_at_iso:
            channel._connector_check_listed_version(
                external_id, normalised, updated_at_iso
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

    def _connector_lock_order(self, external_id):
        """The order's advisory lock, else the job is retried in a few seconds
        (another worker imports it)."""
        if not self._connector_try_lock(external_id):
            raise RetryableJobError(
                f"Order {external_id} is being imported by another worker",
                seconds=5,
                ignore_retry=True,
            )

    def _connector_fetch_order(self, external_id):
        """The raw payloads ``get_orders`` answers for one order; none: the
        channel does not know it (logged as failed)."""
        raws = self._connector_call(lambda adapter: adapter.get_orders([external_id]))
        if not raws:
            self._connector_log(
                "import",
                "order/get",
                state="failed",
                message=self.env._("The channel does not know this order."),
                external_ref=external_id,
            )
        return raws

    @staticmethod
    def _connector_check_listed_version(external_id, normalised, updated_at_iso):
        """A copy read back older than the version listed: read it again later."""
        if normalised["updated_at"] < fields.Datetime.to_datetime(updated_at_iso):
            raise RetryableJobError(
                f"Order {external_id}: the channel served a version older than "
                f"the one it listed ({updated_at_iso})",
                seconds=10,
            )
