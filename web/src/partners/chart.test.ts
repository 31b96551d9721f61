import { describe, expect, it } from "vitest";
import { PAD, chartGeometry, money, niceMax } from "./chart";
import type { Forecast } from "./types";

const forecast: Forecast = {
  start: "2027-01-01",
  years: 2,
  target_p: 1_000_000,
  scenarios: [
    {
      scenario: { name: "expected" },
      years: [
        { year: 1, start: "2027-01-01", contracted_p: 300_000, pipeline_p: 0, total_p: 300_000, cumulative_p: 300_000 },
        { year: 2, start: "2028-01-01", contracted_p: 300_000, pipeline_p: 0, total_p: 300_000, cumulative_p: 600_000 },
      ],
      total_p: 600_000,
      target_p: 1_000_000,
      gap_p: 400_000,
      meets_target: false,
    },
  ],
};

describe("forecast chart", () => {
  it("rounds the axis up to 1, 2 or 5 times a power of ten", () => {
    expect(niceMax(1_050_000)).toBe(2_000_000);
    expect(niceMax(480)).toBe(500);
    expect(niceMax(0)).toBe(1);
  });

  it("places the cumulative line and the target on the same scale", () => {
    const g = chartGeometry(forecast, 640, 240);
    const plotH = 240 - PAD.top - PAD.bottom;
    // axis max is niceMax(1_050_000) = 2_000_000: the target sits at half height
    expect(g.targetY).toBeCloseTo(PAD.top + plotH / 2);
    const pts = g.lines[0].points;
    expect(pts).toHaveLength(3);
    expect(pts[0]).toEqual([PAD.left, PAD.top + plotH]);
    expect(pts[2][0]).toBeCloseTo(640 - PAD.right);
    expect(pts[2][1]).toBeCloseTo(PAD.top + plotH * (1 - 600_000 / 2_000_000));
  });

  it("writes money for people", () => {
    expect(money(1_200_000_000)).toBe("£12.0m");
    expect(money(3_456_700)).toBe("£35k");
    expect(money(4_250)).toBe("£42.50");
  });
});
