import { describe, expect, it } from "vitest";
import { dragVelocity, isStill, keyVelocity, pictureFraction } from "./joystick";

describe("joystick", () => {
  it("drags right and up into positive pan and tilt, growing with distance", () => {
    const near = dragVelocity(20, -20, 100);
    const far = dragVelocity(80, -80, 100);
    expect(near.pan).toBeGreaterThan(0);
    expect(near.tilt).toBeGreaterThan(0);
    expect(far.pan).toBeGreaterThan(near.pan);
    expect(dragVelocity(500, 0, 100).pan).toBe(1);
  });

  it("ignores jitter inside the dead zone", () => {
    expect(isStill(dragVelocity(3, -4, 100))).toBe(true);
  });

  it("maps held keys, with + and - for zoom", () => {
    expect(keyVelocity(new Set(["ArrowLeft"]))).toEqual({ pan: -0.8, tilt: 0, zoom: 0 });
    expect(keyVelocity(new Set(["ArrowUp", "+"]), true)).toEqual({ pan: 0, tilt: 0.33, zoom: 0.33 });
    expect(isStill(keyVelocity(new Set(["ArrowLeft", "ArrowRight"])))).toBe(true);
  });

  it("finds the click in a letterboxed picture", () => {
    // A 16:9 picture in a 400×400 box: 400×225, bars of 87.5 px above and below.
    expect(pictureFraction(300, 200, { width: 400, height: 400 }, 16 / 9)).toEqual({ x: 0.75, y: 0.5 });
    expect(pictureFraction(200, 10, { width: 400, height: 400 }, 16 / 9)).toBeNull();
  });
});
