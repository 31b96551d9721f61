"""The import use case: expand paths, validate every file, then store the batch all-or-nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from citywatch.crime.errors import CrimeError, ImportFailedError, RowProblem
from citywatch.crime.formats import ParsedFile, parse_file
from citywatch.crime.store import CrimeStore

__all__ = ["FileOutcome", "ProgressCallback", "expand_paths", "import_files"]

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``(file name, files done, files in all)`` after each file is read."""


@dataclass(frozen=True)
class FileOutcome:
    name: str
    path: str
    sha256: str
    kind: str
    status: str  # imported | unchanged
    data_rows: int
    long_rows: int
    warnings: tuple[str, ...]


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, directories as every ``*.csv`` below them, in name order, without repeats."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".csv"))
        elif path.exists():
            out.append(path)
        else:
            raise CrimeError(f"{path}: no such file or directory")
    unique: dict[Path, None] = {}
    for path in out:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailedError([RowProblem(path.name, None, None, f"cannot read: {exc.strerror}")]) from exc


def import_files(store: CrimeStore, paths: list[Path], progress: ProgressCallback | None = None) -> list[FileOutcome]:
    """Import ``paths``; raises ImportFailedError naming every problem, having stored nothing."""
    files = expand_paths(paths)
    known = store.known_hashes()
    outcomes: list[FileOutcome] = []
    parsed: list[ParsedFile] = []
    problems: list[RowProblem] = []
    for done, path in enumerate(files, start=1):
        raw = _read(path)
        digest = hashlib.sha256(raw).hexdigest()
        if digest in known:
            outcomes.append(FileOutcome(path.name, str(path), digest, "", "unchanged", 0, 0, ()))
        else:
            try:
                item = parse_file(path, raw)
            except ImportFailedError as exc:
                problems.extend(exc.problems)
            else:
                known.add(digest)
                parsed.append(item)
                outcomes.append(
                    FileOutcome(
                        item.name,
                        str(path),
                        digest,
                        item.kind,
                        "imported",
                        item.data_rows,
                        item.long_rows,
                        tuple(item.warnings),
                    )
                )
        if progress is not None:
            progress(path.name, done, len(files))
    if problems:
        raise ImportFailedError(problems)
    if parsed:
        store.load(parsed)
    return outcomes
