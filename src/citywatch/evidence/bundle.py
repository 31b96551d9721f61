"""Export bundles: masters, manifest, signature, public key and the offline verifier page.

Layout of a bundle folder (and of its zip)::

    manifest.json      cameras, spans, gaps, source hashes, exporter, justification, SHA-256 of every file
    manifest.sig       Ed25519 signature of manifest.json's bytes, with the key id
    public_key.pem     the installation's public key (compare its id with the published list)
    verify.html        offline player and verifier (inline script, no network)
    media/…mp4         one master per camera and continuous span (stream copy)
    derived/…mp4       working copies, if asked for (new exhibits, derived_from a master's hash)
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citywatch import __version__
from citywatch.evidence.derive import Redaction, WorkingCopy, make_working_copy
from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.footage import CameraInfo, FootageSource
from citywatch.evidence.keys import KeyRing, public_pem
from citywatch.evidence.localtime import LOCAL_ZONE, time_range
from citywatch.evidence.manifest import FORMAT, MANIFEST, PUBLIC_KEY, SIGNATURE, manifest_bytes, signature_bytes
from citywatch.evidence.master import MasterFile, Span, split_spans, write_master
from citywatch.evidence.verifier_page import VERIFIER_HTML
from citywatch.timeutil import from_us, iso, now_us
from citywatch.video.recording_file import fsync_dir

__all__ = ["BundleResult", "ExhibitFile", "ExportRequest", "Exporter", "build_bundle", "seal"]

ProgressFn = Callable[[int, int], None]  # bytes done, bytes expected
MAX_EXPORT_US = 7 * 86_400_000_000


@dataclass(frozen=True, slots=True)
class Exporter:
    username: str
    role: str
    organisation: str


@dataclass(frozen=True, slots=True)
class ExportRequest:
    export_id: str
    camera_ids: list[int]
    start_us: int
    end_us: int
    justification: str
    exporter: Exporter
    reference: str = ""
    case: dict[str, Any] | None = None
    working_copy: bool = False
    redactions: list[Redaction] = field(default_factory=list)

    def check(self) -> None:
        if self.end_us <= self.start_us:
            raise EvidenceError("the export's end must be after its start")
        if self.end_us - self.start_us > MAX_EXPORT_US:
            raise EvidenceError("an export covers at most 7 days; split it into several exports")
        if not self.camera_ids:
            raise EvidenceError("pick at least one camera to export")
        if not self.justification.strip():
            raise EvidenceError("give a justification (why this footage is exported) before exporting")


@dataclass(frozen=True, slots=True)
class ExhibitFile:
    kind: str  # master | working_copy
    camera_id: int
    path: str  # relative to the bundle
    sha256: str
    size_bytes: int
    start_us: int
    end_us: int
    derived_from: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BundleResult:
    folder: Path
    manifest_sha256: str
    key_id: str
    exhibits: list[ExhibitFile]
    bytes_written: int


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    with path.open("xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _media_name(camera_id: int, start_us: int) -> str:
    return f"media/camera-{camera_id}_{from_us(start_us).strftime('%Y%m%dT%H%M%S')}Z.mp4"


def _gaps(source: FootageSource, camera_id: int, req: ExportRequest, spans: list[Span]) -> list[dict[str, Any]]:
    """Every stretch of the requested period with no footage, with the recorder's reason where it gave one."""
    holes: list[tuple[int, int]] = []
    at = req.start_us
    for span in spans:
        if span.start_us > at:
            holes.append((at, span.start_us))
        at = max(at, span.end_us)
    if at < req.end_us:
        holes.append((at, req.end_us))
    known = source.gaps(camera_id, req.start_us, req.end_us)
    out = []
    for lo, hi in holes:
        reasons = [g for g in known if g.start_us < hi and (g.end_us is None or g.end_us > lo)]
        entry = time_range(lo, hi)
        entry["reason"] = reasons[0].reason if reasons else "no_recording"
        entry["detail"] = reasons[0].detail if reasons else "no footage is indexed for this period"
        out.append(entry)
    return out


def _camera_entry(cam: CameraInfo) -> dict[str, Any]:
    location = None
    if cam.latitude is not None and cam.longitude is not None:
        location = {"latitude": cam.latitude, "longitude": cam.longitude, "bearing_deg": cam.bearing_deg}
    return {"id": cam.id, "name": cam.name, "location": location}


def _span_entry(master: MasterFile, rel: str) -> dict[str, Any]:
    entry = time_range(master.start_us, master.end_us)
    entry.update(
        file=rel,
        sha256=master.sha256,
        duration_90k=master.duration_90k,
        fragments_90k_utc_us=[list(f) for f in master.fragments],
    )
    return entry


