/** Shapes of the citywatch HTTP API (v1), as agreed. Times are ISO 8601 UTC strings ending in `Z`. */

export type Iso = string;

export type Role = string;

export interface User {
  username: string;
  role: Role;
  organisation: string | null;
}

export interface LoginRequest {
  username: string;
  password: string;
  totp?: string;
}

export interface LoginResponse {
  token: string;
  csrf_token: string;
  user: User;
  expires_at: Iso;
}

export interface Health {
  status: string;
  version: string;
}

export type CameraState = "online" | "connecting" | "offline" | "stopped";

export interface CameraStatus {
  state: CameraState;
  since: Iso | null;
  last_frame: Iso | null;
  bitrate_kbps: number | null;
  fps: number | null;
  error: string | null;
  /** The recorder sees motion now, since then; absent from servers before motion detection. */
  motion_since?: Iso | null;
}

/** Ids are numbers on the wire; the client turns them into strings at the boundary. */
export interface Camera {
  id: string;
  name: string;
  rtsp_url: string | null;
  onvif_url: string | null;
  latitude: number | null;
  longitude: number | null;
  bearing_deg: number | null;
  fov_deg: number | null;
  range_m: number | null;
  ptz: boolean;
  enabled: boolean;
  retention_days: number | null;
  /** Motion detection on this camera, and its own sensitivity (null: the installation's); absent from older servers. */
  motion?: boolean;
  motion_min_area?: number | null;
  status: CameraStatus | null;
  /** Not in the agreed shape yet; shown and filtered on when the server sends them. */
  organisation?: string | null;
  group?: string | null;
}

export interface Span {
  start: Iso;
  end: Iso;
  /** The recorder node holding the bytes ("local" on one machine), and whether it is answering. */
  node?: string;
  available?: boolean;
}

export interface Gap {
  start: Iso;
  end: Iso | null;
  reason: string;
  detail: string | null;
}

export interface TimelineAlarm {
  id: number;
  kind: string;
  raised: Iso;
  cleared: Iso | null;
  message: string;
}

export interface Bookmark {
  id: number;
  camera_id: number;
  start: Iso;
  end: Iso | null;
  name: string;
  note: string;
  created_by: string;
  created: Iso;
}

export interface Timeline {
  camera_id: string;
  start: Iso;
  end: Iso;
  spans: Span[];
  gaps: Gap[];
  /** Absent from servers before bookmarks; alarms only for those who may see alarms. */
  alarms?: TimelineAlarm[];
  bookmarks?: Bookmark[];
  /** Motion the recorder found on keyframes; ``end`` null while it lasts. */
  motion?: { start: Iso; end: Iso | null; peak: number }[];
}

export interface Alarm {
  id: string | number;
  kind: string;
  camera_id: string | null;
  raised: Iso;
  cleared: Iso | null;
  message: string;
}

export type GridSize = 1 | 4 | 9 | 16;

export interface Layout {
  id?: string | number;
  name: string;
  grid: GridSize;
  tiles: (string | null)[];
}

/** A saved layout as the server stores it: per tile, a camera and its mode, or an empty tile. */
export interface LayoutWire {
  name: string;
  grid: GridSize;
  tiles: ({ camera_id: number; mode: "live" | "playback" } | null)[];
  updated?: Iso;
}

export interface UiSettings {
  tile_url?: string | null;
  tile_attribution?: string | null;
  default_layout?: string | null;
}
