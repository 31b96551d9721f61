"""Export benchmark: four cameras × one hour at 3 Mbit/s, export time against ``cat`` of the same bytes.

    .venv/bin/python bench/export.py                   # 4 cameras × 60 min, 3 Mbit/s (~5.4 GB of footage)
    .venv/bin/python bench/export.py --minutes 10      # smaller
    .venv/bin/python bench/export.py --keep            # keep bench/out/export/ afterwards

Recordings are synthesised fast: one-minute fragmented-MP4 files exactly as the recorder lays them
out (init segment, then ``prft``+``moof``+``mdat`` per 1 s GOP of 25 frames, real SPS/PPS from
libx264, random slice payloads sized for the bit rate) with their index rows, GOP index and SHA-256,
so the export reads, stitches, hashes and signs them through the production code path
(``EvidenceService.run_export``, as ``citywatch evidence export`` does). The same source files are
read with ``cat … > /dev/null`` in the same run, twice: "cold" (the source files, and only they,
dropped from the page cache with ``posix_fadvise`` before each read, so every one reads the disk),
with ``cp`` + fsync of the same files (the cost of writing the bytes at all) and with two earlier master
writers: the 8 MB read/patch/hash/write loop (``before``, ``bench/export_before.py``) and the kernel copy
through the page cache (``kernel``, ``bench/export_copy_range.py``), against the writer in use (``after``:
``O_DIRECT``, evidence/direct_write.py), in ``--rounds`` rounds (order alternating) whose medians are
reported. Every writer must produce masters with the same SHA-256s. The figure judged: export throughput
(source bytes per second, output written and fsynced) over ``cat`` throughput. Target ≥ 0.5.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np

import citywatch.evidence.bundle as bundle_module
import export_before
import export_copy_range
from citywatch.config import Settings
from citywatch.evidence import master
from citywatch.evidence.bundle import Exporter
from citywatch.evidence.service import EvidenceService, ExportSpec
from citywatch.store.models import Camera, Recording
from citywatch.timeutil import iso
from citywatch.video.fmp4 import Sample, build_fragment, build_init_segment
from citywatch.video.gop_index import encode_gops
from citywatch.video.h264 import iter_annexb_nal_units, nal_type, parse_sps
from citywatch.wiring import build_services

OUT = Path(__file__).resolve().parent / "out" / "export"
T0_US = 1_792_886_400_000_000  # 2026-10-25T00:00:00Z: the hour includes the clock change
GOP_FRAMES, FRAME_90K = 25, 3600
_SETTLE_S = 3.0


def _params() -> bytes:
    """An init segment with real 1080p H.264 parameter sets from libx264."""
    codec = av.CodecContext.create("libx264", "w")
    codec.width, codec.height, codec.pix_fmt = 1920, 1080, "yuv420p"
    codec.options = {"preset": "ultrafast"}
    frame = av.VideoFrame(1920, 1080, "yuv420p")
    data = b"".join(bytes(p) for p in [*codec.encode(frame), *codec.encode(None)])
    nals = list(iter_annexb_nal_units(data))
    sps = next(n for n in nals if nal_type(n) == 7)
    pps = next(n for n in nals if nal_type(n) == 8)
    return build_init_segment(parse_sps(sps, pps))


def _gop(bitrate_bps: int, rng: np.random.Generator) -> list[Sample]:
    gop_bytes = bitrate_bps // 8  # one second
    sizes = [gop_bytes // 5] + [(gop_bytes - gop_bytes // 5) // (GOP_FRAMES - 1)] * (GOP_FRAMES - 1)
    samples = []
    for i, size in enumerate(sizes):
        header = bytes([0x65 if i == 0 else 0x41])  # IDR slice, then non-IDR slices
        body = header + rng.integers(0, 256, size - 5, dtype=np.uint8).tobytes()
        samples.append(Sample(len(body).to_bytes(4, "big") + body, FRAME_90K))
    return samples


def synthesise(data_dir: Path, cameras: int, minutes: int, bitrate_bps: int) -> tuple[list[Path], int]:
    services = build_services(Settings(data_dir=data_dir))
    media = services.settings.effective_media_dirs[0]
    init = _params()
    rng = np.random.default_rng(7)
    gops = [_gop(bitrate_bps, rng) for _ in range(4)]
    files, total = [], 0
    with services.sessions.begin() as s:
        for cam in range(1, cameras + 1):
            s.add(Camera(id=cam, name=f"Bench camera {cam}", rtsp_url="rtsp://127.0.0.1/x", latitude=51.5,
                         longitude=-0.12, created_us=0, updated_us=0))  # fmt: skip
            for minute in range(minutes):
                start_us = T0_US + minute * 60_000_000
                rel = f"{cam}/{cam}-{minute:04d}.mp4"
                path = media / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                digest, entries, size = hashlib.sha256(init), [], len(init)
                with path.open("wb") as f:
                    f.write(init)
                    for g in range(60):
                        frag = build_fragment(g + 1, g * 90_000, gops[(cam + minute + g) % 4],
                                              wall_clock_us=start_us + g * 1_000_000)  # fmt: skip
                        f.write(frag)
                        digest.update(frag)
                        entries.append((len(frag), 90_000, GOP_FRAMES))
                        size += len(frag)
                s.add(Recording(
                    camera_id=cam, run_id=f"bench-{cam}", run_seq=minute, state="closed", media_dir=str(media),
                    path=rel, start_us=start_us, end_us=start_us + 60_000_000, media_start_90k=minute * 60 * 90_000,
                    duration_90k=60 * 90_000, size_bytes=size, init_bytes=len(init), frames=60 * GOP_FRAMES, gops=60,
                    gop_index=encode_gops(entries), codec="avc1.640028", width=1920, height=1080,
                    sha256=digest.hexdigest(),
                ))  # fmt: skip
                files.append(path)
                total += size
    services.close()
    return files, total


def _evict(files: list[Path]) -> None:
    """Drop these files (only these) from the page cache, so the next read comes from the disk."""
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _cat(files: list[Path]) -> float:
    t = time.perf_counter()
    with open(os.devnull, "wb") as null:
        subprocess.run(["cat", *map(str, files)], stdout=null, check=True)
    return time.perf_counter() - t


def _cp(files: list[Path], target: Path) -> float:
    """Plain copy of the same bytes, fsynced: the floor any export that writes its output sits on."""
    target.mkdir(parents=True)
    t = time.perf_counter()
    subprocess.run(["cp", *map(str, files), str(target)], check=True)
    copies = [target / f.name for f in files]
    _evict(copies)
    elapsed = time.perf_counter() - t
    shutil.rmtree(target)
    return elapsed


WRITERS = {"before": export_before.write_master, "kernel": export_copy_range.write_master}


def _export(evidence: EvidenceService, spec: ExportSpec, writer: str) -> tuple[float, Path, list[str]]:
    """One export through ``run_export`` with the current master writer or an earlier one; time, folder, hashes."""
    bundle_module.write_master = WRITERS.get(writer, master.write_master)  # type: ignore[assignment]
    try:
        t = time.perf_counter()
        job = evidence.run_export(spec, Exporter("bench", "admin", "bench"))
        elapsed = time.perf_counter() - t
    finally:
        bundle_module.write_master = master.write_master
    return elapsed, Path(job.bundle_dir), [e.sha256 for e in evidence.exhibits(job.id) if e.kind == "master"]


def _round(files: list[Path], evidence: EvidenceService, spec: ExportSpec, order: list[str]) -> dict[str, float]:
    """One cold-cache round: ``cat``, ``cp`` + fsync and each export, the sources evicted before each."""
    times: dict[str, float] = {}
    hashes: dict[str, list[str]] = {}
    for name in order:
        cpu = _cpu_s()
        os.sync()  # the previous step's writing finished, so it does not slow this one
        time.sleep(_SETTLE_S)
        _evict(files)
        if name == "cat":
            times[name] = _cat(files)
        elif name == "cp":
            times[name] = _cp(files, OUT / "cp-copy")
        else:
            times[name], bundle, hashes[name] = _export(evidence, spec, name)
            shutil.rmtree(bundle)
        times[f"{name}_cpu"] = _cpu_s() - cpu
    if len({tuple(h) for h in hashes.values()}) != 1:
        sys.exit(f"the writers' masters differ: {hashes}")
    return times


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process's threads and finished children: a figure the disk's mood does
    not change, unlike the wall-clock times on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--bitrate-kbps", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    t = time.perf_counter()
    files, total = synthesise(OUT, args.cameras, args.minutes, args.bitrate_kbps * 1000)
    print(f"synthesised {len(files)} files, {total / 1e9:.2f} GB in {time.perf_counter() - t:.1f} s")
    services = build_services(Settings(data_dir=OUT))
    evidence = EvidenceService(services.engine, services.sessions, OUT, workers=1)
    spec = ExportSpec(list(range(1, args.cameras + 1)), T0_US, T0_US + args.minutes * 60_000_000, "benchmark")
    rounds: list[dict[str, float]] = []
    names = ["cat", "cp", "before", "kernel", "after"]
    for n in range(args.rounds):
        order = names if n % 2 == 0 else names[::-1]  # alternate, so neither export always runs first
        load = os.getloadavg()[0]
        times = _round(files, evidence, spec, order)
        rounds.append(times)
        print(f"round {n + 1} (load {load:.1f}): " + ", ".join(
            f"{k} {times[k]:.2f} s ({total / times[k] / 1e6:.0f} MB/s, CPU {times[k + '_cpu']:.1f} s)"
            for k in names))  # fmt: skip
    evidence.close()
    services.close()
    median = {k: statistics.median(r[k] for r in rounds) for k in names}
    print(f"range {iso(T0_US)} + {args.minutes} min, {args.cameras} cameras, {total / 1e9:.2f} GB, "
          f"median of {args.rounds} cold rounds, load now {os.getloadavg()[0]:.1f}:")  # fmt: skip
    print("  (masters bit-identical: the same SHA-256s from every writer in every round)")
    for k in names:
        vs_cat, vs_cp = median["cat"] / median[k], median["cp"] / median[k]
        mb_s, cpu = total / median[k] / 1e6, statistics.median(r[k + "_cpu"] for r in rounds)
        print(
            f"  {k:6} {median[k]:7.2f} s {mb_s:6.0f} MB/s  / cat {vs_cat:.2f}  / cp+fsync {vs_cp:.2f}  CPU {cpu:.1f} s"
        )
    ratio = median["cat"] / median["after"]
    print(f"export speed / cat speed = {ratio:.2f} (target >= 0.5): {'PASS' if ratio >= 0.5 else 'FAIL'}")
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)
    sys.exit(0 if ratio >= 0.5 else 1)


if __name__ == "__main__":
    main()
