"""Saved video-wall layouts and UI settings per user: the use cases behind ``/api/v1/layouts`` and ``/settings/ui``.

A layout is what an operator wants back after a shift change: grid size and, per tile, a camera and whether
it shows live or recorded video. Stored per user so that one operator's layouts never change another's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from citywatch.store.models_ui import SavedLayout, UiSettingsRow
from citywatch.timeutil import now_us

__all__ = ["GRID_SIZES", "Layout", "LayoutNotFound", "LayoutService", "Tile", "TileMode"]

GRID_SIZES = (1, 4, 9, 16)
TileMode = Literal["live", "playback"]


class LayoutNotFound(LookupError):
    """No layout of that name for this user."""


@dataclass(frozen=True, slots=True)
class Tile:
    camera_id: int
    mode: TileMode = "live"


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    grid: int
    tiles: tuple[Tile | None, ...]
    updated_us: int


def _tiles_json(tiles: tuple[Tile | None, ...]) -> list[dict[str, Any] | None]:
    return [None if t is None else {"camera_id": t.camera_id, "mode": t.mode} for t in tiles]


def _layout(row: SavedLayout) -> Layout:
    tiles = tuple(None if t is None else Tile(int(t["camera_id"]), t.get("mode", "live")) for t in row.tiles)
    return Layout(row.name, row.grid, tiles, row.updated_us)


class LayoutService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list(self, username: str) -> list[Layout]:
        with self._sessions() as s:
            rows = s.scalars(select(SavedLayout).where(SavedLayout.username == username).order_by(SavedLayout.name))
            return [_layout(r) for r in rows]

    def get(self, username: str, name: str) -> Layout:
        with self._sessions() as s:
            row = self._row(s, username, name)
            if row is None:
                raise LayoutNotFound(f"you have no layout named {name!r}; GET /api/v1/layouts lists yours")
            return _layout(row)

    def put(self, username: str, name: str, grid: int, tiles: tuple[Tile | None, ...]) -> tuple[Layout, bool]:
        """Creates or replaces; returns the layout and whether it is new. Tiles are padded to the grid."""
        if grid not in GRID_SIZES:
            raise ValueError(f"grid must be one of {GRID_SIZES}, not {grid}")
        if len(tiles) > grid:
            raise ValueError(f"{len(tiles)} tiles do not fit a grid of {grid}")
        padded = tiles + (None,) * (grid - len(tiles))
        with self._sessions.begin() as s:
            row = self._row(s, username, name)
            created = row is None
            if row is None:
                row = SavedLayout(username=username, name=name)
                s.add(row)
            row.grid = grid
            row.tiles = _tiles_json(padded)
            row.updated_us = now_us()
            s.flush()
            return _layout(row), created

    def delete(self, username: str, name: str) -> None:
        """Deletes the layout, and clears it as the user's default layout if it was."""
        with self._sessions.begin() as s:
            row = self._row(s, username, name)
            if row is None:
                raise LayoutNotFound(f"you have no layout named {name!r}; GET /api/v1/layouts lists yours")
            s.delete(row)
            settings = s.get(UiSettingsRow, username)
            if settings is not None and settings.settings.get("default_layout") == name:
                settings.settings = {k: v for k, v in settings.settings.items() if k != "default_layout"}
                settings.updated_us = now_us()

    def settings(self, username: str) -> dict[str, Any]:
        with self._sessions() as s:
            row = s.get(UiSettingsRow, username)
            return dict(row.settings) if row is not None else {}

    def put_settings(self, username: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Replaces the user's settings document; a named default layout must exist."""
        default = settings.get("default_layout")
        with self._sessions.begin() as s:
            if default is not None and self._row(s, username, default) is None:
                raise LayoutNotFound(f"default_layout: you have no layout named {default!r}; save it first")
            row = s.get(UiSettingsRow, username)
            if row is None:
                row = UiSettingsRow(username=username)
                s.add(row)
            row.settings = dict(settings)
            row.updated_us = now_us()
            return dict(row.settings)

    @staticmethod
    def _row(s: Session, username: str, name: str) -> SavedLayout | None:
        return s.scalar(select(SavedLayout).where(SavedLayout.username == username, SavedLayout.name == name))
