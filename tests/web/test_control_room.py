"""The control-room web app in Debian's Chromium against a real server recording virtual cameras."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.web.stack import ADMIN_USER, Stack, iso, parse_iso

pytestmark = pytest.mark.slow

VIDEO_STATE = """(sel) => [...document.querySelectorAll(sel)].map(v => ({
    t: v.currentTime,
    frames: v.getVideoPlaybackQuality().totalVideoFrames,
    wall: v.dataset.wallMs ? Number(v.dataset.wallMs) : null,
    ready: v.readyState,
}))"""


# Pauses a <video>, then compares its frame with the server's snapshots at the wall-clock time the app claims
# for it and at instants around it: the claimed time must be where the frame matches best.
FRAME_TRUTH = """async ([sel, offsets]) => {
  const v = document.querySelector(sel);
  v.pause();
  await new Promise(r => setTimeout(r, 300));
  const claimed = v.cwPlayer.wallNow();
  const W = 320, H = 180;
  const grab = (img) => { const c = document.createElement('canvas'); c.width = W; c.height = H;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0, W, H); return g.getImageData(0, 0, W, H).data; };
  const frame = grab(v);
  const cam = v.closest('[data-camera-id]').dataset.cameraId;
  const out = {};
  for (const d of offsets) {
    const img = new Image();
    img.src = `api/v1/cameras/${cam}/snapshot.jpg?at=${encodeURIComponent(new Date(claimed + d * 1000).toISOString())}`;
    try { await img.decode(); } catch (e) { continue; }
    const s = grab(img);
    let sum = 0;
    for (let i = 0; i < s.length; i += 4) sum += Math.abs(s[i] - frame[i]) + Math.abs(s[i + 1] - frame[i + 1]);
    out[d] = sum / (s.length / 4);
  }
  // For the failure message: where the player thinks each buffered fragment is.
  const frags = v.cwPlayer.debugFragments ? v.cwPlayer.debugFragments() : null;
  const buffered = [...Array(v.buffered.length).keys()].map(i => [v.buffered.start(i), v.buffered.end(i)]);
  v.play();
  return { claimed, out, at: v.currentTime, frags, buffered };
}"""


def _assert_frame_is_at_claimed_time(page: Any, selector: str) -> None:
    """The scene of the first (live-rendered) sim camera changes every frame, so this pins the time to ~1 s."""
    truth = page.evaluate(FRAME_TRUTH, [selector, [-5, -2, -1, 0, 1, 2, 5]])
    diffs = {float(k): v for k, v in truth["out"].items()}
    assert 0.0 in diffs, truth
    others = [v for k, v in diffs.items() if abs(k) >= 2]
    best = min(diffs, key=lambda k: diffs[k])
    where = {k: truth[k] for k in ("claimed", "at", "buffered", "frags")}
    assert others and diffs[0.0] < min(others), (best, diffs[best], sorted(diffs.items()), where)


def _recorded_by_all(stack: Stack, from_s: float, length_s: float) -> float:
    """The latest instant at or before ``from_s`` that every camera recorded for ``length_s`` after (no gap)."""
    now = time.time()
    spans = [
        [(parse_iso(x["start"]), parse_iso(x["end"])) for x in stack.timeline(cid, iso(now - 3600), iso(now))["spans"]]
        for cid in stack.camera_ids
    ]
    t = from_s
    while t > now - 3600:
        if all(any(a <= t - 1 and t + length_s <= b for a, b in cam) for cam in spans):
            return t
        t -= 1
    raise AssertionError(f"no instant recorded by every camera: {spans}")


def _wait_for_recorded_by_all(stack: Stack, before_now_s: float, length_s: float, timeout_s: float = 90) -> float:
    """``_recorded_by_all`` once enough has been recorded (run alone, the stack is only seconds old)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return _recorded_by_all(stack, from_s=time.time() - before_now_s, length_s=length_s)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def _videos(page: Any, selector: str = ".wall-grid video") -> list[dict[str, Any]]:
    return list(page.evaluate(VIDEO_STATE, selector))


def _fill_wall(page: Any, stack: Stack, grid: int = 4) -> None:
    page.goto(f"{stack.base_url}/#/wall")
    page.get_by_role("group", name="Grid size").get_by_role("button", name=str(grid), exact=True).click()
    for cam in stack.cameras()[:grid]:
        page.get_by_role("button", name=f"Add {cam['name']} to wall").click()


