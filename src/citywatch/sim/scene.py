"""A synthetic street scene: a 360° panorama of buildings, pavement and road with moving cars and
people, seen through a pan/tilt/zoom viewport.

The viewport exists so a later PTZ feature can move the camera: ``StreetScene.set_viewport`` is
all it needs to call. Everything is a deterministic function of (seed, time), so a frame can be
rendered ahead of its capture instant. Mild per-frame noise makes the encoder spend its target
bitrate, as a real sensor would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citywatch.sim.font import draw_text

__all__ = ["HFOV_DEG", "StreetScene", "Viewport"]

HFOV_DEG = 90.0  # horizontal field of view at zoom 1: the panorama is four viewports wide
_PANO_WIDTHS = 4
_PANO_HEIGHTS = 1.5
_MAX_ZOOM = 20.0
_NOISE_FRAMES = 8
_NOISE_AMPLITUDE = 5

Frame = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Viewport:
    """Where the camera looks: pan in degrees (wraps at 360), tilt in degrees (+ is up), zoom ≥ 1."""

    pan_deg: float = 0.0
    tilt_deg: float = 0.0
    zoom: float = 1.0


@dataclass(frozen=True, slots=True)
class _Mover:
    x0: float
    speed: float  # panorama pixels per second, signed
    y: float  # top edge, panorama pixels
    w: float
    h: float
    colour: tuple[int, int, int]


class StreetScene:
    """Renders ``width`` x ``height`` RGB frames of one camera's street."""

    def __init__(self, width: int, height: int, seed: int = 1) -> None:
        if width < 64 or height < 64 or width % 2 or height % 2:
            raise ValueError(f"frame size {width}x{height} must be even and at least 64x64")
        self.width, self.height = width, height
        self._pano_w, self._pano_h = width * _PANO_WIDTHS, int(height * _PANO_HEIGHTS)
        rng = np.random.default_rng(seed)
        self._pano = self._background(rng)
        self._movers = self._make_movers(rng)
        self._noise = rng.integers(-_NOISE_AMPLITUDE, _NOISE_AMPLITUDE + 1, (_NOISE_FRAMES, height, width, 1))
        self._noise = self._noise.astype(np.int16)
        self._viewport = Viewport()
        self._lock = threading.Lock()
        self.text_scale = max(1, height // 90)

    @property
    def viewport(self) -> Viewport:
        return self._viewport

    def set_viewport(self, pan_deg: float, tilt_deg: float, zoom: float) -> Viewport:
        """Point the camera; values outside the mechanical range are clamped. Thread-safe."""
        zoom = min(max(zoom, 1.0), _MAX_ZOOM)
        vfov = HFOV_DEG * self.height / self.width
        max_tilt = (_PANO_HEIGHTS - 1.0 / zoom) * vfov / 2
        tilt = min(max(tilt_deg, -max_tilt), max_tilt)
        pan = (pan_deg + 180.0) % 360.0 - 180.0
        with self._lock:
            self._viewport = Viewport(pan, tilt, zoom)
        return self._viewport

    def _background(self, rng: np.random.Generator) -> Frame:
        pw, ph = self._pano_w, self._pano_h
        pano = np.empty((ph, pw, 3), dtype=np.uint8)
        sky = np.linspace(200, 120, ph)[:, None]
        pano[:, :, 0], pano[:, :, 1], pano[:, :, 2] = sky * 0.6, sky * 0.75, sky
        ground = int(ph * 0.6)
        x = 0
        while x < pw:  # buildings with windows
            bw = int(rng.integers(pw // 60, pw // 20))
            top = int(rng.integers(int(ph * 0.1), int(ph * 0.45)))
            pano[top:ground, x : x + bw] = rng.integers(60, 180, 3)
            win = max(2, bw // 10)
            for wy in range(top + win, ground - 2 * win, 3 * win):
                for wx in range(x + win, x + bw - win, 2 * win):
                    pano[wy : wy + win, wx : wx + win] = (230, 220, 120) if rng.random() < 0.4 else (40, 50, 60)
            x += bw + int(rng.integers(0, pw // 80 + 1))
        pano[ground : int(ph * 0.68)] = (150, 150, 145)  # pavement
        pano[int(ph * 0.68) : int(ph * 0.9)] = (70, 70, 75)  # road
        lane = int(ph * 0.79)
        for dx in range(0, pw, pw // 64):
            pano[lane : lane + max(1, ph // 200), dx : dx + pw // 128] = 230
        pano[int(ph * 0.9) :] = (150, 150, 145)
        return pano

    def _make_movers(self, rng: np.random.Generator) -> list[_Mover]:
        pw, ph = self._pano_w, self._pano_h
        movers = []
        for i in range(16):  # cars, two directions
            up = i % 2 == 0
            y = ph * (0.70 if up else 0.80)
            speed = float(rng.uniform(0.04, 0.12) * pw) * (1 if up else -1)
            colour = tuple(int(c) for c in rng.integers(30, 250, 3))
            movers.append(_Mover(float(rng.uniform(0, pw)), speed, y, pw / 70, ph * 0.08, colour))  # type: ignore[arg-type]
        for _ in range(24):  # people on both pavements
            y = ph * float(rng.choice([0.60, 0.91]))
            speed = float(rng.uniform(-0.01, 0.01) * pw)
            colour = tuple(int(c) for c in rng.integers(0, 255, 3))
            movers.append(_Mover(float(rng.uniform(0, pw)), speed, y, pw / 400, ph * 0.06, colour))  # type: ignore[arg-type]
        return movers

    def render(self, t_s: float, frame_no: int, labels: tuple[str, ...] = ()) -> Frame:
        """The frame at scene time ``t_s`` seconds with ``labels`` burned in, one per line."""
        vp = self._viewport
        w, h, pw, ph = self.width, self.height, self._pano_w, self._pano_h
        src_w, src_h = w / vp.zoom, h / vp.zoom
        cx = (vp.pan_deg / 360.0 + 0.5) * pw
        vfov = HFOV_DEG * h / w
        cy = ph / 2 - vp.tilt_deg / vfov * h
        left, top = cx - src_w / 2, min(max(cy - src_h / 2, 0.0), ph - src_h)
        if vp.zoom == 1.0:
            x0, y0 = int(left) % pw, int(top)
            rows = self._pano[y0 : y0 + h]
            out = rows[:, x0 : x0 + w] if x0 + w <= pw else np.concatenate((rows[:, x0:], rows[:, : x0 + w - pw]), 1)
        else:
            xs = (left + (np.arange(w) + 0.5) * (src_w / w)).astype(np.int64) % pw
            ys = np.clip((top + (np.arange(h) + 0.5) * (src_h / h)).astype(np.int64), 0, ph - 1)
            out = self._pano[ys[:, None], xs[None, :]]
        frame = np.array(out, dtype=np.int16)
        scale = w / src_w
        for m in self._movers:
            mx = (m.x0 + m.speed * t_s) % pw
            vx = ((mx - left) % pw) * scale
            vy = (m.y - top) * scale
            x1, y1 = int(vx), int(vy)
            x2, y2 = int(vx + m.w * scale) + 1, int(vy + m.h * scale) + 1
            if x1 < w and y1 < h and y2 > 0:
                frame[max(y1, 0) : min(y2, h), x1 : min(x2, w)] = m.colour
        frame += self._noise[frame_no % _NOISE_FRAMES]
        result = np.clip(frame, 0, 255).astype(np.uint8)
        line_h = 7 * self.text_scale
        for i, label in enumerate(labels):
            draw_text(result, label, 2 * self.text_scale, 2 * self.text_scale + i * line_h, self.text_scale)
        return result
