import hashlib
import hmac
import logging

from odoo import SUPERUSER_ID, fields, http
from odoo.http import request

from ..adapters import AdapterError
from ..models.channel_webhook_receipt import MAX_AGE

_logger = logging.getLogger(__name__)


class ChannelWebhookController(http.Controller):
    def _channel(self, channel_id, token):
        env = request.env(user=SUPERUSER_ID, su=True)
        channel = env["omni.channel"].browse(channel_id).exists()
        if (
            not channel
            or not channel.webhook_token
            or not hmac.compare_digest(
                channel.webhook_token.encode(), (token or "").encode()
            )
        ):
            return None
        return channel

    @http.route(
        "/channel_connectors/webhook/<int:channel_id>/<string:token>",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def webhook(self, channel_id, token, **kwargs):
        """Verify the platform's signature from the channel's credentials, store
        the push (one row, also the replay protection) and answer at once (200,
        empty body): the channel's drain job reads the pushes and enqueues the
        imports."""
        channel = self._channel(channel_id, token)
        if not channel or not channel.connector_ready:
            return request.make_response("", status=404)
        body = request.httprequest.get_data()
        headers = dict(request.httprequest.headers)
        try:
            valid = channel._connector_check_webhook(
                headers, body, request.httprequest.url
            )
        except AdapterError:
            valid = False
        if not valid:
            channel._connector_log(
                "webhook",
                "webhook/verify",
                state="failed",
                message=channel.env._("Invalid webhook signature: rejected"),
                payload=body.decode("utf-8", "replace"),
            )
            return request.make_response("", status=401)
        sent_at = channel._get_adapter_class().push_sent_at(body)
        if sent_at and sent_at < fields.Datetime.now() - MAX_AGE:
            channel._connector_log(
                "webhook",
                "webhook/verify",
                state="failed",
                message=channel.env._(
                    "Webhook sent at %(time)s: too old, rejected (replay?)",
                    time=sent_at,
                ),
                payload=body.decode("utf-8", "replace"),
            )
            return request.make_response("", status=401)
        digest = hashlib.sha256(body).hexdigest()
        text = body.decode("utf-8", "replace")
        if not channel.env["channel.webhook.receipt"]._receive(channel, digest, text):
            channel._connector_log(
                "webhook",
                "webhook/replay",
                state="skipped",
                message=channel.env._("The same push was received before: ignored"),
                payload=text,
            )
            return request.make_response("", status=200)
        channel.with_context(omni_actor="webhook")._enqueue_webhook_drain()
        return request.make_response("", status=200)

    @http.route(
        "/channel_connectors/oauth/<int:channel_id>/<string:token>",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def oauth_callback(self, channel_id, token, code=None, **kwargs):
        """The platform sends the seller back here with an authorisation code."""
        channel = self._channel(channel_id, token)
        if not channel or not code:
            raise request.not_found()
        if not request.env.user.has_group("channel_connectors.group_connector_manager"):
            raise request.not_found()
        channel._connector_exchange_code(code)
        return request.redirect(
            f"/odoo/action-omnichannel_orders.omni_channel_action/{channel.id}"
        )
