"""Request checks (partner signature, timestamp, tokens) and the OAuth code flow."""

import time
import uuid

from ..core import (
    Response,
    constant_time_equal,
    hmac_sha256_hex,
    json_object,
    json_response,
    route,
)
from .common import ACCESS_TOKEN_TTL, CODE_TTL, REFRESH_TOKEN_TTL, TIMESTAMP_WINDOW


class ShopeeAuth:
    """``_check()`` of every call, ``/api/v2/auth/*`` and the partner auth page."""

    def _apply_expire_fault(self):
        if self.faults.get("expire_tokens") and self._expire_marker is not (
            self.faults.values
        ):
            self._expire_marker = self.faults.values
            now = self.now()
            for token in self.tokens.values():
                token["expire_at"] = min(token["expire_at"], now - 1)

    def _check(self, req, shop_api=True):
        """Validate the common parameters and the signature. Returns an error
        Response, or None."""
        query = req.query
        partner_id = query.get("partner_id")
        if not partner_id:
            return self._error("error_param", "There is no partner_id in query.")
        if partner_id != str(self.partner_id):
            return self._error("error_param", "Invalid partner_id.")
        timestamp = query.get("timestamp")
        if not timestamp:
            return self._error("error_param", "no timestamp")
        try:
            ts = int(timestamp)
        except ValueError:
            return self._error("error_param", "Invalid timestamp")
        if abs(time.time() - ts) > TIMESTAMP_WINDOW:
            return self._error("error_param", "Invalid timestamp")
        sign = query.get("sign")
        if not sign:
            return self._error("error_param", "There is no sign in query.")
        base = f"{partner_id}{req.path}{timestamp}"
        if shop_api:
            access_token = query.get("access_token")
            if not access_token:
                return self._error("error_param", "There is no access_token in query.")
            shop_id = query.get("shop_id")
            if not shop_id:
                return self._error("error_param", "There is no shop_id in query.")
            base += f"{access_token}{shop_id}"
        if not constant_time_equal(sign, hmac_sha256_hex(self.partner_key, base)):
            return self._error("error_sign", "Wrong sign")
        if shop_api:
            self._apply_expire_fault()
            token = self.tokens.get(access_token)
            if (
                token is None
                or token["expire_at"] <= self.now()
                or str(token["shop_id"]) != shop_id
            ):
                return self._error("error_auth", "Invalid access_token")
        return None

    # ---- auth ------------------------------------------------------------------------
    @route("POST", "/_sim/auth/code", api=False)
    def sim_auth_code(self, req):
        body = json_object(req) or {}
        code = self._token()
        shop_id = int(body.get("shop_id") or self.shop_id)
        self.codes.issue(code, self.now() + CODE_TTL, shop_id=shop_id)
        return json_response({"code": code, "shop_id": shop_id})

    @route("GET", "/api/v2/shop/auth_partner", api=False)
    def auth_partner(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        redirect = req.query.get("redirect")
        if not redirect:
            return self._error("error_param", "Wrong parameters, detail: redirect.")
        code = self._token()
        self.codes.issue(code, self.now() + CODE_TTL, shop_id=self.shop_id)
        sep = "&" if "?" in redirect else "?"
        location = f"{redirect}{sep}code={code}&shop_id={self.shop_id}"
        return Response(302, b"", "text/plain", {"Location": location})

    def _issue_tokens(self, shop_id):
        self._apply_expire_fault()
        now = self.now()
        access, refresh = self._token(), self._token()
        self.tokens[access] = {"shop_id": shop_id, "expire_at": now + ACCESS_TOKEN_TTL}
        self.refresh_tokens[refresh] = {
            "shop_id": shop_id,
            "expire_at": now + REFRESH_TOKEN_TTL,
            "used": False,
        }
        return access, refresh

    def _auth_answer(self, fields):
        body = {"request_id": uuid.uuid4().hex, "error": "", "message": ""}
        body.update(fields)
        return json_response(body)

    @route("POST", "/api/v2/auth/token/get")
    def token_get(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        body = json_object(req)
        if body is None or not body.get("code") or not body.get("shop_id"):
            return self._error("error_param", "Wrong parameters, detail: code/shop_id.")
        if str(body.get("partner_id")) != str(self.partner_id):
            return self._error(
                "invalid_partner_id", "Invalid partner_id, please check."
            )
        code = self.codes.valid(body["code"], self.now())
        if code is None:
            return self._error(
                "invalid_code",
                "The code is expired or used or invalid, please check the code.",
            )
        if str(code["shop_id"]) != str(body["shop_id"]):
            return self._error(
                "invalid_shop_id",
                "The code or shop_id is wrong, please check the code or the shop_id.",
            )
        self.codes.redeem(body["code"])
        access, refresh = self._issue_tokens(code["shop_id"])
        return self._auth_answer(
            {
                "access_token": access,
                "refresh_token": refresh,
                "expire_in": ACCESS_TOKEN_TTL,
            }
        )

    @route("POST", "/api/v2/auth/access_token/get")
    def access_token_get(self, req):
        error = self._check(req, shop_api=False)
        if error:
            return error
        body = json_object(req)
        if body is None or not body.get("refresh_token") or not body.get("shop_id"):
            return self._error(
                "error_param", "Wrong parameters, detail: refresh_token/shop_id."
            )
        if str(body.get("partner_id")) != str(self.partner_id):
            return self._error("error_param", "Invalid partner_id.")
        refresh = self.refresh_tokens.get(body["refresh_token"])
        if (
            refresh is None
            or refresh["used"]
            or str(refresh["shop_id"]) != str(body["shop_id"])
        ):
            return self._error(
                "error_shop_refresh_token",
                "Your refresh token is error ,please check refresh token or shopid.",
            )
        if refresh["expire_at"] <= self.now():
            return self._error("refresh_token_expired", "Your refresh_token expired.")
        refresh["used"] = True  # single use
        access, new_refresh = self._issue_tokens(refresh["shop_id"])
        return self._auth_answer(
            {
                "partner_id": self.partner_id,
                "shop_id": refresh["shop_id"],
                "access_token": access,
                "refresh_token": new_refresh,
                "expire_in": ACCESS_TOKEN_TTL,
            }
        )
