import { describe, expect, it } from "vitest";
import { canDerive, masterOf, parseBoxes, stepText } from "./derivation";
import type { Exhibit, ExportJob } from "./types";

const exhibit = (over: Partial<Exhibit>): Exhibit => ({
  id: "a1b2c3d4-001",
  kind: "master",
  camera_id: 3,
  path: "media/camera-3_20261025T013000Z.mp4",
  sha256: "11".repeat(32),
  size_bytes: 1_350_000,
  start: "2026-10-25T01:30:00Z",
  end: "2026-10-25T01:31:00Z",
  derived_from: null,
  steps: [],
  ...over,
});

const job = (over: Partial<ExportJob>): ExportJob => ({
  id: "a1b2c3d4-0000-4000-8000-000000000000",
  state: "done",
  progress: 1,
  error: "",
  camera_ids: [3],
  start: "2026-10-25T01:30:00Z",
  end: "2026-10-25T01:31:00Z",
  justification: "CAD 4411",
  reference: "CRIS 0101234/26",
  case_id: null,
  created_by: "dc.jones",
  created: "2026-10-25T02:00:00Z",
  finished: "2026-10-25T02:00:05Z",
  manifest_sha256: "22".repeat(32),
  exhibits: [],
  ...over,
});

describe("redaction boxes", () => {
  it("reads x,y,width,height boxes separated by semicolons", () => {
    expect(parseBoxes("")).toEqual({ boxes: [] });
    expect(parseBoxes(" 8, 8, 32,16 ; 100,0,10,10;")).toEqual({
      boxes: [
        { x: 8, y: 8, width: 32, height: 16 },
        { x: 100, y: 0, width: 10, height: 10 },
      ],
    });
  });
  it("names the box it cannot read", () => {
    expect(parseBoxes("8,8,32")).toEqual({ error: '"8,8,32" is not x,y,width,height in whole pixels' });
    expect(parseBoxes("1,2,-3,4")).toHaveProperty("error");
    expect(parseBoxes("1,2,0,4")).toEqual({ error: '"1,2,0,4" needs a width and height above 0' });
  });
});

describe("steps and origin", () => {
  it("says each recorded step in words", () => {
    expect(stepText({ step: "decode", tool: "PyAV 14.0 (FFmpeg)" })).toBe("decode: PyAV 14.0 (FFmpeg)");
    expect(stepText({ step: "burn_in_time", zones: ["UTC", "Europe/London"] })).toBe("burn in time: UTC + Europe/London");
    expect(stepText({ step: "redact", boxes_px: [{}, {}] })).toBe("redact: 2 boxes");
    expect(stepText({ step: "redact", boxes_px: [{}] })).toBe("redact: 1 box");
    expect(stepText({ step: "encode", codec: "libx264", crf: 23, preset: "veryfast" })).toBe("encode: libx264 crf 23 veryfast");
    expect(stepText({ step: "sharpen" })).toBe("sharpen");
  });
  it("offers a working copy only of a finished export's masters", () => {
    const master = exhibit({});
    expect(canDerive(job({}), master)).toBe(true);
    expect(canDerive(job({ state: "running" }), master)).toBe(false);
    expect(canDerive(job({}), exhibit({ kind: "working_copy", derived_from: master.sha256 }))).toBe(false);
  });
  it("finds the master a working copy came from by its SHA-256", () => {
    const master = exhibit({});
    const source = job({ exhibits: [master] });
    const copy = exhibit({ id: "e5f6-001", kind: "working_copy", sha256: "33".repeat(32), derived_from: master.sha256 });
    expect(masterOf(copy, [job({ id: "other" }), source])).toEqual({ job: source, exhibit: master });
    expect(masterOf({ ...copy, derived_from: "44".repeat(32) }, [source])).toBeNull();
    expect(masterOf(master, [source])).toBeNull();
  });
});
