/**
 * Pushed camera status changes and alarms: the `/events` WebSocket tells the app the moment a recorder node
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

export type FleetEvent = StatusEvent | AlarmEvent;

const EVENT_TYPES = new Set(["ready", "camera.status", "alarm.raised", "alarm.cleared"]);

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

/** `onEvent` for every pushed event; returns whether the push channel is up. */
export function useFleetEvents(onEvent: (e: FleetEvent) => void): boolean {
  return usePushChannel<FleetEvent>("/events", parseEventMessage, onEvent);
}
