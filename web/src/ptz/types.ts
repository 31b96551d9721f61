/** Shapes of the PTZ API (`/api/v1/cameras/{id}/ptz…`). Times are ISO 8601 UTC strings ending in `Z`. */
import type { Iso } from "../api/types";

export interface PtzPosition {
  pan: number;
  tilt: number;
  zoom: number;
}

export interface PtzControl {
  holder: string;
  organisation: string;
  role: string;
  kind: "user" | "tour";
  priority: number;
  since: Iso;
  until: Iso;
  reserved: boolean;
  yours: boolean;
}

export interface PtzCapabilities {
  continuous: boolean;
  absolute: boolean;
  relative: boolean;
  presets: boolean;
  max_presets: number;
  home: boolean;
}

export interface PtzTour {
  id: number;
  name: string;
  steps: { preset: string; dwell_s: number }[];
  resume_after_s: number;
  state: "running" | "paused" | "stopped";
  step: number | null;
}

export interface PtzState {
  camera_id: number;
  capabilities: PtzCapabilities | null;
  position: PtzPosition | null;
  moving: boolean | null;
  control: PtzControl | null;
  you: { priority: number; may_reserve: boolean };
  tours: PtzTour[];
  error: string | null;
}

export interface PtzPreset {
  token: string;
  name: string;
  position: PtzPosition | null;
}

export interface Velocity {
  pan: number;
  tilt: number;
  zoom: number;
}

/** Messages the joystick socket pushes. */
export type PtzSocketMessage =
  | { type: "control"; control: PtzControl | null }
  | { type: "ack"; seq: number | null }
  | { type: "error"; status: number; detail: string; seq?: number | null };
