"""Checking a bundle (folder or zip): every listed file's SHA-256 and size, and the manifest signature.

Every problem is collected and named (file by file) rather than stopping at the first, so one run
tells an investigator exactly what differs.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from citywatch.evidence.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, SignatureProblem, check_signature

__all__ = ["VerifyReport", "verify_bundle"]


@dataclass(slots=True)
class VerifyReport:
    failures: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    key_id: str | None = None
    export_id: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.key_id is not None


class _Bundle:
    def __init__(self, path: Path) -> None:
        self._zip = zipfile.ZipFile(path) if path.is_file() else None
        self._dir = path
        prefix = ""
        if self._zip is not None:
            names = self._zip.namelist()
            tops = {n.split("/", 1)[0] for n in names if "/" in n}
            if MANIFEST not in names and len(tops) == 1:
                prefix = tops.pop() + "/"
        self._prefix = prefix

    def names(self) -> set[str]:
        if self._zip is not None:
            return {n[len(self._prefix) :] for n in self._zip.namelist() if not n.endswith("/")}
        return {str(p.relative_to(self._dir)) for p in self._dir.rglob("*") if p.is_file()}

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if self._zip is not None:
            with self._zip.open(self._prefix + name) as f:
                yield f
        else:
            with (self._dir / name).open("rb") as f:
                yield f

    def read(self, name: str) -> bytes:
        with self.open(name) as f:
            return f.read()


def _hash(bundle: _Bundle, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with bundle.open(name) as f:
        while chunk := f.read(8 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_bundle(path: Path, trusted_keys: set[str] | None = None) -> VerifyReport:
    report = VerifyReport()
    if not path.exists():
        report.failures.append(f"{path}: no such bundle (give the bundle folder or its .zip)")
        return report
    bundle = _Bundle(path)
    present = bundle.names()
    for name in (MANIFEST, SIGNATURE, PUBLIC_KEY):
        if name not in present:
            report.failures.append(f"{name}: missing from the bundle")
    if MANIFEST not in present:
        return report
    body = bundle.read(MANIFEST)
    if SIGNATURE in present and PUBLIC_KEY in present:
        try:
            report.key_id = check_signature(body, bundle.read(SIGNATURE), bundle.read(PUBLIC_KEY), trusted_keys)
        except SignatureProblem as exc:
            report.failures.append(str(exc))
    try:
        manifest = json.loads(body)
        files = [(str(f["path"]), str(f["sha256"]), int(f["size_bytes"])) for f in manifest["files"]]
        report.export_id = str(manifest.get("export_id"))
    except (ValueError, KeyError, TypeError) as exc:
        report.failures.append(f"{MANIFEST}: not a readable manifest ({exc})")
        return report
    for name, expected, size in files:
        if name not in present:
            report.failures.append(f"{name}: listed in the manifest but missing")
            continue
        actual, actual_size = _hash(bundle, name)
        report.checked.append(name)
        if actual != expected or actual_size != size:
            report.failures.append(f"{name}: SHA-256 differs from the manifest (file altered or damaged)")
    listed = {name for name, _h, _s in files} | {MANIFEST, SIGNATURE}
    for extra in sorted(present - listed):
        report.failures.append(f"{extra}: not listed in the manifest (added after signing)")
    return report
