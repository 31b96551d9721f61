"""The audit chain: every edit, deletion or reordering is found; the CLI says where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from citywatch.access.audit import AuditFilter, AuditLog
from citywatch.access.principal import Principal
from citywatch.config import Settings
from citywatch.wiring import build_services
from tests.database import installation_database

OFFICER = Principal(
    "pc.jones", "police_investigator", "Police", user_id=7, organisation_id=2,
    justifications={None: "robbery [CAD 99]"},
)  # fmt: skip


def _cli(data_dir: Path, database: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CITYWATCH_DATA_DIR": str(data_dir), "CITYWATCH_DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "citywatch", "audit", "verify"], capture_output=True, text=True, env=env, timeout=120
    )


def test_tampering_is_found_and_named(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database(tmp_path)))
    log = AuditLog(services.sessions)
    for i in range(20):
        log.record("playback", OFFICER, camera_id=1, start_us=i * 1_000_000, end_us=(i + 1) * 1_000_000,
                   client="10.1.1.1", detail={"n": i})  # fmt: skip
    entry = log.search(AuditFilter(limit=1))[0]
    assert entry.justification == "robbery [CAD 99]" and entry.organisation == "Police"
    assert log.verify() == (20, None)
    assert _cli(tmp_path, services.settings.database_url).returncode == 0

    with services.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET username = 'someone else' WHERE seq = 12"))
    checked, broken = log.verify()
    assert checked == 11 and broken is not None and broken.seq == 12 and "changed" in broken.reason
    result = _cli(tmp_path, services.settings.database_url)
    assert result.returncode == 1 and "BROKEN at entry 12" in result.stdout

    with services.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET username = 'pc.jones' WHERE seq = 12"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 15"))
    checked, broken = log.verify()
    assert broken is not None and broken.seq == 15 and "missing" in broken.reason

    # Appending after a deletion cannot hide it: the gap stays where it was.
    log.record("audit.correction", None, username="admin", detail={"note": "entry 15 deleted by mistake"})
    assert log.verify()[1] is not None and log.verify()[1].seq == 15  # type: ignore[union-attr]
    services.close()


def test_a_rewritten_chain_tail_is_still_found(tmp_path: Path) -> None:
    """Recomputing one entry's hash breaks the next entry's link."""
    from citywatch.access.audit import entry_hash

    services = build_services(Settings(data_dir=tmp_path, database_url=installation_database(tmp_path)))
    log = AuditLog(services.sessions)
    for i in range(5):
        log.record("live.start", OFFICER, camera_id=i)
    with services.engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM audit_log WHERE seq = 3")).mappings().one()
        fields = dict(row)
        fields["camera_id"] = 99
        import json

        fields["detail"] = json.loads(fields["detail"]) if isinstance(fields["detail"], str) else fields["detail"]
        new_hash = entry_hash(fields["prev_hash"], fields)
        conn.execute(text("UPDATE audit_log SET camera_id = 99, hash = :h WHERE seq = 3"), {"h": new_hash})
    checked, broken = log.verify()
    assert checked == 3 and broken is not None and broken.seq == 4 and "link" in broken.reason
    services.close()
