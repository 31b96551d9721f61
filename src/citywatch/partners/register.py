"""The camera register and its public transparency export.

The export is built from an allow-list of fields (never a deny-list), from registered cameras only,
leaving out covert, police-only and decommissioned cameras: a field added to the register later
stays private until someone decides to publish it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.access.models import Organisation
from citywatch.partners import _tables
from citywatch.partners.domain import FUNDING_SOURCES, OR_LEVELS
from citywatch.partners.errors import PartnerError, PartnerNotFound
from citywatch.partners.models import RegisterRow
from citywatch.timeutil import now_us

__all__ = ["EDITABLE", "PUBLIC_FIELDS", "RegisterEntry", "RegisterService"]

EDITABLE = (
    "site",
    "model",
    "installed_on",
    "funding_source",
    "s106_agreement_ref",
    "s106_obligation_no",
    "planning_application_ref",
    "purpose",
    "lawful_basis",
    "dpia_ref",
    "or_level",
    "review_due_on",
    "decommissioned_on",
    "covert",
    "police_only",
)
PUBLIC_FIELDS = (
    "camera_id",
    "name",
    "owner",
    "site",
    "latitude",
    "longitude",
    "bearing_deg",
    "fov_deg",
    "purpose",
    "lawful_basis",
    "or_level",
    "dpia_ref",
    "installed_on",
    "review_due_on",
    "review_overdue",
    "funding_source",
    "s106_agreement_ref",
    "planning_application_ref",
)
_DATES = ("installed_on", "review_due_on", "decommissioned_on")


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    camera_id: int
    name: str
    owner_id: int | None
    owner: str
    latitude: float | None
    longitude: float | None
    bearing_deg: float | None
    fov_deg: float | None
    site: str
    model: str
    installed_on: date | None
    funding_source: str
    s106_agreement_ref: str | None
    s106_obligation_no: str | None
    planning_application_ref: str | None
    purpose: str
    lawful_basis: str
    dpia_ref: str
    or_level: str
    review_due_on: date | None
    review_overdue: bool
    decommissioned_on: date | None
    covert: bool
    police_only: bool
    registered: bool


def _check(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise PartnerError(f"the register has no field {unknown[0]!r}; fields: {', '.join(EDITABLE)}")
    out = dict(fields)
    for name in _DATES:
        if isinstance(out.get(name), str):
            try:
                out[name] = date.fromisoformat(out[name])
            except ValueError as exc:
                raise PartnerError(f"{name}: {out[name]!r} is not a date such as 2027-03-31") from exc
    if "funding_source" in out and out["funding_source"] not in FUNDING_SOURCES:
        raise PartnerError(f"funding_source must be one of {', '.join(FUNDING_SOURCES)}")
    if "or_level" in out and out["or_level"] not in OR_LEVELS:
        raise PartnerError(f"or_level must be one of {', '.join(OR_LEVELS)}")
    return out


def _require_references(row: RegisterRow) -> None:
    if row.funding_source == "section_106" and not (row.s106_agreement_ref and row.s106_obligation_no):
        raise PartnerError("Section 106 funding needs the agreement reference and the obligation number")
    if row.funding_source == "secured_by_design" and not row.planning_application_ref:
        raise PartnerError("Secured by Design funding needs the planning application reference")


class RegisterService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def entries(self, *, today: date) -> list[RegisterEntry]:
        with self._sessions() as s:
            return self._entries(s, None, today)

    def entry(self, camera_id: int, *, today: date) -> RegisterEntry:
        with self._sessions() as s:
            found = self._entries(s, camera_id, today)
        if not found:
            raise PartnerNotFound(f"no camera {camera_id}")
        return found[0]

    def put(self, camera_id: int, fields: dict[str, Any], *, by: str, today: date) -> RegisterEntry:
        values = _check(fields)
        with self._sessions.begin() as s:
            if s.scalar(select(_tables.cameras.c.id).where(_tables.cameras.c.id == camera_id)) is None:
                raise PartnerNotFound(f"no camera {camera_id}")
            row = s.get(RegisterRow, camera_id)
            if row is None:
                row = RegisterRow(
                    camera_id=camera_id,
                    site="",
                    model="",
                    funding_source="council_capital",
                    purpose="",
                    lawful_basis="",
                    dpia_ref="",
                    or_level="observe",
                    covert=False,
                    police_only=False,
                )
                s.add(row)
            for name, value in values.items():
                setattr(row, name, value)
            _require_references(row)
            row.updated_us = now_us()
            row.updated_by = by
        return self.entry(camera_id, today=today)

    def _entries(self, s: Session, camera_id: int | None, today: date) -> list[RegisterEntry]:
        c = _tables.cameras.c
        q = (
            select(
                c.id,
                c.name,
                c.organisation_id,
                Organisation.name,
                c.latitude,
                c.longitude,
                c.bearing_deg,
                c.fov_deg,
                RegisterRow,
            )
            .select_from(_tables.cameras)
            .outerjoin(RegisterRow, RegisterRow.camera_id == c.id)
            .outerjoin(Organisation, Organisation.id == c.organisation_id)
            .order_by(c.id)
        )
        if camera_id is not None:
            q = q.where(c.id == camera_id)
        out = []
        for cid, name, org_id, org_name, lat, lon, bearing, fov, r in s.execute(q):
            reg: RegisterRow | None = r
            due = reg.review_due_on if reg else None
            out.append(
                RegisterEntry(
                    camera_id=cid,
                    name=name,
                    owner_id=org_id,
                    owner=org_name or "",
                    latitude=lat,
                    longitude=lon,
                    bearing_deg=bearing,
                    fov_deg=fov,
                    site=reg.site if reg else "",
                    model=reg.model if reg else "",
                    installed_on=reg.installed_on if reg else None,
                    funding_source=reg.funding_source if reg else "council_capital",
                    s106_agreement_ref=reg.s106_agreement_ref if reg else None,
                    s106_obligation_no=reg.s106_obligation_no if reg else None,
                    planning_application_ref=reg.planning_application_ref if reg else None,
                    purpose=reg.purpose if reg else "",
                    lawful_basis=reg.lawful_basis if reg else "",
                    dpia_ref=reg.dpia_ref if reg else "",
                    or_level=reg.or_level if reg else "observe",
                    review_due_on=due,
                    review_overdue=due is not None and due < today,
                    decommissioned_on=reg.decommissioned_on if reg else None,
                    covert=reg.covert if reg else False,
                    police_only=reg.police_only if reg else False,
                    registered=reg is not None,
                )
            )
        return out

    # public export ---------------------------------------------------------------------------------------------

    def public_rows(self, *, today: date) -> list[dict[str, Any]]:
        rows = []
        for e in self.entries(today=today):
            if not e.registered or e.covert or e.police_only:
                continue
            if e.decommissioned_on is not None and e.decommissioned_on <= today:
                continue
            full = asdict(e)
            rows.append(
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in full.items() if k in PUBLIC_FIELDS}
            )
        return rows

    def public_geojson(self, *, today: date) -> dict[str, Any]:
        features = []
        for row in self.public_rows(today=today):
            lat, lon = row["latitude"], row["longitude"]
            geometry = None if lat is None or lon is None else {"type": "Point", "coordinates": [lon, lat]}
            props = {k: v for k, v in row.items() if k not in ("latitude", "longitude")}
            features.append({"type": "Feature", "id": row["camera_id"], "geometry": geometry, "properties": props})
        return {"type": "FeatureCollection", "features": features}

    def public_csv(self, *, today: date) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(PUBLIC_FIELDS), lineterminator="\r\n")
        writer.writeheader()
        for row in self.public_rows(today=today):
            writer.writerow({k: "" if row[k] is None else row[k] for k in PUBLIC_FIELDS})
        return buf.getvalue()
