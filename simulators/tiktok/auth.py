"""Request signing, the call checks (timestamp, token, cipher) and the token APIs."""

import hashlib
import time

from ..core import constant_time_equal, hmac_sha256_hex, route
from .common import (
    ACCESS_TOKEN_LIFE,
    E_AUTH_GRANT,
    E_CIPHER_REQUIRED,
    E_CREDENTIALS,
    E_SIGN,
    E_TOKEN_EXPIRED,
    REFRESH_TOKEN_LIFE,
    api,
)


def tts_sign(app_secret, path, query, body=b"", multipart=False):
    """TikTok Shop 202309 request signature (sign-your-api-request.md)."""
    keys = sorted(k for k in query if k not in ("sign", "access_token"))
    text = path + "".join(f"{k}{query[k]}" for k in keys)
    if isinstance(body, str):
        body = body.encode("utf-8")
    payload = text.encode("utf-8") + (b"" if multipart else (body or b""))
    wrapped = app_secret.encode("utf-8") + payload + app_secret.encode("utf-8")
    return hmac_sha256_hex(app_secret, wrapped)


def webhook_signature(app_key, app_secret, raw_body):
    """Header ``Authorization`` of a webhook: hex HMAC-SHA256(app_secret,
    app_key + raw body)."""
    return hmac_sha256_hex(app_secret, app_key.encode("utf-8") + raw_body)


