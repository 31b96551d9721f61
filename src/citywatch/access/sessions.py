"""Sign-in: password + TOTP, server-side sessions with idle and absolute expiry, API tokens, throttling.

A session is a random 256-bit bearer token; the database keeps only its SHA-256, so a copy of the
database does not let anyone sign in. Each session has its own CSRF token, which cookie-borne
requests that change state must echo in ``X-CSRF-Token``. A signed-in principal (with its grants)
is trusted for ``_CACHE_US`` without a query, so a permission change reaches live sessions within
five seconds; sign-out evicts at once. Nothing here logs a secret.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.audit import AuditLog
from citywatch.access.errors import (
    AccountLocked,
    AuthenticationRequired,
    InvalidInput,
    MfaEnrolmentRequired,
    NotFound,
    TooManyAttempts,
    TotpRequired,
)
from citywatch.access.models import ApiToken, Justification, Organisation, User
from citywatch.access.permissions import PermissionService, within_hours
from citywatch.access.principal import Principal
from citywatch.access.throttle import AuditedLoginThrottle
from citywatch.access.users import UserInput, UserService
from citywatch.store.models import UserSession
from citywatch.timeutil import iso, now_us

__all__ = [
    "ADMIN_USERNAME",
    "API_TOKEN_PREFIX",
    "AdminCredentials",
    "AuthService",
    "LoginThrottle",
    "SignedIn",
    "ensure_admin",
]

log = logging.getLogger(__name__)

ADMIN_USERNAME = "admin"
API_TOKEN_PREFIX = "cwt_"  # noqa: S105 (a prefix, not a secret)
_TOUCH_EVERY_US = 60_000_000  # write last_seen at most once a minute per session
_CACHE_US = 5_000_000


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AdminCredentials:
    """The installation's first administrator: a password from settings, or one made up and shown once."""

    def __init__(self, password: str | None) -> None:
        self.generated = password is None
        self.password = password if password is not None else secrets.token_urlsafe(12)
        self.generated_password = self.password if self.generated else None


def ensure_admin(users: UserService, admin: AdminCredentials, *, operator_name: str, mfa_exempt: bool) -> User:
    """Create the ``admin`` account (and the operator's organisation) if missing; a configured password wins."""
    org = next((o for o in users.organisations() if o.kind == "council"), None)
    if org is None:
        org = users.add_organisation(operator_name, "council")
    existing = users.by_username(ADMIN_USERNAME)
    if existing is None:
        return users.add(
            UserInput(ADMIN_USERNAME, "Administrator", org.id, "admin", admin.password), mfa_exempt=mfa_exempt
        )
    if not admin.generated:
        users.set_password(existing.id, admin.password)
    if existing.mfa_exempt != mfa_exempt:
        users.set_mfa_exempt(existing.id, mfa_exempt)
    return users.get(existing.id)


