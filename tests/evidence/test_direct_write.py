"""The master's output file: what goes in comes out byte for byte, hashed, on disk and on tmpfs."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from citywatch.evidence import direct_write
from citywatch.evidence.direct_write import DirectWriter
from citywatch.evidence.errors import EvidenceError

SHM = Path("/dev/shm")


def _write_mixed(target: Path, source: Path, total_hint: int) -> tuple[bytes, DirectWriter]:
    """Small writes and reads from ``source`` at odd offsets, crossing buffer edges; returns what went in."""
    rng = random.Random(3)
    data = source.read_bytes()
    expected = bytearray()
    with DirectWriter(target) as out:
        while len(expected) < total_hint:
            head = rng.randbytes(rng.randrange(0, 700))
            out.write(head)
            offset = rng.randrange(len(data) - 1)
            size = rng.randrange(0, min(len(data) - offset, 400_000))
            with source.open("rb") as f:
                out.copy_from(f.fileno(), offset, size)
            expected += head + data[offset : offset + size]
    return bytes(expected), out


@pytest.mark.parametrize("where", ["disk", "tmpfs"])
def test_bytes_and_hash_come_out_as_they_went_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    monkeypatch.setattr(direct_write, "_BUFFER", 64 << 10)  # many buffer edges in a small file
    folder = tmp_path
    if where == "tmpfs":
        if not SHM.is_dir():
            pytest.skip("no tmpfs at /dev/shm")
        folder = Path(str(SHM)) / tmp_path.name
        folder.mkdir()
    source = tmp_path / "source.bin"
    source.write_bytes(random.Random(5).randbytes(1_000_003))
    try:
        expected, out = _write_mixed(folder / "master.mp4", source, 3_000_000)
        written = (folder / "master.mp4").read_bytes()
        assert written == expected and out.size == len(expected)
        assert out.sha256 == hashlib.sha256(expected).hexdigest()
    finally:
        if where == "tmpfs":
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()


@pytest.mark.parametrize("size", [0, 4096, 64 << 10, (64 << 10) + 1])
def test_exact_block_and_buffer_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(direct_write, "_BUFFER", 64 << 10)
    data = random.Random(size).randbytes(size)
    with DirectWriter(tmp_path / "out.mp4") as out:
        out.write(data)
    assert (tmp_path / "out.mp4").read_bytes() == data and out.sha256 == hashlib.sha256(data).hexdigest()


def test_a_source_shorter_than_asked_for_is_an_error(tmp_path: Path) -> None:
    source = tmp_path / "short.bin"
    source.write_bytes(b"x" * 1000)
    with (
        pytest.raises(EvidenceError, match="ended while it was being exported"),
        DirectWriter(tmp_path / "out.mp4") as out,
        source.open("rb") as f,
    ):
        out.copy_from(f.fileno(), 500, 1000)
    with pytest.raises(FileExistsError):
        DirectWriter(tmp_path / "out.mp4")  # never overwrites an existing file
