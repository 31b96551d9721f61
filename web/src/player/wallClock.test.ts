import { describe, expect, it } from "vitest";
import { WallClockMap } from "./wallClock";

const T0 = Date.UTC(2026, 10, 26, 3, 40, 0);

function playlist(m: WallClockMap) {
  // Two runs: 0–12 s of media from T0, then a discontinuity to T0 + 60 s (a gap of 48 s).
  m.setPlaylist([
    { sn: 0, cc: 0, start: 0, end: 4, pdt: T0 },
    { sn: 1, cc: 0, start: 4, end: 8, pdt: T0 + 4000 },
    { sn: 2, cc: 0, start: 8, end: 12, pdt: T0 + 8000 },
    { sn: 3, cc: 1, start: 12, end: 16, pdt: T0 + 60_000 },
  ]);
}

describe("wall clock of recorded playback", () => {
  it("knows nothing on screen until a fragment is buffered, and estimates from the playlist where to load", () => {
    const m = new WallClockMap();
    playlist(m);
    expect(m.wallAt(5)).toBeNull();
    expect(m.mediaAt(T0 + 5500)).toBe(5.5);
    expect(m.mediaAt(T0 + 30_000)).toBeNull(); // in the gap
    expect(m.nextAfter(T0 + 30_000)?.sn).toBe(3);
  });

  it("maps each position through the fragment that holds it, where it really landed", () => {
    const m = new WallClockMap();
    playlist(m);
    m.placedFragment({ sn: 1, cc: 0, start: 4.2, end: 8.2, pdt: T0 + 4000 });
    m.placedFragment({ sn: 3, cc: 1, start: 12.2, end: 16.2, pdt: T0 + 60_000 });
    expect(m.wallAt(5.2)).toBe(T0 + 5000);
    expect(m.wallAt(13.2)).toBe(T0 + 61_000); // across the discontinuity, no offset carried over
    expect(m.wallAt(10)).toBeNull(); // sn 2 not buffered
    expect(m.placedMediaAt(T0 + 61_000)).toBeCloseTo(13.2, 6);
    expect(m.mediaAt(T0 + 9000)).toBe(9); // estimate for what is not buffered
  });

  it("lets a fragment placed later replace the ones it overlaps", () => {
    const m = new WallClockMap();
    playlist(m);
    m.placedFragment({ sn: 1, cc: 0, start: 4, end: 8, pdt: T0 + 4000 });
    m.placedFragment({ sn: 2, cc: 0, start: 6, end: 10, pdt: T0 + 8000 }); // re-based over the end of sn 1
    expect(m.wallAt(7)).toBe(T0 + 9000);
    expect(m.wallAt(5)).toBeNull();
    expect(m.debugPlaced()).toEqual([[6, T0 + 8000, 4]]);
  });

  it("ignores fragments with no length or no date", () => {
    const m = new WallClockMap();
    m.placedFragment({ sn: 0, cc: 0, start: 4, end: 4, pdt: T0 });
    m.placedFragment({ sn: 1, cc: 0, start: 4, end: 8, pdt: Number.NaN });
    expect(m.debugPlaced()).toEqual([]);
  });
});
