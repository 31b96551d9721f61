"""The SDP a DESCRIBE answers with (RFC 4566, RFC 6184 §8.2.1).

Clients such as FFmpeg configure their decoder from ``sprop-parameter-sets`` before the first
keyframe arrives, so the SPS/PPS here must be the ones the stream carries in-band.
"""

from __future__ import annotations

import base64

from citywatch.sim.rtp import CLOCK_RATE, PAYLOAD_TYPE

__all__ = ["TRACK_CONTROL", "build_sdp"]

TRACK_CONTROL = "trackID=0"


def build_sdp(*, session_id: int, name: str, host: str, sps: bytes, pps: bytes, fps: int) -> str:
    """One H.264 video track, packetization-mode 1 (single NAL unit and FU-A packets)."""
    sprop = ",".join(base64.b64encode(p).decode("ascii") for p in (sps, pps))
    profile_level_id = sps[1:4].hex().upper()
    lines = [
        "v=0",
        f"o=- {session_id} 1 IN IP4 {host}",
        f"s={name}",
        "c=IN IP4 0.0.0.0",
        "t=0 0",
        "a=tool:citywatch-sim",
        "a=range:npt=now-",
        "a=control:*",
        f"m=video 0 RTP/AVP {PAYLOAD_TYPE}",
        f"a=rtpmap:{PAYLOAD_TYPE} H264/{CLOCK_RATE}",
        f"a=fmtp:{PAYLOAD_TYPE} packetization-mode=1;profile-level-id={profile_level_id};sprop-parameter-sets={sprop}",
        f"a=framerate:{fps}",
        f"a=control:{TRACK_CONTROL}",
    ]
    return "\r\n".join(lines) + "\r\n"
