"""Unit tests of the pure parts: RTP packetisation, SDP, Digest, scene and loop cache."""

from __future__ import annotations

import base64
import hashlib
import struct
import time
from pathlib import Path

import numpy as np
import pytest

from citywatch.sim.digest import DigestAuth, parse_auth_params
from citywatch.sim.encoder import StreamParams
from citywatch.sim.font import text_mask
from citywatch.sim.rtp import (
    build_frame_template,
    ntp_timestamp,
    packetize_nal,
    relabel_channels,
    render_frame,
    sender_report,
)
from citywatch.sim.scene import StreetScene
from citywatch.sim.sdp import build_sdp
from citywatch.sim.sources import LoopSource
from citywatch.video.sei import make_capture_sei, parse_capture_sei

SPS = bytes.fromhex("6742c01eda0280bfe584000003000400000300ca3c58ba80")
PPS = bytes.fromhex("68ce3c80")


def _blocks(blob: bytes) -> list[tuple[int, bytes]]:
    out, pos = [], 0
    while pos < len(blob):
        assert blob[pos] == 0x24
        length = struct.unpack_from(">H", blob, pos + 2)[0]
        out.append((blob[pos + 1], blob[pos + 4 : pos + 4 + length]))
        pos += 4 + length
    assert pos == len(blob)
    return out


def test_fu_a_fragments_reassemble_to_the_nal_unit() -> None:
    nal = bytes([0x65]) + bytes(range(256)) * 20
    payloads = packetize_nal(nal, mtu=1400)
    assert len(payloads) == 4 and all(len(p) <= 1400 for p in payloads)
    assert [p[0] & 0x1F for p in payloads] == [28] * 4 and payloads[0][0] & 0xE0 == 0x60
    assert payloads[0][1] == 0x85 and payloads[-1][1] == 0x45 and payloads[1][1] == 0x05
    assert bytes([0x65]) + b"".join(p[2:] for p in payloads) == nal
    assert packetize_nal(b"\x41small") == [b"\x41small"]


def test_rendered_frame_has_consecutive_seq_one_timestamp_and_final_marker() -> None:
    slices = [bytes([0x65]) + b"\x11" * 3000]
    template = build_frame_template(slices, True, SPS, PPS)
    sei = make_capture_sei(1_700_000_000_123_456, 42)
    blob, next_seq = render_frame(template, sei, 65534, 123456, 0xDEADBEEF)
    packets = [p for _, p in _blocks(bytes(blob))]
    seqs = [struct.unpack_from(">H", p, 2)[0] for p in packets]
    assert seqs == [65534, 65535, 0, 1, 2, 3] and next_seq == 4  # SPS, PPS, SEI, 3 FU-A
    assert {struct.unpack_from(">II", p, 4) for p in packets} == {(123456, 0xDEADBEEF)}
    assert [p[1] >> 7 for p in packets] == [0, 0, 0, 0, 0, 1]
    assert [p[12] & 0x1F for p in packets[:3]] == [7, 8, 6]  # SPS, PPS, then the SEI
    stamp = parse_capture_sei(packets[2][12:])
    assert stamp is not None and (stamp.capture_us, stamp.frame_no) == (1_700_000_000_123_456, 42)
    assert [ch for ch, _ in _blocks(relabel_channels(bytes(blob), 4))] == [4] * 6


def test_p_frame_template_has_no_parameter_sets() -> None:
    template = build_frame_template([b"\x06\x05junk", b"\x41slice"], False, SPS, PPS)
    blob, _ = render_frame(template, make_capture_sei(0, 1), 0, 0, 1)
    assert [p[12] & 0x1F for _, p in _blocks(bytes(blob))] == [6, 1]
    with pytest.raises(ValueError, match="no slice"):
        build_frame_template([SPS, PPS], True, SPS, PPS)


