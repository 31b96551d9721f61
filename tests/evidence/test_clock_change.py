"""An export across the October clock change: UTC runs on, local time steps back with its offset stated."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import update

from citywatch.evidence.localtime import local_iso, offset_changes, time_range
from citywatch.evidence.verify import verify_bundle
from citywatch.store.models import Gap, Recording
from citywatch.timeutil import parse_iso
from tests.evidence.bundles import export
from tests.playback_fixtures import record

CHANGE_UTC = "2026-10-25T01:00:00Z"  # 02:00 BST becomes 01:00 GMT


def test_local_offsets_around_both_changes() -> None:
    change = parse_iso(CHANGE_UTC)
    assert local_iso(change - 1) == "2026-10-25T01:59:59.999999+01:00"
    assert local_iso(change) == "2026-10-25T01:00:00.000000+00:00"
    assert offset_changes(change - 3_600_000_000, change + 3_600_000_000) == [
        {"at_utc": "2026-10-25T01:00:00.000000Z", "offset_before": "+01:00", "offset_after": "+00:00"}
    ]
    spring = parse_iso("2026-03-29T01:00:00Z")
    assert offset_changes(spring - 60_000_000, spring + 60_000_000)[0]["offset_after"] == "+01:00"
    week = time_range(parse_iso("2026-10-20T00:00:00Z"), parse_iso("2026-10-27T00:00:00Z"))
    assert week["duration_s"] == 7 * 86_400 and len(week["offset_changes"]) == 1  # type: ignore[arg-type]


def test_export_across_the_october_change(tmp_path: Path) -> None:
    rec = record(tmp_path / "rec")
    try:
        shift = parse_iso("2026-10-25T00:59:45Z") - rec.run1_start_us  # run 1 (30 s) now straddles the change
        with rec.services.sessions.begin() as s:
            s.execute(update(Recording).values(start_us=Recording.start_us + shift, end_us=Recording.end_us + shift))
            s.execute(update(Gap).values(start_us=Gap.start_us + shift, end_us=Gap.end_us + shift))
        start, end = parse_iso("2026-10-25T00:59:50Z"), parse_iso("2026-10-25T01:00:10Z")
        result = export(rec.services, tmp_path / "bundle", start, end)
        manifest = json.loads((result.folder / "manifest.json").read_text())
    finally:
        rec.services.close()
    requested = manifest["requested"]
    assert requested["start_local"] == "2026-10-25T01:59:50.000000+01:00"
    assert requested["end_local"] == "2026-10-25T01:00:10.000000+00:00"
    assert requested["duration_s"] == 20, "20 s of UTC, not an hour more or less"
    assert requested["offset_changes"] == [
        {"at_utc": "2026-10-25T01:00:00.000000Z", "offset_before": "+01:00", "offset_after": "+00:00"}
    ]
    [span] = manifest["cameras"][0]["spans"]
    assert span["start_utc"] <= "2026-10-25T00:59:50.000000Z" and span["end_utc"] >= "2026-10-25T01:00:10.000000Z"
    assert span["start_local"].endswith("+01:00") and span["end_local"].endswith("+00:00")
    assert abs(span["duration_s"] - span["duration_90k"] / 90_000) < 0.05, "media time matches the UTC span"
    utc = [t for _m, t in span["fragments_90k_utc_us"]]
    assert utc == sorted(utc) and utc[-1] - utc[0] < 30_000_000
    assert manifest["time_zone"] == "Europe/London"
    assert verify_bundle(result.folder).ok
