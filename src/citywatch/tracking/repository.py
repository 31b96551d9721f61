"""Loads the pipeline's memory from the database at start-up (devices, zones, zone states, last fixes,
next row ids). The runtime is the only writer of the tracking tables, so ids can be handed out in process.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from citywatch.tracking.domain import DeviceInfo, Profile, from_us
from citywatch.tracking.filters import LastFix
from citywatch.tracking.models import AlertRow, DeviceRow, PositionRow, ZoneRow, ZoneStateRow
from citywatch.tracking.pipeline import Pipeline
from citywatch.tracking.zones import Zone, ZoneState

__all__ = ["device_info", "load_pipeline", "load_zones", "zone_from_row"]


def device_info(row: DeviceRow) -> DeviceInfo:
    return DeviceInfo(
        id=row.id,
        identifier=row.identifier,
        protocol=row.protocol,
        name=row.name,
        profile=Profile(row.profile),
        covert=row.covert,
        clock_tz=row.clock_tz,
        expected_interval_s=row.expected_interval_s,
        registered=row.registered,
    )


def zone_from_row(row: ZoneRow) -> Zone:
    return Zone.from_geojson(row.id, row.name, row.tier, row.geometry, row.radius_m, row.schedule, row.device_id)


def load_zones(session: Session) -> list[Zone]:
    rows = session.scalars(select(ZoneRow).where(ZoneRow.enabled.is_(True)).order_by(ZoneRow.id))
    return [zone_from_row(r) for r in rows]


def load_pipeline(engine: Engine, pipeline: Pipeline, *, state: bool = True) -> None:
    """Devices and zones; with ``state`` also last fixes, zone states and the next row ids (start-up)."""
    with Session(engine) as session:
        pipeline.set_zones(load_zones(session))
        by_id = {}
        for row in session.scalars(select(DeviceRow)):
            rt = pipeline.add_device(device_info(row))
            by_id[row.id] = rt
            if state and row.last_seen_us is not None:
                rt.last_seen = from_us(row.last_seen_us)
        if not state:
            return
        latest = (
            select(PositionRow.device_id, func.max(PositionRow.fix_us).label("fix_us"))
            .where(PositionRow.archived.is_(False), PositionRow.valid.is_(True))
            .group_by(PositionRow.device_id)
            .subquery()
        )
        q = select(PositionRow.device_id, PositionRow.fix_us, PositionRow.latitude, PositionRow.longitude).join(
            latest, (PositionRow.device_id == latest.c.device_id) & (PositionRow.fix_us == latest.c.fix_us)
        )
        for device_id, fix_us, lat, lon in session.execute(q):
            if device_id in by_id:
                by_id[device_id].last = LastFix(from_us(fix_us), lat, lon)
                by_id[device_id].last_place = (lat, lon)
        for st in session.scalars(select(ZoneStateRow)):
            if st.device_id in by_id:
                by_id[st.device_id].zone_states[st.zone_id] = ZoneState(
                    st.device_id,
                    st.zone_id,
                    st.inside,
                    from_us(st.since_us),
                    st.pending_count,
                    from_us(st.pending_since_us) if st.pending_since_us else None,
                    st.alerted,
                    st.suspect,
                    st.last_distance_m,
                    dirty=False,
                )
        for kind, model in (("device", DeviceRow), ("position", PositionRow), ("alert", AlertRow)):
            top = session.scalar(select(func.max(model.id)))
            pipeline.next_ids[kind] = max(pipeline.next_ids[kind], (top or 0) + 1)
