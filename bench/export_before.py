"""The master writer as it was before the copy moved into the kernel, kept only so ``bench/export.py``
can time the two in the same run: 8 MB reads into a buffer, patched, hashed and written in one thread.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.master import MasterFile, Progress, Span, _check_same_stream, _clip
from citywatch.video.clip import ClipPart, patch_fragment
from citywatch.video.recording_query import RecordingRef

_READ_BYTES = 8 << 20


def _runs(parts: Sequence[ClipPart]) -> list[list[ClipPart]]:
    runs: list[list[ClipPart]] = []
    for part in parts:
        last = runs[-1][-1] if runs else None
        joins = last is not None and last.file == part.file and last.offset + last.size == part.offset
        if joins and sum(p.size for p in runs[-1]) + part.size <= _READ_BYTES:
            runs[-1].append(part)
        else:
            runs.append([part])
    return runs


def write_master(
    recordings: Sequence[RecordingRef], span: Span, out: Path, progress: Progress | None = None
) -> MasterFile:
    by_id = {r.id: r for r in recordings}
    _check_same_stream(by_id, span)
    clip = _clip(by_id, span)
    digest = hashlib.sha256(clip.init)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs = _runs(clip.parts)
    buffer = memoryview(bytearray(max(sum(p.size for p in run) for run in runs)))
    with out.open("xb", buffering=0) as f:
        f.write(clip.init)
        for run in runs:
            first = run[0]
            size = sum(p.size for p in run)
            data = buffer[:size]
            with first.file.open("rb", buffering=0) as src:
                os.posix_fadvise(src.fileno(), first.offset, size, os.POSIX_FADV_SEQUENTIAL)
                src.seek(first.offset)
                if src.readinto(data) != size:
                    raise EvidenceError(f"recording {first.file.name} is shorter than its index says")
            at = 0
            for part in run:
                patch_fragment(data[at : at + part.size], part)
                at += part.size
            digest.update(data)
            f.write(data)
            if progress is not None:
                progress(size)
        os.fsync(f.fileno())
    fragments = [(part.tfdt_90k, seg.start_us) for part, seg in zip(clip.parts, span.segments, strict=True)]
    return MasterFile(out, digest.hexdigest(), clip.size, span.start_us, span.end_us, clip.duration_90k, fragments,
                      list(dict.fromkeys(s.recording_id for s in span.segments)))  # fmt: skip
