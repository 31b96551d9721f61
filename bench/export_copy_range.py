"""The master writer before ``O_DIRECT``, kept only so ``bench/export.py`` can time the two in the same
run: frames copied file to file in the kernel (``copy_file_range``) through the page cache, hashed from
a read-only mapping of the source on a second thread, one fsync per master.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.master import MasterFile, Progress, Span, _check_same_stream, _clip, _header_end, _runs
from citywatch.video.clip import ClipPart, patch_fragment
from citywatch.video.recording_query import RecordingRef


def _write_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy_range(src: int, dst: int, offset: int, size: int, view: memoryview) -> None:
    while size > 0:
        try:
            n = os.copy_file_range(src, dst, size, offset)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                raise
            _write_all(dst, view[offset : offset + size])
            return
        if n <= 0:
            raise EvidenceError("a recording ended while it was being exported")
        offset += n
        size -= n


def _copy_run(run: list[ClipPart], out_fd: int, hasher: ThreadPoolExecutor, pending: list[Future[None]],
              digest: hashlib._Hash) -> int:  # fmt: skip
    first, size = run[0], sum(p.size for p in run)
    with first.file.open("rb", buffering=0) as src:
        os.posix_fadvise(src.fileno(), first.offset, size, os.POSIX_FADV_SEQUENTIAL)
        mapping = mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(mapping)
        pieces: list[bytes | memoryview] = []
        for part in run:
            head_end = _header_end(view, part)
            head = bytearray(view[part.offset : part.offset + head_end])
            patch_fragment(head, part)
            _write_all(out_fd, head)
            _copy_range(src.fileno(), out_fd, part.offset + head_end, part.size - head_end, view)
            pieces += [bytes(head), view[part.offset + head_end : part.offset + part.size]]

    def hash_run() -> None:
        try:
            for piece in pieces:
                digest.update(piece)
        finally:
            for piece in pieces:
                if isinstance(piece, memoryview):
                    piece.release()
            view.release()
            mapping.close()

    for earlier in pending:
        earlier.result()
    pending[:] = [hasher.submit(hash_run)]
    return size


def write_master(
    recordings: Sequence[RecordingRef], span: Span, out: Path, progress: Progress | None = None
) -> MasterFile:
    by_id = {r.id: r for r in recordings}
    _check_same_stream(by_id, span)
    clip = _clip(by_id, span)
    digest = hashlib.sha256(clip.init)
    out.parent.mkdir(parents=True, exist_ok=True)
    pending: list[Future[None]] = []
    with out.open("xb", buffering=0) as f, ThreadPoolExecutor(1, thread_name_prefix="master-hash") as hasher:
        fd = f.fileno()
        try:
            _write_all(fd, clip.init)
            for run in _runs(clip.parts):
                written = _copy_run(run, fd, hasher, pending, digest)
                if progress is not None:
                    progress(written)
        finally:
            for job in pending:
                job.result()
        os.fsync(fd)
    fragments = [(part.tfdt_90k, seg.start_us) for part, seg in zip(clip.parts, span.segments, strict=True)]
    return MasterFile(out, digest.hexdigest(), clip.size, span.start_us, span.end_us, clip.duration_90k, fragments,
                      list(dict.fromkeys(s.recording_id for s in span.segments)))  # fmt: skip
