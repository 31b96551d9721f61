"""Errors of the playback use cases; the web layer maps each to one HTTP status."""

from __future__ import annotations

__all__ = ["BadTimeRange", "LiveUnavailable", "NoFootage", "PlaybackError", "RecordingMissing"]


class PlaybackError(Exception):
    """Base of playback errors; the message says what the user can do."""


class BadTimeRange(PlaybackError):
    """The requested times are malformed, reversed or too long."""


class NoFootage(PlaybackError):
    """Nothing was recorded for the camera at the requested time."""


class RecordingMissing(PlaybackError):
    """The index names a recording (or file) that no longer exists, e.g. deleted by retention."""


class LiveUnavailable(PlaybackError):
    """The camera is not being recorded right now, so there is no live stream to join."""
