/**
 * Pushed camera status changes, alarms and motion: the `/events` WebSocket tells the app the moment a recorder node
 * commits a change, so a camera going offline shows at once rather than at the next poll. Polling stays: it
 * covers what a dropped connection missed, and the socket reconnects by itself.
 */
import { usePushChannel } from "../api/pushChannel";
import type { Camera, CameraState } from "../api/types";

export interface StatusEvent {
  type: "camera.status";
  camera_id: number | null;
  at_us: number;
  node: string;
  state: string;
  error: string;
}

export interface AlarmEvent {
  type: "alarm.raised" | "alarm.cleared";
  camera_id: number | null;
  at_us: number;
  node: string;
  alarm: string;
  message: string;
}

/** The recorder found motion starting or ending on a camera's keyframes (docs/design/motion.md). */
export interface MotionEvent {
  type: "motion.started" | "motion.ended";
  camera_id: number | null;
  at_us: number;
  node: string;
}

export type FleetEvent = StatusEvent | AlarmEvent | MotionEvent;

const EVENT_TYPES = new Set([
  "ready",
  "camera.status",
  "alarm.raised",
  "alarm.cleared",
  "motion.started",
  "motion.ended",
]);

/** A message of the socket, or null for anything this version does not know (newer servers may add types). */
export function parseEventMessage(data: unknown): FleetEvent | { type: "ready" } | null {
  if (typeof data !== "string") return null;
  try {
    const m = JSON.parse(data) as { type?: unknown };
    return typeof m.type === "string" && EVENT_TYPES.has(m.type) ? (m as FleetEvent | { type: "ready" }) : null;
  } catch {
    return null;
  }
}

const KNOWN_STATES = new Set<string>(["online", "connecting", "offline", "stopped"]);

/** The cameras with the event's state applied; the same array when it changes nothing (no re-render). */
export function withStatus(cameras: Camera[], e: StatusEvent): Camera[] {
  if (e.camera_id === null) return cameras;
  const id = String(e.camera_id);
  const state = (KNOWN_STATES.has(e.state) ? e.state : "offline") as CameraState;
  const since = new Date(e.at_us / 1000).toISOString();
  let changed = false;
  const next = cameras.map((c) => {
    if (c.id !== id || c.status?.state === state) return c;
    changed = true;
    const base = c.status ?? { state, since, last_frame: null, bitrate_kbps: null, fps: null, error: null };
    return { ...c, status: { ...base, state, since, error: e.error || null } };
  });
  return changed ? next : cameras;
}

/** The cameras with motion going on, with the event applied; the same set when it changes nothing. */
export function withMotion(moving: ReadonlySet<string>, e: MotionEvent): ReadonlySet<string> {
  if (e.camera_id === null) return moving;
  const id = String(e.camera_id);
  const on = e.type === "motion.started";
  if (moving.has(id) === on) return moving;
  const next = new Set(moving);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

/** The cameras the last poll said have motion going on; ``previous`` itself when that is the same set. */
export function movingFrom(cameras: Camera[], previous: ReadonlySet<string>): ReadonlySet<string> {
  const ids = cameras.filter((c) => c.status?.motion_since).map((c) => c.id);
  if (ids.length === previous.size && ids.every((id) => previous.has(id))) return previous;
  return new Set(ids);
}

/** `onEvent` for every pushed event; returns whether the push channel is up. */
export function useFleetEvents(onEvent: (e: FleetEvent) => void): boolean {
  return usePushChannel<FleetEvent>("/events", parseEventMessage, onEvent);
}
