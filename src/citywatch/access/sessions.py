"""Sign-in: the administrator's password (argon2) and server-side sessions with idle and absolute expiry.

A session is a random 256-bit bearer token; the database keeps only its SHA-256, so a copy of the
database does not let anyone sign in. Each session has its own CSRF token, which cookie-borne
requests that change state must echo in ``X-CSRF-Token``. Nothing here logs a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.errors import AuthenticationRequired
from citywatch.access.principal import Principal
from citywatch.store.models import UserSession
from citywatch.timeutil import now_us

__all__ = ["ADMIN_USERNAME", "AdminCredentials", "AuthService", "SignedIn"]

log = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"
_TOUCH_EVERY_US = 60_000_000  # write last_seen at most once a minute per session
_CACHE_US = 5_000_000  # a checked session is trusted this long without a query (logout evicts at once)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AdminCredentials:
    """The single administrator until the access-control issue adds users; only a hash is kept."""

    def __init__(self, password: str | None) -> None:
        self.generated = password is None
        self.generated_password = secrets.token_urlsafe(12) if password is None else None
        self._hasher = PasswordHasher()
        self._hash = self._hasher.hash(password if password is not None else self.generated_password or "")

    def verify(self, username: str, password: str) -> bool:
        if not hmac.compare_digest(username.encode(), ADMIN_USERNAME.encode()):
            self._hasher.hash(password)  # same cost whether or not the user exists
            return False
        try:
            return self._hasher.verify(self._hash, password)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    csrf_token: str
    principal: Principal
    expires_us: int


class AuthService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        admin: AdminCredentials,
        *,
        idle_s: float,
        absolute_s: float,
    ) -> None:
        self._sessions = sessions
        self._admin = admin
        self._idle_us = int(idle_s * 1_000_000)
        self._absolute_us = int(absolute_s * 1_000_000)
        self._checked: dict[str, tuple[int, Principal, str]] = {}  # digest → (checked at, principal, csrf)

    def login(self, username: str, password: str, totp: str | None = None) -> SignedIn:
        if not self._admin.verify(username, password):
            log.info("failed sign-in for user %r", username[:64])
            raise AuthenticationRequired("wrong username or password")
        principal = Principal(ADMIN_USERNAME, "admin", "")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = now_us()
        expires = now + self._absolute_us
        with self._sessions.begin() as session:
            session.execute(delete(UserSession).where(UserSession.expires_us < now))
            session.add(
                UserSession(
                    token_sha256=_digest(token),
                    username=principal.username,
                    role=principal.role,
                    organisation=principal.organisation,
                    csrf_token=csrf,
                    created_us=now,
                    last_seen_us=now,
                    expires_us=expires,
                    revoked_us=None,
                )
            )
        log.info("user %s signed in", principal.username)
        return SignedIn(token, csrf, principal, expires)

    def authenticate(self, token: str) -> tuple[Principal, str]:
        """The principal and CSRF token of a live session; ``AuthenticationRequired`` otherwise."""
        digest = _digest(token)
        now = now_us()
        cached = self._checked.get(digest)
        if cached is not None and now - cached[0] < _CACHE_US:
            return cached[1], cached[2]
        with self._sessions() as session:
            row = session.get(UserSession, digest)
            if row is None or row.revoked_us is not None:
                raise AuthenticationRequired("not signed in, or the session was signed out; sign in again")
            if now >= row.expires_us or now - row.last_seen_us > self._idle_us:
                raise AuthenticationRequired("the session has expired; sign in again")
            principal = Principal(row.username, row.role, row.organisation)
            csrf = row.csrf_token
            touch = now - row.last_seen_us > _TOUCH_EVERY_US
        if touch:
            with self._sessions.begin() as session:
                session.execute(update(UserSession).where(UserSession.token_sha256 == digest).values(last_seen_us=now))
        if len(self._checked) > 10_000:
            self._checked.clear()
        self._checked[digest] = (now, principal, csrf)
        return principal, csrf

    def logout(self, token: str) -> None:
        self._checked.pop(_digest(token), None)
        with self._sessions.begin() as session:
            session.execute(
                update(UserSession).where(UserSession.token_sha256 == _digest(token)).values(revoked_us=now_us())
            )
