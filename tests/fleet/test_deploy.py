"""deploy/: the systemd units pass ``systemd-analyze verify``, name commands and options that exist, and are
hardened; the environment examples are settings citywatch accepts.

docker-compose.yml is not checked here: neither ``docker compose`` nor a YAML parser is among this
project's tools (deploy/README.md says how it was checked).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citywatch.config import Settings

DEPLOY = Path(__file__).parents[2] / "deploy"
UNITS = {
    "citywatch-api.service": "citywatch-api.service",
    "citywatch-recorder@.service": "citywatch-recorder@rec-a.service",  # verify an instance of the template
}
CITYWATCH = str(Path(sys.executable).with_name("citywatch"))


def _directives(unit: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / unit).read_text().splitlines():
        if "=" in line and not line.lstrip().startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_units_are_hardened_and_restart_always(unit: str) -> None:
    d = _directives(unit)
    assert d["Restart"] == ["always"]
    assert d["NoNewPrivileges"] == ["yes"]
    assert d["ProtectSystem"] == ["strict"]
    assert d["User"] == ["citywatch"]
    written = " ".join(d["ReadWritePaths"]).split()
    assert all(p.startswith(("/var/lib/citywatch", "/srv/citywatch")) for p in written), written


def test_the_recorder_instance_name_is_the_node_name() -> None:
    exec_start = _directives("citywatch-recorder@.service")["ExecStart"][0]
    assert "--node %i" in exec_start
    assert "/srv/citywatch" in _directives("citywatch-recorder@.service")["ReadWritePaths"][0]


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_the_command_of_each_unit_accepts_its_options(unit: str) -> None:
    argv = shlex.split(_directives(unit)["ExecStart"][0].replace("%i", "rec-a"))
    assert Path(argv[0]).name == "citywatch"
    # --help after the options: an option the command does not have fails (exit 2) before help is shown.
    done = subprocess.run([CITYWATCH, *argv[1:], "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", sorted(UNITS))
def test_systemd_analyze_verify_finds_nothing(unit: str, tmp_path: Path) -> None:
    # The installed path of the command does not exist here: point it at this checkout's, as installed.
    text = (DEPLOY / "systemd" / unit).read_text().replace("/opt/citywatch/venv/bin/citywatch", CITYWATCH)
    copy = tmp_path / UNITS[unit]
    copy.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stdout + done.stderr


def _env_file(name: str) -> dict[str, str]:
    env = {}
    for line in (DEPLOY / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("# CITYWATCH_"):  # the per-node lines shown commented in the shared file
            line = line[2:]
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key] = value
    return env


@pytest.mark.parametrize("name", ["citywatch.env.example", "recorder-rec-a.env.example"])
def test_environment_examples_are_settings_citywatch_reads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env_file(name)
    assert env and all(k.startswith("CITYWATCH_") for k in env)
    for key in [k for k in os.environ if k.startswith("CITYWATCH_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    if "CITYWATCH_MEDIA_DIRS" in env:
        assert len(settings.media_dirs) == 3 and settings.fleet.advertise_url.startswith("http://rec-a")
    if "CITYWATCH_DATABASE_URL" in env:
        assert settings.database_url.startswith("postgresql+psycopg://")
        assert settings.fleet.lease_s == float(env["CITYWATCH_FLEET__LEASE_S"])
        assert settings.retention.default_days == float(env["CITYWATCH_RETENTION__DEFAULT_DAYS"])
    known = {f"CITYWATCH_{k.upper()}" for k in Settings.model_fields}
    assert {k.split("__")[0] for k in env} <= known, "a variable that names no setting is silently ignored"
