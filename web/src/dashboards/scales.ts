/**
 * Pure helpers for the crime dashboard: chart scales, choropleth classes and colours, and labels.
 * Months come from the API as "YYYY-MM" and are shown in Europe/London, like every time on screen.
 */
import { ZONE } from "../common/time";

/** A linear map from [d0, d1] to [r0, r1]; a zero-width domain maps everything to r0. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** About `count` round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten apart). */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(Math.round(v * 1e6) / 1e6);
    if (v >= max) break;
  }
  return ticks;
}

/**
 * Upper bounds of `classes` quantile classes (the last is the maximum), without repeats: equal-count classes
 * show where a borough's crime concentrates better than equal intervals, which one busy LSOA would flatten.
 */
export function quantileBreaks(values: number[], classes = 5): number[] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks: number[] = [];
  for (let i = 1; i <= classes; i++) {
    const v = sorted[Math.min(sorted.length - 1, Math.ceil((i / classes) * sorted.length) - 1)];
    if (!breaks.length || v > breaks[breaks.length - 1]) breaks.push(v);
  }
  return breaks;
}

/** The class of `value`: the first break it does not exceed; -1 for a missing value. */
export function classOf(value: number | null | undefined, breaks: number[]): number {
  if (value === null || value === undefined || !Number.isFinite(value) || !breaks.length) return -1;
  const i = breaks.findIndex((b) => value <= b);
  return i === -1 ? breaks.length - 1 : i;
}

/** Sequential palette (light to dark red) for counts; readable on the dark map. */
export const SEQUENTIAL = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
/** Diverging palette for change: falls in blue, rises in red. */
export const DIVERGING = ["#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b"];
export const NO_DATA = "#3d4b5c";

export function sequentialColour(value: number | null | undefined, breaks: number[]): string {
  const i = classOf(value, breaks);
  if (i < 0) return NO_DATA;
  // Fewer classes than colours (repeated values): spread them over the palette's full range.
  const n = breaks.length;
  const at = n <= 1 ? SEQUENTIAL.length - 1 : Math.round((i / (n - 1)) * (SEQUENTIAL.length - 1));
  return SEQUENTIAL[at];
}

/** Fixed classes of percentage change, symmetric about zero. */
export const CHANGE_BREAKS = [-15, -7.5, 0, 7.5, 15];

export function changeColour(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return NO_DATA;
  const i = CHANGE_BREAKS.findIndex((b) => pct <= b);
  return DIVERGING[i === -1 ? DIVERGING.length - 1 : i];
}

/** Legend rows for `breaks`: "0 – 120", "121 – 180", … (integers when every break is one). */
export function legendLabels(breaks: number[], lowest = 0): string[] {
  const whole = breaks.every((b) => Number.isInteger(b));
  const fmt = (v: number) => (whole ? Math.round(v).toLocaleString("en-GB") : v.toLocaleString("en-GB", { maximumFractionDigits: 1 }));
  return breaks.map((b, i) => {
    const from = i === 0 ? lowest : whole ? breaks[i - 1] + 1 : breaks[i - 1];
    return from >= b ? fmt(b) : `${fmt(from)} – ${fmt(b)}`;
  });
}

const monthFmt = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: ZONE });
const monthShortFmt = new Intl.DateTimeFormat("en-GB", { month: "short", timeZone: ZONE });

/** "2013-04" → "Apr 2013" (mid-month noon UTC, so that the London date is the same month). */
export function monthLabel(month: string, short = false): string {
  const [y, m] = month.split("-").map(Number);
  const t = new Date(Date.UTC(y, m - 1, 15, 12));
  return (short ? monthShortFmt : monthFmt).format(t);
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-GB");
}

export function formatPct(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return "–";
  const sign = pct > 0 ? "+" : pct < 0 ? "−" : "";
  return `${sign}${Math.abs(pct).toFixed(1)} %`;
}

export type Rag = "green" | "amber" | "red" | "none";

export const RAG_LABEL: Record<Rag, string> = {
  green: "On target",
  amber: "Falling too slowly",
  red: "Rising",
  none: "No comparison",
};

/** Names compared the way the API forgives them: case, spacing and "&" for "and". */
export function sameArea(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/&/g, "and").split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  return norm(a) === norm(b);
}