def test_sender_report_maps_ntp_to_rtp_time() -> None:
    sr = sender_report(0x01020304, 1_700_000_000_500_000, 0xFFFFFFFF + 10, 7, 9000)
    assert len(sr) == 28 and sr[1] == 200 and struct.unpack_from(">H", sr, 2)[0] == 6
    ntp_s, ntp_frac, rtp, packets, octets = struct.unpack_from(">IIIII", sr, 8)
    assert (ntp_s, ntp_frac) == ntp_timestamp(1_700_000_000_500_000)
    assert ntp_s == 1_700_000_000 + 2_208_988_800 and abs(ntp_frac - 2**31) < 5
    assert (rtp, packets, octets) == (9, 7, 9000)


def test_sdp_carries_parameter_sets_and_profile() -> None:
    sdp = build_sdp(session_id=1, name="CAM 1", host="127.0.0.1", sps=SPS, pps=PPS, fps=25)
    assert "a=rtpmap:96 H264/90000" in sdp and "a=control:trackID=0" in sdp
    fmtp = next(line for line in sdp.split("\r\n") if line.startswith("a=fmtp:96"))
    assert "packetization-mode=1" in fmtp and "profile-level-id=42C01E" in fmtp
    sprop = fmtp.split("sprop-parameter-sets=")[1].split(",")
    assert [base64.b64decode(s) for s in sprop] == [SPS, PPS]


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


@pytest.mark.parametrize("qop", [None, "auth"])
def test_digest_accepts_the_right_password_only(qop: str | None) -> None:
    auth = DigestAuth("admin", "s3cret")
    challenge = parse_auth_params(auth.challenge()[7:])
    nonce, uri = challenge["nonce"], "rtsp://127.0.0.1/cam/1"

    def header(password: str) -> str:
        ha1, ha2 = _md5(f"admin:citywatch-sim:{password}"), _md5(f"DESCRIBE:{uri}")
        common = f'Digest username="admin", realm="citywatch-sim", nonce="{nonce}", uri="{uri}"'
        if qop:
            resp = _md5(f"{ha1}:{nonce}:00000001:abc:auth:{ha2}")
            return f'{common}, qop=auth, nc=00000001, cnonce="abc", response="{resp}"'
        return f'{common}, response="{_md5(f"{ha1}:{nonce}:{ha2}")}"'

    assert auth.check("DESCRIBE", header("s3cret"))
    assert not auth.check("DESCRIBE", header("wrong"))
    assert not auth.check("DESCRIBE", header("s3cret").replace(nonce, "0" * 32))
    assert not auth.check("DESCRIBE", None) and not auth.check("DESCRIBE", "Basic YWRtaW46czNjcmV0")


def test_viewport_moves_the_picture_and_is_clamped() -> None:
    scene = StreetScene(320, 180, seed=3)
    a = scene.render(0.0, 0)
    scene.set_viewport(90.0, 0.0, 1.0)
    b = scene.render(0.0, 0)
    assert a.shape == b.shape == (180, 320, 3) and np.abs(a.astype(int) - b.astype(int)).mean() > 10
    vp = scene.set_viewport(270.0, 500.0, 99.0)
    assert vp.pan_deg == -90.0 and vp.zoom == 20.0 and 0 < vp.tilt_deg < 500
    assert scene.render(1.0, 1).shape == (180, 320, 3)


def test_font_renders_known_glyphs() -> None:
    mask = text_mask("CAM 1", 2)
    assert mask.shape == (10, 5 * 8) and mask.any()
    assert not text_mask(" ", 2).any()


def test_loop_is_whole_gops_and_cached(tmp_path: Path) -> None:
    params = StreamParams(128, 72, 10, 200, 1.0)
    first = LoopSource(params, loop_s=1.5, cache_dir=tmp_path)
    assert len(first.templates) == 20
    assert [i for i, t in enumerate(first.templates) if t.keyframe] == [0, 10]
    assert len(list(tmp_path.glob("*.cwloop"))) == 1
    started = time.perf_counter()
    again = LoopSource(params, loop_s=1.5, cache_dir=tmp_path)
    assert time.perf_counter() - started < 0.5
    assert [t.tail for t in again.templates] == [t.tail for t in first.templates]
    assert again.template(23) is again.templates[3]
