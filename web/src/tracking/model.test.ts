import { describe, expect, it } from "vitest";
import type { TrackAlert } from "./api";
import {
  contactsToText,
  describeCallup,
  deviceKind,
  mergeAlerts,
  passLabel,
  placesToText,
  sortAlerts,
  textToContacts,
  textToPlaces,
  trailWindow,
} from "./model";

describe("tracking helpers", () => {
  it("tells patients from covert assets", () => {
    expect(deviceKind({ profile: "person", covert: false })).toBe("patient");
    expect(deviceKind({ profile: "vehicle", covert: true })).toBe("covert");
    expect(deviceKind({ profile: "property", covert: false })).toBe("asset");
  });

  it("puts new urgent alerts first, then newest", () => {
    const a = (id: number, state: "new" | "acknowledged" | "closed", priority: number, raised: string) => ({ id, state, priority, raised });
    const sorted = sortAlerts([
      a(1, "acknowledged", 1, "2026-11-25T21:00:00Z"),
      a(2, "new", 2, "2026-11-25T21:00:00Z"),
      a(3, "new", 1, "2026-11-25T20:00:00Z"),
      a(4, "new", 1, "2026-11-25T21:30:00Z"),
      a(5, "closed", 1, "2026-11-25T22:00:00Z"),
    ]);
    expect(sorted.map((x) => x.id)).toEqual([4, 3, 2, 1, 5]);
  });

  it("windows the trail round an alert or over the last hours", () => {
    const now = Date.parse("2026-11-25T23:00:00Z");
    expect(trailWindow(now, 2, { raised: "2026-11-25T21:14:07Z" })).toEqual({
      start: "2026-11-25T20:44:07.000Z",
      end: "2026-11-25T23:00:01.000Z",
    });
    expect(trailWindow(now, 1, { raised: "2026-11-25T12:00:00Z" }).end).toBe("2026-11-25T14:00:01.000Z");
    expect(trailWindow(now, 6).start).toBe("2026-11-25T17:00:00.000Z");
  });

  it("labels a pass in London time (BST in summer)", () => {
    const now = Date.parse("2026-07-01T12:00:00Z");
    expect(passLabel({ start: "2026-07-01T10:14:07Z", end: "2026-07-01T10:15:20Z" }, now)).toBe("11:14:07–11:15:20");
    expect(passLabel({ start: "2026-06-30T10:14:07Z", end: "2026-06-30T10:14:07Z" }, now)).toBe("2026-06-30 11:14:07");
  });

  it("round-trips places and contacts through the form's plain lines", () => {
    const places = [
      { name: "Former home", note: "Lillie Road, SW6", latitude: 51.483, longitude: -0.214 },
      { name: "St Thomas's church", note: "", latitude: null, longitude: null },
    ];
    expect(textToPlaces(placesToText(places))).toEqual(places);
    const contacts = [
      { name: "Jane Doe", relationship: "daughter", phone: "07700 900123" },
      { name: "Care home desk", relationship: "", phone: "020 7946 0000" },
    ];
    expect(textToContacts(contactsToText(contacts))).toEqual(contacts);
  });
});

describe("live alerts and call-up", () => {
  const alert = (id: number, state: TrackAlert["state"] = "new"): TrackAlert => ({
    id, kind: "sting_moved", priority: 1, device_id: 1, device_name: "Sting car", covert: true, zone_id: null,
    raised: "2026-11-25T03:00:00Z", state, message: "moved", latitude: 51.48, longitude: -0.19, assigned_to: null,
    notes: [], outcome: null,
  });

  it("shows a pushed alert until a poll brings its current state", () => {
    expect(mergeAlerts(null, [])).toBeNull();
    expect(mergeAlerts(null, [alert(2)])?.map((a) => a.id)).toEqual([2]);
    const merged = mergeAlerts([alert(2, "acknowledged"), alert(1)], [alert(3), alert(2)]);
    expect(merged?.map((a) => [a.id, a.state])).toEqual([[3, "new"], [2, "acknowledged"], [1, "new"]]);
  });

  it("says what each camera did", () => {
    expect(describeCallup([])).toMatch(/No PTZ camera/);
    const line = describeCallup([
      { camera_id: 1, name: "Broadway", distance_m: 120.4, bearing_deg: 300, outcome: "moved", detail: "" },
      { camera_id: 2, name: "Town Hall", distance_m: 250, bearing_deg: 10, outcome: "refused", detail: "controlled by Sam" },
    ]);
    expect(line).toBe("Broadway (120 m): turned to it; Town Hall (250 m): refused (controlled by Sam)");
  });
});
