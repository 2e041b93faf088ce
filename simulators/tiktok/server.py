"""The TikTok Shop simulator: its options, ids, money and the response envelope."""

import hashlib
import itertools
import time

from ..core import PushOutbox, SellerStockRoutes, SimServer, json_response
from .auth import TikTokAuth
from .cancellation import TikTokCancellation
from .common import E_CREDENTIALS, E_INTERNAL, E_TOO_MANY, ApiError
from .control import TikTokControl
from .finance import PAYMENT_AFTER, REFUND_RATE, SETTLE_AFTER, TikTokFinance
from .listings import TikTokListings
from .logistics import TikTokLogistics
from .orders import TikTokOrders
from .push import TikTokPush
from .state import TikTokState
from .stock import TikTokStock


class TikTokSimulator(
    TikTokAuth,
    TikTokState,
    TikTokOrders,
    TikTokLogistics,
    TikTokCancellation,
    TikTokStock,
    TikTokListings,
    TikTokPush,
    TikTokControl,
    TikTokFinance,
    SellerStockRoutes,
    SimServer,
):
    name = "tiktok"
    # see the module docstring: envelope errors other than 429/503 use HTTP 200
    ERROR_HTTP_STATUS = 200

    def __init__(
        self, port=0, orders=50, seed=1, faults=None, host="127.0.0.1", **options
    ):
        self.app_key = options.get("app_key", "29a39d")
        self.app_secret = options.get("app_secret", "tiktok-app-secret")
        self.shop_cipher = options.get("shop_cipher", "ROW_sim_cipher")
        self.tokopedia = bool(options.get("tokopedia", False))
        self.region = "ID" if self.tokopedia else "MY"
        self.currency = "IDR" if self.tokopedia else "MYR"
        self.shop_id = str(
            options.get("shop_id")
            or ("7495609011118131290" if self.tokopedia else "7000714532876273420")
        )
        self.push_url = options.get("push_url")
        self.settle_after = int(options.get("settle_after", SETTLE_AFTER))
        self.payment_after = int(options.get("payment_after", PAYMENT_AFTER))
        self.withheld_taxes = dict(options.get("withheld_taxes") or {})
        self.refund_rate = float(options.get("refund_rate", REFUND_RATE))
        self._outbox = PushOutbox("sim-tiktok-push", self._deliver_push)
        self._request_ids = itertools.count(1)
        self._notification_ids = itertools.count(1)
        self._expired_for = None
        super().__init__(port, orders, seed, faults, host, **options)

    # ==== helpers ====
    def _new_id(self, prefix):
        self._seq += 1
        return f"{prefix}{self._seq:08d}{self.rng.randint(100000, 999999)}"

    def _request_id(self):
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(self.now()))
        tail = hashlib.md5(f"{self.seed}-{next(self._request_ids)}".encode())
        return stamp + tail.hexdigest()[:20].upper()

    def _money(self, value):
        if self.currency == "IDR":
            return str(int(round(value)))
        return f"{value:.2f}"

    def _unit(self, value):
        value = value * (1000 if self.currency == "IDR" else 1)
        return round(value, 0 if self.currency == "IDR" else 2)

    def _ok(self, payload=None):
        return json_response(
            {
                "code": 0,
                "message": "Success",
                "request_id": self._request_id(),
                "data": {} if payload is None else payload,
            }
        )

    def _error(self, code, message, status=None, payload=None, headers=None):
        return json_response(
            {
                "code": code,
                "message": message,
                "request_id": self._request_id(),
                "data": payload,
            },
            status or self.ERROR_HTTP_STATUS,
            headers,
        )

    def fault_response_429(self):
        return self._error(
            E_TOO_MANY,
            "Too many requests. Please try again later.",
            429,
            headers={"Retry-After": str(int(self.faults.get("retry_after")))},
        )

    def fault_response_5xx(self):
        return self._error(
            E_INTERNAL,
            "Internal error. Please try again. If the issue persists after multiple "
            "attempts, please contact platform support.",
            503,
        )

    def _body(self, req):
        try:
            body = req.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(E_CREDENTIALS, f"Invalid request body: {exc}") from exc
        if not isinstance(body, dict):
            raise ApiError(E_CREDENTIALS, "Invalid request body: expected an object")
        return body
