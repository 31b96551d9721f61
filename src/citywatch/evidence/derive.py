"""Working copies: a master transcoded for easy playback, times burned in, optional redaction boxes.

A working copy is a new exhibit: its own file and hash, ``derived_from`` the master's SHA-256 and
the list of steps applied, so a court can see exactly how it differs from the master. The master
is only read. Burned-in times come from the master's fragment times (UTC from the recorder), not
from the decoder's clock, and the local time is shown with its offset.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

from citywatch.evidence.errors import EvidenceError
from citywatch.evidence.localtime import local_iso
from citywatch.sim.font import draw_text
from citywatch.timeutil import iso

__all__ = ["Redaction", "WorkingCopy", "make_working_copy", "utc_at"]

_CRF = 20
_PRESET = "veryfast"


@dataclass(frozen=True, slots=True)
class Redaction:
    """A box blacked out in every frame, in pixels of the master's picture."""

    x: int
    y: int
    width: int
    height: int

    def as_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class WorkingCopy:
    sha256: str
    size_bytes: int
    frames: int
    steps: list[dict[str, Any]]


def utc_at(fragments: list[tuple[int, int]], media_90k: int) -> int:
    """UTC time (µs) of a media instant, from the fragment it falls in."""
    base_90k, base_us = fragments[0]
    for offset_90k, utc_us in fragments:
        if offset_90k > media_90k:
            break
        base_90k, base_us = offset_90k, utc_us
    return base_us + (media_90k - base_90k) * 1_000_000 // 90_000


def _label(utc_us: int) -> tuple[str, str]:
    utc = iso(utc_us)[:23].replace("T", " ") + " UTC"
    local = local_iso(utc_us)
    return utc, f"{local[:10]} {local[11:23]} LONDON {local[-6:]}"


def _burn(frame: av.VideoFrame, utc_us: int, camera: str, boxes: list[Redaction]) -> av.VideoFrame:
    planes: npt.NDArray[np.uint8] = np.asarray(frame.to_ndarray(format="yuv420p"), dtype=np.uint8)
    height, width = frame.height, frame.width
    luma = planes[:height]
    for b in boxes:
        luma[b.y : b.y + b.height, b.x : b.x + b.width] = 16
        chroma = planes[height:].reshape(2, height // 2, width // 2)
        chroma[:, b.y // 2 : (b.y + b.height + 1) // 2, b.x // 2 : (b.x + b.width + 1) // 2] = 128
    scale = max(1, height // 240)
    utc, local = _label(utc_us)
    for row, text in enumerate((camera[:40], utc, local)):
        draw_text(luma, text, 2 * scale, 2 * scale + row * 7 * scale, scale)
    out = av.VideoFrame.from_ndarray(np.ascontiguousarray(planes), format="yuv420p")
    out.pts, out.time_base = frame.pts, frame.time_base
    return out


def make_working_copy(
    master: Path, out: Path, fragments: list[tuple[int, int]], camera: str, boxes: list[Redaction]
) -> WorkingCopy:
    """Transcode ``master`` into ``out`` (H.264, progressive MP4) with times burned in and ``boxes`` blacked out."""
    if not fragments:
        raise EvidenceError(f"{master.name} has no fragments to derive a working copy from")
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = 0
    with av.open(str(master)) as src, av.open(str(out), "w", options={"movflags": "+faststart"}) as dst:
        vin = src.streams.video[0]
        vout = dst.add_stream("libx264", rate=25, options={"crf": str(_CRF), "preset": _PRESET})
        vout.width, vout.height, vout.pix_fmt = vin.codec_context.width, vin.codec_context.height, "yuv420p"
        vout.time_base = vin.time_base
        for frame in src.decode(vin):
            if frame.pts is None or vin.time_base is None:
                continue
            media_90k = int(frame.pts * vin.time_base * 90_000)
            burned = _burn(frame, utc_at(fragments, media_90k), camera, boxes)
            dst.mux(vout.encode(burned))
            frames += 1
        dst.mux(vout.encode(None))
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    steps: list[dict[str, Any]] = [
        {"step": "decode", "tool": f"PyAV {av.__version__} (FFmpeg)"},
        {"step": "burn_in_time", "zones": ["UTC", "Europe/London"], "source": "master fragment times"},
    ]
    if boxes:
        steps.append({"step": "redact", "boxes_px": [b.as_dict() for b in boxes]})
    steps.append({"step": "encode", "codec": "libx264", "crf": _CRF, "preset": _PRESET, "container": "mp4"})
    return WorkingCopy(digest, out.stat().st_size, frames, steps)
