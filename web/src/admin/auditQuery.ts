/**
 * The audit filter as typed on screen (London wall-clock times from `<input type="datetime-local">`) → the
 * API's query (UTC ISO instants). Pure, so the clock changes of March and October can be tested.
 */
import { formatLondon, parseLondon, toLocalInput } from "../common/time";
import type { AuditParams } from "./api";

export interface AuditFilter {
  username: string;
  cameraId: string;
  action: string;
  /** London wall-clock `YYYY-MM-DDTHH:MM`; empty: open. */
  from: string;
  to: string;
}

/** The last `hours` hours up to the next whole minute, as London input values. */
export function lastHours(now: number, hours = 24): { from: string; to: string } {
  const end = Math.ceil(now / 60_000) * 60_000;
  return { from: toLocalInput(end - hours * 3_600_000).slice(0, 16), to: toLocalInput(end).slice(0, 16) };
}

/** A London input value as a UTC ISO instant; null when empty; throws a message a person can act on. */
export function londonInputToIso(value: string, what: string): string | null {
  if (!value.trim()) return null;
  const t = parseLondon(value);
  if (t === null) throw new Error(`${what} must be a date and time like 2026-11-26 09:30 (London time)`);
  return new Date(t).toISOString();
}

export function auditParams(f: AuditFilter): AuditParams {
  const start = londonInputToIso(f.from, "From");
  const end = londonInputToIso(f.to, "To");
  if (start && end && Date.parse(end) <= Date.parse(start)) throw new Error("The period must end after it starts");
  const p: AuditParams = {};
  if (f.username.trim()) p.username = f.username.trim();
  if (f.cameraId) p.camera_id = f.cameraId;
  if (f.action.trim()) p.action = f.action.trim();
  if (start) p.start = start;
  if (end) p.end = end;
  return p;
}

/** An entry's time range for the table, in London time (the end without its date when on the same day). */
export function rangeText(start: string | null, end: string | null): string {
  const a = start ? Date.parse(start) : NaN;
  const b = end ? Date.parse(end) : NaN;
  if (Number.isNaN(a)) return "";
  const from = formatLondon(a);
  if (Number.isNaN(b)) return `from ${from}`;
  const to = formatLondon(b);
  return `${from} – ${to.slice(0, 10) === from.slice(0, 10) ? to.slice(11) : to}`;
}
