"""WS-Security UsernameToken with PasswordDigest, as ONVIF devices check it.

Digest = Base64(SHA-1(nonce + created + password)), nonce Base64-encoded on the wire. A token is
accepted when the digest matches, ``Created`` is within ``max_skew_s`` of the device clock, and
its nonce has not been seen within that window (a replayed request is refused). PasswordText is
refused: a password must never cross the wire in clear, even on 127.0.0.1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime

from citywatch.sim.onvif._soap import Element, SoapFault, child, text_of

__all__ = ["UsernameTokenAuth", "password_digest"]

_DIGEST_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
_MAX_NONCES = 4096


def password_digest(nonce: bytes, created: str, password: str) -> str:
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()  # noqa: S324


def _not_authorized(why: str) -> SoapFault:
    return SoapFault("Sender", ["ter:NotAuthorized"], f"Sender not authorized: {why}")


class UsernameTokenAuth:
    """Checks the UsernameToken in a request header against one account."""

    def __init__(self, username: str, password: str, max_skew_s: float = 300.0) -> None:
        self.username, self._password, self.max_skew_s = username, password, max_skew_s
        self._nonces: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, header: Element | None) -> None:
        """Return when the header carries a valid token for this account; raise ``SoapFault`` if not."""
        security = None if header is None else child(header, "Security")
        token = None if security is None else child(security, "UsernameToken")
        if token is None:
            raise _not_authorized("no WS-Security UsernameToken in the request")
        password = child(token, "Password")
        username, nonce_b64, created = text_of(token, "Username"), text_of(token, "Nonce"), text_of(token, "Created")
        if password is None or password.get("Type", _DIGEST_TYPE) != _DIGEST_TYPE:
            raise _not_authorized("only PasswordDigest is accepted")
        if not username or not nonce_b64 or not created or not password.text:
            raise _not_authorized("the UsernameToken lacks Username, Nonce, Created or Password")
        try:
            nonce = base64.b64decode(nonce_b64, validate=True)
            created_at = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except (binascii.Error, ValueError) as exc:
            raise _not_authorized(f"unreadable Nonce or Created: {exc}") from exc
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        skew = abs((datetime.now(UTC) - created_at).total_seconds())
        if skew > self.max_skew_s:
            raise _not_authorized(f"Created is {skew:.0f} s from the device clock (limit {self.max_skew_s:.0f} s)")
        expected = password_digest(nonce, created, self._password)
        user_ok = hmac.compare_digest(username.encode(), self.username.encode())
        if not (hmac.compare_digest(password.text.strip().encode(), expected.encode()) and user_ok):
            raise _not_authorized("wrong username or password")
        self._remember(nonce)

    def _remember(self, nonce: bytes) -> None:
        now = time.monotonic()
        with self._lock:
            while self._nonces and (
                len(self._nonces) >= _MAX_NONCES or next(iter(self._nonces.values())) < now - 2 * self.max_skew_s
            ):
                self._nonces.popitem(last=False)
            if nonce in self._nonces:
                raise _not_authorized("this nonce was already used (replayed request)")
            self._nonces[nonce] = now
