"""The Shopee simulator: its options, the envelope and the fault answers."""

import uuid

from ..core import PushOutbox, SellerStockRoutes, SimServer, json_response
from .auth import ShopeeAuth
from .common import AUTH_ERRORS, CURRENCIES
from .control import ShopeeControl
from .finance import ShopeeFinance
from .listings import ShopeeListings
from .logistics import ShopeeLogistics
from .orders import ShopeeOrders
from .push import ShopeePush
from .returns import ShopeeReturns
from .returns_control import ShopeeReturnsControl
from .state import ShopeeState
from .stock import ShopeeStock


class ShopeeSimulator(
    ShopeeReturns,
    ShopeeReturnsControl,
    ShopeeAuth,
    ShopeeState,
    ShopeePush,
    ShopeeOrders,
    ShopeeLogistics,
    ShopeeStock,
    ShopeeListings,
    ShopeeControl,
    ShopeeFinance,
    SellerStockRoutes,
    SimServer,
):
    name = "shopee"

    def __init__(self, *args, **kwargs):
        options = dict(kwargs)
        self.partner_id = int(options.get("partner_id", 2001887))
        self.partner_key = str(options.get("partner_key", "shopee-partner-key"))
        self.shop_id = int(options.get("shop_id", 600001))
        # a shop sells in one region's currency, whoever buys
        self.region = str(options.get("region", "MY")).upper()
        self.currency = CURRENCIES.get(self.region, ("MYR", 1.0))[0]
        self.push_url = options.get("push_url") or None
        self.push_timeout = float(options.get("push_timeout", 3))
        self.push_retries = int(options.get("push_retries", 2))
        self._outbox = PushOutbox("sim-shopee-push", self._deliver_push)
        super().__init__(*args, **kwargs)

    # ---- envelope and errors ---------------------------------------------------------
    def _envelope(self, response=None, warning=""):
        return json_response(
            {
                "request_id": uuid.uuid4().hex,
                "error": "",
                "message": "",
                "warning": warning,
                "response": response if response is not None else {},
            }
        )

    def _error(self, error, message, response=None, status=None, headers=None):
        if status is None:
            if error in AUTH_ERRORS:
                status = 403
            elif error == "error_server":
                status = 500
            else:
                status = 400
        return json_response(
            {
                "request_id": uuid.uuid4().hex,
                "error": error,
                "message": message,
                "warning": "",
                "response": response,
            },
            status,
            headers,
        )

    def fault_response_429(self):
        return self._error(
            "error_server",
            "Too many requests, please try again later",
            status=429,
            headers={"Retry-After": str(int(self.faults.get("retry_after")))},
        )

    def fault_response_5xx(self):
        return self._error(
            "error_server",
            "System error. Please try again later.",
            status=self.faults.rng.choice([500, 503]),
        )

    def fault_response_busy(self):
        return self._error(
            "error_busy", "The system is busy, please try again later.", status=400
        )
