"""Sign-in through an organisation's own identity provider (OpenID Connect, authorisation code + PKCE).

A police force can let its officers sign in with the force's accounts: the provider proves who the
person is; citywatch still decides what they may do (their user row: organisation, role, rules).
A provider's user is matched by username claim to an existing citywatch user of the configured
organisation, or created with the configured role when ``auto_create`` is on. Where the role needs
MFA, the ID token must say the provider used a second factor (``amr`` containing ``mfa``/``otp``/
``hwk``…), unless the installation trusts the provider to enforce it.

The PKCE verifier, state and nonce travel in a short-lived encrypted cookie (the installation's
key), so the server keeps no per-login state and a callback cannot be replayed by another browser.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from citywatch.access.errors import AuthenticationRequired, InvalidInput
from citywatch.access.models import User
from citywatch.access.users import UserInput, UserService
from citywatch.config import OidcSettings
from citywatch.secrets_box import SecretBox

__all__ = ["MFA_METHODS", "OidcClient", "OidcLogin"]

log = logging.getLogger(__name__)

MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris", "retina", "sc"})
_FLOW_TTL_S = 600


@dataclass(frozen=True, slots=True)
class OidcLogin:
    redirect_url: str
    flow_cookie: str


class OidcClient:
    def __init__(self, settings: OidcSettings, users: UserService, box: SecretBox) -> None:
        self._settings = settings
        self._users = users
        self._box = box
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def _discover(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self._settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                r = httpx.get(url, timeout=10)
                r.raise_for_status()
            except httpx.HTTPError as exc:
                raise AuthenticationRequired(f"the identity provider at {url} did not answer: {exc}") from exc
            meta = r.json()
            if meta.get("issuer", "").rstrip("/") != self._settings.issuer.rstrip("/"):
                raise AuthenticationRequired(f"the identity provider says its issuer is {meta.get('issuer')!r}")
            self._metadata = meta
        return self._metadata

    def _jwks(self, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            r = httpx.get(self._discover()["jwks_uri"], timeout=10)
            r.raise_for_status()
            self._keys = KeySet.import_key_set(r.json())
        return self._keys

    def start(self, redirect_uri: str) -> OidcLogin:
        meta = self._discover()
        verifier = secrets.token_urlsafe(48)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        query = {
            "response_type": "code",
            "client_id": self._settings.client_id,
            "redirect_uri": redirect_uri,
            "scope": self._settings.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        flow = {"v": verifier, "s": state, "n": nonce, "r": redirect_uri, "t": int(time.time())}
        cookie = self._box.encrypt(json.dumps(flow)).decode()
        return OidcLogin(f"{meta['authorization_endpoint']}?{urlencode(query)}", cookie)

    def finish(self, code: str, state: str, flow_cookie: str | None) -> tuple[User, dict[str, Any]]:
        """Exchange the code, check the ID token, and find (or create) the citywatch user."""
        if not flow_cookie:
            raise AuthenticationRequired("the sign-in was not started from this browser; start again")
        try:
            flow = json.loads(self._box.decrypt(flow_cookie.encode()))
        except Exception as exc:  # any tampering or a key change: start again
            raise AuthenticationRequired("the sign-in state is not valid; start again") from exc
        if time.time() - flow["t"] > _FLOW_TTL_S:
            raise AuthenticationRequired("the sign-in took too long; start again")
        if not secrets.compare_digest(state, flow["s"]):
            raise AuthenticationRequired("the sign-in answer does not belong to this sign-in; start again")
        meta = self._discover()
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow["r"],
            "code_verifier": flow["v"],
            "client_id": self._settings.client_id,
            "client_secret": self._settings.client_secret,
        }
        try:
            r = httpx.post(meta["token_endpoint"], data=data, timeout=10)
        except httpx.HTTPError as exc:
            raise AuthenticationRequired(f"the identity provider's token endpoint did not answer: {exc}") from exc
        if r.status_code != 200 or "id_token" not in r.json():
            raise AuthenticationRequired(f"the identity provider refused the code ({r.status_code})")
        claims = self._validate(r.json()["id_token"], flow["n"])
        return self._user_for(claims), claims

    def _validate(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            try:
                token = jwt.decode(id_token, self._jwks())
            except JoseError:
                token = jwt.decode(id_token, self._jwks(refresh=True))  # the provider may have rotated keys
            claims: dict[str, Any] = dict(token.claims)
            registry = jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": self._settings.issuer},
                aud={"essential": True, "value": self._settings.client_id},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
                leeway=60,
            )
            registry.validate(claims)
        except (JoseError, ValueError) as exc:
            raise AuthenticationRequired(f"the identity provider's ID token is not valid: {exc}") from exc
        return claims

    def _user_for(self, claims: dict[str, Any]) -> User:
        name = str(claims.get(self._settings.username_claim) or "")
        if not name:
            raise AuthenticationRequired(f"the ID token has no {self._settings.username_claim!r} claim")
        org = self._users.organisation_named(self._settings.organisation)
        if org is None:
            raise InvalidInput(f"OIDC organisation {self._settings.organisation!r} does not exist; create it first")
        user = self._users.by_username(name)
        if user is None:
            if not self._settings.auto_create:
                raise AuthenticationRequired(f"{name} has no citywatch account; ask an administrator to add one")
            display = str(claims.get("name") or name)
            password = secrets.token_urlsafe(32)  # unusable: this person signs in through the provider
            user = self._users.add(UserInput(name, display, org.id, self._settings.default_role, password))
        if user.organisation_id != org.id:
            raise AuthenticationRequired(f"{name} belongs to another organisation and cannot use this provider")
        return user

    def second_factor_used(self, claims: dict[str, Any]) -> bool:
        amr = claims.get("amr") or []
        return self._settings.trust_provider_mfa or bool(MFA_METHODS & {str(m) for m in amr})
