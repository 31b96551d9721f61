"""What was recorded for a camera over a period: merged spans and the gaps with their reasons.

Spans are merged in SQL: one row per run from a ``GROUP BY`` over the covering index
``ix_recordings_camera_span``, so a month-long range returns a few dozen rows rather than the
~44,640 one-minute files it covers; only a run with files missing from its middle is split into
islands of abutting files (window functions, in SQLite and PostgreSQL alike). Gaps come from
the ``gaps`` table; one still open has no end.

In a fleet, each span also names the node holding its files (a run is recorded by one node): one more
indexed query, by each run's first file, made only when asked (``with_nodes``), so single-node
installations pay nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

__all__ = ["GapSpan", "Span", "Timeline", "load_timeline"]

_CONTIGUOUS_US = 1_000  # files of one run abut exactly; allow rounding

# One row per run: a run whose files cover [min, max) without a hole is one span (the usual case).
_RUNS = text(
    "SELECT run_id, MIN(start_us), MAX(end_us), SUM(end_us - start_us), COUNT(*) FROM recordings "
    "WHERE camera_id = :camera_id AND start_us < :end_us AND end_us > :start_us AND "
    "start_us >= COALESCE((SELECT MAX(start_us) FROM recordings "
    "WHERE camera_id = :camera_id AND start_us <= :start_us), :start_us) "
    "GROUP BY run_id"
)

# A run with holes (files deleted from its middle): islands of abutting files, via window functions.
_ISLANDS = text(
    """
WITH r AS (
  SELECT start_us, end_us,
         CASE WHEN start_us - LAG(end_us) OVER (ORDER BY start_us) <= :tolerance_us THEN 0 ELSE 1 END AS brk
  FROM recordings WHERE run_id = :run_id AND camera_id = :camera_id AND start_us < :end_us AND end_us > :start_us
), g AS (
  SELECT start_us, end_us, SUM(brk) OVER (ORDER BY start_us ROWS UNBOUNDED PRECEDING) AS grp FROM r
)
SELECT MIN(start_us), MAX(end_us) FROM g GROUP BY grp
"""
)

_RUN_NODES = text(
    "SELECT run_id, node FROM recordings WHERE camera_id = :camera_id AND start_us IN :starts"
).bindparams(bindparam("starts", expanding=True))

_GAPS = text(
    "SELECT start_us, end_us, reason, detail FROM gaps "
    "WHERE camera_id = :camera_id AND start_us < :end_us AND (end_us IS NULL OR end_us > :start_us) "
    "ORDER BY start_us"
)


@dataclass(frozen=True, slots=True)
class Span:
    start_us: int
    end_us: int
    node: str = "local"
    available: bool = True  # False: held by a recorder node that is down (not missing: it comes back with the node)


@dataclass(frozen=True, slots=True)
class GapSpan:
    start_us: int
    end_us: int | None  # None while the outage lasts
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Timeline:
    camera_id: int
    start_us: int
    end_us: int
    spans: list[Span]
    gaps: list[GapSpan]


def load_timeline(
    conn: Connection,
    camera_id: int,
    start_us: int,
    end_us: int,
    *,
    with_nodes: bool = False,
    unavailable: frozenset[str] = frozenset(),
) -> Timeline:
    """Spans and gaps overlapping ``[start_us, end_us)``, clipped to it (open gaps keep ``end_us=None``).

    With ``with_nodes``, spans name their node, and those of nodes in ``unavailable`` are marked so.
    """
    params = {"camera_id": camera_id, "start_us": start_us, "end_us": end_us, "tolerance_us": _CONTIGUOUS_US}
    raw: list[tuple[int, int, str]] = []
    firsts: list[int] = []
    for run_id, first, last, covered, files in conn.execute(_RUNS, params):
        firsts.append(int(first))
        if int(covered) >= int(last) - int(first) - _CONTIGUOUS_US * int(files):
            raw.append((int(first), int(last), str(run_id)))
        else:
            raw += [(int(a), int(b), str(run_id)) for a, b in conn.execute(_ISLANDS, {**params, "run_id": run_id})]
    node_of: dict[str, str] = {}
    if with_nodes and firsts:
        node_of = {str(r): str(n) for r, n in conn.execute(_RUN_NODES, {"camera_id": camera_id, "starts": firsts})}
    spans = []
    for a, b, run_id in sorted(raw):
        if b > start_us and a < end_us:
            node = node_of.get(run_id, "local")
            spans.append(Span(max(a, start_us), min(b, end_us), node, node not in unavailable))
    gaps = [
        GapSpan(max(int(a), start_us), None if b is None else min(int(b), end_us), str(reason), str(detail or ""))
        for a, b, reason, detail in conn.execute(_GAPS, params)
    ]
    return Timeline(camera_id, start_us, end_us, spans, gaps)