def test_sign_in_rejects_a_wrong_password_then_signs_in(chromium: Any, stack: Stack, shots: Path) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(stack.base_url)
    page.get_by_label("Username").fill(ADMIN_USER)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(has_text="Wrong username").wait_for()
    page.screenshot(path=shots / "sign-in.png")
    from tests.web.stack import sign_in

    sign_in(page, stack.base_url)
    assert page.get_by_label("Signed in as").inner_text().startswith(ADMIN_USER)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    context.close()


def test_four_tile_wall_plays_live(page: Any, stack: Stack, shots: Path) -> None:
    _fill_wall(page, stack, 4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wall-grid video')].filter(v => v.currentTime > 0).length === 4",
        timeout=20_000,
    )
    before = _videos(page)
    time.sleep(2.5)
    after = _videos(page)
    assert len(after) == 4
    now_ms = time.time() * 1000
    for b, a in zip(before, after, strict=True):
        assert a["t"] - b["t"] > 1.0, (b, a)  # currentTime advances in real time
        assert a["frames"] - b["frames"] >= 25, (b, a)  # and frames are decoded
        assert a["wall"] is not None and abs(now_ms - a["wall"]) < 5000, a  # wall clock from prft, seconds behind
    assert page.locator(".wall-grid .badge-live").count() == 4
    # The simulated street is busy: the recorder's motion detection marks the tiles (GET /cameras, then events).
    badge = page.locator(".wall-grid [data-testid=motion-badge]").first
    badge.wait_for(timeout=20_000)
    tile = badge.locator("xpath=ancestor::div[contains(@class, 'wall-cell')]").get_attribute("aria-label")
    assert tile is not None and tile.endswith(", motion now"), tile
    page.screenshot(path=shots / "wall-4-live.png")

    # Saved layouts (on the server, or in this browser until the server has /layouts) and grid keys.
    page.get_by_label("Layout name").fill("Four cameras")
    page.get_by_role("button", name="Save layout").click()
    page.get_by_role("status").filter(has_text="Saved “Four cameras”").wait_for()
    page.keyboard.press("9")
    assert page.get_by_role("region", name="Video wall, 9 tiles").is_visible()
    page.get_by_label("Saved layouts").select_option("Four cameras")
    page.get_by_role("region", name="Video wall, 4 tiles").wait_for()
    assert page.locator(".wall-grid video").count() == 4


