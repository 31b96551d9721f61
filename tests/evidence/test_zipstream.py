"""The streamed zip's layout: any byte range equals that slice of the whole, which zip readers accept."""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from citywatch.evidence import zipstream
from citywatch.evidence.zipstream import CrcStore, ZipLayout, parse_range

WHEN = datetime(2026, 10, 25, 1, 30, 6, tzinfo=UTC)


def _folder(root: Path) -> list[tuple[str, Path]]:
    rng = random.Random(7)
    files = {"manifest.json": 211, "media/camera-1_20261025T013000Z.mp4": 2_500_000 + 13, "verify.html": 70_001,
             "empty.txt": 0}  # fmt: skip
    for name, size in files.items():
        path = root / "b" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))
    return [(f"evidence-1234/{name}", root / "b" / name) for name in sorted(files)]


def _layout(files: list[tuple[str, Path]], crc_file: Path) -> ZipLayout:
    return ZipLayout(files, WHEN, CrcStore(crc_file))


def _check_zip(data: bytes, files: list[tuple[str, Path]], tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert [i.filename for i in zf.infolist()] == [name for name, _p in files]
        for name, path in files:
            assert zf.read(name) == path.read_bytes()
        assert zf.getinfo(files[0][0]).date_time == (2026, 10, 25, 1, 30, 6)
    if shutil.which("unzip"):
        (tmp_path / "out.zip").write_bytes(data)
        done = subprocess.run(["unzip", "-tq", str(tmp_path / "out.zip")], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("zip64", [False, True], ids=["plain", "zip64"])
def test_every_range_is_the_slice_of_the_whole_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zip64: bool
) -> None:
    if zip64:  # Zip64 records from 1 kB on instead of 4 GiB, so small files take the same path as huge ones
        monkeypatch.setattr(zipstream, "_ZIP64_FROM", 1000)
    files = _folder(tmp_path)
    crc_file = tmp_path / "b.crc32.json"
    layout = _layout(files, crc_file)
    whole = b"".join(layout.iter_bytes())
    assert len(whole) == layout.size, "the length announced up front is the length sent"
    assert crc_file.exists(), "CRCs computed while sending are kept for later ranges"
    _check_zip(whole, files, tmp_path)

    rng = random.Random(11)
    for n in range(60):
        crc_file.unlink(missing_ok=True)  # half the ranges with no CRC known yet
        layout = _layout(files, crc_file if n % 2 else tmp_path / "other.json")
        start = rng.randrange(layout.size)
        end = rng.choice([layout.size, rng.randrange(start, layout.size + 1)])
        assert b"".join(layout.iter_bytes(start, end)) == whole[start:end], (start, end)


def test_a_changed_file_is_not_sent_as_if_it_were_sealed(tmp_path: Path) -> None:
    files = _folder(tmp_path)
    layout = _layout(files, tmp_path / "crc.json")
    files[1][1].write_bytes(b"short")  # media file truncated after the layout was made
    with pytest.raises(Exception, match="ended early"):
        b"".join(layout.iter_bytes())


def test_range_headers() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 10)
    assert parse_range("bytes=90-", 100) == (90, 100)
    assert parse_range("bytes=90-500", 100) == (90, 100)
    assert parse_range("bytes=-10", 100) == (90, 100)
    assert parse_range("bytes=0-1,5-6", 100) is None, "several ranges: the whole zip"
    assert parse_range("bytes=9-3", 100) is None
    assert parse_range("items=0-3", 100) is None
    with pytest.raises(ValueError):
        parse_range("bytes=100-", 100)
