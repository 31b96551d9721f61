"""Encryption of stored secrets (camera passwords) with the installation's key.

The key lives in ``<data_dir>/secret.key`` (mode 0600), created on first use. Losing it means
re-entering camera passwords, not losing footage.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

__all__ = ["SecretBox", "SecretError"]


class SecretError(Exception):
    """A stored secret cannot be decrypted with this installation's key."""


class SecretBox:
    def __init__(self, key_path: Path) -> None:
        self._key_path = key_path
        self._fernet: Fernet | None = None

    def _load(self) -> Fernet:
        if self._fernet is None:
            if not self._key_path.exists():
                self._key_path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self._key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(Fernet.generate_key())
            self._fernet = Fernet(self._key_path.read_bytes().strip())
        return self._fernet

    def encrypt(self, plaintext: str) -> bytes:
        return self._load().encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._load().decrypt(token).decode()
        except InvalidToken as exc:
            raise SecretError(f"a stored secret does not match the key in {self._key_path}") from exc
