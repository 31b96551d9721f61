"""What access control costs: grant computation, the per-request check, audit appends and verification.

    .venv/bin/python bench/access.py [--cameras 800] [--entries 100000]

Numbers for docs/design/access.md. The per-request check is compared with a plain dictionary
look-up (its floor); audit appends with a bare INSERT of the same row (what the chain adds); the
sign-in throttle read from the audit log with the in-memory one it replaced.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from citywatch.access.audit import AuditLog
from citywatch.access.models import SharingAgreement
from citywatch.access.permissions import PermissionService
from citywatch.access.principal import Action, Principal, require
from citywatch.access.sessions import LoginThrottle
from citywatch.access.sharing import Directory, RuleInput, ShareInput, SharingService
from citywatch.access.throttle import AuditedLoginThrottle
from citywatch.access.users import UserInput, UserService
from citywatch.config import Settings
from citywatch.store.models import Camera
from citywatch.wiring import build_services


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=800)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(Settings(data_dir=Path(tmp)))
        users = UserService(services.sessions, services.secrets)
        council = users.add_organisation("Council", "council").id
        police = users.add_organisation("Police", "police").id
        partners = [users.add_organisation(f"Partner {i}", "partner").id for i in range(20)]
        with services.sessions.begin() as s:
            for cid in range(1, args.cameras + 1):
                owner = partners[cid % 20] if cid % 4 == 0 else council
                s.add(Camera(id=cid, name=f"c{cid}", rtsp_url="rtsp://127.0.0.1/x", enabled=False, created_us=0,
                             updated_us=0, organisation_id=owner))  # fmt: skip
        admin = Principal("admin", "admin", "Council")
        sharing = SharingService(services.sessions)
        for p in partners:
            sharing.create(admin, ShareInput(p, council, ["live", "recorded"], "always", 0, None, "DSA"))
        sharing.create(admin, ShareInput(council, police, ["live", "recorded", "ptz"], "always", 0, None, "DSA"))
        directory = Directory(services.sessions)
        for i in range(100):
            directory.add_rule(RuleInput("export", "deny" if i % 2 else "allow", "camera", i + 1, role="operator"), "b")
        operator = users.add(UserInput("op", "op", council, "operator", "long enough password"))

        def expired(_a: SharingAgreement) -> None:
            return None

        perms = PermissionService(services.sessions, expired)
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            grants = perms.grants_for(operator)
            times.append(time.perf_counter() - t0)
        print(f"grants_for: {args.cameras} cameras, 21 agreements, 100 rules: median {_median_ms(times):.2f} ms")

        principal = Principal("op", "operator", "Council", grants=grants)
        n = 200_000
        t0 = time.perf_counter()
        for i in range(n):
            require(principal, Action.LIVE, i % args.cameras + 1)
        check_ns = (time.perf_counter() - t0) / n * 1e9
        plain = dict(grants.cameras)
        t0 = time.perf_counter()
        for i in range(n):
            _ = "live" in plain.get(i % args.cameras + 1, frozenset())
        floor_ns = (time.perf_counter() - t0) / n * 1e9
        print(f"require(): {check_ns:.0f} ns per check; bare dict look-up {floor_ns:.0f} ns "
              f"(ratio {check_ns / floor_ns:.1f})")  # fmt: skip

        log = AuditLog(services.sessions)
        count = min(args.entries, 5000)
        t0 = time.perf_counter()
        for i in range(count):
            log.record("playback", principal, camera_id=i % args.cameras + 1, start_us=i, end_us=i + 1, client="x")
        chained = count / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        with services.engine.connect() as conn:
            for i in range(count):
                with conn.begin():
                    conn.execute(
                        text(
                            "INSERT INTO recording_events (at_us, camera_id, kind, detail) VALUES (:a, :c, 'x', '{}')"
                        ),
                        {"a": i, "c": i % args.cameras + 1},
                    )
        bare = count / (time.perf_counter() - t0)
        print(f"audit append: {chained:.0f} entries/s chained; bare one-row transactions {bare:.0f}/s "
              f"(ratio {chained / bare:.2f})")  # fmt: skip
        # Fill to --entries quickly for the verification timing.
        rest = args.entries - count
        for i in range(rest):
            log.record("live.start", principal, camera_id=i % args.cameras + 1)
        t0 = time.perf_counter()
        checked, broken = log.verify()
        took = time.perf_counter() - t0
        assert broken is None
        print(f"audit verify: {checked} entries in {took:.2f} s ({checked / took:.0f} entries/s)")

        # The sign-in throttle: counted from the audit log (shared by API processes) against one process's memory.
        for i in range(2000):  # failures from 200 addresses among the entries above
            log.record("auth.login_failed", None, username="x", client=f"10.0.0.{i % 200}", outcome="denied")
        shared, memory = AuditedLoginThrottle(services.sessions, limit=30), LoginThrottle(limit=30)
        for i in range(10):
            memory.failed(f"10.0.0.{i}")
        timed: dict[str, list[float]] = {"audit log": [], "memory": []}
        for i in range(500):
            for name, throttle in (("audit log", shared), ("memory", memory)):
                t0 = time.perf_counter()
                throttle.check(f"10.0.0.{i % 200}")
                timed[name].append(time.perf_counter() - t0)
        print(f"sign-in throttle check over {checked + 2000} audit entries: audit log (shared) median "
              f"{_median_ms(timed['audit log']):.3f} ms, p99 {sorted(timed['audit log'])[494] * 1000:.3f} ms; "
              f"one process's memory {_median_ms(timed['memory']):.4f} ms")  # fmt: skip
        services.close()


if __name__ == "__main__":
    main()