class TikTokAuth:
    """``_authenticate()`` of every call, ``/api/v2/token/*`` and authorised shops."""

    # ==== authentication ====
    def _apply_expire_fault(self):
        values = self.faults.values
        if self.faults.get("expire_tokens") and self._expired_for is not values:
            self._expired_for = values
            now = self.now()
            for info in self.tokens.values():
                info["expire"] = min(info["expire"], int(now) - 1)
            self.faults.fired["expire_tokens"] = (
                self.faults.fired.get("expire_tokens", 0) + 1
            )

    def _authenticate(self, req, shop):
        query = req.query
        self._apply_expire_fault()
        if not constant_time_equal(query.get("app_key"), self.app_key):
            return self._error(
                E_CREDENTIALS, "Invalid credentials. Invalid `app_key` query parameter."
            )
        if not query.get("sign"):
            return self._error(
                E_CREDENTIALS,
                "Missing credentials. The request does not include a required "
                "signature in the query.",
            )
        error = self._check_timestamp(query.get("timestamp"))
        if error:
            return error
        multipart = req.content_type == "multipart/form-data"
        expected = tts_sign(self.app_secret, req.path, query, req.body, multipart)
        if not constant_time_equal(query["sign"], expected):
            return self._error(E_SIGN, "Invalid signature. Please check your sign.")
        error = self._check_token(req.headers.get("x-tts-access-token"))
        if error:
            return error
        return self._check_cipher(query, shop)

    def _check_timestamp(self, raw):
        try:
            stamp = int(raw)
        except (TypeError, ValueError):
            return self._error(
                E_CREDENTIALS,
                "Missing credentials. The `timestamp` query parameter is missing or "
                "not an integer.",
            )
        # the window is checked against the simulated clock, and also against the
        # wall clock so that a client keeps working after POST /_sim/clock
        for now in (self.now(), time.time()):
            if now - 300 <= stamp <= now + 30:
                return None
        now = self.now()
        if stamp < now - 300:
            return self._error(
                E_CREDENTIALS,
                "Invalid timestamp. The value of the `timestamp` query parameter must "
                "not be earlier than 5 minutes before the current time.",
            )
        if stamp > now + 30:
            return self._error(
                E_CREDENTIALS,
                "Invalid timestamp. The value of the `timestamp` query parameter must "
                "not be later than 30 seconds after the current time.",
            )
        return None

    def _check_token(self, token):
        info = self.tokens.get(token or "")
        if info is None:
            return self._error(
                E_CREDENTIALS,
                "Invalid credentials. The `x-tts-access-token` header is invalid.",
            )
        if info["expire"] <= self.now():
            return self._error(
                E_TOKEN_EXPIRED, "Expired credentials. The access token has expired."
            )
        return None

    def _check_cipher(self, query, shop):
        cipher = query.get("shop_cipher")
        if not shop:
            if cipher:
                return self._error(
                    E_CREDENTIALS,
                    "Unexpected identifier. The `shop_cipher` query parameter is not "
                    "required for this request.",
                )
            return None
        if not cipher:
            return self._error(
                E_CIPHER_REQUIRED,
                "The `shop_cipher` query parameter is required for this request.",
            )
        if cipher != self.shop_cipher:
            return self._error(
                E_CREDENTIALS,
                "Invalid credentials. The `shop_cipher` query parameter is invalid.",
            )
        return None

    def _issue_token(self, now, label="auth", refresh_token=None):
        access = (
            "TTP_"
            + hashlib.sha256(
                f"{self.seed}-{label}-{now}-{len(self.tokens)}".encode()
            ).hexdigest()[:40]
        )
        if refresh_token is None:
            refresh_token = (
                "TTP_"
                + hashlib.sha256(
                    f"refresh-{self.seed}-{label}-{now}-{len(self.tokens)}".encode()
                ).hexdigest()[:40]
            )
            self.refresh_tokens[refresh_token] = {"expire": now + REFRESH_TOKEN_LIFE}
        info = {
            "access_token": access,
            "expire": now + ACCESS_TOKEN_LIFE,
            "issued": now,
            "refresh_token": refresh_token,
        }
        self.tokens[access] = info
        return info

    def _token_data(self, info):
        return {
            "access_token": info["access_token"],
            "access_token_expire_in": info["expire"],
            "refresh_token": info["refresh_token"],
            "refresh_token_expire_in": self.refresh_tokens[info["refresh_token"]][
                "expire"
            ],
            "open_id": "7010736057180325637" if not self.tokopedia else "7310736057",
            "seller_name": self._shop_name(),
            "seller_base_region": self.region,
            "user_type": 0,
            "granted_scopes": [
                "seller.authorization.info",
                "seller.order.info",
                "seller.fulfillment.basic",
                "seller.return_refund.basic",
                "seller.product.basic",
            ],
        }

    def _shop_name(self):
        return "Toko Sim Tokopedia" if self.tokopedia else "Sim TikTok Shop MY"

    def _token_app_check(self, query):
        if query.get("app_key") != self.app_key or not constant_time_equal(
            query.get("app_secret"), self.app_secret
        ):
            return self._error(
                E_CREDENTIALS, "Invalid credentials. Invalid app_key or app_secret."
            )
        return None

    def _token_get(self, req):
        query = dict(req.query, **req.form())
        self._apply_expire_fault()
        error = self._token_app_check(query)
        if error:
            return error
        if query.get("grant_type") != "authorized_code":
            return self._error(E_CREDENTIALS, "Invalid grant_type.")
        now = int(self.now())
        code = query.get("auth_code") or ""
        if self.auth_codes.valid(code, now) is None:
            return self._error(E_AUTH_GRANT, "Invalid or expired auth_code.")
        self.auth_codes.redeem(code)
        return self._ok(self._token_data(self._issue_token(now)))

    def _token_refresh(self, req):
        query = dict(req.query, **req.form())
        self._apply_expire_fault()
        error = self._token_app_check(query)
        if error:
            return error
        if query.get("grant_type") != "refresh_token":
            return self._error(E_CREDENTIALS, "Invalid grant_type.")
        now = int(self.now())
        refresh = query.get("refresh_token") or ""
        info = self.refresh_tokens.get(refresh)
        if info is None or info["expire"] <= now:
            return self._error(E_AUTH_GRANT, "Invalid or expired refresh_token.")
        return self._ok(
            self._token_data(
                self._issue_token(now, label="refresh", refresh_token=refresh)
            )
        )

    @route(("GET", "POST"), "/api/v2/token/get")
    def token_get(self, req):
        return self._token_get(req)

    @route(("GET", "POST"), "/api/v2/token/refresh")
    def token_refresh(self, req):
        return self._token_refresh(req)

    @api("GET", "/authorization/202309/shops", shop=False)
    def authorized_shops(self, req):
        code = ("IDLC" if self.tokopedia else "MYLC") + self.shop_id[-8:]
        return self._ok(
            {
                "shops": [
                    {
                        "id": self.shop_id,
                        "name": self._shop_name(),
                        "region": self.region,
                        "seller_type": "LOCAL",
                        "cipher": self.shop_cipher,
                        "code": code,
                    }
                ]
            }
        )
