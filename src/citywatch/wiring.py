"""Settings → adapters → services, in one place. Nothing here runs at import time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from citywatch.config import Settings
from citywatch.secrets_box import SecretBox
from citywatch.store.db import make_engine, make_sessionmaker, upgrade
from citywatch.video.cameras import CameraService

__all__ = ["Services", "build_services"]


@dataclass(slots=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    secrets: SecretBox
    cameras: CameraService

    def close(self) -> None:
        self.engine.dispose()


def build_services(settings: Settings, *, migrate: bool = True) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    if migrate:
        upgrade(engine)
    sessions = make_sessionmaker(engine)
    secrets = SecretBox(settings.secret_key_path)
    cameras = CameraService(sessions, secrets, settings.camera_allowed_networks)
    return Services(settings, engine, sessions, secrets, cameras)
