"""The crime domain's own errors; adapters translate library errors into these."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CrimeError",
    "ImportFailedError",
    "MappingError",
    "NoDataError",
    "NotImportedError",
    "RowProblem",
    "StoreBusyError",
    "UnknownAreaError",
]


class CrimeError(Exception):
    """Base class: every error the crime domain raises on purpose."""


@dataclass(frozen=True)
class RowProblem:
    """One reason a file cannot be imported; ``row`` is 1-based with the header as row 1."""

    file: str
    row: int | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.reason}"


class ImportFailedError(CrimeError):
    """One or more files are malformed; nothing of the batch was stored."""

    MAX_SHOWN = 20

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[: self.MAX_SHOWN])
        more = len(problems) - self.MAX_SHOWN
        extra = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(f"import failed, nothing was stored ({len(problems)} problem(s)):\n{shown}{extra}")


class MappingError(CrimeError):
    """The MOPAC 7 mapping file is malformed or ambiguous."""


class UnknownAreaError(CrimeError):
    """An area name that is neither a borough in the data nor ``London``."""


class NoDataError(CrimeError):
    """The store holds no data for what was asked (a year, a scheme, a file type)."""


class NotImportedError(CrimeError):
    """The data directory holds no crime database yet; the message names the command that imports one."""


class StoreBusyError(CrimeError):
    """The crime database is locked by a writer (an import is running); reading can be retried shortly."""
