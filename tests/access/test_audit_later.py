"""Entries handed to the audit writer thread: same chain, same order, none dropped, readers see them."""

from __future__ import annotations

import threading
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from citywatch.access import audit as audit_module
from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.access.principal import Principal
from citywatch.config import Settings
from citywatch.wiring import build_services
from tests.database import installation_database

OFFICER = Principal("pc.jones", "police_investigator", "Police", user_id=7, organisation_id=2)


def test_later_entries_join_the_chain_in_order_and_readers_wait_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_module, "_QUEUE_ENTRIES", 4)  # a full queue must make callers wait, not drop
    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database()))
    log = AuditLog(services.sessions)

    def viewer(n: int) -> None:
        for i in range(25):
            log.record_later("playback", OFFICER, camera_id=n, start_us=i, client="10.1.1.1", detail={"i": i})

    threads = [threading.Thread(target=viewer, args=(n,)) for n in range(1, 5)]
    for t in threads:
        t.start()
    seq = log.record("export.clip", OFFICER, camera_id=9)  # waits for its own write, queued behind the others
    for t in threads:
        t.join()
    assert log.count() == 101 and log.verify() == (101, None)
    entries = sorted(log.search(AuditFilter(limit=1000)), key=lambda e: e.seq)
    assert [e.seq for e in entries] == list(range(1, 102)) and entries[seq - 1].action == "export.clip"
    assert all(a.at_us <= b.at_us for a, b in pairwise(entries))  # times rise with seq
    for n in range(1, 5):  # each viewer's entries in the order it made them
        assert [e.detail["i"] for e in entries if e.camera_id == n] == list(range(25))


def test_a_failed_write_reaches_a_waiting_caller_and_is_retried_for_a_later_one(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database()))
    log = AuditLog(services.sessions)
    with services.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log RENAME TO audit_log_away"))
    with pytest.raises(DBAPIError):
        log.record("playback", OFFICER, camera_id=1)
    log.record_later("playback", OFFICER, camera_id=2)  # cannot be written yet: kept and retried
    assert not log.flush(timeout_s=0.3)
    with services.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log_away RENAME TO audit_log"))
    assert log.flush(timeout_s=30)
    assert [e.camera_id for e in log.search(AuditFilter())] == [2] and log.verify() == (1, None)


def test_a_burst_is_written_in_a_few_transactions_and_the_chain_holds(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database()))
    log = AuditLog(services.sessions)
    commits: list[int] = []
    event.listen(services.engine, "commit", lambda _conn: commits.append(1))
    for i in range(300):
        log.record_later("playback", OFFICER, camera_id=1, start_us=i)
    assert log.flush(timeout_s=60)
    assert log.count() == 300 and log.verify() == (300, None)
    entries = sorted(log.search(AuditFilter(limit=1000)), key=lambda e: e.seq)
    assert [e.start_us for e in entries] == list(range(300))  # batches keep the hand-over order
    assert len(commits) <= 150, f"{len(commits)} commits for 300 entries: not batched"
