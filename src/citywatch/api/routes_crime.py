"""``/api/v1/crime``: MOPAC 7 figures, the LSOA choropleth and camera coverage for the managers' dashboard.

The routes are thin wrappers over :class:`citywatch.crime.dashboard.CrimeDashboard`, built on first
use from the settings' ``data_dir`` (where ``citywatch crime import`` and ``citywatch demo`` put
``crime.duckdb``). Crime-domain errors become HTTP answers here, in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, Response

from citywatch.access.principal import Action, require
from citywatch.api.deps import CurrentPrincipal, context
from citywatch.crime.dashboard import CrimeDashboard, TargetSpec
from citywatch.crime.errors import CrimeError, NoDataError, NotImportedError, StoreBusyError, UnknownAreaError
from citywatch.crime.fiscal import FinancialYear
from citywatch.crime.geometry import CameraView

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/crime", tags=["crime"])

T = TypeVar("T")

Area = Annotated[str, Query(description="a borough as named in the MPS files, or London")]
Fy = Annotated[str, Query(description="financial year, e.g. 2013/14 (April 2013 – March 2014)")]
Year = Annotated[int, Query(description="calendar year of the LSOA counts (2020 is unreliable at source)")]
Category = Annotated[str | None, Query(description="one LSOA file category, e.g. major-burglary; default all majors")]


def _dashboard(request: Request) -> CrimeDashboard:
    state = request.app.state
    dashboard: CrimeDashboard | None = getattr(state, "crime_api", None)
    if dashboard is None:
        dashboard = CrimeDashboard(context(request).services.settings.data_dir)
        state.crime_api = dashboard
    return dashboard


def _answer(call: Callable[[], T]) -> T:
    """Run a use case; the crime domain's errors become 409 (not imported), 503 (busy), 404 or 400."""
    try:
        return call()
    except NotImportedError as exc:
        raise HTTPException(409, str(exc)) from exc
    except StoreBusyError as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from exc
    except (NoDataError, UnknownAreaError) as exc:
        raise HTTPException(404, str(exc)) from exc
    except (CrimeError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc


def _fy(text: str) -> FinancialYear:
    return _answer(lambda: FinancialYear.parse(text))


def _cameras(request: Request) -> list[CameraView]:
    """Enabled cameras with a position; no bearing or field of view = all round, no range = 50 m."""
    from citywatch.crime.adapters import camera_view

    views = []
    for camera in context(request).services.cameras.list():
        view = camera_view(
            camera.name, camera.latitude, camera.longitude, camera.bearing_deg, camera.fov_deg, camera.range_m
        )
        if camera.enabled and view is not None:
            views.append(view)
    return views


@router.get("/boroughs")
def boroughs(principal: CurrentPrincipal, request: Request) -> dict[str, Any]:
    """The boroughs, the financial years that can be compared, and what the LSOA map can show."""
    require(principal, Action.VIEW_CRIME)
    return _answer(_dashboard(request).overview)


@router.get("/mopac7")
def mopac7(
    principal: CurrentPrincipal,
    request: Request,
    area: Area,
    fy: Fy,
    compare: Annotated[str | None, Query(description="a second area, e.g. London")] = None,
    baseline: Annotated[str, Query(description="baseline financial year of the target")] = "2011/12",
    reduction_pct: Annotated[float, Query(gt=0, lt=100)] = 20.0,
    years: Annotated[int, Query(ge=1, le=20)] = 4,
) -> dict[str, Any]:
    """MOPAC 7 per category and in total against the year before, a status per row, and target progress."""
    require(principal, Action.VIEW_CRIME)
    target = TargetSpec(_fy(baseline), reduction_pct, years)
    return _answer(lambda: _dashboard(request).mopac7(area, _fy(fy), compare or None, target))


@router.get("/trend")
def trend(principal: CurrentPrincipal, request: Request, area: Area, fy: Fy) -> dict[str, Any]:
    """Monthly counts per MOPAC 7 category over the financial year and the one before."""
    require(principal, Action.VIEW_CRIME)
    return _answer(lambda: _dashboard(request).trend(area, _fy(fy)))


@router.get("/ranking")
def ranking(principal: CurrentPrincipal, request: Request, fy: Fy) -> dict[str, Any]:
    """Every borough by MOPAC 7 change against the year before (the London map's colours)."""
    require(principal, Action.VIEW_CRIME)
    return _answer(lambda: _dashboard(request).ranking(_fy(fy)))


@router.get("/lsoa")
def lsoa(
    principal: CurrentPrincipal, request: Request, area: Area, year: Year, category: Category = None
) -> dict[str, Any]:
    """The borough's LSOAs as a GeoJSON FeatureCollection with counts and counts per km²."""
    require(principal, Action.VIEW_CRIME)
    return _answer(lambda: _dashboard(request).lsoa_choropleth(area, year, category or None))


@router.get("/coverage")
def coverage(
    principal: CurrentPrincipal,
    request: Request,
    area: Area,
    year: Year,
    category: Category = None,
    top: Annotated[int, Query(ge=1, le=200)] = 10,
) -> dict[str, Any]:
    """Hotspot LSOAs by crimes out of every camera's view, and which cameras' fields of view cover each."""
    require(principal, Action.VIEW_CRIME)
    cameras = _cameras(request)
    return _answer(lambda: _dashboard(request).hotspot_coverage(area, year, category or None, cameras, top=top))


@router.get("/report")
def report(
    principal: CurrentPrincipal,
    request: Request,
    area: Area,
    fy: Fy,
    compare: Annotated[str | None, Query()] = None,
    fmt: Annotated[Literal["csv", "html"], Query(alias="format")] = "csv",
) -> Response:
    """The financial-year report as a CSV file or a self-contained HTML page with charts."""
    require(principal, Action.VIEW_CRIME)
    result = _answer(lambda: _dashboard(request).report(area, _fy(fy), compare or None, fmt))
    headers = {"Content-Disposition": f'attachment; filename="{result.filename}"'}
    return Response(result.text, media_type=result.media_type, headers=headers)
