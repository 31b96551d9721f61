/** The tracking API (`/api/v1/devices`, `/alerts`, `/zones`, `/shared/tracking`): answer types and typed calls. */
import type { GeoJsonObject } from "geojson";
import { apiRequest } from "../api/client";

export interface LastPosition {
  fix_time: string;
  latitude: number;
  longitude: number;
  speed_kmh: number;
  accuracy_m: number | null;
  battery_pct: number | null;
}

export type DeviceStatus = "reporting" | "silent" | "never_seen";

export interface TrackDevice {
  id: number;
  identifier: string;
  name: string;
  protocol: string;
  profile: "person" | "vehicle" | "property";
  covert: boolean;
  registered: boolean;
  expected_interval_s: number;
  status: DeviceStatus;
  last_seen: string | null;
  last_position: LastPosition | null;
  open_alerts: number;
}

export interface TrackPosition {
  id: number;
  fix_time: string;
  latitude: number;
  longitude: number;
  speed_kmh: number;
  course: number | null;
  accuracy_m: number | null;
  archived: boolean;
  attributes: Record<string, unknown>;
}

export interface SafeZone {
  id: number;
  name: string;
  tier: "care_unit" | "campus";
  geometry: GeoJsonObject & { coordinates: unknown };
  radius_m: number | null;
  schedule: { tz: string; windows: [string, string][] } | null;
  device_id: number | null;
}

export interface AlertNote {
  at?: string;
  by: string;
  action: string;
  text: string;
}

export type AlertState = "new" | "acknowledged" | "assigned" | "escalated" | "closed";

export interface TrackAlert {
  id: number;
  kind: string;
  priority: number;
  device_id: number;
  device_name: string;
  covert: boolean;
  zone_id: number | null;
  raised: string;
  state: AlertState;
  message: string;
  latitude: number | null;
  longitude: number | null;
  assigned_to: string | null;
  notes: AlertNote[];
  outcome: string | null;
}

export interface CameraPass {
  camera_id: number;
  camera_name: string;
  start: string;
  end: string;
  closest_m: number;
  /** The web app's route to the footage, a few seconds before the pass: `#/camera/5?t=…Z`. */
  link: string;
}

export interface Place {
  name: string;
  note: string;
  latitude: number | null;
  longitude: number | null;
}

export interface Contact {
  name: string;
  relationship: string;
  phone: string;
}

/** The Herbert Protocol form (missing-person profile). */
export interface MissingPersonProfile {
  preferred_name: string;
  description: string;
  photo_ref: string;
  conditions: string;
  medication: string;
  routines: string;
  languages: string;
  places: Place[];
  contacts: Contact[];
  notes: string;
  updated: string | null;
  updated_by: string;
}

export interface Share {
  token: string;
  url: string;
  api_url: string;
  expires: string;
}

export interface SharedTrail {
  device: TrackDevice;
  alert: TrackAlert;
  trail: TrackPosition[];
  camera_passes: CameraPass[];
  profile: MissingPersonProfile | null;
  expires: string;
  issued_by: string;
}

/** One camera of a call-up (`POST /ptz/callup`): moved, refused (someone with priority has it) or failed. */
export interface CallupResult {
  camera_id: number;
  name: string;
  distance_m: number;
  bearing_deg: number;
  outcome: "moved" | "refused" | "failed";
  detail: string;
}

/** What the live-alert WebSocket (`/alerts/ws`) sends. */
export type AlertMessage = { type: "ready" } | { type: "alert"; alert: TrackAlert };

const call = apiRequest;

const enc = encodeURIComponent;

export const trackingApi = {
  devices: (signal?: AbortSignal) => call<TrackDevice[]>("GET", "/devices", undefined, signal),
  positions: (id: number, start: string, end: string, signal?: AbortSignal) =>
    call<TrackPosition[]>("GET", `/devices/${id}/positions?start=${enc(start)}&end=${enc(end)}`, undefined, signal),
  cameraPasses: (id: number, start: string, end: string, signal?: AbortSignal) =>
    call<CameraPass[]>("GET", `/devices/${id}/camera-passes?start=${enc(start)}&end=${enc(end)}`, undefined, signal),
  alerts: (signal?: AbortSignal) => call<TrackAlert[]>("GET", "/alerts", undefined, signal),
  acknowledge: (id: number, note?: string) => call<TrackAlert>("POST", `/alerts/${id}/acknowledge`, { note: note ?? null }),
  assign: (id: number, to: string, note?: string) => call<TrackAlert>("POST", `/alerts/${id}/assign`, { to, note: note ?? null }),
  escalate: (id: number, reason: string) => call<TrackAlert>("POST", `/alerts/${id}/escalate`, { reason }),
  close: (id: number, outcome: string) => call<TrackAlert>("POST", `/alerts/${id}/close`, { outcome }),
  callUp: (latitude: number, longitude: number) => call<CallupResult[]>("POST", "/ptz/callup", { latitude, longitude }),
  alertPasses: (id: number, signal?: AbortSignal) => call<CameraPass[]>("GET", `/alerts/${id}/camera-passes`, undefined, signal),
  share: (id: number, ttlH = 6) => call<Share>("POST", `/alerts/${id}/share`, { ttl_h: ttlH }),
  zones: (signal?: AbortSignal) => call<SafeZone[]>("GET", "/zones", undefined, signal),
  profile: (id: number, signal?: AbortSignal) => call<MissingPersonProfile>("GET", `/devices/${id}/profile`, undefined, signal),
  saveProfile: (id: number, profile: MissingPersonProfile) => call<MissingPersonProfile>("PUT", `/devices/${id}/profile`, profile),
  shared: (token: string, signal?: AbortSignal) => call<SharedTrail>("GET", `/shared/tracking/${enc(token)}`, undefined, signal),
};
