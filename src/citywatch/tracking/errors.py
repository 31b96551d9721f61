"""The tracking domain's errors. Adapters translate library errors into these."""

from __future__ import annotations

__all__ = [
    "AlertStateError",
    "DecodeError",
    "NotFoundError",
    "TrackingError",
    "UnknownDeviceError",
]


class TrackingError(Exception):
    """Base class of every error the tracking package raises on purpose."""


class DecodeError(TrackingError):
    """A frame could not be decoded; the message says which protocol, what and where."""


class UnknownDeviceError(TrackingError):
    """A device that is not registered reported while unregistered devices are refused."""


class NotFoundError(TrackingError):
    """A device, alert or zone asked for by id does not exist."""


class AlertStateError(TrackingError):
    """An alert cannot make the transition asked for (e.g. acknowledging a closed alert)."""
