import { describe, expect, it } from "vitest";
import { gridColumns, wall } from "./wallStore";

describe("wall store", () => {
  it("fills the first empty tile and keeps hidden tiles when shrinking", () => {
    wall.replace({ grid: 4, tiles: [null, null, null, null] });
    expect(wall.add("a")).toBe(0);
    expect(wall.add("b")).toBe(1);
    expect(wall.add("a")).toBe(0);
    wall.setTile(3, "d");
    wall.setGrid(1);
    expect(wall.get().tiles.slice(0, 4)).toEqual(["a", "b", null, "d"]);
    wall.setGrid(16);
    expect(wall.get().tiles.length).toBe(16);
    expect(wall.get().tiles[3]).toBe("d");
    wall.swap(0, 3);
    expect(wall.get().tiles.slice(0, 4)).toEqual(["d", "b", null, "a"]);
    expect(gridColumns(9)).toBe(3);
  });
});