class LoginThrottle:
    """At most ``limit`` failed sign-ins per client address per ``window_s``, then 429 until they age out.

    One process's memory only; the API uses access/throttle.py's, counted from the audit log.

    Only failures count: a control room behind one address signs many people in each morning.
    Per-account lock-out (users.py) stops slow guessing of one password; this stops fast guessing
    across many accounts from one place. In memory: a restart forgets, which is acceptable for a
    limit measured in minutes.
    """

    def __init__(self, limit: int = 30, window_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(client, deque())
        while failures and now - failures[0] > self._window:
            failures.popleft()
        return failures

    def check(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) >= self._limit:
                retry = int(self._window - (now - failures[0])) + 1
                raise TooManyAttempts(f"too many failed sign-ins from {client}; try again in {retry} s", retry)

    def failed(self, client: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) > 50_000:
                self._failures.clear()
            self._recent(client, now).append(now)


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    csrf_token: str
    principal: Principal
    expires_us: int
    mfa_enrolment_required: bool = False


@dataclass(frozen=True, slots=True)
class _Cached:
    checked_us: int
    principal: Principal
    csrf: str
    mfa_pending: bool


class AuthService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        users: UserService,
        permissions: PermissionService,
        audit: AuditLog,
        *,
        idle_s: float,
        absolute_s: float,
        mfa_roles: frozenset[str],
        throttle: LoginThrottle | AuditedLoginThrottle | None = None,
    ) -> None:
        """``throttle``: by default counted from the audit log, so shared by every API process."""
        self._sessions = sessions
        self.users = users
        self.permissions = permissions
        self._audit = audit
        self._idle_us = int(idle_s * 1_000_000)
        self._absolute_us = int(absolute_s * 1_000_000)
        self._mfa_roles = mfa_roles
        self._throttle = throttle or AuditedLoginThrottle(sessions)
        self._cache: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()

    def mfa_required(self, user: User) -> bool:
        return user.role in self._mfa_roles and not user.mfa_exempt

    # -- sign-in -----------------------------------------------------------------------------------

    def login(self, username: str, password: str, totp: str | None = None, client: str | None = None) -> SignedIn:
        where = client or "unknown"
        self._throttle.check(where)
        name = username.strip()[:200]
        user = self.users.by_username(name)
        now = now_us()
        if user is not None and user.locked_until_us is not None and now < user.locked_until_us:
            self.users.password_ok(None, password)  # same cost as a real check
            self._throttle.failed(where)
            self._audit.record(
                "auth.login_failed", None, username=name, client=client, detail={"why": "locked"}, outcome="denied"
            )
            until = iso(user.locked_until_us)
            raise AccountLocked(f"account locked after repeated failures until {until}; ask an administrator")
        if not self.users.password_ok(user, password) or user is None:
            self._fail(user, name, client, "wrong password")
            raise AuthenticationRequired("wrong username or password")
        if user.disabled:
            self._audit.record(
                "auth.login_failed", None, username=name, client=client, detail={"why": "disabled"}, outcome="denied"
            )
            raise AuthenticationRequired("this account is disabled; ask an administrator")
        if not within_hours(user.signin_hours, now):
            self._audit.record(
                "auth.login_failed",
                None,
                username=name,
                client=client,
                detail={"why": "outside sign-in hours"},
                outcome="denied",
            )
            raise AuthenticationRequired(f"this account may sign in only {user.signin_hours} (UK time)")
        pending = False
        if self.mfa_required(user):
            if user.totp_confirmed:
                if not totp:
                    raise TotpRequired("enter the six-digit code from your authenticator app")
                if not self.users.check_totp(user.id, totp):
                    self._fail(user, name, client, "wrong authenticator code")
                    raise TotpRequired("wrong or already used authenticator code; wait for the next one")
            else:
                pending = True
        self.users.record_success(user.id)
        signed = self._open_session(user, pending)
        self._audit.record("auth.login", signed.principal, client=client, detail={"mfa_enrolment_pending": pending})
        log.info("user %s signed in", user.username)
        return signed

    def login_federated(self, user: User, *, second_factor: bool, client: str | None, via: str) -> SignedIn:
        """A session for someone an identity provider vouched for (access/oidc.py)."""
        now = now_us()
        if user.disabled:
            raise AuthenticationRequired("this account is disabled; ask an administrator")
        if not within_hours(user.signin_hours, now):
            raise AuthenticationRequired(f"this account may sign in only {user.signin_hours} (UK time)")
        if self.mfa_required(user) and not second_factor:
            self._audit.record(
                "auth.login_failed",
                None,
                username=user.username,
                client=client,
                detail={"why": f"{via} sign-in without a second factor"},
                outcome="denied",
            )
            raise AuthenticationRequired(
                "your role needs a second factor, and the identity provider did not report one; sign in there with MFA"
            )
        self.users.record_success(user.id)
        signed = self._open_session(user, pending=False)
        self._audit.record("auth.login", signed.principal, client=client, detail={"via": via})
        return signed

    def csrf_of(self, token: str) -> str | None:
        cached = self._cache.get(digest(token))
        return None if cached is None else cached.csrf

    def _fail(self, user: User | None, name: str, client: str | None, why: str) -> None:
        self._throttle.failed(client or "unknown")
        locked = self.users.record_failure(user.id) if user is not None else False
        self._audit.record(
            "auth.login_failed", None, username=name, client=client, detail={"why": why}, outcome="denied"
        )
        if locked:
            self._audit.record(
                "auth.locked",
                None,
                username=name,
                client=client,
                outcome="denied",
                detail={"why": "too many failed sign-ins"},
            )
        log.info("failed sign-in for user %r", name[:64])

    def _open_session(self, user: User, pending: bool) -> SignedIn:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        now = now_us()
        expires = now + self._absolute_us
        org = self._org_name(user.organisation_id)
        with self._sessions.begin() as session:
            session.execute(delete(UserSession).where(UserSession.expires_us < now))
            session.add(
                UserSession(
                    token_sha256=digest(token),
                    username=user.username,
                    role=user.role,
                    organisation=org,
                    csrf_token=csrf,
                    created_us=now,
                    last_seen_us=now,
                    expires_us=expires,
                    revoked_us=None,
                    user_id=user.id,
                    organisation_id=user.organisation_id,
                    mfa_pending=pending,
                )
            )
        principal = self._principal(user, org, digest(token))
        return SignedIn(token, csrf, principal, expires, mfa_enrolment_required=pending)

    def _org_name(self, org_id: int) -> str:
        with self._sessions() as session:
            return session.scalar(select(Organisation.name).where(Organisation.id == org_id)) or ""

    def _principal(self, user: User, org_name: str, session_id: str) -> Principal:
        with self._sessions() as session:
            rows = session.execute(
                select(Justification.camera_id, Justification.reason, Justification.reference)
                .where(Justification.session_id == session_id)
                .order_by(Justification.id)
            ).all()
        stated = {camera: f"{reason} [{reference}]" for camera, reason, reference in rows}
        return Principal(
            username=user.username,
            role=user.role,
            organisation=org_name,
            user_id=user.id,
            organisation_id=user.organisation_id,
            session_id=session_id,
            display_name=user.display_name,
            grants=self.permissions.grants_for(user),
            justifications=MappingProxyType(stated),
        )

    # -- every request -----------------------------------------------------------------------------

    def authenticate(self, token: str, *, allow_pending: bool = False) -> tuple[Principal, str]:
        """The principal and CSRF token of a live session or API token; ``AuthenticationRequired`` otherwise."""
        key = digest(token)
        now = now_us()
        cached = self._cache.get(key)
        if cached is None or now - cached.checked_us >= _CACHE_US:
            cached = self._load(token, key, now)
            with self._cache_lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[key] = cached
        if cached.mfa_pending and not allow_pending:
            raise MfaEnrolmentRequired("set up your authenticator first (POST /api/v1/auth/mfa/setup, then confirm)")
        return cached.principal, cached.csrf

    def _load(self, token: str, key: str, now: int) -> _Cached:
        if token.startswith(API_TOKEN_PREFIX):
            return self._load_api_token(key, now)
        with self._sessions() as session:
            row = session.get(UserSession, key)
            if row is None or row.revoked_us is not None:
                raise AuthenticationRequired("not signed in, or the session was signed out; sign in again")
            if now >= row.expires_us or now - row.last_seen_us > self._idle_us:
                raise AuthenticationRequired("the session has expired; sign in again")
            user = session.get(User, row.user_id) if row.user_id is not None else None
            csrf, pending, touch = row.csrf_token, row.mfa_pending, now - row.last_seen_us > _TOUCH_EVERY_US
        if user is None or user.disabled:
            raise AuthenticationRequired("this account no longer exists or is disabled; ask an administrator")
        if not within_hours(user.signin_hours, now):
            raise AuthenticationRequired(f"this account may be used only {user.signin_hours} (UK time)")
        if touch:
            with self._sessions.begin() as session:
                session.execute(update(UserSession).where(UserSession.token_sha256 == key).values(last_seen_us=now))
        return _Cached(now, self._principal(user, self._org_name(user.organisation_id), key), csrf, pending)

    def _load_api_token(self, key: str, now: int) -> _Cached:
        with self._sessions.begin() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == key))
            if row is None or row.revoked_us is not None or (row.expires_us is not None and now >= row.expires_us):
                raise AuthenticationRequired("API token unknown, revoked or expired")
            row.last_used_us = now
            user = session.get(User, row.user_id)
        if user is None or user.disabled:
            raise AuthenticationRequired("the API token's user no longer exists or is disabled")
        # API tokens carry no CSRF token: they are never sent by a browser on its own.
        return _Cached(now, self._principal(user, self._org_name(user.organisation_id), key), "", False)

    def is_pending(self, token: str) -> bool:
        """Whether an (already authenticated) session may so far only enrol its authenticator."""
        cached = self._cache.get(digest(token))
        return cached is not None and cached.mfa_pending

    def logout(self, token: str) -> None:
        key = digest(token)
        self._cache.pop(key, None)
        with self._sessions.begin() as session:
            session.execute(update(UserSession).where(UserSession.token_sha256 == key).values(revoked_us=now_us()))

    def forget_cached(self) -> None:
        """Drop every cached principal (after a change of rules, shares or roles)."""
        with self._cache_lock:
            self._cache.clear()

    # -- MFA enrolment -----------------------------------------------------------------------------

    def confirm_totp(self, token: str, principal: Principal, code: str) -> None:
        if principal.user_id is None or not self.users.check_totp(principal.user_id, code, confirm=True):
            raise InvalidInput("that code does not match; check the authenticator app's clock and try the next code")
        with self._sessions.begin() as session:
            session.execute(
                update(UserSession).where(UserSession.token_sha256 == digest(token)).values(mfa_pending=False)
            )
        self._cache.pop(digest(token), None)

    # -- API tokens and justifications --------------------------------------------------------------

    def create_api_token(self, principal: Principal, name: str, expires_days: float | None) -> tuple[int, str]:
        if principal.user_id is None:
            raise InvalidInput("only a named user can hold an API token")
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = now_us()
        row = ApiToken(
            user_id=principal.user_id,
            name=name.strip()[:200] or "token",
            token_sha256=digest(token),
            created_us=now,
            expires_us=None if expires_days is None else now + int(expires_days * 86_400e6),
            revoked_us=None,
            last_used_us=None,
        )
        with self._sessions.begin() as session:
            session.add(row)
        return row.id, token

    def api_tokens(self, user_id: int) -> list[ApiToken]:
        with self._sessions() as session:
            return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))

    def revoke_api_token(self, user_id: int | None, token_id: int) -> None:
        with self._sessions.begin() as session:
            row = session.get(ApiToken, token_id)
            if row is None or (user_id is not None and row.user_id != user_id):
                raise NotFound(f"API token {token_id} does not exist")
            row.revoked_us = now_us()
            key = row.token_sha256
        self._cache.pop(key, None)

    def justify(self, principal: Principal, camera_id: int | None, reason: str, reference: str) -> None:
        if principal.session_id is None:
            raise InvalidInput("a justification belongs to a signed-in session")
        if len(reason.strip()) < 5:
            raise InvalidInput("state the reason in a few words (at least 5 characters)")
        if not reference.strip():
            raise InvalidInput("give a CAD or crime reference number")
        with self._sessions.begin() as session:
            session.add(
                Justification(
                    session_id=principal.session_id,
                    user_id=principal.user_id,
                    camera_id=camera_id,
                    reason=reason.strip()[:2000],
                    reference=reference.strip()[:100],
                    created_us=now_us(),
                )
            )
        self._cache.pop(principal.session_id, None)
