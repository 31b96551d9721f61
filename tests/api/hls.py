"""Reading back what the API serves: HLS playlists, byte ranges, and the frames inside them."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import av
import httpx
import numpy as np

from citywatch.timeutil import parse_iso
from citywatch.video.h264 import avcc_nal_units
from citywatch.video.sei import find_capture_stamp


@dataclass
class HlsSegment:
    uri: str
    offset: int
    size: int
    duration_s: float
    program_date_us: int
    discontinuity: bool
    map_uri: str
    map_size: int


@dataclass
class Playlist:
    start_offset_s: float | None
    target_duration: int
    segments: list[HlsSegment] = field(default_factory=list)
    ended: bool = False
    media_sequence: int = 0


def parse_playlist(text: str) -> Playlist:
    lines = text.strip().splitlines()
    assert lines[0] == "#EXTM3U"
    pl = Playlist(None, 0)
    map_uri, map_size = "", 0
    pending: dict[str, object] = {}
    for line in lines[1:]:
        if line.startswith("#EXT-X-START:"):
            pl.start_offset_s = float(line.split("TIME-OFFSET=")[1].split(",")[0])
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            pl.target_duration = int(line.split(":")[1])
        elif line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            pl.media_sequence = int(line.split(":")[1])
        elif line.startswith("#EXT-X-MAP:"):
            attrs = line[len("#EXT-X-MAP:") :]
            map_uri = attrs.split('URI="')[1].split('"')[0]
            size, _, offset = attrs.split('BYTERANGE="')[1].split('"')[0].partition("@")
            assert offset == "0"
            map_size = int(size)
        elif line == "#EXT-X-DISCONTINUITY":
            pending["discontinuity"] = True
        elif line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            pending["pdt"] = parse_iso(line.split(":", 1)[1])
        elif line.startswith("#EXTINF:"):
            pending["duration"] = float(line.split(":")[1].rstrip(","))
        elif line.startswith("#EXT-X-BYTERANGE:"):
            size, _, offset = line.split(":")[1].partition("@")
            pending["range"] = (int(offset), int(size))
        elif line == "#EXT-X-ENDLIST":
            pl.ended = True
        elif line and not line.startswith("#"):
            offset, size = pending["range"]  # type: ignore[misc]
            pl.segments.append(
                HlsSegment(
                    line,
                    offset,
                    size,
                    pending["duration"],  # type: ignore[arg-type]
                    pending["pdt"],  # type: ignore[arg-type]
                    bool(pending.get("discontinuity")),
                    map_uri,
                    map_size,
                )
            )
            pending = {}
    return pl


def get_range(client: httpx.Client, uri: str, offset: int, size: int) -> bytes:
    r = client.get(uri, headers={"Range": f"bytes={offset}-{offset + size - 1}"})
    assert r.status_code == 206, r.text
    assert len(r.content) == size
    return r.content


def media_bytes(client: httpx.Client, segments: list[HlsSegment]) -> bytes:
    """The init segment of the first segment followed by the segments' bytes, as a player appends them."""
    first = segments[0]
    out = [get_range(client, first.map_uri, 0, first.map_size)]
    out += [get_range(client, s.uri, s.offset, s.size) for s in segments]
    return b"".join(out)


@dataclass
class DecodedFrame:
    pts_90k: int
    capture_us: int | None
    frame_no: int | None
    mean_luma: float


def mean_luma(frame: av.VideoFrame) -> float:
    plane = frame.planes[0]
    rows = np.frombuffer(bytes(plane), dtype=np.uint8).reshape(frame.height, plane.line_size)
    return float(rows[:, : frame.width].mean())


def decode(blob: bytes) -> list[DecodedFrame]:
    stamps: dict[int, tuple[int, int]] = {}
    out: list[DecodedFrame] = []
    with av.open(io.BytesIO(blob), mode="r", format="mp4") as container:
        stream = container.streams.video[0]
        for packet in container.demux(stream):
            if packet.pts is not None and packet.size:
                stamp = find_capture_stamp(avcc_nal_units(bytes(packet)))
                if stamp is not None:
                    stamps[int(packet.pts)] = (stamp.capture_us, stamp.frame_no)
            for frame in packet.decode():
                capture, number = stamps.get(int(frame.pts), (None, None))
                out.append(DecodedFrame(int(frame.pts), capture, number, mean_luma(frame)))
    return out
