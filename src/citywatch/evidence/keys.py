"""The installation's Ed25519 signing keys, kept in ``data_dir/evidence/keys``.

The first export generates a key; rotation makes a new current key and keeps every earlier public
key listed (``keys.json``), so bundles signed years ago still verify against the published list.
Private keys are PKCS#8 PEM files readable by the service user only; they never leave this folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from citywatch.timeutil import iso, now_us

__all__ = ["KeyRing", "PublicKeyInfo", "key_id_of", "public_pem"]


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    key_id: str
    public_key_pem: str
    created_utc: str
    retired_utc: str | None

    @property
    def current(self) -> bool:
        return self.retired_utc is None


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def key_id_of(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key: short enough to read aloud."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class KeyRing:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._lock = threading.Lock()

    @property
    def _list_path(self) -> Path:
        return self._folder / "keys.json"

    def _load(self) -> list[PublicKeyInfo]:
        if not self._list_path.exists():
            return []
        raw = json.loads(self._list_path.read_text())
        return [PublicKeyInfo(**item) for item in raw["keys"]]

    def _save(self, keys: list[PublicKeyInfo]) -> None:
        tmp = self._list_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": [_as_dict(k) for k in keys]}, indent=2))
        os.replace(tmp, self._list_path)

    def _new_key(self, keys: list[PublicKeyInfo]) -> tuple[str, Ed25519PrivateKey]:
        self._folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        key_id = key_id_of(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(self._folder / f"{key_id}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        now = iso(now_us())
        keys = [PublicKeyInfo(k.key_id, k.public_key_pem, k.created_utc, k.retired_utc or now) for k in keys]
        keys.append(PublicKeyInfo(key_id, public_pem(private.public_key()), now, None))
        self._save(keys)
        return key_id, private

    def current(self) -> tuple[str, Ed25519PrivateKey]:
        """The signing key, generated on first use."""
        with self._lock:
            keys = self._load()
            live = [k for k in keys if k.current]
            if not live:
                return self._new_key(keys)
            key_id = live[-1].key_id
            private = serialization.load_pem_private_key((self._folder / f"{key_id}.pem").read_bytes(), None)
            if not isinstance(private, Ed25519PrivateKey):
                raise RuntimeError(f"signing key {key_id} is not an Ed25519 key; rotate the key")
            return key_id, private

    def rotate(self) -> str:
        """Make a new current key; earlier public keys stay listed (retired)."""
        with self._lock:
            key_id, _private = self._new_key(self._load())
            return key_id

    def public_keys(self) -> list[PublicKeyInfo]:
        with self._lock:
            return self._load()


def _as_dict(info: PublicKeyInfo) -> dict[str, str | None]:
    return {
        "key_id": info.key_id,
        "public_key_pem": info.public_key_pem,
        "created_utc": info.created_utc,
        "retired_utc": info.retired_utc,
    }
