/**
 * Time on screen is Europe/London; time on the wire is UTC. London is UTC+0 (GMT) in winter and UTC+1 (BST) from
 * the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC. The browser's Intl data decides.
 */

export const ZONE = "Europe/London";

const partsFmt = new Intl.DateTimeFormat("en-GB", {
  timeZone: ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function londonParts(t: number): LocalParts {
  const p: Record<string, number> = {};
  for (const part of partsFmt.formatToParts(new Date(t))) if (part.type !== "literal") p[part.type] = Number(part.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour % 24, minute: p.minute, second: p.second };
}

/** London's offset from UTC at instant `t` (ms since the epoch), in ms: 0 or 3 600 000. */
export function londonOffsetMs(t: number): number {
  const p = londonParts(t);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/**
 * The UTC instant of a London wall-clock time. In the October fall-back hour (which happens twice) the first
 * occurrence (BST) is chosen; a time inside the March spring-forward hour (which never happens) moves forward
 * by an hour, as a clock on the wall would.
 */
export function fromLondon(p: LocalParts, ms = 0): number {
  const naive = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, ms);
  for (const candidate of [naive - 3_600_000, naive]) {
    const back = londonParts(candidate);
    if (back.day === p.day && back.hour === p.hour && back.minute === p.minute) return candidate;
  }
  return naive; // inside the spring-forward hour: read as GMT, which shows an hour later in BST
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

export function zoneAbbrev(t: number): string {
  return londonOffsetMs(t) === 0 ? "GMT" : "BST";
}

/** `2026-11-25 21:14:07` (London). */
export function formatLondon(t: number, opts: { ms?: boolean; zone?: boolean } = {}): string {
  const p = londonParts(t);
  let s = `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  if (opts.ms) s += `.${pad(((t % 1000) + 1000) % 1000, 3)}`;
  if (opts.zone) s += ` ${zoneAbbrev(t)}`;
  return s;
}

export function formatLondonTime(t: number, withSeconds = true): string {
  const p = londonParts(t);
  return withSeconds ? `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` : `${pad(p.hour)}:${pad(p.minute)}`;
}

const dayFmt = new Intl.DateTimeFormat("en-GB", { timeZone: ZONE, weekday: "short", day: "numeric", month: "short" });
export function formatLondonDay(t: number): string {
  return dayFmt.format(new Date(t));
}

/** The value for an `<input type="datetime-local" step="1">`: `2026-11-25T21:14:07`. */
export function toLocalInput(t: number): string {
  return formatLondon(t).replace(" ", "T");
}

/** Parses `YYYY-MM-DD[T ]HH:MM[:SS]` as London wall-clock time; null if it is not one. */
export function parseLondon(text: string): number | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((v) => Number(v ?? 0));
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
  return fromLondon({ year, month, day, hour, minute, second }, ms);
}

export function parseIso(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** `1 h 5 min`, `12 s`: a span of time for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ""}`;
  return `${Math.floor(h / 24)} days`;
}
