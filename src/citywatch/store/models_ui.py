"""Per-user state of the control-room web app: saved video-wall layouts and UI settings.

Rows are keyed by ``username`` for now (sign-in names are unique); when users get ids a column joins it.
Tiles and settings are JSON: the server validates their shape at the API, the database only stores them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import Base

__all__ = ["SavedLayout", "UiSettingsRow"]


class SavedLayout(Base):
    """One named wall layout of one user: grid size and, per tile, a camera and its mode (or an empty tile)."""

    __tablename__ = "ui_layouts"
    __table_args__ = (UniqueConstraint("username", "name", name="uq_ui_layouts_username_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(100))
    grid: Mapped[int] = mapped_column(Integer)
    tiles: Mapped[list[Any]] = mapped_column(JSON)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class UiSettingsRow(Base):
    """One user's UI settings document (tile server override, default layout, …)."""

    __tablename__ = "ui_settings"

    username: Mapped[str] = mapped_column(String(200), primary_key=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_us: Mapped[int] = mapped_column(BigInteger)
