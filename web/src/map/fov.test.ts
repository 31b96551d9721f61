import { describe, expect, it } from "vitest";
import { destination, fovPolygon } from "./fov";

describe("field of view", () => {
  it("goes north and east by the right distance", () => {
    const [lat] = destination(51.492, -0.2236, 0, 1000);
    expect((lat - 51.492) * 111_195).toBeCloseTo(1000, -1);
    const [lat2, lon2] = destination(51.492, -0.2236, 90, 100);
    expect(lat2).toBeCloseTo(51.492, 4);
    expect(lon2).toBeGreaterThan(-0.2236);
  });

  it("is a closed wedge from the camera", () => {
    const p = fovPolygon(51.492, -0.2236, 45, 60, 80);
    expect(p[0]).toEqual([51.492, -0.2236]);
    expect(p[p.length - 1]).toEqual([51.492, -0.2236]);
    expect(p.length).toBe(12 + 1 + 2);
  });
});
