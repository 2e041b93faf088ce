"""omni.channel, the connector engine: connection fields, buttons, the adapter
factory (with its rate-limited HTTP session) and tokens. The other jobs of the
engine are in omni_channel_*.py."""

import json
import logging
import secrets
import threading
import time
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..adapters import ADAPTERS, AdapterError, TokenExpired

# the engine's logger: the omni_channel_*.py files log under this name too
_logger = logging.getLogger(__name__)

MANAGER = "channel_connectors.group_connector_manager"
# refresh an access token this long before it expires
TOKEN_MARGIN = timedelta(minutes=10)
# at most this many quick in-place retries of a 429/5xx before the job is retried
INLINE_RETRIES = 2
INLINE_MAX_WAIT = 2.0
# the webhook drain job runs this many seconds after the first push it reads
WEBHOOK_DRAIN_DELAY = 3


def _dumps(data):
    return json.dumps(data, default=str, ensure_ascii=False)


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

    # ---- platform: the connectors' platforms (omnichannel_orders knows "none") -----
    platform = fields.Selection(
        selection_add=[
            ("lazada", "Lazada"),
            ("shopee", "Shopee"),
            ("tiktok", "TikTok Shop / Tokopedia"),
            ("eshop_xml", "E-shop XML exchange"),
            ("rest", "Generic REST source"),
        ],
        # uninstalling the connectors leaves their channels without a platform
        ondelete={
            "lazada": "set default",
            "shopee": "set default",
            "tiktok": "set default",
            "eshop_xml": "set default",
            "rest": "set default",
        },
    )

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
    connector_needs_provider_id = fields.Boolean(
        compute="_compute_connector_needs_provider_id",
        help="A shipment the seller arranges needs the ID of the seller's own "
        "carrier on this platform.",
    )

    def _compute_webhook_url(self):
        for channel in self:
            channel.webhook_url = (
                f"{channel.get_base_url()}/channel_connectors/webhook/{channel.id}/"
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

    @api.depends("platform")
    def _compute_connector_needs_provider_id(self):
        for channel in self:
            cls = ADAPTERS.get(channel.platform)
            channel.connector_needs_provider_id = bool(
                cls and cls.seller_shipping_needs_provider_id
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
        base = self.get_base_url()
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
        base = self.get_base_url()
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
        same single-use refresh token). ``FOR NO KEY UPDATE``: it excludes another
        refresh, not the foreign-key checks of rows that point at the channel, so
        that a failure logged in its own transaction (a sync-log entry) does not
        wait for this one."""
        self.ensure_one()
        self.env.execute_query(
            SQL("SELECT id FROM omni_channel WHERE id = %s FOR NO KEY UPDATE", self.id)
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

    # ---- actions -----------------------------------------------------------------
    def action_connector_pull_now(self):
        for channel in self._connector_channels():
            channel._enqueue_pull()
        return True

    def action_connector_authorize(self):
        """Open the platform's authorisation page (the authorisation-code flow)."""
        self.ensure_one()
        base = self.get_base_url()
        redirect = (
            f"{base}/channel_connectors/oauth/{self.id}/{self.sudo().webhook_token}"
        )
        url = self._get_adapter().authorize_url(redirect, state=str(self.id))
        return {"type": "ir.actions.act_url", "url": url, "target": "new"}

    def action_connector_refresh_token(self):
        for channel in self:
            channel._connector_refresh_token()
        return True
