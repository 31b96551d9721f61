"""Police hand-off links: an expiring, read-only pass to one device's trail and profile.

The token is the hand-off itself, encrypted and authenticated with the installation's key (Fernet:
AES-128-CBC + HMAC-SHA256), so it needs no table, cannot be forged or altered, and reveals nothing
(not even the device id) to whoever sees the URL. It stops working at ``expires`` or when the key is
replaced; it cannot be revoked one by one — keep ``ttl`` short (hours).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from citywatch.secrets_box import SecretError
from citywatch.tracking.domain import from_us, to_us, utcnow
from citywatch.tracking.errors import TrackingError
from citywatch.tracking.profiles import Cipher

__all__ = ["Handoff", "HandoffExpired", "HandoffInvalid", "issue", "verify"]

MAX_TTL = timedelta(hours=72)


class HandoffInvalid(TrackingError):
    """The link was not issued by this installation or has been altered."""


class HandoffExpired(TrackingError):
    """The link's time is up; ask the control room for a new one."""


@dataclass(frozen=True, slots=True)
class Handoff:
    alert_id: int
    device_id: int
    trail_from: datetime  # the trail shown starts here (UTC)
    expires: datetime
    issued_by: str


def issue(cipher: Cipher, handoff: Handoff) -> str:
    if handoff.expires - utcnow() > MAX_TTL:
        raise ValueError(f"a hand-off link may last at most {MAX_TTL.total_seconds() / 3600:.0f} hours")
    payload = {
        "a": handoff.alert_id,
        "d": handoff.device_id,
        "f": to_us(handoff.trail_from),
        "x": to_us(handoff.expires),
        "by": handoff.issued_by,
    }
    return cipher.encrypt(json.dumps(payload, separators=(",", ":"))).decode("ascii")


def verify(cipher: Cipher, token: str, *, now: datetime | None = None) -> Handoff:
    try:
        data = json.loads(cipher.decrypt(token.encode("ascii")))
        handoff = Handoff(int(data["a"]), int(data["d"]), from_us(data["f"]), from_us(data["x"]), str(data["by"]))
    except (SecretError, UnicodeEncodeError, ValueError, KeyError, TypeError) as exc:
        raise HandoffInvalid("this hand-off link is not valid; ask the control room to share it again") from exc
    if (now or utcnow()) >= handoff.expires:
        raise HandoffExpired(
            f"this hand-off link expired at {handoff.expires:%Y-%m-%d %H:%M} UTC; ask the control room for a new one"
        )
    return handoff
