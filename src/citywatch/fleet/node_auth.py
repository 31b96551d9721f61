"""Trust between the API and recorder nodes: a shared secret that never travels, short-lived signed tokens.

The secret is a file (``fleet.secret_file``, default ``DATA_DIR/fleet.key``, mode 0600) copied to
every machine of the fleet. A request from the API to a node carries ``Authorization: Node <token>``
where the token is ``<claims>.<HMAC-SHA256 of claims>`` and the claims name the node it is for, what
it may do (``media`` or ``live``) and when it expires (a minute later). A token stolen from the
wire is therefore good for one node, one purpose and a minute; the secret itself is never sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from citywatch.config import Settings

__all__ = ["TOKEN_TTL_S", "NodeAuthError", "NodeSigner", "fleet_secret_path", "load_fleet_secret"]

TOKEN_TTL_S = 60.0
_CLOCK_SKEW_S = 30.0  # node and API clocks may differ this much (both should run NTP)


class NodeAuthError(Exception):
    """A request to a node carries no token, a forged or tampered one, or one for another node or purpose."""


def fleet_secret_path(settings: Settings) -> Path:
    return settings.fleet.secret_file or settings.data_dir / "fleet.key"


def load_fleet_secret(settings: Settings) -> bytes:
    """The fleet's shared secret; created (0600) on first use, then copied to the other machines."""
    path = fleet_secret_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process of this machine made it a moment ago
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48) + "\n")
    secret = path.read_bytes().strip()
    if len(secret) < 32:
        raise NodeAuthError(f"the fleet secret in {path} is too short (under 32 bytes); replace it with a longer one")
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class NodeSigner:
    """Issues tokens (API side) and checks them (node side) with the fleet secret."""

    def __init__(self, secret: bytes, *, ttl_s: float = TOKEN_TTL_S) -> None:
        self._secret = secret
        self._ttl_s = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> NodeSigner:
        return cls(load_fleet_secret(settings))

    def _sign(self, claims: bytes) -> str:
        return _b64(hmac.new(self._secret, claims, hashlib.sha256).digest())

    def token(self, node: str, scope: str) -> str:
        """A token for ``node`` and ``scope``; reused for half its life so signing stays off hot paths."""
        now = time.time()
        cached = self._cache.get((node, scope))
        if cached is not None and cached[0] - now > self._ttl_s / 2:
            return cached[1]
        expires = now + self._ttl_s
        claims = json.dumps({"node": node, "scope": scope, "exp": round(expires, 3)}, separators=(",", ":")).encode()
        value = f"{_b64(claims)}.{self._sign(claims)}"
        self._cache[(node, scope)] = (expires, value)
        return value

    def header(self, node: str, scope: str) -> str:
        return f"Node {self.token(node, scope)}"

    def scrape_token(self) -> str:
        """The bearer token Prometheus sends to every node's ``/metrics`` (``citywatch fleet metrics-token``).

        Derived one-way from the fleet secret, so it is the same on every node, never expires (a scraper
        cannot sign), opens nothing but metrics, and changes when the secret does.
        """
        return _b64(hmac.new(self._secret, b"citywatch prometheus scrape v1", hashlib.sha256).digest())

    def is_scrape(self, authorization: str | None) -> bool:
        if not authorization or authorization[:7].lower() != "bearer ":
            return False
        return hmac.compare_digest(authorization[7:].strip().encode(), self.scrape_token().encode())

    def verify(self, authorization: str | None, node: str, scope: str) -> None:
        """Raise ``NodeAuthError`` unless ``authorization`` holds a valid, current token for ``node`` and ``scope``."""
        if not authorization or not authorization.startswith("Node "):
            raise NodeAuthError("no node token: requests to a recorder node must come from the citywatch API")
        claims_text, _, signature = authorization[5:].strip().partition(".")
        try:
            claims = _unb64(claims_text)
            given = _unb64(signature)
        except ValueError as exc:
            raise NodeAuthError("the node token is malformed") from exc
        if not hmac.compare_digest(given, hmac.new(self._secret, claims, hashlib.sha256).digest()):
            raise NodeAuthError("the node token's signature does not match: the API and node fleet secrets differ")
        try:
            parsed = json.loads(claims)
            for_node, for_scope, expires = str(parsed["node"]), str(parsed["scope"]), float(parsed["exp"])
        except (ValueError, KeyError, TypeError) as exc:
            raise NodeAuthError("the node token's claims are malformed") from exc
        if for_node != node:
            raise NodeAuthError(f"the node token is for node {for_node!r}, not {node!r}")
        if for_scope != scope:
            raise NodeAuthError(f"the node token is for {for_scope!r}, not {scope!r}")
        if expires + _CLOCK_SKEW_S < time.time():
            raise NodeAuthError("the node token has expired: check that the API's and node's clocks agree (NTP)")
