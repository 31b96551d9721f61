"""Shared fixtures. Tests use real sockets on 127.0.0.1, real files and real clients."""

from __future__ import annotations

import shutil

import pytest


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool fails the test loudly (``make test`` installs them)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test`, which installs it from Debian's packages")
    return path
