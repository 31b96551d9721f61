"""Fixtures for the browser tests: one real citywatch (sim cameras + ``citywatch serve``) and one Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.stack import ROOT, Stack, browser, missing_prerequisites, parse_iso, sign_in

OUT = ROOT / "test-output" / "web"


@pytest.fixture(scope="session")
def shots() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    why = missing_prerequisites()
    if why:
        pytest.fail(f"browser tests need the real stack: {why} (make test installs it)")
    s = Stack(data_dir=tmp_path_factory.mktemp("citywatch-web"), count=4, log_dir=OUT / "logs")
    try:
        s.start()
        s.wait_recording(6, timeout_s=90)
        # The recorder is stopped on the last camera for a few seconds: the timeline must show that gap.
        gap_camera = s.camera_ids[-1]
        s.set_enabled(gap_camera, False)
        time.sleep(4)
        s.set_enabled(gap_camera, True)
        s.wait_recording(32, timeout_s=120)
        _wait_for_closed_gap(s, gap_camera)
        yield s
    finally:
        s.stop()


def _wait_for_closed_gap(s: Stack, camera_id: int, timeout_s: float = 60) -> None:
    from tests.web.stack import iso

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = time.time()
        tl = s.timeline(camera_id, iso(now - 3600), iso(now + 60))
        closed = [g for g in tl["gaps"] if g["end"] and parse_iso(g["end"]) - parse_iso(g["start"]) >= 2]
        if closed:
            return
        time.sleep(1)
    raise TimeoutError(f"no closed gap on camera {camera_id}: {tl}")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    with browser() as b:
        yield b


@pytest.fixture
def page(chromium: Any, stack: Stack) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1600, "height": 900}, locale="en-GB")
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(p, stack.base_url)
    yield p
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
