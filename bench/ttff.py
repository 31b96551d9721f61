"""Time to first frame in the browser, and the CPU of a 16-tile live wall.

A real citywatch (virtual cameras + ``citywatch serve``) records for ``--record-s`` seconds; then Debian's
Chromium, driven by Playwright, opens the camera view and clicks the timeline at ``--seeks`` random instants
inside the recording. Each sample is the browser time from the click (``pointerdown``) to the first frame
presented whose wall-clock time (from the playlist's program-date-time) is within 1 s of the instant clicked.
Target: p50 <= 300 ms, p95 <= 800 ms.

Then a 16-tile live wall plays for ``--cpu-s`` seconds while the CPU of Chromium's process tree and of the
server's process tree (API + recorder; the simulator is not counted) is measured, as % of one core.

    .venv/bin/python bench/ttff.py                      # the issue's setting: a recorded hour
    .venv/bin/python bench/ttff.py --record-s 300       # quicker, five recorded minutes
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.web.stack import Stack, browser, iso, missing_prerequisites, parse_iso, sign_in  # noqa: E402

ARM = """() => {
  window.__ttff = { t0: null };
  const row = document.querySelector('.timeline-row');
  row.addEventListener('pointerdown', () => { window.__ttff.t0 = performance.now(); }, { once: true, capture: true });
}"""

WAIT_FRAME = """(timeoutMs) => new Promise((resolve) => {
  const row = document.querySelector('.timeline-row');
  const target = Number(row.getAttribute('aria-valuenow'));
  const v = document.querySelector('.camera-video video');
  const t0 = window.__ttff.t0;
  const giveUp = setTimeout(() => resolve({ ok: false, target }), timeoutMs);
  const check = (now, meta) => {
    const wall = v.cwPlayer && v.cwPlayer.wallAt ? v.cwPlayer.wallAt(meta.mediaTime) : null;
    if (wall !== null && !v.seeking && Math.abs(wall - target) <= 1000 && now >= t0) {
      clearTimeout(giveUp);
      resolve({ ok: true, ms: now - t0, target, wall });
    } else v.requestVideoFrameCallback(check);
  };
  v.requestVideoFrameCallback(check);
})"""


QUALITY = """() => [...document.querySelectorAll('.wall-grid video')].map(v => {
  const q = v.getVideoPlaybackQuality();
  return { totalVideoFrames: q.totalVideoFrames, droppedVideoFrames: q.droppedVideoFrames };
})"""


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    k = (len(s) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def recorded_spans(stack: Stack, camera_id: int) -> list[tuple[float, float]]:
    now = time.time()
    tl = stack.timeline(camera_id, iso(now - 2 * 3600), iso(now + 60))
    return [(parse_iso(s["start"]), parse_iso(s["end"])) for s in tl["spans"]]


def measure_ttff(page: Any, stack: Stack, seeks: int, rng: random.Random) -> list[dict[str, Any]]:
    cam = stack.camera_ids[0]
    page.goto(f"{stack.base_url}/#/camera/{cam}")
    page.get_by_role("button", name="1 hour").click()
    row = page.locator(".timeline-row")
    row.locator(".span").first.wait_for()
    box = row.bounding_box()
    start = float(row.get_attribute("aria-valuemin"))
    end = float(row.get_attribute("aria-valuemax"))
    spans = [(a, b - 3) for a, b in recorded_spans(stack, cam) if b - a > 6]
    spans = [(max(a + 1, start / 1000), min(b, end / 1000)) for a, b in spans if b > start / 1000]
    total = sum(b - a for a, b in spans)

    def random_instant() -> float:
        r = rng.uniform(0, total)
        for a, b in spans:
            if r <= b - a:
                return a + r
            r -= b - a
        return spans[-1][1]

    def click_at(t_s: float) -> None:
        x = (t_s * 1000 - start) / (end - start) * box["width"]
        page.mouse.click(box["x"] + x, box["y"] + box["height"] / 2)

    # The first click leaves live view for playback (a new <video>); it is not a sample.
    click_at(random_instant())
    page.locator('video[aria-label$="playback video"]').wait_for()
    page.wait_for_timeout(1500)
    samples: list[dict[str, Any]] = []
    for _ in range(seeks):
        page.evaluate(ARM)
        click_at(random_instant())
        samples.append(page.evaluate(WAIT_FRAME, 10_000))
        page.wait_for_timeout(300)
    return samples


def tree_cpu_s(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def process_tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def measure_wall_cpu(page: Any, stack: Stack, seconds: float) -> dict[str, Any]:
    page.goto(f"{stack.base_url}/#/wall")
    page.get_by_role("group", name="Grid size").get_by_role("button", name="16", exact=True).click()
    for cam in stack.cameras()[:16]:
        page.get_by_role("button", name=f"Add {cam['name']} to wall").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wall-grid video')].filter(v => v.currentTime > 0).length === 16",
        timeout=60_000,
    )
    page.wait_for_timeout(5000)
    chromium = [p for p in psutil.Process(os.getpid()).children(recursive=True) if "chrom" in p.name().lower()]
    server = process_tree(stack.server_pid())
    frames0 = page.evaluate(QUALITY)
    c0, s0, t0 = tree_cpu_s(chromium), tree_cpu_s(server), time.monotonic()
    time.sleep(seconds)
    c1, s1, t1 = tree_cpu_s(chromium), tree_cpu_s(server), time.monotonic()
    frames1 = page.evaluate(QUALITY)
    elapsed = t1 - t0
    decoded = sum(b["totalVideoFrames"] - a["totalVideoFrames"] for a, b in zip(frames0, frames1, strict=True))
    dropped = sum(b["droppedVideoFrames"] - a["droppedVideoFrames"] for a, b in zip(frames0, frames1, strict=True))
    return {
        "tiles": 16,
        "seconds": round(elapsed, 1),
        "chromium_cpu_pct_of_core": round(100 * (c1 - c0) / elapsed, 1),
        "server_cpu_pct_of_core": round(100 * (s1 - s0) / elapsed, 1),
        "decoded_fps_all_tiles": round(decoded / elapsed, 1),
        "dropped_frames": dropped,
        "chromium_processes": len(chromium),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--record-s", type=float, default=3600, help="how long to record before seeking")
    ap.add_argument("--seeks", type=int, default=50)
    ap.add_argument("--cameras", type=int, default=16, help="virtual cameras (the wall uses 16)")
    ap.add_argument("--cpu-s", type=float, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ttff.json")
    args = ap.parse_args()
    why = missing_prerequisites()
    if why:
        sys.exit(f"cannot run: {why}")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="citywatch-ttff-") as tmp:
        stack = Stack(data_dir=Path(tmp), count=args.cameras, log_dir=Path(tmp) / "logs")
        try:
            stack.start()
            stack.wait_recording(5, timeout_s=120)
            print(f"recording {args.cameras} cameras for {args.record_s:.0f} s …", flush=True)
            time.sleep(max(0.0, args.record_s - 5))
            with browser() as b:
                context = b.new_context(viewport={"width": 1600, "height": 900})
                page = context.new_page()
                sign_in(page, stack.base_url)
                samples = measure_ttff(page, stack, args.seeks, rng)
                wall = measure_wall_cpu(page, stack, args.cpu_s)
                context.close()
        finally:
            stack.stop()
    ok = [s["ms"] for s in samples if s["ok"]]
    result = {
        "recorded_s": args.record_s,
        "seeks": args.seeks,
        "ttff_ms": {
            "p50": round(percentile(ok, 0.5), 1) if ok else None,
            "p95": round(percentile(ok, 0.95), 1) if ok else None,
            "mean": round(statistics.fmean(ok), 1) if ok else None,
            "max": round(max(ok), 1) if ok else None,
            "failed": len(samples) - len(ok),
        },
        "target_ms": {"p50": 300, "p95": 800},
        "wall_16_live": wall,
        "samples_ms": [round(s["ms"], 1) if s["ok"] else None for s in samples],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k != "samples_ms"}, indent=2))


if __name__ == "__main__":
    main()
