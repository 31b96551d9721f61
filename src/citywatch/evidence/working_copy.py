"""Working copies made after the fact: a signed bundle holding one working copy of an earlier export's master.

The earlier bundle is sealed (its manifest signed, its zip perhaps already delivered), so nothing is
added to it. The working copy becomes a bundle of its own: the transcoded file, a manifest naming
the master it came from (``derived_from``: the master's SHA-256, with the earlier export's id and
manifest hash) and the steps applied, signed with the installation's current key. Before deriving,
the earlier bundle's signature and the master's hash are checked, so ``derived_from`` names bytes
that were verified, not only the hash on record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from citywatch.evidence.bundle import BundleResult, ExhibitFile, ExportRequest, seal
from citywatch.evidence.derive import make_working_copy
from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.keys import KeyRing
from citywatch.evidence.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, SignatureProblem, check_signature

__all__ = ["MasterRef", "build_working_copy_bundle"]


@dataclass(frozen=True, slots=True)
class MasterRef:
    """The master to derive from: its export's bundle folder and its path and hash in that bundle."""

    export_id: str
    bundle: Path
    path: str
    sha256: str


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _checked_manifest(master: MasterRef) -> tuple[dict[str, Any], str]:
    """The earlier bundle's manifest, once its signature and the master's hash check out; and its SHA-256."""
    try:
        body = (master.bundle / MANIFEST).read_bytes()
        check_signature(body, (master.bundle / SIGNATURE).read_bytes(), (master.bundle / PUBLIC_KEY).read_bytes())
    except FileNotFoundError as exc:
        raise EvidenceError(f"export {master.export_id}'s bundle is incomplete ({exc.filename}); export again") from exc
    except SignatureProblem as exc:
        raise EvidenceError(
            f"export {master.export_id} no longer verifies ({exc}); derive from a sound export"
        ) from exc
    manifest: dict[str, Any] = json.loads(body)
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    if listed.get(master.path) != master.sha256:
        raise EvidenceError(f"{master.path} is not a master of export {master.export_id}")
    if _file_sha256(master.bundle / master.path) != master.sha256:
        raise EvidenceError(f"{master.path} of export {master.export_id} differs from its manifest; it was altered")
    return manifest, hashlib.sha256(body).hexdigest()


def build_working_copy_bundle(req: ExportRequest, master: MasterRef, keys: KeyRing, folder: Path) -> BundleResult:
    """Derive one working copy of ``master`` (times burned in, ``req.redactions`` blacked out) as a new bundle."""
    if not req.justification.strip():
        raise EvidenceError("give a justification (why a working copy is needed) before deriving one")
    manifest, manifest_sha256 = _checked_manifest(master)
    found = [(cam, span) for cam in manifest["cameras"] for span in cam["spans"] if span["file"] == master.path]
    if not found:
        raise EvidenceError(f"{master.path} is not a master of export {master.export_id}")
    camera, span = found[0]
    fragments = [(int(a), int(b)) for a, b in span["fragments_90k_utc_us"]]
    folder.mkdir(parents=True, exist_ok=False)
    rel = master.path.replace("media/", "derived/", 1).replace(".mp4", "_working-copy.mp4")
    copy = make_working_copy(master.bundle / master.path, folder / rel, fragments, camera["name"], req.redactions)
    exhibit = ExhibitFile(
        "working_copy", int(camera["id"]), rel, copy.sha256, copy.size_bytes, req.start_us, req.end_us,
        derived_from=master.sha256, steps=copy.steps,
    )  # fmt: skip
    entry = {k: camera[k] for k in ("id", "name", "location")} | {"spans": [], "gaps": [], "source_recordings": []}
    origin = {
        "export_id": master.export_id,
        "manifest_sha256": manifest_sha256,
        "file": master.path,
        "sha256": master.sha256,
        "key_id": json.loads((master.bundle / SIGNATURE).read_bytes())["key_id"],
    }
    return seal(req, keys, folder, [entry], [exhibit], copy.size_bytes, extra={"derived_from": origin})
