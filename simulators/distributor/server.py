"""The drop-ship distributors' simulator: lookups, HTTP auth and fault answers."""

import base64

from ..core import SimServer, constant_time_equal, json_response
from .control import DistributorControl
from .feeds import DistributorFeeds
from .logistics import DistributorLogistics
from .orders import DistributorOrders
from .state import DistributorState


# ---- the simulator -------------------------------------------------------------------
class DistributorSimulator(
    DistributorState,
    DistributorOrders,
    DistributorFeeds,
    DistributorLogistics,
    DistributorControl,
    SimServer,
):
    name = "distributor"

    def start(self):
        super().start()
        # core writes headers and body in two send() calls: without TCP_NODELAY a
        # keep-alive client waits ~40 ms (Nagle + delayed ACK) on every request.
        self.httpd.RequestHandlerClass.disable_nagle_algorithm = True
        return self

    # ---- lookups and auth -----------------------------------------------------------
    def _find_part(self, code, ref):
        parts = self.parts[code]
        ref = (ref or "").strip()
        if ref in parts:
            return parts[ref]
        for part in parts.values():
            if ref and ref.upper() in (part["mpn"].upper(), part["ean"]):
                return part
        return None

    def _http_authorized(self, dist, req):
        key = req.headers.get("X-Api-Key") or req.query.get("api_key")
        if key:
            return constant_time_equal(key, dist["api_key"])
        auth = req.headers.get("Authorization") or ""
        if auth[:6].lower() != "basic ":
            return False
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        user_ok = constant_time_equal(user, dist["username"])
        return constant_time_equal(password, dist["password"]) and user_ok

    def _distributor(self, req):
        """(dist, None) or (None, error response) for API routes authenticated over
        HTTP."""
        dist = self.distributors.get(req.params["code"])
        if dist is None:
            return None, json_response(
                {
                    "error": "unknown_distributor",
                    "message": f"no distributor {req.params['code']!r}; known: "
                    + ", ".join(sorted(self.distributors)),
                },
                404,
            )
        if not self._http_authorized(dist, req):
            return None, self._unauthorized(dist)
        return dist, None

    def _unauthorized(self, dist):
        return json_response(
            {
                "error": "unauthorized",
                "message": "HTTP Basic credentials or X-Api-Key header required",
            },
            401,
            {"WWW-Authenticate": f'Basic realm="{dist["code"]}"'},
        )

    # ---- faults in the distributor's shape ------------------------------------------
    def fault_response_429(self):
        retry = int(self.faults.get("retry_after"))
        return json_response(
            {
                "error": "too_many_requests",
                "message": f"request quota exceeded, retry after {retry} s",
                "retry_after": retry,
            },
            429,
            {"Retry-After": str(retry)},
        )

    def fault_response_5xx(self):
        if self.faults.fired.get("rate_5xx", 0) % 2:
            return json_response(
                {"error": "service_unavailable", "message": "gateway maintenance"},
                503,
                {"Retry-After": "1"},
            )
        return json_response(
            {"error": "internal_error", "message": "order gateway failure"}, 500
        )
