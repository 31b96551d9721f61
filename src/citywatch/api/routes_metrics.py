"""``/api/v1/metrics``: the installation's health in Prometheus text format, for a monitoring system.

Behind sign-in like every route: a scraper uses an administrator's API token
(``Authorization: Bearer cwt_…``). Cheap to serve: a few indexed reads and ``statvfs`` per media
directory, no scans of the index or the audit log.
"""

from __future__ import annotations

import shutil
from collections import Counter

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select

from citywatch.access.models import AuditEntry
from citywatch.access.principal import Action, require
from citywatch.api.deps import CurrentPrincipal, context
from citywatch.store.models import Alarm
from citywatch.timeutil import now_us

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["operations"])

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


@router.get("/metrics")
def metrics(principal: CurrentPrincipal, request: Request) -> Response:
    """Cameras by state, per-camera bitrate, frame rate and frame age, media space, open alarms, live viewers."""
    require(principal, Action.CONFIGURE_CAMERAS)
    ctx = context(request)
    now = now_us()
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP citywatch_{name} {help_text}")
        lines.append(f"# TYPE citywatch_{name} {kind}")
        lines.extend(f"citywatch_{name}{labels} {value:g}" for labels, value in samples)

    statuses = ctx.status.camera_status()
    by_state = Counter(s.state for s in statuses.values())
    metric(
        "cameras",
        "gauge",
        "Cameras by recording state.",
        [(f'{{state="{_label(k)}"}}', v) for k, v in by_state.items()],
    )
    per_camera = sorted(statuses.items())
    metric("camera_bitrate_kbps", "gauge", "Received bitrate per camera.",
           [(f'{{camera="{cid}"}}', s.bitrate_kbps) for cid, s in per_camera])  # fmt: skip
    metric("camera_fps", "gauge", "Received frame rate per camera.",
           [(f'{{camera="{cid}"}}', s.fps) for cid, s in per_camera])  # fmt: skip
    ages = [(f'{{camera="{cid}"}}', (now - s.last_frame_us) / 1e6) for cid, s in per_camera if s.last_frame_us]
    metric("camera_frame_age_seconds", "gauge", "Seconds since the newest frame per camera.", ages)
    space = []
    for media_dir in ctx.services.settings.effective_media_dirs:
        if media_dir.exists():
            usage = shutil.disk_usage(media_dir)
            space += [(f'{{dir="{_label(media_dir)}",kind="free"}}', float(usage.free)),
                      (f'{{dir="{_label(media_dir)}",kind="total"}}', float(usage.total))]  # fmt: skip
    metric("media_bytes", "gauge", "Free and total bytes of each media directory.", space)
    with ctx.services.sessions() as session:
        open_alarms = session.execute(
            select(Alarm.kind, func.count()).where(Alarm.cleared_us.is_(None)).group_by(Alarm.kind)
        ).all()
        audit_seq = session.scalar(select(func.max(AuditEntry.seq))) or 0
    metric(
        "open_alarms", "gauge", "Open alarms by kind.", [(f'{{kind="{_label(k)}"}}', float(n)) for k, n in open_alarms]
    )
    metric("audit_entries", "counter", "Entries appended to the audit chain.", [("", float(audit_seq))])
    viewers = ctx.hub.stats()
    metric("live_viewers", "gauge", "Live WebSocket viewers per camera.",
           [(f'{{camera="{cid}"}}', float(v["viewers"])) for cid, v in sorted(viewers.items())])  # fmt: skip
    metric("live_skipped_parts", "counter", "Live parts skipped for slow viewers, per camera.",
           [(f'{{camera="{cid}"}}', float(v["skipped"])) for cid, v in sorted(viewers.items())])  # fmt: skip
    return Response("\n".join(lines) + "\n", media_type=PROMETHEUS_TYPE, headers={"Cache-Control": "no-store"})
