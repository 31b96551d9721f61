"""Motion detection cost: keyframes only (what the recorder does) against decoding every frame.

    .venv/bin/python bench/motion.py                      # 640×360, 1280×720, 1920×1080; 20 s of street each
    .venv/bin/python bench/motion.py --sizes 1920x1080 --seconds 30

For each size, 25 fps with a keyframe a second are encoded from the simulated street (libx264 at a
camera's bitrate: 1 Mbit/s at 360p, 2 at 720p, 3 at 1080p). Then, timed by the CPU time of the thread
process (one decoding thread: this machine's load does not inflate it), per second of video:

* **keyframes** — the recorder's path: decode the GOP's keyframe alone, scale to a 64-px grey
  thumbnail, compare with the last one (``KeyframeThumbnailer`` + ``MotionDetector``);
* **every frame** — the baseline a detector working on every picture pays: decode all 25 frames
  with one decoder (same single thread and fast options) and scale each to the same thumbnail.

Prints the CPU per camera (ms per second of video = thousandths of a core) and the cores 800 cameras
would need, medians over the seconds measured.
"""

from __future__ import annotations

import argparse
import statistics
import time

import av
import numpy as np

from citywatch.sim.encoder import H264Encoder, StreamParams
from citywatch.sim.scene import StreetScene
from citywatch.video.h264 import AvcParams, annexb_to_avcc
from citywatch.video.motion import DECODER_OPTIONS, THUMB_WIDTH, KeyframeThumbnailer, MotionDetector, MotionSettings

BITRATE_KBPS = {360: 1000, 720: 2000, 1080: 3000}


def _encode(width: int, height: int, seconds: int) -> tuple[AvcParams, list[list[bytes]]]:
    """GOPs of Annex B access units (one per second)."""
    params = StreamParams(width, height, 25, BITRATE_KBPS.get(height, 2000), 1.0)
    encoder = H264Encoder(params, preset="veryfast")
    scene = StreetScene(width, height, seed=3)
    gops: list[list[bytes]] = []
    for n in range(seconds * 25):
        encoded = encoder.encode(scene.render(n / 25, n), n)
        if encoded.keyframe:
            gops.append([])
        gops[-1].append(b"".join(b"\x00\x00\x00\x01" + nal for nal in encoded.nals))
    encoder.close()
    assert encoder.sps is not None and encoder.pps is not None
    return AvcParams.from_nal_units([encoder.sps, encoder.pps]), gops


def _keyframes_ms(params: AvcParams, gops: list[list[bytes]]) -> tuple[list[float], int]:
    thumbnailer, detector = KeyframeThumbnailer(), MotionDetector(1, MotionSettings())
    samples, events = [], 0
    for i, gop in enumerate(gops):
        data = annexb_to_avcc(gop[0])
        begin = time.process_time()
        thumb = thumbnailer.thumbnail(params, data)
        assert thumb is not None
        events += len(detector.feed(thumb, i * 1_000_000))
        samples.append((time.process_time() - begin) * 1000)
    return samples, events


def _every_frame_ms(gops: list[list[bytes]], height: int, width: int) -> list[float]:
    codec = av.CodecContext.create("h264", "r")
    codec.thread_count = 1
    codec.options = DECODER_OPTIONS
    thumb_h = max(2, round(THUMB_WIDTH * height / width / 2) * 2)
    samples = []
    for gop in gops:
        begin = time.process_time()
        for unit in gop:
            for frame in codec.decode(av.Packet(unit)):
                small = frame.reformat(width=THUMB_WIDTH, height=thumb_h, format="gray", interpolation="AREA")
                np.asarray(small.to_ndarray(), dtype=np.float32)
        samples.append((time.process_time() - begin) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="640x360,1280x720,1920x1080")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--cameras", type=int, default=800, help="cameras to size the CPU for")
    args = parser.parse_args()
    print(f"{'size':>10}  {'keyframe kB':>11}  {'keyframes ms/s':>14}  {'every frame ms/s':>16}  ratio  "
          f"cores for {args.cameras} (keyframes / every frame)")  # fmt: skip
    for size in args.sizes.split(","):
        width, height = (int(v) for v in size.split("x"))
        params, gops = _encode(width, height, args.seconds)
        gops = gops[1:]  # the first keyframe has no predecessor to compare with
        key_ms, _events = _keyframes_ms(params, gops)
        all_ms = _every_frame_ms(gops, height, width)
        kb = statistics.median(len(g[0]) for g in gops) / 1000
        k, a = statistics.median(key_ms), statistics.median(all_ms)
        print(
            f"{size:>10}  {kb:11.0f}  {k:14.2f}  {a:16.2f}  {a / k:5.1f}  "
            f"{k * args.cameras / 1000:.2f} / {a * args.cameras / 1000:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
