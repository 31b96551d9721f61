"""The evidence domain's errors; the route layer maps them to HTTP answers."""

from __future__ import annotations

__all__ = ["DeliveryRefused", "EvidenceError", "EvidenceNotFound", "ExportNotReady"]


class EvidenceError(ValueError):
    """A request the user must correct (missing reason, bad range, unknown camera)."""


class EvidenceNotFound(LookupError):
    """No such case, export, exhibit or delivery."""


class ExportNotReady(RuntimeError):
    """The export job has not finished (or failed); its state says which."""


class DeliveryRefused(PermissionError):
    """A delivery link that has expired, was used up, or names another recipient."""
