"""Call-up and click-to-centre geometry: bearings, pan from calibration, tilt and zoom from distance."""

from __future__ import annotations

import math

import pytest

from citywatch.ptz.callup import CameraPlacement, aim_at, plan_callup
from citywatch.ptz.geometry import (
    Optics,
    bearing_deg,
    centre_translation,
    distance_m,
    hfov_at,
    magnification,
    zoom_for_width,
)

BROADWAY = (51.4920, -0.2236)
POLICE_STATION = (51.4966, -0.2243)
TOWN_HALL = (51.4927, -0.2310)
FULHAM_BROADWAY = (51.4802, -0.1953)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """A point ``north_m``/``east_m`` away (flat-earth, fine over a few hundred metres)."""
    return lat + north_m / 111_195.0, lon + east_m / (111_195.0 * math.cos(math.radians(lat)))


def test_distance_and_bearing_between_demo_places() -> None:
    assert distance_m(*BROADWAY, *POLICE_STATION) == pytest.approx(514, abs=5)
    assert bearing_deg(*BROADWAY, *POLICE_STATION) == pytest.approx(354.5, abs=1)
    assert bearing_deg(*BROADWAY, *TOWN_HALL) == pytest.approx(279, abs=2)
    east = offset(*BROADWAY, 0, 100)
    assert bearing_deg(*BROADWAY, *east) == pytest.approx(90, abs=0.1)
    assert distance_m(*BROADWAY, *east) == pytest.approx(100, rel=0.002)


@pytest.mark.parametrize(
    ("camera_bearing", "north_m", "east_m", "pan"),
    [
        (0.0, 100, 0, 0.0),  # straight ahead
        (0.0, 0, 100, 0.5),  # 90° to the right
        (90.0, 100, 0, -0.5),  # camera calibrated east, target north: 90° left
        (350.0, 100 * math.cos(math.radians(10)), 100 * math.sin(math.radians(10)), 20 / 180),  # across north
        (0.0, -100, -0.001, -1.0),  # behind, just to the left: −180°
    ],
)
def test_pan_follows_the_bearing_calibration(camera_bearing: float, north_m: float, east_m: float, pan: float) -> None:
    camera = CameraPlacement(1, "Broadway", *BROADWAY, bearing_deg=camera_bearing)
    aim = aim_at(camera, *offset(*BROADWAY, north_m, east_m))
    assert aim.position.pan == pytest.approx(pan, abs=0.002)


def test_tilt_and_zoom_from_distance() -> None:
    optics = Optics(hfov_wide_deg=60, max_zoom=20, tilt_range_deg=45, mount_height_m=6)
    camera = CameraPlacement(1, "Broadway", *BROADWAY, bearing_deg=0, optics=optics)
    near, far = aim_at(camera, *offset(*BROADWAY, 30, 0)), aim_at(camera, *offset(*BROADWAY, 200, 0))
    assert near.position.tilt == pytest.approx(-math.degrees(math.atan(6 / 30)) / 45, abs=0.002)
    assert far.position.tilt == pytest.approx(-math.degrees(math.atan(6 / 200)) / 45, abs=0.002)
    assert near.position.tilt < far.position.tilt < 0  # nearer: look further down
    assert near.position.zoom < far.position.zoom  # farther: zoom in more
    # 20 m fills the picture at 200 m: the field of view at that zoom is 2·atan(10/200).
    assert hfov_at(far.position.zoom, optics) == pytest.approx(math.degrees(2 * math.atan(10 / 200)), rel=0.01)
    assert zoom_for_width(5, 20, optics) == 0.0  # closer than the wide view can frame: stay wide
    assert zoom_for_width(5000, 20, optics) == 1.0  # farther than the lens reaches: full zoom


def test_zoom_laws() -> None:
    geometric, linear = Optics(max_zoom=20), Optics(max_zoom=20, zoom_law="linear")
    assert magnification(0.5, geometric) == pytest.approx(math.sqrt(20))
    assert magnification(0.5, linear) == pytest.approx(10.5)
    for optics in (geometric, linear):
        assert magnification(zoom_for_width(300, 20, optics), optics) == pytest.approx(
            optics.hfov_wide_deg / math.degrees(2 * math.atan(10 / 300)), rel=1e-6
        )


def test_callup_chooses_the_nearest_cameras_in_range() -> None:
    target = offset(*BROADWAY, 50, 0)
    cameras = [
        CameraPlacement(1, "Broadway", *BROADWAY, bearing_deg=0, range_m=300),
        CameraPlacement(2, "Town Hall", *TOWN_HALL, bearing_deg=90, range_m=600),
        CameraPlacement(3, "Fulham Broadway", *FULHAM_BROADWAY, bearing_deg=0, range_m=300),  # 2.5 km away
        CameraPlacement(4, "Police station", *POLICE_STATION, bearing_deg=180, range_m=None),  # default 300 m
    ]
    aims = plan_callup(cameras, *target, limit=3)
    assert [a.camera_id for a in aims] == [1, 2]
    assert aims[0].distance_m == pytest.approx(50, rel=0.01)
    assert aims[1].position.pan == pytest.approx((bearing_deg(*TOWN_HALL, *target) - 90) / 180, abs=1e-6)
    assert [a.camera_id for a in plan_callup(cameras, *target, limit=1)] == [1]


def test_click_to_centre_uses_the_field_of_view_at_the_current_zoom() -> None:
    optics = Optics(hfov_wide_deg=90, max_zoom=20, tilt_range_deg=45, aspect=16 / 9)
    centre = centre_translation(0.5, 0.5, 0.0, optics)
    assert (centre.pan, centre.tilt) == (0.0, 0.0)
    right_edge = centre_translation(1.0, 0.5, 0.0, optics)
    assert right_edge.pan == pytest.approx(45 / 180)  # half of 90°
    top = centre_translation(0.5, 0.0, 0.0, optics)
    assert top.tilt == pytest.approx((90 * 9 / 16 / 2) / 45)  # up is positive
    zoomed = centre_translation(1.0, 0.5, 1.0, optics)
    assert zoomed.pan == pytest.approx(45 / 20 / 180)  # 20x narrower
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        centre_translation(1.2, 0.5, 0.0, optics)
