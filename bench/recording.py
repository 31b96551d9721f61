"""Recording benchmark: citywatch's recorder against one `ffmpeg -c copy -f segment` per camera.

Both record the same N virtual cameras (loop mode, 1080p25, 3 Mbit/s by default) in the same
run. For each: CPU as % of one core per stream (user+system of the whole process tree over the
measurement window), RSS per stream, and frames lost — counted from the capture-time SEI frame
numbers inside the recorded files, so a dropped frame cannot hide.

    .venv/bin/python bench/recording.py --streams 200 --seconds 60
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import av
import psutil

from citywatch.video.h264 import H264Error, avcc_nal_units, iter_annexb_nal_units
from citywatch.video.sei import find_capture_stamp

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


@dataclass
class Result:
    name: str
    streams: int
    cpu_pct_per_stream: float
    rss_mb_per_stream: float
    frames_recorded: int
    frames_lost: int
    mbit_written_per_stream: float


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _cpu_s(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def _rss(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _measure(pids: list[int], seconds: float) -> tuple[float, int]:
    procs = [p for pid in pids for p in _tree(pid)]
    before, t0 = _cpu_s(procs), time.monotonic()
    rss_samples = []
    while time.monotonic() - t0 < seconds:
        time.sleep(min(5.0, seconds / 4))
        procs = [p for pid in pids for p in _tree(pid)]
        rss_samples.append(_rss(procs))
    used = _cpu_s(procs) - before
    return 100.0 * used / (time.monotonic() - t0), int(statistics.median(rss_samples))


def _nal_units(data: bytes) -> list[bytes]:
    """MP4 stores length-prefixed NAL units; fall back to start codes for anything else."""
    try:
        return [bytes(n) for n in avcc_nal_units(data)]
    except H264Error:
        return list(iter_annexb_nal_units(data))


def _frame_numbers(path: Path) -> list[int]:
    numbers = []
    try:
        with av.open(str(path)) as container:
            for packet in container.demux(video=0):
                if not packet.size:
                    continue
                stamp = find_capture_stamp(_nal_units(bytes(packet)))
                if stamp is not None:
                    numbers.append(stamp.frame_no)
    except av.error.FFmpegError:
        pass  # a segment cut off by the stop: counted by its neighbours' numbers
    return numbers


def _lost(numbers_by_camera: dict[str, list[int]]) -> tuple[int, int]:
    recorded = lost = 0
    for numbers in numbers_by_camera.values():
        if not numbers:
            continue
        ordered = sorted(set(numbers))
        recorded += len(ordered)
        lost += (ordered[-1] - ordered[0] + 1) - len(ordered)
    return recorded, lost


def _start_sim(args: argparse.Namespace, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    cmd = [
        PY, "-m", "citywatch", "sim", "cameras", "--count", str(args.streams), "--rtsp-port", str(port),
        "--width", str(args.width), "--height", str(args.height), "--fps", str(args.fps),
        "--bitrate-kbps", str(args.bitrate_kbps), "--control-port", str(port + 1),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True)
    urls = []
    assert proc.stdout is not None
    while len(urls) < args.streams:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the virtual cameras did not start")
        urls.append(line.strip())
    return proc, urls


def _stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_citywatch(args: argparse.Namespace, urls: list[str], work: Path) -> Result:
    data = work / "citywatch"
    env = dict(os.environ, CITYWATCH_RECORDER__CONNECT_STAGGER_MS="30")
    if args.workers:
        env["CITYWATCH_RECORDER__WORKERS"] = str(args.workers)
    subprocess.run([PY, "-m", "citywatch", "db", "upgrade", "--data-dir", str(data)], check=True, env=env,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    from citywatch.config import load_settings
    from citywatch.video.cameras import CameraInput
    from citywatch.wiring import build_services

    services = build_services(load_settings(data_dir=data))
    for i, url in enumerate(urls, start=1):
        services.cameras.add(CameraInput(name=f"bench {i}", rtsp_url=url))
    services.close()
    proc = subprocess.Popen([PY, "-m", "citywatch", "recorder", "--data-dir", str(data)], env=env,
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(args.warmup)
    cpu, rss = _measure([proc.pid], args.seconds)
    _stop(proc)
    media = data / "media"
    numbers: dict[str, list[int]] = {}
    written = 0
    for path in sorted(media.rglob("*.mp4")):
        numbers.setdefault(path.relative_to(media).parts[0], []).extend(_frame_numbers(path))
        written += path.stat().st_size
    recorded, lost = _lost(numbers)
    total_s = args.warmup + args.seconds
    return Result("citywatch", len(urls), cpu / len(urls), rss / len(urls) / 2**20, recorded, lost,
                  written * 8 / 1e6 / total_s / len(urls))  # fmt: skip


def run_ffmpeg(args: argparse.Namespace, urls: list[str], work: Path) -> Result:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise SystemExit("ffmpeg is not installed (make bench installs it)")
    procs = []
    for i, url in enumerate(urls, start=1):
        out = work / "ffmpeg" / str(i)
        out.mkdir(parents=True)
        cmd = [ffmpeg, "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp", "-i", url, "-c", "copy",
               "-f", "segment", "-segment_time", "60", "-reset_timestamps", "1", str(out / "%05d.mp4")]  # fmt: skip
        quiet = subprocess.DEVNULL
        procs.append(subprocess.Popen(cmd, start_new_session=True, stdout=quiet, stderr=quiet))
        time.sleep(0.03)
    time.sleep(args.warmup)
    cpu, rss = _measure([p.pid for p in procs], args.seconds)
    for p in procs:
        os.killpg(p.pid, signal.SIGINT)  # ffmpeg finishes its file on SIGINT
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            _stop(p, signal.SIGKILL)
    numbers: dict[str, list[int]] = {}
    written = 0
    for path in sorted((work / "ffmpeg").rglob("*.mp4")):
        numbers.setdefault(path.parent.name, []).extend(_frame_numbers(path))
        written += path.stat().st_size
    recorded, lost = _lost(numbers)
    total_s = args.warmup + args.seconds
    return Result("ffmpeg -c copy -f segment", len(urls), cpu / len(urls), rss / len(urls) / 2**20, recorded, lost,
                  written * 8 / 1e6 / total_s / len(urls))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="measurement window per recorder")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--bitrate-kbps", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--port", type=int, default=18554)
    parser.add_argument("--skip-ffmpeg", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cw-bench-", dir=os.environ.get("CW_BENCH_DIR")))
    sim, urls = _start_sim(args, args.port)
    results: list[Result] = []
    try:
        results.append(run_citywatch(args, urls, work))
        if not args.skip_ffmpeg:
            results.append(run_ffmpeg(args, urls, work))
        with urllib.request.urlopen(f"http://127.0.0.1:{args.port + 1}/cameras", timeout=10) as r:
            lagged = sum(c["frames_lagged"] for c in json.load(r))
    finally:
        _stop(sim)
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{args.streams} streams, {args.width}x{args.height} {args.fps} fps {args.bitrate_kbps} kbit/s, "
          f"{args.seconds:.0f} s measured after {args.warmup:.0f} s warm-up; {os.cpu_count()} cores")  # fmt: skip
    print(f"{'recorder':28} {'CPU %/stream':>12} {'RSS MB/stream':>14} {'frames':>9} {'lost':>6} {'Mbit/s/stream':>14}")
    for r in results:
        print(f"{r.name:28} {r.cpu_pct_per_stream:12.3f} {r.rss_mb_per_stream:14.2f} {r.frames_recorded:9d} "
              f"{r.frames_lost:6d} {r.mbit_written_per_stream:14.2f}")  # fmt: skip
    if len(results) == 2 and results[1].cpu_pct_per_stream:
        ours, theirs = results
        print(f"CPU ratio citywatch/ffmpeg: {ours.cpu_pct_per_stream / theirs.cpu_pct_per_stream:.2f} (target ≤ 0.5); "
              f"RSS ratio: {ours.rss_mb_per_stream / theirs.rss_mb_per_stream:.2f}")  # fmt: skip
    print(f"frames the virtual cameras withheld from slow readers, both runs: {lagged}")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))


if __name__ == "__main__":
    main()
