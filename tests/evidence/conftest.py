"""Fixtures of the evidence tests: footage recorded through the real segmenter and index writer."""

from tests.playback_fixtures import recorded  # noqa: F401 (a fixture, found by pytest here)
