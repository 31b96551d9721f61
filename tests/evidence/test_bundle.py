"""Export bundles from real recorded footage: they verify, and any change to any file is named."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from sqlalchemy import select

from citywatch.evidence.bundle import BundleResult
from citywatch.evidence.derive import Redaction
from citywatch.evidence.verify import verify_bundle
from citywatch.store.models import Recording
from citywatch.video.fmp4_reader import read_layout
from tests.evidence.bundles import export, flipped_copy, packets
from tests.playback_fixtures import Recorded


@pytest.fixture(scope="module")
def bundle(recorded: Recorded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BundleResult]:
    """From 3 s into run 1 (crossing two 10 s file boundaries) through the 10 s gap into run 2."""
    folder = tmp_path_factory.mktemp("bundle") / "b"
    yield export(recorded.services, folder, recorded.run1_start_us + 3_000_000, recorded.run2_end_us - 2_000_000)


def _manifest(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "manifest.json").read_text())


def _cli_verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "citywatch", "evidence", "verify", str(folder)], capture_output=True, text=True
    )


def test_bundle_verifies_in_code_and_from_the_command_line(bundle: BundleResult) -> None:
    report = verify_bundle(bundle.folder)
    assert report.ok, report.failures
    assert report.key_id == bundle.key_id
    files = {f["path"] for f in _manifest(bundle.folder)["files"]}
    assert set(report.checked) == files and "verify.html" in files and "public_key.pem" in files
    done = _cli_verify(bundle.folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "bundle verified" in done.stdout


def test_one_flipped_byte_in_any_file_is_named(bundle: BundleResult, tmp_path: Path) -> None:
    names = sorted(str(p.relative_to(bundle.folder)) for p in bundle.folder.rglob("*") if p.is_file())
    assert len(names) >= 6
    for i, name in enumerate(names):
        copy = flipped_copy(bundle.folder, tmp_path / f"copy{i}", name)
        report = verify_bundle(copy)
        assert not report.ok, f"flipping a byte of {name} went unnoticed"
        assert any(name in failure for failure in report.failures), (name, report.failures)
    media = next(n for n in names if n.startswith("media/"))
    done = _cli_verify(flipped_copy(bundle.folder, tmp_path / "cli", media))
    assert done.returncode == 1
    assert f"FAILED {media}: SHA-256 differs" in done.stdout.replace("\n", " ").replace("  ", " ")


def test_an_edited_manifest_fails_the_signature(bundle: BundleResult, tmp_path: Path) -> None:
    copy = tmp_path / "edited"
    shutil.copytree(bundle.folder, copy)
    manifest = _manifest(copy)
    manifest["justification"] = "routine check"  # valid JSON, hashes of the files untouched
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    report = verify_bundle(copy)
    assert not report.ok
    assert [f for f in report.failures if "signature" in f and "manifest.json" in f], report.failures


def test_masters_hold_the_recorded_frames_bit_for_bit(recorded: Recorded, bundle: BundleResult) -> None:
    with recorded.services.sessions() as s:
        rows = s.scalars(select(Recording).where(Recording.camera_id == 1).order_by(Recording.start_us)).all()
    source: list[tuple[bytes, bool]] = []
    for row in rows:
        source += packets(Path(row.media_dir) / row.path)
    masters = [e for e in bundle.exhibits if e.kind == "master"]
    assert len(masters) == 2
    for master in masters:
        got = packets(bundle.folder / master.path)
        assert got[0][1], "a master starts on a keyframe"
        first = source.index(got[0])
        assert source[first : first + len(got)] == got, f"{master.path} differs from the recorded packets"


def test_spans_cross_file_boundaries_and_the_gap_is_listed(recorded: Recorded, bundle: BundleResult) -> None:
    camera = _manifest(bundle.folder)["cameras"][0]
    assert camera["name"] == "Test camera 1" and camera["id"] == 1
    span1, span2 = camera["spans"]
    run1_files = {r["recording_id"] for r in camera["source_recordings"] if r["end_utc"] <= span1["end_utc"]}
    assert len(run1_files) == 3, "the first span is stitched from three 10 s files"
    assert span1["end_utc"] < span2["start_utc"]
    [gap] = camera["gaps"]
    assert gap["reason"] == "camera_offline"
    assert gap["start_utc"] == span1["end_utc"] and gap["end_utc"] == span2["start_utc"]
    assert 9.9 < gap["duration_s"] < 10.1
    assert all(len(r["sha256"]) == 64 for r in camera["source_recordings"])
    for span in (span1, span2):
        layout = read_layout((bundle.folder / span["file"]).read_bytes())
        times = [f[1] for f in span["fragments_90k_utc_us"]]
        assert [f.base_media_decode_time_90k for f in layout.fragments] == [f[0] for f in span["fragments_90k_utc_us"]]
        walls = [f.wall_clock_us for f in layout.fragments]
        assert all(w is not None and abs(w - t) < 100_000 for w, t in zip(walls, times, strict=True)), (
            "every fragment keeps its absolute UTC time (prft)"
        )
        assert sum(f.duration_90k for f in layout.fragments) == span["duration_90k"]
        with av.open(str(bundle.folder / span["file"])) as container:
            created = container.metadata["creation_time"]
        assert created.startswith(span["start_utc"][:19]), (created, span["start_utc"])


def test_working_copy_is_a_new_exhibit_derived_from_the_master(recorded: Recorded, tmp_path: Path) -> None:
    start = recorded.run1_start_us + 1_000_000
    result = export(recorded.services, tmp_path / "wc", start, start + 4_000_000, working_copy=True,
                    redactions=[Redaction(0, 48, 80, 48)])  # fmt: skip
    master = next(e for e in result.exhibits if e.kind == "master")
    copy = next(e for e in result.exhibits if e.kind == "working_copy")
    assert copy.derived_from == master.sha256 and copy.sha256 != master.sha256
    assert [s["step"] for s in copy.steps] == ["decode", "burn_in_time", "redact", "encode"]
    with av.open(str(result.folder / copy.path)) as c:
        frames = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(frames) == len(packets(result.folder / master.path))
    assert all(float(f[50:94, 2:78].mean()) < 4 for f in frames), "the redaction box is black in every frame"
    assert max(float(f[50:94, 90:150].mean()) for f in frames) > 100, "the rest of the picture is not"
    assert verify_bundle(result.folder).ok


def test_masters_written_to_another_file_system_are_byte_identical(recorded: Recorded, bundle: BundleResult) -> None:
    """Media on disk, bundle on tmpfs: the kernel copy is refused (EXDEV) and the bytes are written from the mapping."""
    shm = Path("/dev/shm")
    assert shm.is_dir(), "this test needs /dev/shm (a tmpfs) to export across file systems"
    folder = shm / f"citywatch-evidence-test-{os.getpid()}"
    try:
        other = export(recorded.services, folder, recorded.run1_start_us + 3_000_000, recorded.run2_end_us - 2_000_000)
        for a, b in zip(bundle.exhibits, other.exhibits, strict=True):
            assert (a.path, a.sha256) == (b.path, b.sha256)
            assert (bundle.folder / a.path).read_bytes() == (folder / b.path).read_bytes()
        assert verify_bundle(folder).ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)
