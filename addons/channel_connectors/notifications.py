"""The client action the connector's buttons answer with."""


def notify_and_close(message):
    """Show ``message`` (an info notification) and close the dialog."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": "info",
            "message": message,
            "next": {"type": "ir.actions.act_window_close"},
        },
    }
