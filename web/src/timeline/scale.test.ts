import { describe, expect, it } from "vitest";
import { formatLondon } from "../common/time";
import { centred, DAY, HOUR, MAX_SPAN_MS, MIN_SPAN_MS, mergeBlocks, MINUTE, tickStep, ticks, timeAt, xAt, zoom } from "./scale";

describe("timeline scale", () => {
  const view = { start: Date.parse("2026-11-25T21:00:00Z"), end: Date.parse("2026-11-25T22:00:00Z") };

  it("converts between pixels and time", () => {
    expect(timeAt(view, 500, 1000)).toBe(Date.parse("2026-11-25T21:30:00Z"));
    expect(xAt(view, Date.parse("2026-11-25T21:15:00Z"), 1000)).toBe(250);
  });

  it("zooms about an anchor within a month and ten seconds", () => {
    const anchor = Date.parse("2026-11-25T21:15:00Z");
    const z = zoom(view, 0.5, anchor);
    expect(z.end - z.start).toBe(30 * MINUTE);
    expect(xAt(z, anchor, 1000)).toBeCloseTo(250);
    expect(zoom(view, 1e-9).end - zoom(view, 1e-9).start).toBe(MIN_SPAN_MS);
    expect(zoom(view, 1e9).end - zoom(view, 1e9).start).toBe(MAX_SPAN_MS);
    expect(centred(anchor, HOUR).start).toBe(anchor - HOUR / 2);
  });

  it("puts ticks on round London times", () => {
    const step = tickStep(view, 1000);
    expect(step).toBe(10 * MINUTE);
    const t = ticks(view, step);
    expect(t.map((x) => formatLondon(x).slice(11, 16))).toEqual(["21:00", "21:10", "21:20", "21:30", "21:40", "21:50", "22:00"]);
  });

  it("puts day ticks on London midnight in summer", () => {
    const summer = { start: Date.parse("2026-07-01T00:00:00Z"), end: Date.parse("2026-07-05T00:00:00Z") };
    const t = ticks(summer, DAY);
    expect(t.map((x) => formatLondon(x))).toEqual([
      "2026-07-02 00:00:00",
      "2026-07-03 00:00:00",
      "2026-07-04 00:00:00",
      "2026-07-05 00:00:00", // 2026-07-04T23:00Z, inside the view
    ]);
  });

  it("keeps hourly ticks unique across the October change", () => {
    const oct = { start: Date.parse("2026-10-24T22:00:00Z"), end: Date.parse("2026-10-25T04:00:00Z") };
    const t = ticks(oct, HOUR);
    expect(new Set(t).size).toBe(t.length);
    expect(t.length).toBeGreaterThanOrEqual(6);
  });

  it("merges blocks closer than a pixel", () => {
    const merged = mergeBlocks(
      [
        { start: 0, end: 10 },
        { start: 11, end: 20 },
        { start: 100, end: 120 },
      ],
      5,
    );
    expect(merged).toEqual([
      { start: 0, end: 20 },
      { start: 100, end: 120 },
    ]);
  });
});
