"""Missing-person profiles (the Herbert Protocol form): what police need when a wearer goes missing.

This is special-category data (health, photographs), so it is stored encrypted with the installation's
key, one file per device under ``<data_dir>/tracking/profiles/``, never in the trail tables, and only
read through the API where every read is audited. Files are replaced atomically (write, fsync, rename).
A database table (``tracking_profiles``: device id, encrypted blob, updated, updated by) would let
several API nodes share them; the store's interface stays the same.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from citywatch.tracking.domain import from_us, to_us

__all__ = ["Cipher", "Contact", "MissingPersonProfile", "Place", "ProfileStore"]

_MAX_TEXT = 4000


class Cipher(Protocol):
    """What the store needs from the installation's secret box."""

    def encrypt(self, plaintext: str) -> bytes: ...

    def decrypt(self, token: bytes) -> str: ...


@dataclass(frozen=True, slots=True)
class Place:
    """A place of significance: a former home, a workplace, a church, a favourite café."""

    name: str
    note: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    relationship: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class MissingPersonProfile:
    """The Herbert Protocol fields. ``photo_ref`` names a photo (a URL or an evidence reference)."""

    preferred_name: str = ""
    description: str = ""  # height, build, hair, clothing usually worn
    photo_ref: str = ""
    conditions: str = ""
    medication: str = ""
    routines: str = ""
    languages: str = ""
    places: tuple[Place, ...] = ()
    contacts: tuple[Contact, ...] = ()
    notes: str = ""
    updated: datetime | None = None
    updated_by: str = ""

    def __post_init__(self) -> None:
        for name in ("preferred_name", "description", "photo_ref", "conditions", "medication", "routines", "notes"):
            if len(getattr(self, name)) > _MAX_TEXT:
                raise ValueError(f"{name} is longer than {_MAX_TEXT} characters; shorten it")
        for p in self.places:
            if not p.name.strip():
                raise ValueError("every place of significance needs a name")
            if (p.latitude is None) != (p.longitude is None):
                raise ValueError(f"place {p.name!r}: give both latitude and longitude, or neither")
        if any(not c.name.strip() for c in self.contacts):
            raise ValueError("every contact needs a name")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["updated"] = to_us(self.updated) if self.updated else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MissingPersonProfile:
        fields = dict(data)
        fields["places"] = tuple(Place(**p) for p in data.get("places", ()))
        fields["contacts"] = tuple(Contact(**c) for c in data.get("contacts", ()))
        updated = data.get("updated")
        fields["updated"] = from_us(int(updated)) if updated is not None else None
        return cls(**fields)


@dataclass(slots=True)
class ProfileStore:
    root: Path
    cipher: Cipher
    _mode: int = field(default=0o600)

    @classmethod
    def in_data_dir(cls, data_dir: Path, cipher: Cipher) -> ProfileStore:
        """The installation's store: the API and the demo must agree on where profiles live."""
        return cls(data_dir / "tracking" / "profiles", cipher)

    def _path(self, device_id: int) -> Path:
        return self.root / f"{int(device_id)}.profile"

    def get(self, device_id: int) -> MissingPersonProfile | None:
        path = self._path(device_id)
        try:
            token = path.read_bytes()
        except FileNotFoundError:
            return None
        return MissingPersonProfile.from_json(json.loads(self.cipher.decrypt(token)))

    def put(self, device_id: int, profile: MissingPersonProfile) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self._path(device_id)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, self._mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.cipher.encrypt(json.dumps(profile.to_json())))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
