"""A small OpenID Connect provider on 127.0.0.1 for the sign-in tests: discovery, keys, authorise, token.

It signs ID tokens with a fresh RSA key, checks the PKCE verifier against the challenge, and
signs in whichever user the test names (``next_user``), with or without a second factor.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "citywatch-test"
CLIENT_SECRET = "idp-client-secret"


@dataclass
class Provider:
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    next_user: str = "dc.remote"
    amr: list[str] = field(default_factory=lambda: ["pwd", "mfa"])
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tamper_nonce: bool = False

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            if q["client_id"] != CLIENT_ID or q.get("code_challenge_method") != "S256":
                raise HTTPException(400, "bad client or PKCE method")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": q["code_challenge"],
                "nonce": "forged" if self.tamper_nonce else q["nonce"],
                "redirect_uri": q["redirect_uri"],
                "user": self.next_user,
            }
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
            code_verifier = form.get("code_verifier", "")
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            issued = self.codes.pop(code, None)
            if issued is None or (client_id, client_secret) != (CLIENT_ID, CLIENT_SECRET):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != issued["challenge"] or redirect_uri != issued["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": CLIENT_ID,
                "sub": issued["user"],
                "preferred_username": issued["user"],
                "name": issued["user"].replace(".", " ").title(),
                "nonce": issued["nonce"],
                "iat": now,
                "exp": now + 300,
                "amr": self.amr,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
            return JSONResponse({"access_token": "unused", "token_type": "Bearer", "id_token": id_token})

        return app
