"""Fixtures: a shared loop cache and a small module-wide camera network (320x180, 25 fps)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from citywatch.sim.network import CameraNetwork

SMALL = {"width": 320, "height": 180, "fps": 25, "bitrate_kbps": 400, "loop_s": 2.0}


@pytest.fixture(scope="session")
def loop_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loops")


@pytest.fixture(scope="module")
def network(loop_cache: Path) -> Iterator[CameraNetwork]:
    """Camera 1 live, cameras 2..8 loop; tests that inject faults use a camera of their own."""
    net = CameraNetwork(8, live_count=1, cache_dir=loop_cache, **SMALL)  # type: ignore[arg-type]
    with net.running_in_thread():
        yield net
