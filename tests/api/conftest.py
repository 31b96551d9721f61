"""Fixtures of the API tests: recordings made through the real recorder pipeline."""

from tests.playback_fixtures import recorded  # noqa: F401 (a fixture, found by pytest here)
