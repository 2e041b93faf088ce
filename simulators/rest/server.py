"""The generic REST order source simulator: options, auth and error answers."""

from ..core import OrderFeedMixin, SimServer, constant_time_equal, json_response
from .common import error
from .control import RestControl
from .orders import RestOrders
from .state import RestState


class RestSimulator(RestState, RestOrders, RestControl, OrderFeedMixin, SimServer):
    name = "rest"

    @property
    def token(self):
        return self.options.get("token", "rest-token")

    @property
    def tenant(self):
        return self.options.get("tenant", "TENANT1")

    # ---- API helpers -----------------------------------------------------------------
    def fault_response_429(self):
        retry = int(self.faults.get("retry_after"))
        return json_response(
            {
                "error": {
                    "code": "rate_limited",
                    "message": "too many requests, retry later",
                    "retry_after": retry,
                }
            },
            429,
            {"Retry-After": str(retry)},
        )

    def fault_response_5xx(self):
        return error("service_unavailable", "upstream temporarily unavailable", 503)

    def _fail(self, req, code, message, status, headers=None):
        self.errors.append(
            {
                "at": self.now(),
                "method": req.method,
                "path": req.path,
                "status": status,
                "code": code,
                "message": message,
            }
        )
        return error(code, message, status, headers)

    def _auth(self, req):
        header = req.headers.get("Authorization") or ""
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token or not constant_time_equal(token, self.token):
            message = "missing bearer token" if not token else "invalid access token"
            return self._fail(
                req, "unauthorized", message, 401, {"WWW-Authenticate": "Bearer"}
            )
        tenant = req.headers.get("X-Tenant-Code") or ""
        if not constant_time_equal(tenant, self.tenant):
            message = (
                "missing X-Tenant-Code header"
                if not tenant
                else f"token is not valid for tenant {tenant!r}"
            )
            return self._fail(req, "forbidden_tenant", message, 403)
        return None
