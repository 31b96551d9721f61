"""The partners domain's own errors; the API maps them to 404 and 422."""

from __future__ import annotations

__all__ = ["PartnerError", "PartnerNotFound", "RenderError"]


class PartnerError(Exception):
    """A request the partners domain cannot carry out as asked (bad value, wrong state)."""


class PartnerNotFound(PartnerError):
    """The organisation, plan, contract, camera or footage request does not exist."""


class RenderError(PartnerError):
    """An invoice could not be rendered (e.g. the PDF printer is missing)."""
