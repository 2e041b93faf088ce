import hmac
import logging

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..adapters import AdapterError

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
        """Verify the platform's signature, enqueue the import jobs, answer at once
        (200, empty body): the import itself runs in the jobs."""
        channel = self._channel(channel_id, token)
        if not channel or not channel.connector_ready:
            return request.make_response("", status=404)
        body = request.httprequest.get_data()
        headers = dict(request.httprequest.headers)
        adapter = channel._get_adapter()
        try:
            valid = adapter.verify_webhook(headers, body, request.httprequest.url)
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
        try:
            events = adapter.parse_webhook(body)
        except (ValueError, AdapterError) as exc:
            channel._connector_log(
                "webhook",
                "webhook/parse",
                state="skipped",
                message=str(exc),
                payload=body.decode("utf-8", "replace"),
            )
            return request.make_response("", status=200)
        channel = channel.with_context(omni_actor="webhook")
        for event in events:
            channel._enqueue_import(event["external_id"], event.get("updated_at"))
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
            return request.not_found()
        if not request.env.user.has_group("channel_connectors.group_connector_manager"):
            return request.not_found()
        channel._connector_exchange_code(code)
        return request.redirect(
            f"/odoo/action-omnichannel_orders.omni_channel_action/{channel.id}"
        )
