"""omni.channel: the progress of an import asked from the Import wizard, told live
to the user who asked (Odoo's bus): once the channel has listed the orders, then
after each page of orders stored."""

from odoo import models

#: the context key of an import to report (set by the Import wizard; the pull job
#: and its page jobs keep it)
PROGRESS_KEY = "omni_import_progress"


class OmniChannel(models.Model):
    _inherit = "omni.channel"

    def _job_prepare_context_before_enqueue_keys(self):
        return tuple(super()._job_prepare_context_before_enqueue_keys()) + (
            PROGRESS_KEY,
        )

    def _import_orders_job(self, since=None, until=None, advance_watermark=True):
        result = super()._import_orders_job(
            since=since, until=until, advance_watermark=advance_watermark
        )
        if self.env.context.get(PROGRESS_KEY):
            self._connector_notify_import_progress(
                self.env._(
                    "%(channel)s listed the orders: %(result)s.",
                    channel=self.name,
                    result=result,
                ),
                {"stage": "listed"},
            )
        return result

    def _import_page_job(self, items):
        result = super()._import_page_job(items)
        if self.env.context.get(PROGRESS_KEY):
            self._connector_notify_import_progress(
                self.env._(
                    "%(channel)s: %(result)s.", channel=self.name, result=result
                ),
                {"stage": "page", "orders": [item[0] for item in items]},
            )
        return result

    def _connector_notify_import_progress(self, message, values):
        """A notification to the user the import runs for (the one who asked):
        ``omni_import_progress`` with ``values`` for the screens that follow it,
        and a message shown at once."""
        self.ensure_one()
        payload = dict(values, channel_id=self.id, message=message)
        self.env.user._bus_send("omni_import_progress", payload)
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": "info",
                "title": self.env._("Import from %(channel)s", channel=self.name),
                "message": message,
            },
        )
