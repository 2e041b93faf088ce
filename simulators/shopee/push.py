"""Shopee's pushes (codes 3, 4 and 15), signed and sent from a thread."""

import json
import time
import uuid

from ..core import hmac_sha256_hex, post_push


class ShopeePush:
    """The push queue, its worker and the server lifecycle around it."""

    # ---- push ------------------------------------------------------------------------
    def _push(self, code, payload, force=False):
        """Queue a push (called with self.lock held; the network call happens in the
        push thread)."""
        if not (self._pushing or force) or not self.push_url:
            return None
        msg = {
            "msg_id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
            "data": payload,
            "shop_id": self.shop_id,
            "code": code,
            "timestamp": int(self.now()),
        }
        raw = json.dumps(msg, ensure_ascii=False, separators=(",", ":")).encode()
        url = self.push_url
        copies = 2 if self.faults.roll("duplicates") else 1
        for copy_no in range(copies):
            record = {
                "msg_id": msg["msg_id"],
                "code": code,
                "url": url,
                "order_sn": payload.get("ordersn"),
                "duplicate": bool(copy_no),
                "status": "queued",
                "http_status": None,
                "attempts": 0,
                "body": msg,
            }
            self.pushes.append(record)
            self._outbox.put((record, url, raw))
        return msg

    def _deliver_push(self, job):
        """The outbox thread: send one push, retried ``push_retries`` times."""
        record, url, raw = job
        signature = hmac_sha256_hex(self.partner_key, url.encode() + b"|" + raw)
        headers = {"Content-Type": "application/json", "Authorization": signature}
        status, error = None, None
        for attempt in range(self.push_retries + 1):
            status, error = post_push(url, raw, headers, self.push_timeout)
            with self.lock:
                record["attempts"] = attempt + 1
                record["http_status"] = status
                record["error"] = error
            if status is not None and 200 <= status < 300:
                break
            time.sleep(0.05 * (attempt + 1))
        with self.lock:
            record["status"] = (
                "delivered" if status and 200 <= status < 300 else "failed"
            )

    def start(self):
        super().start()
        self._outbox.start()
        return self

    def stop(self):
        self._outbox.stop(self.push_timeout * 3 + 1)
        super().stop()

    def wait_pushes(self, timeout=5.0):
        """Block until the push queue is drained (test helper)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if all(p["status"] != "queued" for p in self.pushes):
                    return True
            time.sleep(0.02)
        return False
