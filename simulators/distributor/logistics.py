"""Dispatch notifications (shipped lines, carriers, tracking) POSTed to the buyer."""

import json
import threading
import time

import requests

from ..core import hmac_sha256_hex
from .acks import _iso
from .common import CARRIERS, _tracking


class DistributorLogistics:
    """Dispatching a PO and delivering its notification."""

    # ---- dispatch -------------------------------------------------------------------
    def _dispatch_po(self, code, po):
        """Mark ``po`` dispatched and send the notification in the background.
        Called with self.lock held; the HTTP call happens in another thread."""
        dist = self.distributors[code]
        carrier, service, url_tpl = self.rng.choice(CARRIERS)
        tracking = _tracking(self.rng, carrier)
        now = self.now()
        po.update(
            status="dispatched",
            carrier=carrier,
            tracking_number=tracking,
            dispatched_at=_iso(now),
            dispatch_due=None,
        )
        self.event_seq += 1
        shipped = [line for line in po["lines"] if line["accepted_qty"]]
        payload = {
            "event": "order.dispatched",
            "event_id": f"{code}-evt-{self.event_seq:06d}",
            "distributor": code,
            "po_id": po["po_id"],
            "distributor_order_id": po["distributor_order_id"],
            "dispatch_id": f"{dist['prefix']}-DN-{self.event_seq:06d}",
            "dispatched_at": _iso(now),
            "carrier": carrier,
            "service": service,
            "tracking_number": tracking,
            "tracking_url": url_tpl.format(tracking),
            "weight_kg": round(
                sum(
                    line.get("weight_kg", 0) * line["accepted_qty"] for line in shipped
                ),
                3,
            ),
            "ship_to": po.get("ship_to"),
            "lines": [
                {
                    "line_id": line["line_id"],
                    "part_number": line["part_number"],
                    "mpn": line["mpn"],
                    "quantity": line["accepted_qty"],
                }
                for line in shipped
            ],
        }
        url = dist.get("dispatch_url") or self.dispatch_url
        record = {
            "distributor": code,
            "po_id": po["po_id"],
            "url": url,
            "payload": payload,
            "copies": 2 if self.faults.roll("duplicates") else 1,
            "attempts": [],
            "delivered": 0,
            "status": "pending" if url else "no_url",
        }
        self.dispatches.append(record)
        if url:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "X-Distributor": code,
                "X-Event-Id": payload["event_id"],
                "X-Signature": "sha256="
                + hmac_sha256_hex(dist["webhook_secret"], body),
            }
            thread = threading.Thread(
                target=self._deliver,
                args=(record, url, body, headers),
                name=f"sim-distributor-dispatch-{self.event_seq}",
                daemon=True,
            )
            self._threads.append(thread)
            thread.start()
        return record

    def _deliver(self, record, url, body, headers):
        """Background thread: POST the notification (never holding self.lock)."""
        timeout = float(self.options.get("dispatch_timeout", 5))
        retry_delay = float(self.options.get("dispatch_retry_delay", 0.2))
        for _copy in range(record["copies"]):
            for attempt in range(3):
                try:
                    resp = requests.post(
                        url, data=body, headers=headers, timeout=timeout
                    )
                    result = {"status": resp.status_code}
                except requests.RequestException as exc:
                    result = {"error": f"{type(exc).__name__}: {exc}"}
                ok = 200 <= result.get("status", 0) < 300
                with self.lock:
                    record["attempts"].append(dict(result, at=time.time()))
                    if ok:
                        record["delivered"] += 1
                if ok or 400 <= result.get("status", 0) < 500:
                    break
                time.sleep(retry_delay * (attempt + 1))
        with self.lock:
            record["status"] = "delivered" if record["delivered"] else "failed"

    def flush_dispatches(self, timeout=10):
        """Wait for the background dispatch notifications (tests; lock not held)."""
        deadline = time.time() + timeout
        with self.lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.time()))
        with self.lock:
            self._threads = [t for t in self._threads if t.is_alive()]
