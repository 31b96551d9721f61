"""Errors of the PTZ domain; ``api/errors.py`` maps them to HTTP answers."""

from __future__ import annotations

__all__ = ["PtzBusy", "PtzError", "PtzNotFound", "PtzUnavailable", "PtzUnsupported"]


class PtzError(Exception):
    """Base of PTZ errors: a request the user must change."""


class PtzBusy(PtzError):
    """Someone with an equal or higher priority holds the camera; the message names them and until when."""

    def __init__(self, message: str, *, holder: str, organisation: str, until_us: int) -> None:
        super().__init__(message)
        self.holder, self.organisation, self.until_us = holder, organisation, until_us


class PtzNotFound(PtzError):
    """No such preset or tour."""


class PtzUnsupported(PtzError):
    """The camera has no PTZ, or its PTZ node lacks the operation (probed, never assumed)."""


class PtzUnavailable(PtzError):
    """The camera's ONVIF service cannot be reached or answered with a fault."""
