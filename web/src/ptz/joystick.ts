/** Pure joystick maths: a drag or held keys → a velocity in [-1, 1] per axis (tilt up is positive). */
import type { Velocity } from "./types";

export const STILL: Velocity = { pan: 0, tilt: 0, zoom: 0 };

const clamp = (v: number) => Math.max(-1, Math.min(1, v));
const round = (v: number) => Math.round(v * 100) / 100;

/**
 * A drag of (dx, dy) pixels from where it started, on a pad of `radius` pixels: speed grows with distance,
 * squared so small corrections are slow; a dead zone of 8 % stops jitter from moving the camera.
 */
export function dragVelocity(dx: number, dy: number, radius: number): Velocity {
  const axis = (d: number) => {
    const r = clamp(d / radius);
    if (Math.abs(r) < 0.08) return 0;
    return round(Math.sign(r) * r * r);
  };
  return { pan: axis(dx), tilt: axis(-dy), zoom: 0 };
}

/** Held keys: arrows pan/tilt, + and - zoom; shift is slow (a third of full speed). */
export function keyVelocity(held: ReadonlySet<string>, slow = false): Velocity {
  const speed = slow ? 0.33 : 0.8;
  const dir = (plus: string[], minus: string[]) =>
    (plus.some((k) => held.has(k)) ? 1 : 0) - (minus.some((k) => held.has(k)) ? 1 : 0);
  return {
    pan: dir(["ArrowRight"], ["ArrowLeft"]) * speed,
    tilt: dir(["ArrowUp"], ["ArrowDown"]) * speed,
    zoom: dir(["+", "="], ["-", "_"]) * speed,
  };
}

export function isStill(v: Velocity): boolean {
  return v.pan === 0 && v.tilt === 0 && v.zoom === 0;
}

export function sameVelocity(a: Velocity, b: Velocity): boolean {
  return a.pan === b.pan && a.tilt === b.tilt && a.zoom === b.zoom;
}

/** Where a click fell in the picture, as fractions (0..1 from the top left), allowing for letterboxing. */
export function pictureFraction(
  clickX: number,
  clickY: number,
  box: { width: number; height: number },
  aspect: number,
): { x: number; y: number } | null {
  const boxAspect = box.width / box.height;
  const w = boxAspect > aspect ? box.height * aspect : box.width;
  const h = boxAspect > aspect ? box.height : box.width / aspect;
  const x = (clickX - (box.width - w) / 2) / w;
  const y = (clickY - (box.height - h) / 2) / h;
  if (x < 0 || x > 1 || y < 0 || y > 1) return null;
  return { x, y };
}
