"""RTSP 1.0 conformance of the server, checked with a raw socket client."""

from __future__ import annotations

import struct
import time

from citywatch.sim.network import CameraNetwork
from citywatch.sim.rtp import ntp_timestamp

from .rtsp_client import RtspClient


def test_options_echoes_cseq_and_lists_methods(network: CameraNetwork) -> None:
    client = RtspClient(network.urls[1])
    try:
        response = client.request("OPTIONS", "*")
        assert response.status == 200 and response.header("CSeq") == "1"
        assert {"DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER"} <= {
            m.strip() for m in response.header("Public").split(",")
        }
    finally:
        client.close()


def test_error_answers(network: CameraNetwork) -> None:
    base = network.urls[1]
    client = RtspClient(base)
    try:
        assert client.request("DESCRIBE", base.replace("/cam/2", "/cam/99")).status == 404
        assert client.request("DESCRIBE", base.replace("/cam/2", "/nope")).status == 404
        assert client.request("FLY").status == 501
        assert client.request("RECORD").status == 405
        assert client.request("PLAY", headers={"Session": "feedface"}).status == 454
        assert client.request("GET_PARAMETER", headers={"Session": "feedface"}).status == 454
        udp = client.request("SETUP", base + "/trackID=0", {"Transport": "RTP/AVP;unicast;client_port=5000-5001"})
        assert udp.status == 461
        assert network.camera(2).sessions == 0
        client.send_raw(b"OPTIONS * RTSP/1.0\r\n\r\n")  # no CSeq
        assert client.read_response().status == 400
    finally:
        client.close()


def test_describe_setup_play_delivers_keyframe_first_with_stamps(network: CameraNetwork) -> None:
    client = RtspClient(network.urls[2])
    try:
        describe = client.request("DESCRIBE")
        assert describe.header("Content-Type") == "application/sdp"
        assert describe.header("Content-Base") == network.urls[2] + "/"
        sdp = describe.body.decode()
        assert "sprop-parameter-sets=" in sdp and "profile-level-id=" in sdp and "packetization-mode=1" in sdp
        setup = client.request("SETUP", network.urls[2] + "/trackID=0", {"Transport": "RTP/AVP/TCP;interleaved=0-1"})
        assert setup.status == 200 and setup.header("Session").endswith(";timeout=60")
        assert "interleaved=0-1" in setup.header("Transport")
        client.session = setup.header("Session").split(";")[0]
        assert network.camera(3).sessions == 1
        play = client.request("PLAY", network.urls[2] + "/")
        assert play.status == 200 and play.header("Session") == client.session
        assert play.header("Range") == "npt=now-"
        info = dict(kv.split("=", 1) for kv in play.header("RTP-Info").split(";"))
        au, packets = client.read_access_unit()
        assert (packets[0].seq, packets[0].timestamp) == (int(info["seq"]), int(info["rtptime"]))
        assert au.nal_types[:3] == [7, 8, 6] and 5 in au.nal_types
        assert all(len(p.payload) <= 1400 for p in packets) and [p.marker for p in packets][-1]
        units = [au] + [client.read_access_unit()[0] for _ in range(30)]
        seqs = [p.seq for p in packets]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        stamps = [u.stamp for u in units]
        assert all(s is not None for s in stamps)
        frame_nos = [s.frame_no for s in stamps if s]
        assert frame_nos == list(range(frame_nos[0], frame_nos[0] + 31))
        for unit in units[1:]:
            assert unit.nal_types[0] == 6 or unit.nal_types[:3] == [7, 8, 6]
            assert (unit.timestamp - units[0].timestamp) % 2**32 == (unit.stamp.frame_no - frame_nos[0]) * 3600  # type: ignore[union-attr]
        lag_ms = [(u.received_us - u.stamp.capture_us) / 1000 for u in units if u.stamp]
        assert max(abs(x) for x in lag_ms) < 100, lag_ms
        assert client.request("GET_PARAMETER").status == 200
        sent = network.camera(3).frames_sent
        assert sent >= 31 and network.camera(3).bytes_sent > 0
        assert client.request("TEARDOWN").status == 200
        assert network.camera(3).sessions == 0
    finally:
        client.close()


def test_sender_report_matches_the_capture_clock(network: CameraNetwork) -> None:
    client = RtspClient(network.urls[3])
    try:
        client.setup_and_play(channel=4)
        units = [client.read_access_unit()[0] for _ in range(3)]
        assert client.rtcp, "expected an RTCP sender report with the first frame"
        sr = client.rtcp[0]
        assert sr[1] == 200
        ntp_s, ntp_frac, rtp_time = struct.unpack_from(">III", sr, 8)
        ref = units[0]
        assert ref.stamp is not None
        expected_us = ref.stamp.capture_us + ((rtp_time - ref.timestamp) % 2**32) * 1_000_000 // 90_000
        want_s, want_frac = ntp_timestamp(expected_us)
        assert abs((ntp_s - want_s) * 2**32 + ntp_frac - want_frac) < 2**32 // 1000  # within 1 ms
    finally:
        client.close()


def test_many_clients_on_one_camera_and_session_counter(network: CameraNetwork) -> None:
    clients = [RtspClient(network.urls[4]) for _ in range(4)]
    try:
        for c in clients:
            c.setup_and_play()
        assert network.camera(5).sessions == 4
        firsts = [c.read_access_unit()[0] for c in clients]
        assert all(5 in u.nal_types for u in firsts)
        ssrcs = {c.read_packet().ssrc for c in clients}
        assert len(ssrcs) == 1
    finally:
        for c in clients:
            c.close()
    deadline = time.monotonic() + 2
    while network.camera(5).sessions and time.monotonic() < deadline:
        time.sleep(0.02)
    assert network.camera(5).sessions == 0


def test_idle_sessions_are_reaped(loop_cache: object) -> None:
    net = CameraNetwork(1, width=320, height=180, loop_s=2.0, session_timeout_s=1, cache_dir=loop_cache)  # type: ignore[arg-type]
    with net.running_in_thread():
        client = RtspClient(net.urls[0])
        try:
            setup = client.request("DESCRIBE")
            setup = client.request("SETUP", net.urls[0] + "/trackID=0", {"Transport": "RTP/AVP/TCP;interleaved=0-1"})
            assert setup.header("Session").endswith(";timeout=1")
            assert net.camera(1).sessions == 1
            deadline = time.monotonic() + 4
            while net.camera(1).sessions and time.monotonic() < deadline:
                time.sleep(0.05)
            assert net.camera(1).sessions == 0
        finally:
            client.close()
