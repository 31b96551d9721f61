"""Errors of the access domain; the web layer maps them to 401 and 403."""

from __future__ import annotations

__all__ = ["AccessError", "AuthenticationRequired", "PermissionDenied"]


class AccessError(Exception):
    """Base of access errors."""


class AuthenticationRequired(AccessError):
    """No valid sign-in: missing, wrong, expired or revoked credentials."""


class PermissionDenied(AccessError):
    """Signed in, but not allowed to do this."""
