"""The demo borough's tracking story (docs/../reference demo.md): two safe zones on the Charing Cross
Hospital campus and the simulator's devices. Coordinates are approximate (about 50 m).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from citywatch.tracking import services
from citywatch.tracking.domain import utcnow
from citywatch.tracking.models import DeviceRow, ZoneRow
from citywatch.tracking.profiles import Contact, MissingPersonProfile, Place, ProfileStore

__all__ = [
    "CAMPUS",
    "CLAYBROOK",
    "DEMO_DEVICES",
    "DEMO_PROFILES",
    "FULHAM_BROADWAY",
    "FULHAM_PALACE_ROAD_LON",
    "seed_demo",
    "seed_demo_profiles",
]

CLAYBROOK = (51.4866, -0.2187)  # dementia and complex mental health unit: inner safe zone
CAMPUS = (51.4875, -0.2199)  # Charing Cross Hospital
FULHAM_BROADWAY = (51.4802, -0.1953)  # the sting car is parked near here
FULHAM_PALACE_ROAD_LON = -0.2222  # the road runs north–south west of the campus


def _rect(lat_s: float, lat_n: float, lon_w: float, lon_e: float) -> dict[str, Any]:
    ring = [[lon_w, lat_s], [lon_e, lat_s], [lon_e, lat_n], [lon_w, lat_n], [lon_w, lat_s]]
    return {"type": "Polygon", "coordinates": [ring]}


CLAYBROOK_ZONE = _rect(51.48630, 51.48690, -0.21915, -0.21825)
CAMPUS_ZONE = _rect(51.48560, 51.48920, -0.22120, -0.21780)
NIGHT = {"tz": "Europe/London", "windows": [["20:00", "08:00"]]}

# identifier, protocol, name, profile, covert
DEMO_DEVICES = [
    ("864717003283581", "gt06", "Walker A (GT06 wristband)", "person", False),
    ("8800000015", "watch", "Walker B (watch)", "person", False),
    ("48241179", "osmand", "Walker C (phone)", "person", False),
    ("356307042441013", "teltonika", "Sting car FB-1", "vehicle", True),
]


def seed_demo(session: Session, *, interval_s: float = 20.0) -> None:
    """Create the demo zones and devices unless they exist (idempotent)."""
    if session.scalar(select(ZoneRow).where(ZoneRow.name == "Claybrook Centre")) is None:
        services.create_zone(session, "Claybrook Centre", "care_unit", CLAYBROOK_ZONE, schedule=NIGHT)
        services.create_zone(session, "Charing Cross Hospital campus", "campus", CAMPUS_ZONE)
    for identifier, protocol, name, profile, covert in DEMO_DEVICES:
        services.register_device(
            session, identifier, protocol, name, profile=profile, covert=covert, expected_interval_s=interval_s
        )


# Invented people for the demo's Herbert Protocol forms (no real person is described).
DEMO_PROFILES = {
    "864717003283581": MissingPersonProfile(
        preferred_name="Peggy",
        description="Woman, 81, 5 ft 2, slight build, short white hair; usually a red wool coat and a green scarf",
        photo_ref="demo photo (none stored)",
        conditions="Alzheimer's disease (moderate); hard of hearing on the left",
        medication="donepezil 10 mg at night; carries no medication",
        routines="Asks for the bus to Putney after lunch; likes the river path by Craven Cottage",
        languages="English",
        places=(
            Place("Former home, Lillie Road", "lived there 40 years", 51.4831, -0.2089),
            Place("Bishop's Park by the river", "walked the dog there daily", 51.4716, -0.2192),
        ),
        contacts=(
            Contact("Jane Doe", "daughter", "07700 900123"),
            Contact("Claybrook nurses' station", "", "020 7946 0000"),
        ),
    ),
    "8800000015": MissingPersonProfile(
        preferred_name="Stan",
        description="Man, 77, 6 ft, walks with a stick; grey flat cap and a navy anorak",
        conditions="Vascular dementia; type 2 diabetes",
        medication="metformin with meals (misses a dose if out over lunch)",
        routines="Looks for his old workplace, the bus garage on Fulham Palace Road",
        places=(Place("Former bus garage, Fulham Palace Road", "worked there as a driver", 51.4853, -0.2214),),
        contacts=(Contact("John Doe", "son", "07700 900456"),),
    ),
}


def seed_demo_profiles(session: Session, store: ProfileStore) -> None:
    """Herbert Protocol forms for the demo walkers, unless they have one (idempotent)."""
    for identifier, profile in DEMO_PROFILES.items():
        device_id = session.scalar(select(DeviceRow.id).where(DeviceRow.identifier == identifier))
        if device_id is not None and store.get(device_id) is None:
            store.put(device_id, replace(profile, updated=utcnow(), updated_by="demo"))
