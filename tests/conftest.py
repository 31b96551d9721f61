"""Shared fixtures. Tests use real sockets on 127.0.0.1, real files and real clients."""

from __future__ import annotations

import os
import shutil

import pytest

# Tests sign in as the built-in admin with a password only, as the demo does; the tests of MFA
# itself (tests/access) turn this off for the installations they make.
os.environ.setdefault("CITYWATCH_ADMIN_MFA_EXEMPT", "true")


def require_tool(name: str) -> str:
    """Path of an external tool; a missing tool fails the test loudly (``make test`` installs them)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test`, which installs it from Debian's packages")
    return path