def test_timeline_click_plays_from_that_instant(page: Any, stack: Stack, shots: Path) -> None:
    cam = stack.camera_ids[0]
    page.goto(f"{stack.base_url}/#/camera/{cam}")
    page.get_by_role("button", name="10 min").click()
    row = page.get_by_role("slider", name="Recordings of")
    row.locator(".span").first.wait_for()
    box = row.bounding_box()
    start = float(row.get_attribute("aria-valuemin"))
    end = float(row.get_attribute("aria-valuemax"))
    target_ms = time.time() * 1000 - 12_000  # recorded for at least 20 s
    x = (target_ms - start) / (end - start) * box["width"]
    page.mouse.click(box["x"] + x, box["y"] + box["height"] / 2)
    clicked = float(row.get_attribute("aria-valuenow"))  # the instant the click chose
    assert abs(clicked - target_ms) < (end - start) / box["width"] + 1
    video = page.locator('video[aria-label$="playback video"]')
    video.wait_for()
    # The first frame shown after the click: its wall-clock time from the playlist's program-date-time.
    first_wall = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const v = document.querySelector('video[aria-label$="playback video"]');
            const give_up = setTimeout(() => reject(new Error('no frame')), 15000);
            const check = () => {
                if (v.readyState >= 2 && !v.seeking && v.dataset.wallMs) {
                    clearTimeout(give_up);
                    resolve(Number(v.dataset.wallMs));
                } else v.requestVideoFrameCallback(check);
            };
            v.requestVideoFrameCallback(check);
        })"""
    )
    assert abs(first_wall - clicked) <= 1000, (first_wall, clicked)
    time.sleep(1.5)
    state = _videos(page, 'video[aria-label$="playback video"]')[0]
    assert state["wall"] > first_wall + 500, state  # it plays on
    assert page.locator(".badge-playback").count() == 1
    _assert_frame_is_at_claimed_time(page, 'video[aria-label$="playback video"]')
    page.screenshot(path=shots / "camera-playback.png")


def test_gap_is_drawn_where_the_recorder_was_stopped(page: Any, stack: Stack, shots: Path) -> None:
    cam = stack.camera_ids[-1]
    page.goto(f"{stack.base_url}/#/camera/{cam}")
    page.get_by_role("button", name="1 min").click()
    page.get_by_role("button", name="Zoom out").click()
    gaps = page.get_by_test_id("timeline-gap")
    gaps.first.wait_for()
    labels = [gaps.nth(i).get_attribute("aria-label") for i in range(gaps.count())]
    assert any(label and label.startswith("Gap ") and "(" in label for label in labels), labels
    box = gaps.first.bounding_box()
    assert box["width"] >= 2
    gaps.first.hover()
    page.screenshot(path=shots / "timeline-gap.png")


def test_map_works_with_the_tile_server_unreachable(page: Any, stack: Stack, shots: Path) -> None:
    tile_requests: list[str] = []
    page.route(
        "**/api/v1/settings/ui",
        lambda route: route.fulfill(json={"tile_url": "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"}),
    )
    page.on("request", lambda r: tile_requests.append(r.url) if "/tiles/" in r.url else None)
    page.goto(f"{stack.base_url}/#/map")
    page.reload()
    page.locator(".camera-marker").first.wait_for()
    assert page.locator(".camera-marker").count() == len(stack.camera_ids)
    assert page.locator("path.fov").count() == len(stack.camera_ids)
    assert page.locator(".leaflet-overlay-pane path").count() > 10  # borough and ward boundaries
    page.wait_for_timeout(500)
    assert tile_requests, "the map asked the (unreachable) tile server for tiles"
    page.locator(".camera-marker").first.click(force=True)
    popout = page.get_by_role("dialog", name="Live:")
    popout.wait_for()
    page.wait_for_function("() => (document.querySelector('.popout video')?.currentTime ?? 0) > 1")
    page.screenshot(path=shots / "map-no-tiles.png")


def test_synchronised_playback_follows_one_instant(page: Any, stack: Stack, shots: Path) -> None:
    debug: list[str] = []
    page.on("console", lambda m: debug.append(m.text) if "[playback]" in m.text else None)
    page.evaluate("globalThis.cwDebug = true")
    _fill_wall(page, stack, 4)
    page.get_by_role("button", name="Synchronised playback").click()
    page.get_by_role("region", name="Video wall").locator('video[aria-label$="playback video"]').nth(3).wait_for()
    # Past footage, as an investigator reviews it, with 20 s recorded after it by every camera and 8 s more
    # before the live edge: a loaded machine may take many seconds to bring four players into step.
    target = _wait_for_recorded_by_all(stack, before_now_s=28, length_s=20)
    london = datetime.fromtimestamp(target, ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M:%S")
    page.keyboard.press("g")
    page.get_by_label("Go to date and time").fill(london)
    page.keyboard.press("Enter")
    try:
        page.wait_for_function(
            """(t) => { const v = [...document.querySelectorAll('.wall-grid video')];
                const w = v.map(x => Number(x.dataset.wallMs));
                return v.length === 4 && v.every(x => !x.paused) && w.every(x => x > t - 1000 && x < t + 15000)
                    && Math.max(...w) - Math.min(...w) < 1000; }""",
            arg=int(target) * 1000,
            timeout=25_000,
        )
    except Exception as exc:
        state = page.evaluate(
            "() => [...document.querySelectorAll('.wall-grid video')].map(v => [v.currentTime, v.paused, "
            "v.dataset.wallMs, v.closest('.tile').querySelector('.state-overlay')?.textContent])"
        )
        log = "\n".join(debug[-60:])
        raise AssertionError(f"target {target * 1000:.0f}: {state}\n{log}") from exc
    before = [v["wall"] for v in _videos(page)]
    time.sleep(2)
    walls = [v["wall"] for v in _videos(page)]
    assert min(walls) > max(before), (before, walls)  # they play on, together
    if max(walls) - min(walls) >= 1000:
        (shots / "sync-debug.log").write_text("\n".join(debug))
    assert max(walls) - min(walls) < 1000, walls
    assert all(int(target) * 1000 < w < int(target) * 1000 + 20_000 for w in walls), (target, walls)
    page.screenshot(path=shots / "wall-synchronised-playback.png")
    _assert_frame_is_at_claimed_time(page, ".wall-grid video")


def test_permission_denied_and_signed_out_states(page: Any, stack: Stack) -> None:
    page.route("**/api/v1/cameras", lambda route: route.fulfill(status=403, json={"detail": "not allowed"}))
    page.goto(f"{stack.base_url}/#/wall")
    page.reload()
    page.get_by_role("status").filter(has_text="Permission denied").wait_for()
    page.unroute("**/api/v1/cameras")
    page.route("**/api/v1/cameras", lambda route: route.fulfill(status=401, json={"detail": "signed out"}))
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for()
