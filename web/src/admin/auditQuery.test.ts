import { describe, expect, it } from "vitest";
import { auditParams, lastHours, londonInputToIso, rangeText } from "./auditQuery";

const empty = { username: "", cameraId: "", action: "", from: "", to: "" };

describe("audit filter", () => {
  it("sends London wall-clock times as UTC, in winter and in summer", () => {
    expect(londonInputToIso("2026-11-26T09:30", "From")).toBe("2026-11-26T09:30:00.000Z");
    expect(londonInputToIso("2026-07-01T09:30", "From")).toBe("2026-07-01T08:30:00.000Z");
    // the first 01:30 of the October change (BST), the hour that happens twice
    expect(londonInputToIso("2026-10-25T01:30", "From")).toBe("2026-10-25T00:30:00.000Z");
    expect(londonInputToIso("  ", "From")).toBeNull();
  });

  it("refuses what is not a time, and a period that ends before it starts", () => {
    expect(() => londonInputToIso("yesterday", "From")).toThrow(/From must be a date and time/);
    expect(() => auditParams({ ...empty, from: "2026-07-01T10:00", to: "2026-07-01T09:00" })).toThrow(/end after/);
  });

  it("leaves out the empty filters and trims the others", () => {
    expect(auditParams(empty)).toEqual({});
    expect(auditParams({ username: " pc.jones ", cameraId: "3", action: "playback", from: "2026-07-01T00:00", to: "" })).toEqual({
      username: "pc.jones",
      camera_id: "3",
      action: "playback",
      start: "2026-06-30T23:00:00.000Z",
    });
  });

  it("offers the last day up to the next whole minute as the default period", () => {
    const now = Date.parse("2026-07-01T08:30:20Z"); // 09:30:20 BST
    expect(lastHours(now)).toEqual({ from: "2026-06-30T09:31", to: "2026-07-01T09:31" });
  });

  it("shows a range in London time", () => {
    expect(rangeText("2026-07-01T08:30:00Z", "2026-07-01T08:31:00Z")).toBe("2026-07-01 09:30:00 – 09:31:00");
    expect(rangeText("2026-11-26T23:59:00Z", "2026-11-27T00:01:00Z")).toBe("2026-11-26 23:59:00 – 2026-11-27 00:01:00");
    expect(rangeText("2026-11-26T23:59:00Z", null)).toBe("from 2026-11-26 23:59:00");
    expect(rangeText(null, null)).toBe("");
  });
});
