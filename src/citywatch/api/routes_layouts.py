"""Saved video-wall layouts and UI settings, per user: ``/api/v1/layouts[/{name}]`` and ``/api/v1/settings/ui``.

Each signed-in user sees and changes only their own. A layout names cameras, so saving one checks that
each camera exists and that the user may see it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from citywatch.access.principal import Action, Principal, require
from citywatch.api.deps import CurrentPrincipal, context
from citywatch.timeutil import iso
from citywatch.ui.layouts import Layout, LayoutNotFound, LayoutService, Tile

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["layouts"])

LayoutName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")]


class TileBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    camera_id: int
    mode: Literal["live", "playback"] = "live"


class LayoutBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid: Literal[1, 4, 9, 16]
    tiles: list[TileBody | None] = Field(default_factory=list, max_length=16)


class LayoutOut(BaseModel):
    name: str
    grid: int
    tiles: list[TileBody | None]
    updated: str


class UiSettingsBody(BaseModel):
    """Known keys only, so that a misspelt one is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")
    tile_url: str | None = Field(default=None, max_length=1000, description="map tiles, e.g. https://…/{z}/{x}/{y}.png")
    tile_attribution: str | None = Field(default=None, max_length=500)
    default_layout: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, v: str | None) -> str | None:
        if v is None or v == "":
            return None
        if not v.startswith(("http://", "https://")) or not all(p in v for p in ("{z}", "{x}", "{y}")):
            raise ValueError("must be an http(s) URL template with {z}, {x} and {y}")
        return v


def _out(layout: Layout) -> LayoutOut:
    tiles = [None if t is None else TileBody(camera_id=t.camera_id, mode=t.mode) for t in layout.tiles]
    return LayoutOut(name=layout.name, grid=layout.grid, tiles=tiles, updated=iso(layout.updated_us))


def _service(request: Request) -> LayoutService:
    return LayoutService(context(request).services.sessions)


def _check_cameras(request: Request, principal: Principal, tiles: list[TileBody | None]) -> None:
    known = {c.id for c in context(request).services.cameras.list()}
    for tile in tiles:
        if tile is None:
            continue
        require(principal, Action.VIEW_CAMERAS, tile.camera_id)
        if tile.camera_id not in known:
            raise HTTPException(422, f"tiles: camera {tile.camera_id} does not exist; GET /api/v1/cameras lists them")


@router.get("/layouts", response_model=list[LayoutOut])
def list_layouts(principal: CurrentPrincipal, request: Request) -> list[LayoutOut]:
    require(principal, Action.VIEW_CAMERAS)
    return [_out(x) for x in _service(request).list(principal.username)]


@router.get("/layouts/{name}", response_model=LayoutOut)
def get_layout(name: LayoutName, principal: CurrentPrincipal, request: Request) -> LayoutOut:
    require(principal, Action.VIEW_CAMERAS)
    try:
        return _out(_service(request).get(principal.username, name))
    except LayoutNotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.put("/layouts/{name}", response_model=LayoutOut)
def put_layout(
    name: LayoutName, body: LayoutBody, principal: CurrentPrincipal, request: Request, response: Response
) -> LayoutOut:
    require(principal, Action.VIEW_CAMERAS)
    _check_cameras(request, principal, body.tiles)
    tiles = tuple(None if t is None else Tile(t.camera_id, t.mode) for t in body.tiles)
    try:
        layout, created = _service(request).put(principal.username, name, body.grid, tiles)
    except ValueError as exc:
        raise HTTPException(422, f"tiles: {exc}") from exc
    response.status_code = 201 if created else 200
    return _out(layout)


@router.delete("/layouts/{name}", status_code=204)
def delete_layout(name: LayoutName, principal: CurrentPrincipal, request: Request) -> Response:
    require(principal, Action.VIEW_CAMERAS)
    try:
        _service(request).delete(principal.username, name)
    except LayoutNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return Response(status_code=204)


def _settings_out(stored: dict[str, Any]) -> UiSettingsBody:
    # Keys that a later version stopped knowing are dropped rather than failing the read.
    return UiSettingsBody.model_validate({k: v for k, v in stored.items() if k in UiSettingsBody.model_fields})


@router.get("/settings/ui", response_model=UiSettingsBody)
def get_ui_settings(principal: CurrentPrincipal, request: Request) -> UiSettingsBody:
    require(principal, Action.VIEW_CAMERAS)
    return _settings_out(_service(request).settings(principal.username))


@router.put("/settings/ui", response_model=UiSettingsBody)
def put_ui_settings(body: UiSettingsBody, principal: CurrentPrincipal, request: Request) -> UiSettingsBody:
    require(principal, Action.VIEW_CAMERAS)
    try:
        stored = _service(request).put_settings(principal.username, body.model_dump(exclude_none=True))
    except LayoutNotFound as exc:
        raise HTTPException(422, str(exc)) from exc
    return _settings_out(stored)
