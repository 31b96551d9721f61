"""The evidence screen in Chromium against the shared recording stack: a case, a hold on recorded footage,
an export with its progress, and the signed bundle downloaded through the browser."""

from __future__ import annotations

import re
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from citywatch.video.segmenter import stagger_fraction
from tests.web.stack import Stack, iso, parse_iso

pytestmark = pytest.mark.slow

LONDON = ZoneInfo("Europe/London")
REFERENCE = "CRIS 0101234/26"
FILE_DURATION_S = 60.0  # the recorder's default, which the test stack keeps
REASON = "Robbery at the bus stop, victim statement names this camera"


def _london_input(t: float) -> str:
    """What a datetime-local field with seconds holds for the UTC instant ``t`` on a London screen."""
    return datetime.fromtimestamp(t, UTC).astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S")


def _closed_window(stack: Stack, length_s: float, timeout_s: float = 60) -> tuple[int, float, float]:
    """A camera and ``length_s`` seconds of it inside a closed file (exports take closed files only).

    The recorder cuts a camera's first file after ``file_duration_s`` (60 s) × (0.5 + its stagger fraction):
    pick the camera whose first file closes soonest (never the one whose recorder was restarted for the gap
    test) and wait until its first span is past that point.
    """
    candidates = stack.camera_ids[:-1]
    camera_id = min(candidates, key=lambda c: stagger_fraction(c))
    first_file_s = FILE_DURATION_S * (0.5 + stagger_fraction(camera_id))
    deadline = time.monotonic() + timeout_s
    while True:
        now = time.time()
        span = stack.timeline(camera_id, iso(now - 3600), iso(now + 60))["spans"][0]
        start, end = parse_iso(span["start"]), parse_iso(span["end"])
        if end - start >= first_file_s + 3:
            return camera_id, start + 2, start + 2 + length_s
        assert time.monotonic() < deadline, f"camera {camera_id} closed no file within {timeout_s} s: {span}"
        time.sleep(1)


def test_case_hold_export_and_bundle_download(page: Any, stack: Stack, shots: Path, tmp_path: Path) -> None:
    camera_id, start, end = _closed_window(stack, 10)
    camera = next(c for c in stack.cameras() if int(c["id"]) == camera_id)
    page.goto(f"{stack.base_url}/#/evidence")

    cases = page.get_by_role("region", name="Cases")
    cases.get_by_label("Case crime or CAD reference").fill(REFERENCE)
    cases.get_by_label("Case title").fill("Bus stop robbery")
    cases.get_by_label("Case owner").fill("DC Evidence Test")
    cases.get_by_role("button", name="Create case").click()
    case_row = cases.get_by_role("row").filter(has_text=REFERENCE)
    expect(case_row).to_have_count(1)

    new = page.get_by_role("region", name="New export")
    new.get_by_role("checkbox", name=camera["name"], exact=True).check()
    new.get_by_label("From (London)").fill(_london_input(start))
    new.get_by_label("To (London)").fill(_london_input(end))
    new.get_by_label("Justification").fill(REASON)
    new.get_by_label("Crime / CAD reference").fill(REFERENCE)
    new.get_by_label("Case").select_option(label=f"{REFERENCE} Bus stop robbery")

    new.get_by_role("button", name="Hold this period").click()
    expect(new.get_by_text("Held 1 camera(s)")).to_be_visible()
    holds = page.get_by_role("region", name="Holds")
    expect(holds.get_by_role("row").filter(has_text=REASON)).to_have_count(1)
    expect(case_row.get_by_role("cell").last).to_have_text("1")  # the hold is filed under the case

    new.get_by_role("button", name="Export signed bundle").click()
    progress = new.locator(".ev-progress")
    expect(progress).to_have_attribute("data-state", "done", timeout=30_000)
    page.screenshot(path=shots / "evidence-export-done.png")

    with page.expect_download() as dl:
        new.get_by_role("link", name="Download bundle").click()
    bundle = tmp_path / "bundle.zip"
    dl.value.save_as(bundle)
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert z.testzip() is None
    assert any(n.rsplit("/", 1)[-1] == "manifest.json" for n in names), names
    assert any(n.endswith(".mp4") and f"camera-{camera_id}_" in n for n in names), names

    # A working copy made later from the exported master: progress, then listed with what it derives from.
    href = new.get_by_role("link", name="Download bundle").get_attribute("href")
    export_id = href.rsplit("/exports/", 1)[1].split("/", 1)[0]
    job = page.locator(f'[data-export="{export_id}"]')
    master = job.locator('tr[data-kind="master"]').first
    master_sha = master.locator("code").first.get_attribute("title")
    assert master_sha and len(master_sha) == 64
    master.get_by_role("button", name="Make working copy…").click()
    master.get_by_label("Why a working copy").fill("Jury viewing bundle")
    master.get_by_label("Redaction boxes").fill("0,0,32,16")
    master.get_by_role("button", name="Start working copy").click()
    copy_progress = master.locator(".ev-working-copy .ev-progress")
    expect(copy_progress).to_have_attribute("data-state", "done", timeout=120_000)
    expect(master.locator(".ev-working-copy .ev-derivation")).to_have_attribute("data-derived-from", master_sha)
    derived = page.locator(f'tr[data-kind="working_copy"]:has([data-derived-from="{master_sha}"])')
    expect(derived).to_have_count(1, timeout=10_000)  # the new export, listed on the next refresh
    steps = derived.get_by_role("list", name=re.compile("Steps applied to"))
    expect(steps.get_by_role("listitem")).to_have_text(
        [re.compile("^decode"), re.compile("^burn in time"), "redact: 1 box", re.compile("^encode: libx264")]
    )
    page.screenshot(path=shots / "evidence-working-copy.png")
