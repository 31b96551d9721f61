"""``/api/v1/metrics``: the installation's health in Prometheus text format, for a monitoring system.

Per recorder node (label ``node``) from the ``nodes`` table each node keeps current: heartbeat age,
state, cameras, bitrate, media space and errors; ``citywatch_node_stale`` is 1 for a node that stopped
renewing without saying so (the alert to set up).

Behind sign-in like every route: a scraper uses an administrator's API token
(``Authorization: Bearer cwt_…``). Cheap to serve: a few indexed reads and ``statvfs`` per media
directory, no scans of the index or the audit log.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import AuditEntry
from citywatch.access.principal import Action, require
from citywatch.api.deps import CurrentPrincipal, context
from citywatch.fleet.node_health import NodeHealth, node_health
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
        # 15 significant digits: byte counts of tens of terabytes stay exact (":g" kept only six).
        lines.append(f"# HELP citywatch_{name} {help_text}")
        lines.append(f"# TYPE citywatch_{name} {kind}")
        lines.extend(f"citywatch_{name}{labels} {value:.15g}" for labels, value in samples)

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
    _node_metrics(metric, ctx.services.sessions, now, ctx.services.settings.fleet.lease_s)
    return Response("\n".join(lines) + "\n", media_type=PROMETHEUS_TYPE, headers={"Cache-Control": "no-store"})


def _node_metrics(
    metric: Callable[[str, str, str, list[tuple[str, float]]], None],
    sessions: sessionmaker[Session],
    now: int,
    stale_after_s: float,
) -> None:
    nodes = node_health(sessions, now_us=now, stale_after_s=stale_after_s)

    def per_node(name: str, help_text: str, value: Callable[[NodeHealth], float]) -> None:
        metric(name, "gauge", help_text, [(f'{{node="{_label(n.name)}"}}', float(value(n))) for n in nodes])

    per_node("node_up", "1 while a recorder node is up and renewing its heartbeat.", lambda n: n.up)
    per_node("node_stale", "1 for a node not marked down whose heartbeat is older than a lease.", lambda n: n.stale)
    per_node("node_heartbeat_age_seconds", "Seconds since the node's last heartbeat.", lambda n: n.heartbeat_age_s)
    metric("node_state", "gauge", "The state each node last wrote (up, draining, down).",
           [(f'{{node="{_label(n.name)}",state="{_label(n.state)}"}}', 1.0) for n in nodes])  # fmt: skip
    per_node("node_cameras", "Cameras the node records.", lambda n: n.cameras)
    per_node("node_bitrate_kbps", "Bitrate the node receives, all cameras together.", lambda n: n.bitrate_kbps)
    metric("node_media_bytes", "gauge", "Free and total bytes of the node's media directories together.",
           [sample for n in nodes for sample in (
               (f'{{node="{_label(n.name)}",kind="free"}}', float(n.free_bytes)),
               (f'{{node="{_label(n.name)}",kind="total"}}', float(n.total_bytes)))])  # fmt: skip
    per_node("node_errors", "Errors the node counted since it started.", lambda n: n.errors)
