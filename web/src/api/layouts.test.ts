import { describe, expect, it } from "vitest";
import { fromWire, toWire } from "./layouts";

describe("layout wire format", () => {
  it("sends camera ids as numbers with the wall's mode, empty tiles as null, padded to the grid", () => {
    expect(toWire({ name: "Town", grid: 4, tiles: ["3", null, "12"] }, "playback")).toEqual({
      grid: 4,
      tiles: [{ camera_id: 3, mode: "playback" }, null, { camera_id: 12, mode: "playback" }, null],
    });
    expect(toWire({ name: "One", grid: 1, tiles: ["7", "8"] }).tiles).toEqual([{ camera_id: 7, mode: "live" }]);
  });

  it("reads the server's layouts back as the wall's tiles", () => {
    const l = fromWire({ name: "Town", grid: 4, tiles: [{ camera_id: 3, mode: "live" }, null, null, null] });
    expect(l).toEqual({ name: "Town", grid: 4, tiles: ["3", null, null, null] });
    expect(toWire(l, "live").tiles[0]).toEqual({ camera_id: 3, mode: "live" });
  });
});
