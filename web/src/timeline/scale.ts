/** Pure arithmetic of the timeline: zoom limits, pixel ↔ time, tick steps aligned to London time. */
import { londonOffsetMs } from "../common/time";

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const MIN_SPAN_MS = 10 * SECOND;
export const MAX_SPAN_MS = 31 * DAY;

export interface View {
  start: number;
  end: number;
}

export const PRESETS: { label: string; span: number }[] = [
  { label: "1 month", span: 30 * DAY },
  { label: "1 week", span: 7 * DAY },
  { label: "1 day", span: DAY },
  { label: "1 hour", span: HOUR },
  { label: "10 min", span: 10 * MINUTE },
  { label: "1 min", span: MINUTE },
];

export function clampSpan(span: number): number {
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span));
}

/** Zooms by `factor` (< 1 zooms in) keeping instant `anchor` at the same place on screen. */
export function zoom(view: View, factor: number, anchor = (view.start + view.end) / 2): View {
  const span = view.end - view.start;
  const next = clampSpan(span * factor);
  const f = (anchor - view.start) / span;
  const start = anchor - f * next;
  return { start, end: start + next };
}

export function centred(t: number, span: number): View {
  const s = clampSpan(span);
  return { start: t - s / 2, end: t + s / 2 };
}

export function pan(view: View, deltaMs: number): View {
  return { start: view.start + deltaMs, end: view.end + deltaMs };
}

export function timeAt(view: View, x: number, width: number): number {
  return view.start + (x / Math.max(1, width)) * (view.end - view.start);
}

export function xAt(view: View, t: number, width: number): number {
  return ((t - view.start) / (view.end - view.start)) * width;
}

const STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** The smallest step giving ticks at least `minPx` apart. */
export function tickStep(view: View, width: number, minPx = 90): number {
  const msPerPx = (view.end - view.start) / Math.max(1, width);
  return STEPS.find((s) => s / msPerPx >= minPx) ?? STEPS[STEPS.length - 1];
}

/** Tick instants within the view, on round London wall-clock times (midnight for days, whatever the season). */
export function ticks(view: View, step: number): number[] {
  const out: number[] = [];
  const localStart = view.start + londonOffsetMs(view.start);
  let local = Math.floor(localStart / step) * step;
  if (step >= 7 * DAY) local = Math.floor(localStart / DAY) * DAY; // weeks: every 7 days from a midnight
  for (let i = 0; i < 500; i++, local += step) {
    // local wall-clock ms → UTC: try the offset either side of the change
    let t = local - londonOffsetMs(local);
    if (londonOffsetMs(t) !== londonOffsetMs(local)) t = local - londonOffsetMs(t);
    if (t > view.end) break;
    if (t >= view.start && (out.length === 0 || t > out[out.length - 1])) out.push(t);
  }
  return out;
}

export interface Block {
  start: number;
  end: number;
}

/** Merges blocks closer than `minGapMs` so a month of one-minute files draws as a few rectangles. */
export function mergeBlocks<T extends Block>(blocks: T[], minGapMs: number): Block[] {
  const sorted = [...blocks].sort((a, b) => a.start - b.start);
  const out: Block[] = [];
  for (const b of sorted) {
    const last = out[out.length - 1];
    if (last && b.start - last.end <= minGapMs) last.end = Math.max(last.end, b.end);
    else out.push({ start: b.start, end: b.end });
  }
  return out;
}