def build_bundle(
    req: ExportRequest, source: FootageSource, keys: KeyRing, folder: Path, progress: ProgressFn | None = None
) -> BundleResult:
    req.check()
    plan: list[tuple[CameraInfo, list[Any], list[Span]]] = []
    for camera_id in req.camera_ids:
        cam = source.camera(camera_id)
        recs = source.recordings(camera_id, req.start_us, req.end_us)
        plan.append((cam, recs, split_spans(recs, req.start_us, req.end_us)))
    if not any(spans for _c, _r, spans in plan):
        raise EvidenceError("nothing was recorded on those cameras in that period; check the timeline")
    total = sum(span.size_estimate + 4096 for _c, _r, spans in plan for span in spans)
    done = 0
    lock = threading.Lock()

    def advance(n: int) -> None:
        nonlocal done
        with lock:
            done += n
            if progress is not None:
                progress(done, total)

    folder.mkdir(parents=True, exist_ok=False)
    tasks = [(cam, recs, span, _media_name(cam.id, span.start_us)) for cam, recs, spans in plan for span in spans]
    # Cameras are written side by side: reading, hashing and writing release the GIL.
    with ThreadPoolExecutor(max_workers=max(1, min(len(tasks), os.cpu_count() or 1, 4))) as pool:
        written = list(pool.map(lambda t: write_master(t[1], t[2], folder / t[3], advance), tasks))
    cameras, exhibits = [], []
    for cam, _recs, spans in plan:
        masters = [(m, t[3]) for m, t in zip(written, tasks, strict=True) if t[0] is cam]
        exhibits += [
            ExhibitFile("master", cam.id, rel, m.sha256, m.size_bytes, m.start_us, m.end_us) for m, rel in masters
        ]
        used = [rid for m, _rel in masters for rid in m.recording_ids]
        entry = _camera_entry(cam)
        entry["spans"] = [_span_entry(m, rel) for m, rel in masters]
        entry["gaps"] = _gaps(source, cam.id, req, spans)
        entry["source_recordings"] = [
            {"recording_id": s.recording_id, "path": s.path, "sha256": s.sha256, "size_bytes": s.size_bytes}
            | time_range(s.start_us, s.end_us)
            | ({} if s.sha256 else {"still_recording": True})  # no recorder hash until the file closes
            for s in source.source_files(used)
        ]
        cameras.append(entry)
        if req.working_copy:
            exhibits += [_derive(folder, cam, m, rel, req.redactions) for m, rel in masters]
    return seal(req, keys, folder, cameras, exhibits, done)


def _derive(folder: Path, cam: CameraInfo, master: MasterFile, rel: str, redactions: list[Redaction]) -> ExhibitFile:
    out_rel = rel.replace("media/", "derived/", 1).replace(".mp4", "_working-copy.mp4")
    copy: WorkingCopy = make_working_copy(folder / rel, folder / out_rel, master.fragments, cam.name, redactions)
    return ExhibitFile(
        "working_copy",
        cam.id,
        out_rel,
        copy.sha256,
        copy.size_bytes,
        master.start_us,
        master.end_us,
        derived_from=master.sha256,
        steps=copy.steps,
    )


def seal(
    req: ExportRequest,
    keys: KeyRing,
    folder: Path,
    cameras: list[dict[str, Any]],
    exhibits: list[ExhibitFile],
    done: int,
    extra: dict[str, Any] | None = None,
) -> BundleResult:
    """Write the public key, the verifier page, the manifest (with ``extra`` keys) and its signature."""
    key_id, private = keys.current()
    _write(folder / PUBLIC_KEY, public_pem(private.public_key()).encode())
    _write(folder / "verify.html", VERIFIER_HTML.encode())
    files = [
        {"path": e.path, "sha256": e.sha256, "size_bytes": e.size_bytes, "kind": e.kind, "camera_id": e.camera_id}
        | ({"derived_from": e.derived_from, "steps": e.steps} if e.derived_from else {})
        for e in exhibits
    ]
    for name, kind in ((PUBLIC_KEY, "public_key"), ("verify.html", "verifier")):
        path = folder / name
        files.append({"path": name, "sha256": _file_sha256(path), "size_bytes": path.stat().st_size, "kind": kind})
    manifest = {
        "format": FORMAT,
        "export_id": req.export_id,
        "created_utc": iso(now_us()),
        "software": {"name": "citywatch", "version": __version__},
        "exporter": {"username": req.exporter.username, "role": req.exporter.role,
                     "organisation": req.exporter.organisation},
        "justification": req.justification.strip(),
        "reference": req.reference.strip(),
        "case": req.case,
        "time_zone": str(LOCAL_ZONE.key),
        "requested": time_range(req.start_us, req.end_us),
        "cameras": cameras,
        "files": files,
        "signature": {"algorithm": "Ed25519", "key_id": key_id, "file": SIGNATURE, "public_key": PUBLIC_KEY},
    } | (extra or {})  # fmt: skip
    body = manifest_bytes(manifest)
    _write(folder / MANIFEST, body)
    _write(folder / SIGNATURE, signature_bytes(body, key_id, private))
    fsync_dir(folder)
    return BundleResult(folder, hashlib.sha256(body).hexdigest(), key_id, exhibits, done)
