"""Who may do what: sign-in sessions now; organisations, roles, permissions and audit later."""

from citywatch.access.errors import AccessError, AuthenticationRequired, PermissionDenied
from citywatch.access.principal import Action, Principal, require

__all__ = ["AccessError", "Action", "AuthenticationRequired", "PermissionDenied", "Principal", "require"]
