"""HTTP Digest authentication for RTSP (RFC 2617, MD5, with or without ``qop=auth``).

IP cameras ask for Digest, so recorders must answer it; the simulator lets tests prove that.
Nonces are random, remembered (bounded) by the server that issued them, and never expire during
its lifetime: replay protection is not the point of a simulator.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import OrderedDict

__all__ = ["DigestAuth", "parse_auth_params"]

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_MAX_NONCES = 4096


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def parse_auth_params(header: str) -> dict[str, str]:
    """The ``key=value`` pairs of a ``Digest ...`` header value (quoted or not)."""
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(header)}


class DigestAuth:
    """Checks ``Authorization`` headers against one username and password."""

    def __init__(self, username: str, password: str, realm: str = "citywatch-sim") -> None:
        self.username = username
        self.realm = realm
        self._ha1 = _md5(f"{username}:{realm}:{password}")
        self._nonces: OrderedDict[str, None] = OrderedDict()

    def challenge(self) -> str:
        """A fresh ``WWW-Authenticate`` header value."""
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = None
        if len(self._nonces) > _MAX_NONCES:
            self._nonces.popitem(last=False)
        return f'Digest realm="{self.realm}", nonce="{nonce}", algorithm=MD5, qop="auth"'

    def check(self, method: str, authorization: str | None) -> bool:
        """Whether the request's ``Authorization`` header proves the password."""
        if not authorization or not authorization.lower().startswith("digest "):
            return False
        p = parse_auth_params(authorization[7:])
        nonce, uri, response = p.get("nonce"), p.get("uri"), p.get("response")
        if p.get("username") != self.username or p.get("realm") != self.realm:
            return False
        if nonce is None or uri is None or response is None or nonce not in self._nonces:
            return False
        ha2 = _md5(f"{method}:{uri}")
        qop = p.get("qop")
        if qop == "auth":
            expected = _md5(f"{self._ha1}:{nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:auth:{ha2}")
        elif qop is None:
            expected = _md5(f"{self._ha1}:{nonce}:{ha2}")
        else:
            return False
        return hmac.compare_digest(expected, response.lower())
