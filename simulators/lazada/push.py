"""Lazada's order webhooks, signed and sent from a background thread."""

import json

from ..core import post_push
from .auth import push_signature


class LazadaPush:
    """The push queue, its worker and the server lifecycle around it."""

    # ---- push ------------------------------------------------------------------------
    def _queue_push(self, order, item, when):
        """Queue the webhook for ``item`` (called with self.lock held; sent later)."""
        url = self.push_url
        if not url:
            return
        body = {
            "seller_id": self.seller_id,
            "message_type": 0,
            "data": {
                "order_status": item["status"],
                "trade_order_id": str(order["order_id"]),
                "trade_order_line_id": str(item["order_item_id"]),
                "status_update_time": int(when),
            },
            "timestamp": int(self.now() * 1000),
            "site": f"lazada_{self.country}",
        }
        if item["reverse_order_id"] and (
            item["need_cancel_confirm"] or item["is_cancel_pending"]
        ):
            body["data"]["reverse_order_id"] = str(item["reverse_order_id"])
            body["data"]["reverse_order_line_id"] = str(item["order_item_id"])
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        copies = 2 if self.faults.roll("duplicates") else 1
        for copy_index in range(copies):
            self._outbox.put((url, raw, copy_index > 0))
        self._outbox.start()

    def _deliver_push(self, job):
        """The outbox thread: send one push (never holding self.lock: the receiver
        may call us back)."""
        url, raw, duplicate = job
        signature = push_signature(self.app_key, self.app_secret, raw)
        record = {
            "url": url,
            "body": json.loads(raw),
            "signature": signature,
            "duplicate": duplicate,
            "http_status": None,
            "error": None,
        }
        headers = {"Content-Type": "application/json", "Authorization": signature}
        record["http_status"], record["error"] = post_push(
            url, raw, headers, self.push_timeout
        )
        with self.lock:
            self.pushes.append(record)

    def wait_pushes(self, timeout=5.0):
        """Block (without the lock) until every queued push has been attempted."""
        return self._outbox.wait(timeout)

    def start(self):
        super().start()
        # headers and body leave in separate writes: without TCP_NODELAY a keep-alive
        # client waits ~40 ms per call for the delayed ACK
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        return self

    def stop(self):
        super().stop()
        self._outbox.stop(self.push_timeout + 1)
