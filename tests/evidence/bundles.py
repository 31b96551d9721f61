"""Helpers of the evidence tests: export bundles from recorded footage, demux packets with PyAV."""

from __future__ import annotations

import shutil
from pathlib import Path

import av

from citywatch.evidence.bundle import BundleResult, Exporter, ExportRequest, build_bundle
from citywatch.evidence.footage import FootageSource
from citywatch.evidence.keys import KeyRing
from citywatch.wiring import Services

EXPORTER = Exporter("investigator.jones", "police_investigator", "Metropolitan Police")


def export(services: Services, folder: Path, start_us: int, end_us: int, **kw: object) -> BundleResult:
    req = ExportRequest(
        "test-export", [1], start_us, end_us, "CAD 4411/25: assault outside the station", EXPORTER,
        reference="01/12345/25", **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    source = FootageSource(services.engine, services.sessions)
    return build_bundle(req, source, KeyRing(services.settings.data_dir / "evidence" / "keys"), folder)


def packets(path: Path) -> list[tuple[bytes, bool]]:
    """Every video packet of an MP4 as (payload, keyframe), in decode order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [(bytes(p), bool(p.is_keyframe)) for p in container.demux(stream) if p.size]


def flipped_copy(bundle: Path, target: Path, name: str) -> Path:
    """A copy of ``bundle`` with one byte of ``name`` inverted (in the middle of the file)."""
    shutil.copytree(bundle, target)
    path = target / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return target
