"""TikTok Shop's webhooks, signed, sent from a thread and retried."""

import json
import time

from ..core import json_response, post_push, route
from .auth import webhook_signature
from .common import ON_HOLD, PUSH_RETRY_DELAYS, PUSH_TIMEOUT


class TikTokPush:
    """The push queue, its worker, retries and the server lifecycle around it."""

    # ==== lifecycle ====
    def start(self):
        super().start()
        self._outbox.start()
        return self

    def stop(self):
        self._outbox.stop(PUSH_TIMEOUT + 2)
        super().stop()

    # ==== webhooks ====
    def _push_order(self, order):
        return self._push(
            1,
            order["id"],
            {
                "order_id": order["id"],
                "order_status": order["status"],
                "is_on_hold_order": order["status"] == ON_HOLD,
                "update_time": order["update_time"],
            },
        )

    def _push_cancellation(self, cancel):
        return self._push(
            11,
            cancel["order_id"],
            {
                "order_id": cancel["order_id"],
                "cancellations_role": cancel["role"],
                "cancel_status": cancel["cancel_status"],
                "cancel_id": cancel["cancel_id"],
                "create_time": cancel["create_time"],
            },
        )

    def _push(self, ptype, order_id, payload):
        notification = f"{self.seed:04d}{next(self._notification_ids):015d}"
        body = {
            "type": ptype,
            "tts_notification_id": notification,
            "shop_id": self.shop_id,
            "timestamp": int(self.now()),
            "data": payload,
        }
        event = {
            "notification_id": notification,
            "type": ptype,
            "order_id": order_id,
            "raw": json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
            "attempts": 0,
        }
        self.events.append(event)
        copies = 2 if self.push_url and self.faults.roll("duplicates") else 1
        for _ in range(copies):
            self._send_later(event)
        return event

    def _send_later(self, event):
        if self.push_url:
            self._outbox.put((event, self.push_url))

    def _deliver_push(self, job):
        """The outbox thread: one attempt at ``event``; a failed one is retried
        later on the simulated clock (``PUSH_RETRY_DELAYS``)."""
        event, url = job
        raw = event["raw"]
        headers = {
            "Content-Type": "application/json",
            "Authorization": webhook_signature(self.app_key, self.app_secret, raw),
        }
        result = {
            "notification_id": event["notification_id"],
            "type": event["type"],
            "order_id": event["order_id"],
            "url": url,
        }
        status, error = post_push(url, raw, headers, PUSH_TIMEOUT)
        if error is None:
            result.update(status=status, ok=200 <= status < 300)
        else:
            result.update(status=None, ok=False, error=error)
        with self.lock:
            event["attempts"] += 1
            result["attempt"] = event["attempts"]
            result["time"] = int(self.now())
            self.pushes.append(result)
            if not result["ok"] and event["attempts"] <= len(PUSH_RETRY_DELAYS):
                delay = PUSH_RETRY_DELAYS[event["attempts"] - 1]
                self._retries.append((self.now() + delay, event))

    def wait_for_pushes(self, count, timeout=5.0):
        """Block until ``count`` push attempts are recorded (test helper)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.pushes) >= count:
                    return list(self.pushes)
            time.sleep(0.01)
        with self.lock:
            return list(self.pushes)

    @route("POST", "/_sim/push_config", api=False)
    def sim_push_config(self, req):
        self.push_url = (req.json() or {}).get("url") or None
        return json_response({"url": self.push_url})

    @route("POST", "/_sim/push", api=False)
    def sim_push(self, req):
        body = req.json() or {}
        order = self.orders.get(str(body.get("order_id")))
        if order is None:
            return json_response({"error": "order not found"}, 404)
        if int(body.get("type", 1)) == 11:
            cancels = [
                c for c in self.cancellations.values() if c["order_id"] == order["id"]
            ]
            if not cancels:
                return json_response({"error": "order has no cancellation"}, 404)
            event = self._push_cancellation(cancels[-1])
        else:
            event = self._push_order(order)
        return json_response({"notification_id": event["notification_id"]})
