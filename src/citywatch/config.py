"""Settings: defaults, then a TOML file, then ``CITYWATCH_*`` environment variables.

One object read once at start-up and handed down; nothing reads the environment elsewhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = ["FleetSettings", "OidcSettings", "RecorderSettings", "RetentionSettings", "Settings", "load_settings"]


class RecorderSettings(BaseModel):
    ingest: Literal["native", "ffmpeg"] = Field(
        default="native", description="RTSP client: the recorder's own (default) or FFmpeg's through PyAV"
    )
    workers: int = Field(default=0, description="worker processes; 0 = one per CPU core, at most 4")
    file_duration_s: float = Field(default=60.0, gt=1)
    live_part_ms: float = Field(
        default=200.0, ge=0, description="live view sends GOPs in parts of this length (0: whole GOPs)"
    )
    reconnect_max_backoff_s: float = Field(default=2.0, gt=0)
    offline_alarm_after_s: float = Field(default=60.0, gt=0)
    connect_stagger_ms: int = Field(default=20, ge=0)
    rtsp_timeout_s: float = Field(default=5.0, gt=0)
    motion: bool = Field(default=True, description="detect motion on keyframes (video/motion.py) for the timeline")
    motion_level: float = Field(default=18.0, gt=0, lt=255, description="grey levels a picture cell must change by")
    motion_min_area: float = Field(
        default=0.004, gt=0, le=1, description="fraction of the picture that must change to count as motion"
    )


class RetentionSettings(BaseModel):
    default_days: float = Field(default=31.0, gt=0)
    min_free_bytes: int = Field(default=2 * 1024**3, ge=0, description="global free-space floor")
    free_alarm_bytes: int = Field(default=4 * 1024**3, ge=0, description="alarm below this much free space")
    interval_s: float = Field(default=30.0, gt=0)


class FleetSettings(BaseModel):
    """Recorder nodes sharing one PostgreSQL (docs/design/fleet.md); off while ``node`` is empty."""

    node: str = Field(default="", description="this recorder node's name; empty: single-node mode, no leases")
    lease_s: float = Field(default=15.0, gt=0, description="a camera lease not renewed for this long is free")
    renew_s: float = Field(default=5.0, gt=0, description="how often a node renews its leases and heartbeat")
    media_listen: str = Field(default="127.0.0.1:0", description="host:port of this node's media server")
    advertise_url: str = Field(default="", description="how the API reaches this node's media server")
    secret_file: Path | None = Field(default=None, description="shared node/API secret (default DATA_DIR/fleet.key)")

    @property
    def enabled(self) -> bool:
        return bool(self.node)


class OidcSettings(BaseModel):
    """One OpenID Connect provider (e.g. a police force's); off unless ``issuer`` is set."""

    issuer: str = Field(default="", description="issuer URL; discovery at ISSUER/.well-known/openid-configuration")
    client_id: str = ""
    client_secret: str = ""
    scopes: str = "openid profile email"
    label: str = Field(default="Sign in with your organisation", description="the button on the sign-in screen")
    organisation: str = Field(default="", description="citywatch organisation whose people sign in this way")
    username_claim: str = "preferred_username"
    auto_create: bool = Field(default=False, description="create unknown people with default_role")
    default_role: str = "police_investigator"
    trust_provider_mfa: bool = Field(default=False, description="accept sign-ins without an amr second factor")

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)


class Settings(BaseSettings):
    """Everything an installation can change. Units are in the names."""

    model_config = SettingsConfigDict(env_prefix="CITYWATCH_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("./citywatch-data")
    database_url: str = ""
    media_dirs: list[Path] = Field(default_factory=list)
    bind_host: str = "127.0.0.1"
    port: int = 8000
    admin_password: str | None = None
    session_idle_s: float = Field(default=2 * 3600, gt=0, description="sign-in ends after this long unused")
    session_absolute_s: float = Field(default=12 * 3600, gt=0, description="sign-in ends this long after login")
    mfa_roles: list[str] = Field(
        default_factory=lambda: ["police_investigator", "police_emergency", "admin"],
        description="roles that must sign in with an authenticator code (TOTP)",
    )
    admin_mfa_exempt: bool = Field(
        default=False, description="let the built-in admin sign in without MFA (the demo only; never in service)"
    )
    signin_notice: str = Field(default="", description="a line shown on the sign-in screen")
    operator_organisation: str = Field(
        default="Council CCTV control room", description="the network operator's organisation, made at first start"
    )
    web_dist: Path | None = Field(default=None, description="built web app (default: web/dist in the checkout)")
    oidc: OidcSettings = Field(default_factory=OidcSettings)
    recorder: RecorderSettings = Field(default_factory=RecorderSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    fleet: FleetSettings = Field(default_factory=FleetSettings)
    camera_allowed_networks: list[str] = Field(
        default_factory=lambda: ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
        description="networks a camera URL may point at",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'citywatch.db').resolve()}"

    @property
    def effective_media_dirs(self) -> list[Path]:
        return [p.resolve() for p in self.media_dirs] or [(self.data_dir / "media").resolve()]

    @property
    def secret_key_path(self) -> Path:
        return self.data_dir / "secret.key"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings; ``CITYWATCH_CONFIG`` names the TOML file when ``config_file`` is not given."""
    values: dict[str, Any] = {}
    path = config_file or (Path(os.environ["CITYWATCH_CONFIG"]) if "CITYWATCH_CONFIG" in os.environ else None)
    if path is not None:
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValueError(f"settings file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"settings file {path} is not valid TOML: {exc}") from exc
    env_keys = {k[len("CITYWATCH_") :].lower().split("__")[0] for k in os.environ if k.startswith("CITYWATCH_")}
    for key in env_keys:
        values.pop(key, None)  # the environment wins over the file
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
