"""omni.channel: the returns pull (cron dispatcher, one job per channel, watermark)
and the single-return job a push or a retry enqueues."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.channel_connectors.adapters import ParseError
from odoo.addons.queue_job.exception import RetryableJobError

from ..adapters import CLIENTS, get_client_class


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    returns_sync = fields.Boolean(
        string="Import Returns",
        default=True,
        help="Pull the platform's return and refund applications into RMAs.",
    )
    last_return_import_at = fields.Datetime(
        string="Returns Imported Until",
        copy=False,
        help="Watermark: returns updated since then (minus the overlap) are pulled.",
    )
    channel_return_ids = fields.One2many(
        comodel_name="channel.return", inverse_name="channel_id", string="Returns"
    )
    channel_return_open_count = fields.Integer(
        string="Open Returns", compute="_compute_channel_return_open_count"
    )

    def _compute_channel_return_open_count(self):
        groups = self.env["channel.return"]._read_group(
            [
                ("channel_id", "in", self.ids),
                ("stage", "not in", ("refunded", "rejected", "cancelled")),
            ],
            ["channel_id"],
            ["__count"],
        )
        counts = {channel.id: count for channel, count in groups}
        for channel in self:
            channel.channel_return_open_count = counts.get(channel.id, 0)

    def _returns_channels(self):
        """The connector channels whose platform has a returns client."""
        return self._connector_channels().filtered(
            lambda c: c.returns_sync and c.platform in CLIENTS
        )

    # ---- pull ------------------------------------------------------------------
    @api.model
    def _cron_import_returns(self):
        """Scheduled action: one returns pull job per channel."""
        for channel in self.search([("returns_sync", "=", True)])._returns_channels():
            channel.with_context(omni_actor="cron")._enqueue_returns_pull()
        return True

    def _enqueue_returns_pull(self):
        self.ensure_one()
        return self.with_delay(
            identity_key=f"channel_returns.pull:{self.id}",
            description=self.env._("Pull returns of %(channel)s", channel=self.name),
        )._import_returns_job()

    def _returns_pull_start(self):
        if self.last_return_import_at:
            return self.last_return_import_at - timedelta(
                minutes=self.import_overlap_minutes
            )
        return fields.Datetime.now() - timedelta(days=self.initial_import_days or 30)

    def _import_returns_job(self):
        """Job: page through the returns updated since the watermark, store each
        (a return another worker holds gets its own job), move the watermark to
        the newest update stored (never past a record that could not be read)."""
        self.ensure_one()
        channel = self.with_context(
            omni_actor=self.env.context.get("omni_actor", "job")
        )
        client_class = get_client_class(channel.platform)
        start = channel._returns_pull_start()
        stats = {"returns": 0, "created": 0, "updated": 0, "stale": 0, "skipped": 0}
        newest, held = [], []

        def pull(adapter):
            client = client_class(adapter)
            for page in client.fetch_returns(start):
                for raw in page:
                    stats["returns"] += 1
                    channel._returns_store_raw(client, raw, stats, newest, held)

        with channel._connector_job_guard("import", "returns/list"):
            channel._connector_call(pull)
        if newest:
            watermark = min([max(newest), *held]) if held else max(newest)
            if not channel.last_return_import_at or (
                watermark > channel.last_return_import_at
            ):
                channel.last_return_import_at = watermark
        return self.env._(
            "%(returns)s return(s): %(created)s created, %(updated)s updated, "
            "%(stale)s stale, %(skipped)s skipped",
            **stats,
        )

    def _returns_store_raw(self, client, raw, stats, newest, held):
        """Store one listed return (parsed, locked, in its own savepoint)."""
        try:
            normalised = client.parse_return(raw)
        except ParseError as exc:
            stats["skipped"] += 1
            ref = client.external_id_of(raw)
            self._connector_log(
                "import",
                "returns/parse",
                state="skipped",
                message=str(exc),
                payload=raw,
                external_ref=ref,
                retry=("_import_return_job", [ref]) if ref else None,
            )
            if ref:
                self._enqueue_return_import(ref)
            return
        newest.append(normalised["updated_at"])
        ref = normalised["external_id"]
        if not self._connector_try_lock(f"return:{ref}"):
            # a push imports it now: its own job reads it again afterwards
            held.append(normalised["updated_at"])
            self._enqueue_return_import(ref)
            return
        try:
            with self.env.cr.savepoint():
                _record, result = self.env["channel.return"]._returns_upsert(
                    self, normalised
                )
        except (UserError, ValidationError) as exc:
            # one return that cannot be stored never blocks the others
            stats["skipped"] += 1
            self._connector_log(
                "import",
                "returns/store",
                state="failed",
                message=str(exc),
                payload=raw,
                external_ref=ref,
                retry=("_import_return_job", [ref]),
            )
            return
        stats[result] += 1

    def _enqueue_return_import(self, external_id):
        self.ensure_one()
        return self.with_delay(
            identity_key=f"channel_returns.import:{self.id}:{external_id}",
            description=self.env._(
                "Import return %(ref)s from %(channel)s",
                ref=external_id,
                channel=self.name,
            ),
        )._import_return_job(external_id)

    def _import_return_job(self, external_id):
        """Job: read one return from the platform and store it (what a push or
        a retry enqueues). Another worker storing it: retried shortly."""
        self.ensure_one()
        if not self._connector_try_lock(f"return:{external_id}"):
            raise RetryableJobError(
                f"Return {external_id} is being imported by another worker",
                seconds=5,
                ignore_retry=True,
            )
        client_class = get_client_class(self.platform)
        with self._connector_job_guard(
            "import",
            "returns/get",
            external_ref=external_id,
            retry=("_import_return_job", [external_id]),
        ):
            raw = self._connector_call(
                lambda adapter: client_class(adapter).get_return(external_id)
            )
            client = client_class(None)
            try:
                normalised = client.parse_return(raw)
            except ParseError as exc:
                self._connector_log(
                    "import",
                    "returns/parse",
                    state="skipped",
                    message=str(exc),
                    payload=raw,
                    external_ref=external_id,
                    separate=True,
                )
                raise RetryableJobError(str(exc), seconds=30) from exc
            _record, result = self.env["channel.return"]._returns_upsert(
                self, normalised
            )
        return self.env._("Return %(ref)s: %(result)s", ref=external_id, result=result)

    def action_view_channel_returns(self):
        action = self.env["ir.actions.actions"]._for_xml_id(
            "channel_returns.rma_action_channel_returns"
        )
        action["domain"] = [("channel_id", "in", self.ids)]
        return action
