/** Geometry of the forecast chart: cumulative revenue per scenario against the target, in SVG units. */
import type { Forecast } from "./types";

export interface ChartLine {
  name: string;
  points: Array<[number, number]>;
  total_p: number;
  meets: boolean;
}

export interface ChartGeometry {
  width: number;
  height: number;
  targetY: number;
  lines: ChartLine[];
  yTicks: Array<{ y: number; label: string }>;
  xTicks: Array<{ x: number; label: string }>;
}

export const PAD = { left: 64, right: 90, top: 12, bottom: 26 };

/** £ in millions with one decimal: 123_456_789p → "£1.2m"; under £1m in thousands. */
export function money(p: number): string {
  const pounds = p / 100;
  if (Math.abs(pounds) >= 1_000_000) return `£${(pounds / 1_000_000).toFixed(1)}m`;
  if (Math.abs(pounds) >= 1_000) return `£${Math.round(pounds / 1_000)}k`;
  return `£${pounds.toFixed(2)}`;
}

/** A "nice" axis maximum at or above `v`: 1, 2 or 5 × a power of ten. */
export function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function chartGeometry(f: Forecast, width = 640, height = 240): ChartGeometry {
  const years = f.years;
  const top = Math.max(f.target_p, ...f.scenarios.map((s) => s.total_p));
  const yMax = niceMax(top * 1.05);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (year: number) => PAD.left + (plotW * year) / years;
  const y = (p: number) => PAD.top + plotH - (plotH * p) / yMax;
  const lines = f.scenarios.map((s) => ({
    name: s.scenario.name,
    points: [[x(0), y(0)] as [number, number], ...s.years.map((yr) => [x(yr.year), y(yr.cumulative_p)] as [number, number])],
    total_p: s.total_p,
    meets: s.meets_target,
  }));
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((k) => ({ y: y(yMax * k), label: money(yMax * k) }));
  const xTicks = Array.from({ length: years + 1 }, (_, i) => ({ x: x(i), label: i === 0 ? "now" : `year ${i}` }));
  return { width, height, targetY: y(f.target_p), lines, yTicks, xTicks };
}
