"""Errors of the access domain; the web layer maps them to 401, 403, 404, 409, 422 and 429.

Each carries a short machine-readable ``code`` besides its message, so the web app can react
(show the TOTP field, start MFA enrolment, prompt for a justification) without parsing prose.
"""

from __future__ import annotations

__all__ = [
    "AccessError",
    "AccountLocked",
    "AuthenticationRequired",
    "Conflict",
    "InvalidInput",
    "JustificationRequired",
    "MfaEnrolmentRequired",
    "NotFound",
    "PermissionDenied",
    "TooManyAttempts",
    "TotpRequired",
]


class AccessError(Exception):
    """Base of access errors."""

    code = "access_error"


class AuthenticationRequired(AccessError):
    """No valid sign-in: missing, wrong, expired or revoked credentials."""

    code = "authentication_required"


class TotpRequired(AuthenticationRequired):
    """The password was right; the account needs its six-digit authenticator code too."""

    code = "totp_required"


class MfaEnrolmentRequired(AuthenticationRequired):
    """The session may only enrol an authenticator until MFA is confirmed."""

    code = "mfa_enrolment_required"


class AccountLocked(AuthenticationRequired):
    code = "account_locked"


class TooManyAttempts(AccessError):
    """Too many sign-in attempts from one address; try again later."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermissionDenied(AccessError):
    """Signed in, but not allowed to do this."""

    code = "permission_denied"


class JustificationRequired(PermissionDenied):
    """A police user must state a reason and reference before viewing recorded footage."""

    code = "justification_required"


class NotFound(AccessError):
    code = "not_found"


class Conflict(AccessError):
    code = "conflict"


class InvalidInput(AccessError):
    code = "invalid_input"
