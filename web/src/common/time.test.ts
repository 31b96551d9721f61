import { describe, expect, it } from "vitest";
import { formatLondon, fromLondon, londonOffsetMs, parseLondon, zoneAbbrev } from "./time";

const utc = (s: string) => Date.parse(s);

describe("London time", () => {
  it("is GMT in winter and BST in summer", () => {
    expect(londonOffsetMs(utc("2026-01-15T12:00:00Z"))).toBe(0);
    expect(londonOffsetMs(utc("2026-07-15T12:00:00Z"))).toBe(3_600_000);
    expect(formatLondon(utc("2026-07-15T20:14:07Z"))).toBe("2026-07-15 21:14:07");
    expect(formatLondon(utc("2026-11-25T21:14:07Z"), { zone: true })).toBe("2026-11-25 21:14:07 GMT");
  });

  it("changes at 01:00 UTC on the last Sundays of March and October", () => {
    // 2026: 29 March and 25 October
    expect(zoneAbbrev(utc("2026-03-29T00:59:59Z"))).toBe("GMT");
    expect(zoneAbbrev(utc("2026-03-29T01:00:00Z"))).toBe("BST");
    expect(zoneAbbrev(utc("2026-10-25T00:59:59Z"))).toBe("BST");
    expect(zoneAbbrev(utc("2026-10-25T01:00:00Z"))).toBe("GMT");
  });

  it("parses London wall-clock time into UTC", () => {
    expect(parseLondon("2026-11-25 21:14:07")).toBe(utc("2026-11-25T21:14:07Z"));
    expect(parseLondon("2026-07-01T09:30")).toBe(utc("2026-07-01T08:30:00Z"));
    expect(parseLondon("2026-07-01 09:30:00.250")).toBe(utc("2026-07-01T08:30:00.250Z"));
    expect(parseLondon("yesterday")).toBeNull();
    expect(parseLondon("2026-13-01 00:00")).toBeNull();
  });

  it("takes the first 01:30 on the October night it happens twice", () => {
    expect(parseLondon("2026-10-25 01:30:00")).toBe(utc("2026-10-25T00:30:00Z"));
    expect(parseLondon("2026-10-25 02:30:00")).toBe(utc("2026-10-25T02:30:00Z"));
  });

  it("moves a time in the missing March hour forward", () => {
    const t = parseLondon("2026-03-29 01:30:00")!;
    expect(t).toBe(utc("2026-03-29T01:30:00Z"));
    expect(formatLondon(t)).toBe("2026-03-29 02:30:00");
  });

  it("round-trips every quarter hour across both changes", () => {
    for (const start of ["2026-03-28T22:00:00Z", "2026-10-24T22:00:00Z"]) {
      for (let t = utc(start); t < utc(start) + 6 * 3_600_000; t += 900_000) {
        const back = parseLondon(formatLondon(t))!;
        // the repeated October hour maps to its first occurrence
        expect([t, t - 3_600_000]).toContain(back);
      }
    }
    expect(fromLondon({ year: 2026, month: 6, day: 1, hour: 0, minute: 0, second: 0 })).toBe(utc("2026-05-31T23:00:00Z"));
  });
});
