"""Key rotation keeps old bundles verifiable; ``citywatch evidence export`` makes a bundle that verifies."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from citywatch.evidence.cli import app
from citywatch.evidence.keys import KeyRing
from citywatch.evidence.verify import verify_bundle
from citywatch.timeutil import iso
from tests.evidence.bundles import export
from tests.playback_fixtures import Recorded


def _cli(*args: str, database: str = "") -> Result:
    """The real command, run in this process (the entry point itself is tested in test_bundle.py)."""
    return CliRunner(env={"CITYWATCH_DATABASE_URL": database}).invoke(app, list(args))


def test_rotation_keeps_earlier_keys_listed_and_their_bundles_valid(recorded: Recorded, tmp_path: Path) -> None:
    ring = KeyRing(recorded.services.settings.data_dir / "evidence" / "keys")
    start = recorded.run1_start_us + 1_000_000
    old = export(recorded.services, tmp_path / "old", start, start + 3_000_000)
    new_id = ring.rotate()
    new = export(recorded.services, tmp_path / "new", start, start + 3_000_000)
    assert old.key_id != new_id and new.key_id == new_id
    keys = {k.key_id: k for k in ring.public_keys()}
    assert not keys[old.key_id].current and keys[old.key_id].retired_utc and keys[new_id].current
    assert verify_bundle(old.folder).ok and verify_bundle(new.folder).ok
    pinned = tmp_path / "old.pem"
    pinned.write_text(keys[old.key_id].public_key_pem)
    assert _cli("verify", str(old.folder), "--key", str(pinned)).exit_code == 0
    refused = _cli("verify", str(new.folder), "--key", str(pinned))
    assert refused.exit_code == 1 and "not one of the trusted keys" in refused.output
    listed = _cli("keys", "list", "--data-dir", str(recorded.settings.data_dir))
    assert old.key_id in listed.output and new_id in listed.output


def test_command_line_export_makes_a_bundle_that_verifies(recorded: Recorded, tmp_path: Path) -> None:
    out = tmp_path / "bundle.zip"
    done = _cli(
        "export", "--camera", "1", "--start", iso(recorded.run1_start_us + 2_000_000),
        "--end", iso(recorded.run1_start_us + 25_000_000), "--justification", "CAD 4411",
        "--reference", "01/12345/25", "--out", str(out), "--data-dir", str(recorded.settings.data_dir),
        database=recorded.settings.database_url,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "bundle " in done.output and out.exists()
    assert verify_bundle(out).ok
    assert _cli("verify", str(out)).exit_code == 0
    bad = _cli("export", "--camera", "1", "--start", "2020-01-01T00:00:00Z", "--end", "2020-01-01T00:01:00Z",
               "--justification", "x", "--data-dir", str(recorded.settings.data_dir),
               database=recorded.settings.database_url)  # fmt: skip
    assert bad.exit_code == 1 and "nothing was recorded" in bad.output
