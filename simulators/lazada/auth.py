"""Request signing, the access token flow (``auth/token/*``) and the call checks."""

import time
from datetime import UTC, datetime

from ..core import constant_time_equal, hmac_sha256_hex
from .common import TIMESTAMP_WINDOW, ApiError


def sign(api_path, params, secret):
    """Lazada signature: sort params (without ``sign``) by name in ASCII order, join as
    ``key1value1key2value2``, prefix ``api_path``, HMAC-SHA256 with ``secret``, upper
    hex."""
    text = api_path + "".join(
        f"{key}{params[key]}" for key in sorted(params) if key != "sign"
    )
    return hmac_sha256_hex(secret, text, upper=True)


def push_signature(app_key, app_secret, raw_body):
    """Webhook ``Authorization`` header: lowercase hex HMAC-SHA256(app_secret,
    app_key + raw body)."""
    if isinstance(raw_body, bytes):
        raw_body = raw_body.decode("utf-8")
    return hmac_sha256_hex(app_secret, app_key + raw_body)


class LazadaAuth:
    """Signature, timestamp and token checks; token creation and refresh."""

    def _check_timestamp(self, value):
        value = (value or "").strip()
        try:
            if value.isdigit():
                epoch = int(value) / 1000.0
            else:
                text = value.replace(" ", "T", 1) if "T" not in value else value
                parsed = datetime.fromisoformat(text)
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=UTC)
                epoch = parsed.timestamp()
        except ValueError:
            return False
        # Lazada compares to UTC; the simulated clock is accepted too
        return min(abs(epoch - time.time()), abs(epoch - self.now())) <= (
            TIMESTAMP_WINDOW
        )

    def _sync_faults(self):
        """``expire_tokens``: every access token issued so far is expired now."""
        values = self.faults.values
        if values is self._faults_seen:
            return
        self._faults_seen = values
        if self.faults.get("expire_tokens"):
            now = self.now()
            for token in self.access_tokens.values():
                token["expires_at"] = min(token["expires_at"], now - 1)

    def _authenticate(self, req, api_path, needs_token):
        params = self._params(req)
        for name in ("app_key", "timestamp", "sign_method", "sign"):
            if not params.get(name):
                raise ApiError(
                    "MissingParameter",
                    f"The input parameter “{name}” that is mandatory for processing "
                    "this request is not supplied",
                )
        if params["app_key"] != self.app_key:
            raise ApiError("InvalidAppKey", "The specified app key is invalid")
        if not self._check_timestamp(params["timestamp"]):
            raise ApiError(
                "InvalidTimestamp",
                "The timestamp is invalid or more than 7200 s away from UTC",
            )
        if params["sign_method"].lower() != "sha256":
            raise ApiError(
                "IncompleteSignature", "The sign_method is not supported, use sha256"
            )
        expected = sign(api_path, params, self.app_secret)
        if not constant_time_equal(params["sign"].upper(), expected):
            raise ApiError(
                "IncompleteSignature",
                "The request signature does not conform to lazop standards",
            )
        if needs_token:
            self._sync_faults()
            token = params.get("access_token")
            if not token:
                raise ApiError(
                    "MissingParameter",
                    "The input parameter “access_token” that is mandatory for "
                    "processing this request is not supplied",
                )
            record = self.access_tokens.get(token)
            if record is None or record["expires_at"] <= self.now():
                raise ApiError(
                    "IllegalAccessToken",
                    "The specified access token is invalid or expired",
                )
            record["calls"] += 1
        return params

    # ---- auth ------------------------------------------------------------------------
    def _issue_tokens(self, refresh_token=None):
        now = self.now()
        self._token_seq += 1
        access = f"50000{self._token_seq:06d}{self.rng.getrandbits(96):024x}"
        if refresh_token is None:
            refresh_token = f"50001{self._token_seq:06d}{self.rng.getrandbits(96):024x}"
            self.refresh_tokens[refresh_token] = {
                "expires_at": now + self.refresh_ttl,
                "refreshes": 0,
            }
        refresh = self.refresh_tokens[refresh_token]
        expires_at = min(now + self.access_ttl, refresh["expires_at"])
        self.access_tokens[access] = {
            "expires_at": expires_at,
            "refresh_token": refresh_token,
            "calls": 0,
        }
        return {
            "access_token": access,
            "refresh_token": refresh_token,
            "expires_in": int(expires_at - now),
            "refresh_expires_in": int(refresh["expires_at"] - now),
            "country": self.country,
            "account_platform": "seller_center",
            "account_id": None,
            "account": f"seller{self.seller_id}@example.com",
            "country_user_info": [
                {
                    "country": self.country,
                    "seller_id": self.seller_id,
                    "user_id": str(int(self.seller_id) + 7),
                    "short_code": f"{self.country.upper()}{self.seller_id[-5:]}",
                }
            ],
        }

    def api_token_create(self, params):
        code = params.get("code")
        if not code:
            raise ApiError(
                "MissingParameter",
                "The input parameter “code” that is mandatory for processing this "
                "request is not supplied",
            )
        if self.codes.valid(code, self.now()) is None:
            raise ApiError("InvalidCode", "Invalid authorization code")
        self.codes.redeem(code)
        return self._ok(**self._issue_tokens())

    def api_token_refresh(self, params):
        refresh_token = params.get("refresh_token")
        record = self.refresh_tokens.get(refresh_token or "")
        if record is None or record["expires_at"] <= self.now():
            raise ApiError(
                "IllegalRefreshToken",
                "The specified refresh token is invalid or expired",
            )
        record["refreshes"] += 1
        # a new access token; the refresh token keeps its own (unextended) expiry
        return self._ok(**self._issue_tokens(refresh_token))
