"""Police hand-off tokens and encrypted missing-person profiles, with the installation's real key file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from citywatch.secrets_box import SecretBox
from citywatch.tracking import handoff, services
from citywatch.tracking.demo import seed_demo, seed_demo_profiles
from citywatch.tracking.domain import utcnow
from citywatch.tracking.profiles import Contact, MissingPersonProfile, Place, ProfileStore


def _grant(ttl: timedelta) -> handoff.Handoff:
    now = utcnow().replace(microsecond=0)
    return handoff.Handoff(7, 3, now - timedelta(hours=2), now + ttl, "ops1")


def test_a_token_round_trips_and_reveals_nothing(tmp_path: Path) -> None:
    box = SecretBox(tmp_path / "secret.key")
    grant = _grant(timedelta(hours=6))
    token = handoff.issue(box, grant)
    assert handoff.verify(box, token) == grant
    assert "ops1" not in token and token.isascii()
    with pytest.raises(handoff.HandoffExpired, match="expired at"):
        handoff.verify(box, token, now=grant.expires)


def test_forged_or_foreign_tokens_are_refused(tmp_path: Path) -> None:
    box = SecretBox(tmp_path / "a.key")
    token = handoff.issue(box, _grant(timedelta(hours=1)))
    other = SecretBox(tmp_path / "b.key")
    for bad in (token[:-4] + "AAAA", "not-a-token", "é", ""):
        with pytest.raises(handoff.HandoffInvalid, match="not valid"):
            handoff.verify(box, bad)
    with pytest.raises(handoff.HandoffInvalid):
        handoff.verify(other, token)
    with pytest.raises(ValueError, match="at most 72 hours"):
        handoff.issue(box, _grant(timedelta(days=5)))


def test_profiles_are_stored_encrypted_and_validated(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles", SecretBox(tmp_path / "secret.key"))
    assert store.get(3) is None
    profile = MissingPersonProfile(
        preferred_name="Peggy",
        medication="donepezil",
        places=(Place("Former home", "Lillie Road", 51.483, -0.214),),
        contacts=(Contact("Jane Doe", "daughter", "07700 900123"),),
        updated=utcnow().replace(microsecond=0),
        updated_by="ops1",
    )
    store.put(3, profile)
    assert store.get(3) == profile
    raw = (tmp_path / "profiles" / "3.profile").read_bytes()
    assert b"Peggy" not in raw and b"donepezil" not in raw
    assert (tmp_path / "profiles" / "3.profile").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="both latitude and longitude"):
        MissingPersonProfile(places=(Place("Church", latitude=51.48),))
    with pytest.raises(ValueError, match="contact needs a name"):
        MissingPersonProfile(contacts=(Contact(" "),))


def test_demo_walkers_get_profiles_once(engine: Engine, tmp_path: Path) -> None:
    store = ProfileStore.in_data_dir(tmp_path, SecretBox(tmp_path / "secret.key"))
    with Session(engine) as s:
        seed_demo(s)
        seed_demo_profiles(s, store)
        walker = next(d for d in services.list_devices(s) if d.identifier == "864717003283581")
    first = store.get(walker.id)
    assert first is not None and first.preferred_name == "Peggy" and first.updated_by == "demo"
    with Session(engine) as s:
        seed_demo_profiles(s, store)  # a second run keeps what is there (edits survive)
    assert store.get(walker.id) == first
