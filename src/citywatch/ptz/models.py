"""Tables of the PTZ domain (migration 0012). Presets live on the camera (ONVIF); tours and settings here."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from citywatch.store.models import Base

__all__ = ["PtzSettingsRow", "PtzTourRow"]


class PtzSettingsRow(Base):
    """Per-camera arbitration and calibration; a camera without a row uses ``CameraPtzSettings()``'s defaults."""

    __tablename__ = "ptz_settings"

    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True)
    lease_s: Mapped[float] = mapped_column(Float)
    home_on_lapse: Mapped[bool] = mapped_column(Boolean)
    max_reservation_s: Mapped[float] = mapped_column(Float)
    tour_resume_s: Mapped[float] = mapped_column(Float)
    role_priority: Mapped[dict[str, int]] = mapped_column(JSON)
    organisation_bonus: Mapped[dict[str, int]] = mapped_column(JSON)
    hfov_wide_deg: Mapped[float | None] = mapped_column(Float)  # NULL: the camera's fov_deg
    max_zoom: Mapped[float] = mapped_column(Float)
    zoom_law: Mapped[str] = mapped_column(String(16))  # geometric | linear
    tilt_range_deg: Mapped[float] = mapped_column(Float)
    mount_height_m: Mapped[float] = mapped_column(Float)
    updated_us: Mapped[int] = mapped_column(BigInteger)


class PtzTourRow(Base):
    """A patrol through presets: ``steps`` is ``[{"preset": token, "dwell_s": seconds}, …]``."""

    __tablename__ = "ptz_tours"
    __table_args__ = (UniqueConstraint("camera_id", "name", name="uq_ptz_tours_camera_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    steps: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    resume_after_s: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(200))
    created_us: Mapped[int] = mapped_column(BigInteger)
    updated_us: Mapped[int] = mapped_column(BigInteger)
