"""People and organisations: accounts, argon2id passwords, TOTP second factors, lock-out.

Only hashes of passwords are stored; TOTP secrets are encrypted with the installation key
(secrets_box.py) because they must be read back to check a code. A code is accepted once
(``totp_last_step``), so a code seen over a shoulder cannot be replayed within its 30 s.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.errors import Conflict, InvalidInput, NotFound
from citywatch.access.models import Organisation, User
from citywatch.access.permissions import ROLE_DEFAULTS
from citywatch.secrets_box import SecretBox
from citywatch.timeutil import now_us

__all__ = [
    "LOCK_AFTER_FAILURES",
    "LOCK_FOR_US",
    "MIN_PASSWORD_LENGTH",
    "ORGANISATION_KINDS",
    "TotpEnrolment",
    "UserInput",
    "UserService",
]

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
LOCK_AFTER_FAILURES = 5
LOCK_FOR_US = 15 * 60 * 1_000_000
ORGANISATION_KINDS = ("council", "police", "partner")
_ISSUER = "citywatch"


@dataclass(frozen=True, slots=True)
class UserInput:
    username: str
    display_name: str
    organisation_id: int
    role: str
    password: str | None = None
    signin_hours: str | None = None
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    uri: str


class UserService:
    def __init__(self, sessions: sessionmaker[Session], box: SecretBox) -> None:
        self._sessions = sessions
        self._box = box
        self._hasher = PasswordHasher()  # argon2id with the library's current defaults
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    # -- organisations -------------------------------------------------------------------------

    def add_organisation(self, name: str, kind: str) -> Organisation:
        if kind not in ORGANISATION_KINDS:
            raise InvalidInput(f"organisation kind {kind!r} must be one of {', '.join(ORGANISATION_KINDS)}")
        if not name.strip():
            raise InvalidInput("an organisation needs a name")
        org = Organisation(name=name.strip(), kind=kind, created_us=now_us())
        try:
            with self._sessions.begin() as session:
                session.add(org)
        except IntegrityError as exc:
            raise Conflict(f"an organisation called {name!r} already exists") from exc
        return org

    def organisations(self) -> list[Organisation]:
        with self._sessions() as session:
            return list(session.scalars(select(Organisation).order_by(Organisation.id)))

    def organisation(self, org_id: int) -> Organisation:
        with self._sessions() as session:
            org = session.get(Organisation, org_id)
        if org is None:
            raise NotFound(f"organisation {org_id} does not exist")
        return org

    def organisation_named(self, name: str) -> Organisation | None:
        with self._sessions() as session:
            return session.scalar(select(Organisation).where(Organisation.name == name))

    # -- users -----------------------------------------------------------------------------------

    def _check(self, data: UserInput, *, creating: bool) -> None:
        if data.role not in ROLE_DEFAULTS:
            raise InvalidInput(f"role {data.role!r} must be one of {', '.join(ROLE_DEFAULTS)}")
        if not data.username.strip() or len(data.username) > 200 or any(c.isspace() for c in data.username):
            raise InvalidInput("username must be 1–200 characters without spaces")
        if creating and data.password is None:
            raise InvalidInput("a new user needs a password")
        if data.password is not None and len(data.password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        if data.signin_hours:
            from citywatch.access.permissions import parse_hours

            parse_hours(data.signin_hours)
        self.organisation(data.organisation_id)

    def add(self, data: UserInput, *, mfa_exempt: bool = False) -> User:
        self._check(data, creating=True)
        assert data.password is not None
        user = User(
            username=data.username.strip(),
            display_name=data.display_name.strip() or data.username,
            organisation_id=data.organisation_id,
            role=data.role,
            password_hash=self._hasher.hash(data.password),
            totp_secret_enc=None,
            totp_confirmed=False,
            totp_last_step=0,
            mfa_exempt=mfa_exempt,
            disabled=data.disabled,
            failed_logins=0,
            locked_until_us=None,
            signin_hours=data.signin_hours or None,
            created_us=now_us(),
            last_login_us=None,
        )
        try:
            with self._sessions.begin() as session:
                session.add(user)
        except IntegrityError as exc:
            raise Conflict(f"a user called {data.username!r} already exists; usernames are unique") from exc
        return user

    def update(self, user_id: int, data: UserInput) -> User:
        self._check(data, creating=False)
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.display_name = data.display_name.strip() or user.username
            user.organisation_id = data.organisation_id
            user.role = data.role
            user.signin_hours = data.signin_hours or None
            user.disabled = data.disabled
            if data.password is not None:
                user.password_hash = self._hasher.hash(data.password)
                user.failed_logins = 0
                user.locked_until_us = None
        return user

    def set_password(self, user_id: int, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInput(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.password_hash = self._hasher.hash(password)

    def set_mfa_exempt(self, user_id: int, exempt: bool) -> None:
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.mfa_exempt = exempt

    def get(self, user_id: int) -> User:
        with self._sessions() as session:
            user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user

    def by_username(self, username: str) -> User | None:
        with self._sessions() as session:
            return session.scalar(select(User).where(User.username == username))

    def list(self, organisation_id: int | None = None) -> list[User]:
        query = select(User).order_by(User.username)
        if organisation_id is not None:
            query = query.where(User.organisation_id == organisation_id)
        with self._sessions() as session:
            return list(session.scalars(query))

    # -- checking credentials --------------------------------------------------------------------

    def password_ok(self, user: User | None, password: str) -> bool:
        """Constant work whether or not the user exists, so timing does not reveal usernames."""
        try:
            return self._hasher.verify(user.password_hash if user else self._dummy_hash, password) and user is not None
        except (VerificationError, InvalidHashError):
            return False

    def record_failure(self, user_id: int) -> bool:
        """Count a failed attempt; return True when this one locked the account."""
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                return False
            user.failed_logins += 1
            if user.failed_logins >= LOCK_AFTER_FAILURES:
                user.locked_until_us = now_us() + LOCK_FOR_US
                user.failed_logins = 0
                return True
        return False

    def record_success(self, user_id: int) -> None:
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is not None:
                user.failed_logins = 0
                user.locked_until_us = None
                user.last_login_us = now_us()

    def unlock(self, user_id: int) -> None:
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.failed_logins = 0
            user.locked_until_us = None

    # -- TOTP ------------------------------------------------------------------------------------

    def begin_totp(self, user_id: int) -> TotpEnrolment:
        """A fresh secret (replacing an unconfirmed one); confirmed by the first good code."""
        secret = pyotp.random_base32()
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            if user.totp_confirmed:
                raise Conflict("an authenticator is already enrolled; an administrator can reset it")
            user.totp_secret_enc = self._box.encrypt(secret)
            username = user.username
        return TotpEnrolment(secret, pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=_ISSUER))

    def check_totp(self, user_id: int, code: str, *, confirm: bool = False) -> bool:
        code = code.strip().replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            return False
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None or user.totp_secret_enc is None:
                return False
            totp = pyotp.TOTP(self._box.decrypt(user.totp_secret_enc))
            now_s = now_us() / 1e6
            for drift in (0, -1, 1):  # one 30 s step either side for clock skew
                at = now_s + drift * totp.interval
                step = int(at // totp.interval)
                if step > user.totp_last_step and totp.verify(code, for_time=int(at)):
                    user.totp_last_step = step
                    if confirm:
                        user.totp_confirmed = True
                    return True
        return False

    def reset_totp(self, user_id: int) -> None:
        with self._sessions.begin() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"user {user_id} does not exist")
            user.totp_secret_enc = None
            user.totp_confirmed = False
