"""The e-shop simulator: its options, the API key check and the error answers."""

from ..core import OrderFeedMixin, SimServer, constant_time_equal
from .common import error_xml
from .control import EshopControl
from .orders import EshopOrders
from .state import EshopState


class EshopSimulator(EshopState, EshopOrders, EshopControl, OrderFeedMixin, SimServer):
    name = "eshop"
    #: the shop's currency (its feed says it on every order)
    currency = "PLN"

    # ---- options ---------------------------------------------------------------------
    @property
    def api_key(self):
        return self.options.get("api_key", "eshop-key")

    @property
    def export_delay(self):
        return float(self.options.get("export_delay", 60))

    # ---- API -------------------------------------------------------------------------
    def fault_response_429(self):
        retry = str(int(self.faults.get("retry_after")))
        return error_xml(
            "too_many_requests",
            "Przekroczono limit zapytań (too many requests)",
            429,
            {"Retry-After": retry},
            RetryAfter=retry,
        )

    def fault_response_5xx(self):
        return error_xml(
            "service_unavailable",
            "Usługa wymiany danych chwilowo niedostępna (service unavailable)",
            503,
        )

    def _log_error(self, endpoint, code, message, order_id=None):
        self.errors.append(
            {
                "at": self.now(),
                "endpoint": endpoint,
                "order_id": order_id,
                "code": code,
                "message": message,
            }
        )

    def _auth(self, req):
        key = req.headers.get("X-Api-Key")
        if constant_time_equal(key, self.api_key):
            return None
        message = "missing X-Api-Key header" if not key else "invalid API key"
        self._log_error(req.path, "unauthorized", message)
        return error_xml("unauthorized", message, 401)

    def _bad(self, req, code, message, status=400, order_id=None):
        self._log_error(req.path, code, message, order_id)
        return error_xml(code, message, status)
