"""Lazada's order webhooks, signed and sent from a background thread."""

import json
import threading
import time

import requests

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
            self._push_queue.put((url, raw, copy_index > 0))
        self._ensure_push_thread()

    def _ensure_push_thread(self):
        if self._push_thread is None or not self._push_thread.is_alive():
            self._push_thread = threading.Thread(
                target=self._push_worker, name="sim-lazada-push", daemon=True
            )
            self._push_thread.start()

    def _push_worker(self):
        while True:
            job = self._push_queue.get()
            if job is None:
                self._push_queue.task_done()
                return
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
            try:  # never holding self.lock here: the receiver may call us back
                resp = requests.post(
                    url,
                    data=raw,
                    headers={
                        "Content-Type": "application/json",
                        "Authorization": signature,
                    },
                    timeout=self.push_timeout,
                )
                record["http_status"] = resp.status_code
            except requests.RequestException as exc:
                record["error"] = str(exc)
            with self.lock:
                self.pushes.append(record)
            self._push_queue.task_done()

    def wait_pushes(self, timeout=5.0):
        """Block (without the lock) until every queued push has been attempted."""
        deadline = time.time() + timeout
        while self._push_queue.unfinished_tasks and time.time() < deadline:
            time.sleep(0.01)
        return not self._push_queue.unfinished_tasks

    def start(self):
        super().start()
        # headers and body leave in separate writes: without TCP_NODELAY a keep-alive
        # client waits ~40 ms per call for the delayed ACK
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        return self

    def stop(self):
        super().stop()
        if self._push_thread is not None and self._push_thread.is_alive():
            self._push_queue.put(None)
            self._push_thread.join(timeout=self.push_timeout + 1)
        self._push_thread = None
