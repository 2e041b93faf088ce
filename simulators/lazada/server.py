"""The Lazada simulator: its options, the ``/rest`` dispatch and the envelope."""

import itertools
from datetime import timedelta, timezone

from ..core import PushOutbox, SellerStockRoutes, SimServer, json_response, route
from .auth import LazadaAuth
from .cancellation import LazadaCancellation
from .common import COUNTRY, DAY, HOUR, TAX_RATES, ApiError, _multipart_fields
from .control import LazadaControl
from .finance import LazadaFinance
from .listings import LazadaListings
from .logistics import LazadaLogistics
from .orders import LazadaOrders
from .push import LazadaPush
from .state import LazadaState
from .stock import LazadaStock

# API path -> (allowed methods, handler attribute, needs access_token)
API = {
    "/auth/token/create": (("GET", "POST"), "api_token_create", False),
    "/auth/token/refresh": (("GET", "POST"), "api_token_refresh", False),
    "/orders/get": (("GET", "POST"), "api_orders_get", True),
    "/order/get": (("GET", "POST"), "api_order_get", True),
    "/order/items/get": (("GET", "POST"), "api_order_items_get", True),
    "/orders/items/get": (("GET", "POST"), "api_orders_items_get", True),
    "/order/shipment/providers/get": (("GET", "POST"), "api_providers", True),
    "/order/fulfill/pack": (("POST",), "api_pack", True),
    "/order/package/rts": (("POST",), "api_rts", True),
    "/order/package/document/get": (("GET", "POST"), "api_document", True),
    "/order/invoice_number/set": (("POST",), "api_invoice_set", True),
    "/order/reverse/cancel/validate": (("GET", "POST"), "api_cancel_validate", True),
    "/order/reverse/cancel/create": (("GET", "POST"), "api_cancel_create", True),
    "/order/reverse/cancel/seller/decide": (("GET", "POST"), "api_cancel_decide", True),
    "/products/get": (("GET", "POST"), "api_products_get", True),
    "/product/price_quantity/update": (("POST",), "api_price_quantity", True),
    "/product/stock/sellable/update": (("POST",), "api_sellable", True),
    "/finance/transaction/details/get": (("GET", "POST"), "api_fin_transactions", True),
    "/finance/payout/status/get": (("GET", "POST"), "api_fin_payouts", True),
    "/finance/transaction/accountTransactions/query": (
        ("POST",),
        "api_fin_account_txns",
        True,
    ),
}


class LazadaSimulator(
    LazadaAuth,
    LazadaState,
    LazadaOrders,
    LazadaLogistics,
    LazadaCancellation,
    LazadaStock,
    LazadaListings,
    LazadaPush,
    LazadaControl,
    LazadaFinance,
    SellerStockRoutes,
    SimServer,
):
    name = "lazada"

    def __init__(self, *args, **options):
        opts = options
        self.app_key = str(opts.pop("app_key", "123456"))
        self.app_secret = str(opts.pop("app_secret", "helloworld"))
        self.push_url = opts.pop("push_url", None)
        self.country = str(opts.pop("country", "sg")).lower()
        self.seller_id = str(opts.pop("seller_id", "1000123456"))
        self.access_ttl = int(opts.pop("access_ttl", 7 * DAY))
        self.refresh_ttl = int(opts.pop("refresh_ttl", 14 * DAY))
        self.ship_after = float(opts.pop("ship_after", 6 * HOUR))
        self.deliver_after = float(opts.pop("deliver_after", 48 * HOUR))
        self.cancel_confirm_after = float(opts.pop("cancel_confirm_after", 48 * HOUR))
        self.cancel_pending_after = float(opts.pop("cancel_pending_after", HOUR))
        self.push_timeout = float(opts.pop("push_timeout", 2.0))
        self.settle_after = float(opts.pop("settle_after", 3 * DAY))
        self.payout_after = float(opts.pop("payout_after", 4 * DAY))
        country_name, self.currency, offset = COUNTRY.get(self.country, COUNTRY["sg"])
        self.tax_rate = float(opts.pop("tax_rate", TAX_RATES.get(self.country, 0.0)))
        self.country_name = country_name
        self.tz = timezone(timedelta(hours=offset))
        self._request_seq = itertools.count(1)
        self._outbox = PushOutbox("sim-lazada-push", self._deliver_push)
        self.pushes = []
        super().__init__(*args, **options)

    # ---- protocol --------------------------------------------------------------------
    def _envelope_error(self, code, message, type_="ISV", status=200, **extra):
        body = {
            "code": str(code),
            "type": type_,
            "message": message,
            "request_id": self._request_id(),
        }
        body.update(extra)
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(max(int(self.faults.get("retry_after")), 1))
        return json_response(body, status, headers)

    def _request_id(self):
        return f"21{int(self.now() * 1000):x}{next(self._request_seq):06x}"

    def _ok(self, **payload):
        body = {"code": "0"}
        body.update(payload)
        body["request_id"] = self._request_id()
        return json_response(body)

    def fault_response_429(self):
        return self._envelope_error(
            "ApiCallLimit",
            "The request has exceeded the limit of API calls, please retry in the "
            "next second",
            type_="ISP",
            status=429,
        )

    def fault_response_5xx(self):
        status = self.faults.rng.choice((500, 503))
        code = "InternalError" if status == 500 else "ServiceUnavailable"
        return self._envelope_error(
            code, "The request has failed due to a temporary failure", "ISP", status
        )

    def _params(self, req):
        """Query + form parameters (urlencoded or multipart; file parts are not
        signed and are left out)."""
        params = dict(req.query)
        if req.method == "POST":
            if req.content_type == "multipart/form-data":
                params.update(_multipart_fields(req))
            else:
                params.update(req.form())
        return params

    def _api(self, req):
        api_path = req.path[len("/rest") :]
        spec = API.get(api_path)
        if spec is None:
            return self._envelope_error(
                "InvalidApiPath", "The specified API path is invalid", "ISV"
            )
        methods, handler, needs_token = spec
        if req.method not in methods:
            return self._envelope_error(
                "InvalidApiPath",
                f"The API {api_path} does not support HTTP method {req.method}",
            )
        try:
            params = self._authenticate(req, api_path, needs_token)
            return getattr(self, handler)(params)
        except ApiError as exc:
            return self._envelope_error(exc.code, exc.message, exc.type, **exc.extra)

    # ---- routes ----------------------------------------------------------------------
    @route(("GET", "POST"), "/rest/{a}/{b}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}/{d}")
    @route(("GET", "POST"), "/rest/{a}/{b}/{c}/{d}/{e}")
    def rest_api(self, req):
        return self._api(req)
