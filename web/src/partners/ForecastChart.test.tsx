import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ForecastChart } from "./ForecastChart";
import { londonMonth, pounds } from "./PartnersView";
import type { Forecast } from "./types";

const year = (n: number, cumulative: number) => ({
  year: n,
  start: `${2026 + n}-01-01`,
  contracted_p: 0,
  pipeline_p: 0,
  total_p: 0,
  cumulative_p: cumulative,
});

const forecast: Forecast = {
  start: "2027-01-01",
  years: 2,
  target_p: 1_200_000_000,
  scenarios: ["low", "expected", "high"].map((name, i) => ({
    scenario: { name },
    years: [year(1, (i + 1) * 100_000_000), year(2, (i + 1) * 300_000_000)],
    total_p: (i + 1) * 300_000_000,
    target_p: 1_200_000_000,
    gap_p: 1_200_000_000 - (i + 1) * 300_000_000,
    meets_target: false,
  })),
};

describe("ForecastChart", () => {
  it("draws one line per scenario and the target", () => {
    const svg = renderToStaticMarkup(<ForecastChart forecast={forecast} />);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain("target £12.0m");
    expect(svg).toContain('data-scenario="expected"');
    expect(svg).toContain("high £9.0m");
  });
});

describe("money on screen", () => {
  it("shows pence as pounds and London's month", () => {
    expect(pounds(81_290)).toBe("£812.90");
    expect(pounds(-1_415)).toBe("−£14.15");
    expect(pounds(123_456_789)).toBe("£1,234,567.89");
    // 2026-10-31T23:30Z: London is on GMT again, so it is still October there.
    expect(londonMonth(Date.UTC(2026, 9, 31, 23, 30))).toBe("2026-10");
    // 2026-06-30T23:30Z is 00:30 BST on 1 July.
    expect(londonMonth(Date.UTC(2026, 5, 30, 23, 30))).toBe("2026-07");
  });
});
