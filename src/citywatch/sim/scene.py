"""A synthetic street scene: a 360° × 90° panorama of buildings, pavement and road with moving cars
and people, seen through a pan/tilt/zoom viewport.

The panorama is stored at twice the output resolution (capped at 8192 px round), so a zoomed view
still has detail; a view is a nearest-neighbour gather of panorama pixels (rows above or below the
panorama repeat its top or bottom row: open sky, pavement). Bearings (N, 030, 060 …) are painted
into the sky every 30° so a person, or a test, can read where the camera points. Everything is a
deterministic function of (seed, time, viewport), so a frame can be rendered ahead of its capture
instant. Mild per-frame noise makes the encoder spend its target bitrate, as a real sensor would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from citywatch.sim.font import draw_text

__all__ = ["HFOV_DEG", "PANO_HEIGHT_DEG", "StreetScene", "Viewport"]

HFOV_DEG = 90.0  # horizontal field of view at zoom 1
PANO_HEIGHT_DEG = 90.0  # the panorama spans tilt -45°..+45°
_PANO_DETAIL = 2.0  # panorama pixels per output pixel at zoom 1
_PANO_MAX_WIDTH = 8192
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


def clamp_viewport(pan_deg: float, tilt_deg: float, zoom: float) -> Viewport:
    """Pan wrapped into [-180, 180), tilt within ±45°, zoom within 1..20."""
    tilt_max = PANO_HEIGHT_DEG / 2
    return Viewport(
        (pan_deg + 180.0) % 360.0 - 180.0, min(max(tilt_deg, -tilt_max), tilt_max), min(max(zoom, 1.0), _MAX_ZOOM)
    )


class StreetScene:
    """Renders ``width`` x ``height`` RGB frames of one camera's street."""

    def __init__(self, width: int, height: int, seed: int = 1) -> None:
        if width < 64 or height < 64 or width % 2 or height % 2:
            raise ValueError(f"frame size {width}x{height} must be even and at least 64x64")
        self.width, self.height = width, height
        self.px_per_deg = min(_PANO_DETAIL * width / HFOV_DEG, _PANO_MAX_WIDTH / 360.0)
        self._pano_w = round(360.0 * self.px_per_deg)
        self._pano_h = round(PANO_HEIGHT_DEG * self.px_per_deg)
        rng = np.random.default_rng(seed)
        # Kept within [A, 255 - A] so that adding noise of amplitude A in uint8 cannot wrap: no
        # int16 round trip and no clip per frame.
        self._pano = self._background(rng)
        np.clip(self._pano, _NOISE_AMPLITUDE, 255 - _NOISE_AMPLITUDE, out=self._pano)
        self._pano_px = self._pano.view(np.dtype("V3"))[..., 0].ravel()  # one 3-byte item per pixel
        self._movers = self._make_movers(rng)
        noise = rng.integers(-_NOISE_AMPLITUDE, _NOISE_AMPLITUDE + 1, (_NOISE_FRAMES, height, width, 1), np.int8)
        self._noise = np.repeat(noise.view(np.uint8), 3, axis=3)  # two's complement: the uint8 add subtracts
        self._viewport = Viewport()
        self._lock = threading.Lock()
        self._gather: tuple[Viewport, npt.NDArray[np.intp], npt.NDArray[np.intp], float, float] | None = None
        self._flat: tuple[Viewport, npt.NDArray[np.intp]] | None = None
        self.text_scale = max(1, height // 90)

    @property
    def viewport(self) -> Viewport:
        return self._viewport

    @property
    def panorama(self) -> Frame:
        """The static background (no movers, no noise), 360° wide, ``px_per_deg`` pixels a degree."""
        return self._pano

    def set_viewport(self, pan_deg: float, tilt_deg: float, zoom: float) -> Viewport:
        """Point the camera; values outside the mechanical range are clamped. Thread-safe."""
        vp = clamp_viewport(pan_deg, tilt_deg, zoom)
        with self._lock:
            self._viewport = vp
        return vp

    def _background(self, rng: np.random.Generator) -> Frame:
        pw, ph = self._pano_w, self._pano_h
        pano = np.empty((ph, pw, 3), dtype=np.uint8)
        sky = np.linspace(200, 120, ph)[:, None] * np.array([0.6, 0.75, 1.0])  # one colour per row
        pano[:] = sky.astype(np.uint8)[:, None, :]
        ground = int(ph * 0.6)
        x = 0
        while x < pw:  # buildings with windows
            bw = int(rng.integers(pw // 60, pw // 20))
            top = int(rng.integers(int(ph * 0.1), int(ph * 0.45)))
            pano[top:ground, x : x + bw] = rng.integers(60, 180, 3)
            win = max(2, bw // 10)
            lit = rng.random(
                (len(range(top + win, ground - 2 * win, 3 * win)), len(range(x + win, x + bw - win, 2 * win)))
            )
            for r, wy in enumerate(range(top + win, ground - 2 * win, 3 * win)):
                for c, wx in enumerate(range(x + win, x + bw - win, 2 * win)):
                    pano[wy : wy + win, wx : wx + win] = (230, 220, 120) if lit[r, c] < 0.4 else (40, 50, 60)
            x += bw + int(rng.integers(0, pw // 80 + 1))
        pano[ground : int(ph * 0.68)] = (150, 150, 145)  # pavement
        pano[int(ph * 0.68) : int(ph * 0.9)] = (70, 70, 75)  # road
        lane = int(ph * 0.79)
        for dx in range(0, pw, pw // 64):
            pano[lane : lane + max(1, ph // 200), dx : dx + pw // 128] = 230
        pano[int(ph * 0.9) :] = (150, 150, 145)
        self._paint_bearings(pano)
        return pano

    def _paint_bearings(self, pano: Frame) -> None:
        """Bearing signs in the sky every 30° (pan 0 = "N"), centred on their bearing."""
        scale = max(2, round(self.px_per_deg * 0.8))
        for bearing in range(0, 360, 30):
            text = "N" if bearing == 0 else f"{bearing:03d}"
            x = round(((bearing + 180) % 360) * self.px_per_deg) - len(text) * 4 * scale // 2
            x = min(max(x, 0), self._pano_w - len(text) * 4 * scale)
            draw_text(pano, text, x, round(self._pano_h * 0.2), scale)

    def _make_movers(self, rng: np.random.Generator) -> list[_Mover]:
        pw, ph = self._pano_w, self._pano_h
        movers = []
        for i in range(16):  # cars, two directions
            up = i % 2 == 0
            y = ph * (0.70 if up else 0.80)
            speed = float(rng.uniform(0.04, 0.12) * pw) * (1 if up else -1)
            colour = tuple(int(c) for c in rng.integers(30, 250 - _NOISE_AMPLITUDE, 3))
            movers.append(_Mover(float(rng.uniform(0, pw)), speed, y, pw / 70, ph * 0.08, colour))  # type: ignore[arg-type]
        for _ in range(24):  # people on both pavements
            y = ph * float(rng.choice([0.60, 0.91]))
            speed = float(rng.uniform(-0.01, 0.01) * pw)
            colour = tuple(int(c) for c in rng.integers(_NOISE_AMPLITUDE, 256 - _NOISE_AMPLITUDE, 3))
            movers.append(_Mover(float(rng.uniform(0, pw)), speed, y, pw / 400, ph * 0.06, colour))  # type: ignore[arg-type]
        return movers

    def view_indices(self, vp: Viewport) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], float, float]:
        """Panorama rows and columns sampled for ``vp``, and the view's left and top edges in
        panorama pixels (the column index wraps; rows beyond the panorama repeat its edge)."""
        cached = self._gather
        if cached is not None and cached[0] == vp:
            return cached[1], cached[2], cached[3], cached[4]
        w, h = self.width, self.height
        span_x = HFOV_DEG / vp.zoom * self.px_per_deg  # panorama pixels across the view
        span_y = span_x * h / w
        left = (vp.pan_deg + 180.0) * self.px_per_deg - span_x / 2
        top = (PANO_HEIGHT_DEG / 2 - vp.tilt_deg) * self.px_per_deg - span_y / 2
        xs = np.floor(left + (np.arange(w) + 0.5) * (span_x / w)).astype(np.intp) % self._pano_w
        ys = np.clip(np.floor(top + (np.arange(h) + 0.5) * (span_y / h)).astype(np.intp), 0, self._pano_h - 1)
        self._gather = (vp, ys, xs, left, top)
        return ys, xs, left, top

    def render(
        self, t_s: float, frame_no: int, labels: tuple[str, ...] = (), viewport: Viewport | None = None
    ) -> Frame:
        """The frame at scene time ``t_s`` seconds, seen through ``viewport`` (default: the one
        last set), with ``labels`` burned in, one per line."""
        vp = self._viewport if viewport is None else viewport
        w, h, pw = self.width, self.height, self._pano_w
        ys, xs, left, top = self.view_indices(vp)
        flat = self._flat
        if flat is None or flat[0] != vp:
            flat = self._flat = (vp, (ys[:, None] * pw + xs[None, :]).ravel())
        frame: Frame = self._pano_px.take(flat[1]).view(np.uint8).reshape(h, w, 3)
        scale = w / (HFOV_DEG / vp.zoom * self.px_per_deg)
        for m in self._movers:
            mx = (m.x0 + m.speed * t_s) % pw
            vx = ((mx - left) % pw) * scale
            vy = (m.y - top) * scale
            x1, y1 = int(vx), int(vy)
            x2, y2 = int(vx + m.w * scale) + 1, int(vy + m.h * scale) + 1
            if x1 < w and y1 < h and y2 > 0:
                frame[max(y1, 0) : min(y2, h), x1 : min(x2, w)] = m.colour
        frame += self._noise[frame_no % _NOISE_FRAMES]
        line_h = 7 * self.text_scale
        for i, label in enumerate(labels):
            draw_text(frame, label, 2 * self.text_scale, 2 * self.text_scale + i * line_h, self.text_scale)
        return frame
