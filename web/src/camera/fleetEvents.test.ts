import { describe, expect, it } from "vitest";
import type { Camera } from "../api/types";
import { movingFrom, parseEventMessage, withMotion, withStatus, type MotionEvent, type StatusEvent } from "./fleetEvents";

const camera = (id: string, state: "online" | "offline" | null): Camera => ({
  id,
  name: `Camera ${id}`,
  rtsp_url: null,
  onvif_url: null,
  latitude: null,
  longitude: null,
  bearing_deg: null,
  fov_deg: null,
  range_m: null,
  ptz: false,
  enabled: true,
  retention_days: null,
  status:
    state === null
      ? null
      : { state, since: "2026-11-26T06:00:00Z", last_frame: null, bitrate_kbps: 2900, fps: 25, error: null },
});

const status = (camera_id: number, state: string, error = ""): StatusEvent => ({
  type: "camera.status",
  camera_id,
  at_us: Date.UTC(2026, 10, 26, 7, 0, 0) * 1000,
  node: "rec-b",
  state,
  error,
});

describe("pushed camera status", () => {
  it("changes only the camera the event names, keeping its bitrate", () => {
    const cams = [camera("1", "online"), camera("2", "online")];
    const next = withStatus(cams, status(2, "offline", "connection refused"));
    expect(next[0]).toBe(cams[0]);
    expect(next[1].status).toEqual({
      state: "offline",
      since: "2026-11-26T07:00:00.000Z",
      last_frame: null,
      bitrate_kbps: 2900,
      fps: 25,
      error: "connection refused",
    });
  });

  it("returns the same list when nothing changes, so nothing re-renders", () => {
    const cams = [camera("1", "online")];
    expect(withStatus(cams, status(1, "online"))).toBe(cams);
    expect(withStatus(cams, status(9, "offline"))).toBe(cams);
  });

  it("gives a camera with no status yet one, and shows an unknown state as offline", () => {
    const next = withStatus([camera("3", null)], status(3, "rebooting"));
    expect(next[0].status?.state).toBe("offline");
  });
});

describe("event messages", () => {
  it("knows ready, status and alarm messages and ignores others", () => {
    expect(parseEventMessage('{"type":"ready"}')).toEqual({ type: "ready" });
    expect(parseEventMessage('{"type":"alarm.raised","camera_id":1}')).toMatchObject({ type: "alarm.raised" });
    expect(parseEventMessage('{"type":"camera.moved"}')).toBeNull();
    expect(parseEventMessage("not json")).toBeNull();
    expect(parseEventMessage(new ArrayBuffer(2))).toBeNull();
  });
});

describe("motion events", () => {
  const motion = (type: MotionEvent["type"], camera_id: number | null): MotionEvent => ({
    type,
    camera_id,
    at_us: Date.UTC(2026, 10, 26, 7, 0, 0) * 1000,
    node: "local",
  });

  it("are parsed, and keep the set of cameras with motion going on", () => {
    const parsed = parseEventMessage(JSON.stringify(motion("motion.started", 3)));
    expect(parsed?.type).toBe("motion.started");
    const none: ReadonlySet<string> = new Set();
    const on = withMotion(none, motion("motion.started", 3));
    expect([...on]).toEqual(["3"]);
    expect(withMotion(on, motion("motion.started", 3))).toBe(on); // nothing new: the same set, no re-render
    expect([...withMotion(on, motion("motion.ended", 3))]).toEqual([]);
    expect(withMotion(on, motion("motion.ended", 4))).toBe(on);
    expect(withMotion(on, motion("motion.started", null))).toBe(on);
  });

  it("are also read from each poll's camera status, which corrects what a dropped socket missed", () => {
    const moving = camera("2", "online");
    moving.status = { ...moving.status!, motion_since: "2026-11-26T07:00:00Z" };
    const polled = [camera("1", "online"), moving, camera("3", null)];
    const first = movingFrom(polled, new Set(["1"]));
    expect([...first]).toEqual(["2"]);
    expect(movingFrom(polled, first)).toBe(first);
  });
});
