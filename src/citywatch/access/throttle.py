"""Sign-in throttling shared by every API process: failed sign-ins are counted from the audit log.

Each failed sign-in is already an ``auth.login_failed`` audit entry, written before the answer goes
out (access/audit.py), so the log is the count: nothing more to write, the same limit however many
API processes sit behind the load balancer, and a restart forgets nothing. One indexed read per
sign-in attempt (``ix_audit_login_failed``, partial on that action, migration 0021), a few
hundred microseconds — sign-ins are rare next to media requests.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.errors import TooManyAttempts
from citywatch.access.models import AuditEntry
from citywatch.timeutil import now_us

__all__ = ["LOGIN_FAILED", "AuditedLoginThrottle"]

LOGIN_FAILED = "auth.login_failed"
# A literal, not a bound parameter: PostgreSQL matches a partial index's predicate only against constants.
_IS_FAILURE = AuditEntry.action == literal_column(f"'{LOGIN_FAILED}'")


class AuditedLoginThrottle:
    """At most ``limit`` failed sign-ins per client address per ``window_s``, across processes, then 429."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        limit: int = 30,
        window_s: float = 300.0,
        clock: Callable[[], int] = now_us,
    ) -> None:
        self._sessions = sessions
        self._limit = limit
        self._window_us = int(window_s * 1_000_000)
        self._clock = clock

    def check(self, client: str) -> None:
        now = self._clock()
        where = AuditEntry.client.is_(None) if client == "unknown" else AuditEntry.client == client
        query = (
            select(AuditEntry.at_us)
            .where(_IS_FAILURE, where, AuditEntry.at_us > now - self._window_us)
            .order_by(AuditEntry.at_us.desc())
            .limit(self._limit)
        )
        with self._sessions() as session:
            recent = session.scalars(query).all()
        if len(recent) >= self._limit:
            retry = (self._window_us - (now - recent[-1])) // 1_000_000 + 1
            raise TooManyAttempts(f"too many failed sign-ins from {client}; try again in {retry} s", int(retry))

    def failed(self, client: str) -> None:
        """Nothing to do: the ``auth.login_failed`` entry written for this failure is what is counted."""
