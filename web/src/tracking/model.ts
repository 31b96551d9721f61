/** Pure helpers of the tracking screen: what a device is, alert order, time windows, labels. */
import { formatLondon, formatLondonTime, parseIso } from "../common/time";
import type { CallupResult, CameraPass, MissingPersonProfile, TrackAlert, TrackDevice } from "./api";

export type DeviceKind = "patient" | "covert" | "asset";

/** Safe-zone patients (people) versus covert sting assets; other vehicles and property are plain assets. */
export function deviceKind(d: Pick<TrackDevice, "profile" | "covert">): DeviceKind {
  if (d.covert) return "covert";
  return d.profile === "person" ? "patient" : "asset";
}

export const KIND_COLOUR: Record<DeviceKind, string> = { patient: "#4fc3f7", covert: "#ce93d8", asset: "#ffd54f" };

export function isOpen(a: Pick<TrackAlert, "state">): boolean {
  return a.state !== "closed";
}

/** Unacknowledged first, then most urgent, then newest. */
export function sortAlerts<T extends Pick<TrackAlert, "state" | "priority" | "raised" | "id">>(alerts: T[]): T[] {
  const rank = (a: T) => (a.state === "new" ? 0 : isOpen(a) ? 1 : 2);
  return [...alerts].sort(
    (a, b) => rank(a) - rank(b) || a.priority - b.priority || (parseIso(b.raised) ?? 0) - (parseIso(a.raised) ?? 0) || b.id - a.id,
  );
}

export const PRIORITY_LABEL: Record<number, string> = { 1: "P1 urgent", 2: "P2 high", 3: "P3", 4: "P4 info" };

export const KIND_LABEL: Record<string, string> = {
  left_zone: "Left safe zone",
  returned_to_zone: "Back in safe zone",
  sos: "SOS",
  fall: "Fall",
  removed: "Removed from wrist",
  low_battery: "Low battery",
  tracker_silent: "Tracker silent",
  lost_contact: "Lost contact",
  sting_moved: "Sting asset moved",
  sting_ignition: "Sting ignition on",
  property_alarm: "Property alarm",
};

export interface TimeWindow {
  start: string;
  end: string;
}

/** The trail to show: around an alert (30 min before it, until now or 2 h after), else the last `hours`. */
export function trailWindow(now: number, hours: number, alert?: Pick<TrackAlert, "raised"> | null): TimeWindow {
  const raised = alert ? parseIso(alert.raised) : null;
  if (raised !== null) {
    const end = Math.min(now, raised + 2 * 3_600_000) + 1000;
    return { start: new Date(raised - 30 * 60_000).toISOString(), end: new Date(end).toISOString() };
  }
  return { start: new Date(now - hours * 3_600_000).toISOString(), end: new Date(now + 1000).toISOString() };
}

/** `21:14:07–21:15:20` in London time (with the date when the pass is not today). */
export function passLabel(p: Pick<CameraPass, "start" | "end">, now: number): string {
  const s = parseIso(p.start) ?? 0;
  const e = parseIso(p.end) ?? s;
  const sameDay = formatLondon(s).slice(0, 10) === formatLondon(now).slice(0, 10);
  const first = sameDay ? formatLondonTime(s) : formatLondon(s);
  return e - s < 1000 ? first : `${first}–${formatLondonTime(e)}`;
}

/** Search rings from the last fix: half of people with dementia missing on foot are found within
 *  0.7 km, nine in ten within 3.7 km (Grampian police data). */
export const SEARCH_RINGS_M: { radius_m: number; label: string }[] = [
  { radius_m: 700, label: "50 % found within 0.7 km" },
  { radius_m: 3700, label: "90 % found within 3.7 km" },
];

export function needsSearch(a: Pick<TrackAlert, "kind" | "state"> | null | undefined): boolean {
  return !!a && isOpen(a) && (a.kind === "left_zone" || a.kind === "lost_contact" || a.kind === "removed");
}

export function emptyProfile(): MissingPersonProfile {
  return {
    preferred_name: "",
    description: "",
    photo_ref: "",
    conditions: "",
    medication: "",
    routines: "",
    languages: "",
    places: [],
    contacts: [],
    notes: "",
    updated: null,
    updated_by: "",
  };
}

/** `Name, note (lat, lon)` per line ↔ places; the form edits places as plain lines. */
export function placesToText(places: MissingPersonProfile["places"]): string {
  return places
    .map((p) => {
      const where = p.latitude !== null && p.longitude !== null ? ` (${p.latitude}, ${p.longitude})` : "";
      return `${p.name}${p.note ? `, ${p.note}` : ""}${where}`;
    })
    .join("\n");
}

export function textToPlaces(text: string): MissingPersonProfile["places"] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const m = /\(\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\)\s*$/.exec(line);
      const body = m ? line.slice(0, m.index).trim() : line;
      const [name, ...rest] = body.split(",");
      return {
        name: name.trim(),
        note: rest.join(",").trim(),
        latitude: m ? Number(m[1]) : null,
        longitude: m ? Number(m[2]) : null,
      };
    });
}

/** `Name, relationship, phone` per line ↔ contacts. */
export function contactsToText(contacts: MissingPersonProfile["contacts"]): string {
  return contacts.map((c) => [c.name, c.relationship, c.phone].join(", ").replace(/(, )+$/, "")).join("\n");
}

export function textToContacts(text: string): MissingPersonProfile["contacts"] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [name, relationship = "", phone = ""] = line.split(",").map((x) => x.trim());
      return { name, relationship, phone };
    });
}

/** The queue on screen: pushed alerts the last poll has not seen yet, then the polled ones (their state is current). */
export function mergeAlerts(polled: TrackAlert[] | null, pushed: TrackAlert[]): TrackAlert[] | null {
  if (polled === null && pushed.length === 0) return null;
  const known = new Set((polled ?? []).map((a) => a.id));
  return [...pushed.filter((a) => !known.has(a.id)), ...(polled ?? [])];
}

/** One line for the operator about what a call-up did to each camera. */
export function describeCallup(results: CallupResult[]): string {
  if (results.length === 0) return "No PTZ camera you may control is within range of this position.";
  return results
    .map((r) => {
      const what = r.outcome === "moved" ? "turned to it" : `${r.outcome}${r.detail ? ` (${r.detail})` : ""}`;
      return `${r.name} (${Math.round(r.distance_m)} m): ${what}`;
    })
    .join("; ");
}
