"""One media file on disk, written once in its final place.

Order of operations (docs/design/recording.md, "Write order"): create exclusively → write the
init segment → append whole fragments with one ``write`` each → on close, fsync the file, then
its directory; only then is the row marked closed. A crash leaves at worst a torn last fragment,
which start-up repair cuts off.
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

__all__ = ["DiskFullError", "RecordingFile", "fsync_dir"]


class DiskFullError(OSError):
    """The media volume has no room for the next fragment."""


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class RecordingFile:
    def __init__(self, media_dir: Path, rel_path: str, init_segment: bytes) -> None:
        self.media_dir = media_dir
        self.rel_path = rel_path
        self.path = media_dir / rel_path
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = os.open(self.path, flags, 0o640)
        except FileNotFoundError:  # retention removed the empty day directory meanwhile
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, flags, 0o640)
        self._hash = hashlib.sha256()
        self.size = 0
        self.init_size = len(init_segment)
        try:
            self._write(init_segment)
        except BaseException:
            os.close(self._fd)
            self.path.unlink(missing_ok=True)
            raise

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        written = 0
        try:
            while written < len(view):
                written += os.write(self._fd, view[written:])
        except OSError as exc:
            # Leave the file ending on a whole fragment so it stays readable and repairable.
            os.ftruncate(self._fd, self.size)
            os.lseek(self._fd, self.size, os.SEEK_SET)  # no O_APPEND: the position must come back too
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DiskFullError(exc.errno, f"no space left for {self.path}") from exc
            raise
        self._hash.update(data)
        self.size += len(data)

    def append(self, fragment: bytes) -> int:
        """Write one whole fragment; returns its offset."""
        offset = self.size
        self._write(fragment)
        return offset

    def close(self) -> str:
        """Make the file durable and return its SHA-256 (hex)."""
        try:
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
        fsync_dir(self.path.parent)
        return self._hash.hexdigest()

    def discard(self) -> None:
        """Remove a file that never received a fragment."""
        os.close(self._fd)
        self.path.unlink(missing_ok=True)
