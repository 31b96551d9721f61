/** PTZ calls: REST for state, presets and tours; a WebSocket for the joystick (dead-man re-sends). */
import { apiRequest, wsUrl } from "../api/client";
import type { PtzControl, PtzPosition, PtzPreset, PtzSocketMessage, PtzState, PtzTour, Velocity } from "./types";

const call = apiRequest;

const base = (id: string) => `/cameras/${encodeURIComponent(id)}/ptz`;

export const ptzApi = {
  state: (id: string) => call<PtzState>("GET", base(id)),
  stop: (id: string) => call<void>("POST", `${base(id)}/stop`),
  centre: (id: string, x: number, y: number) =>
    call<{ translation: PtzPosition }>("POST", `${base(id)}/centre`, { x, y }),
  home: (id: string) => call<void>("POST", `${base(id)}/home`),
  take: (id: string, reserveS?: number) =>
    call<{ control: PtzControl }>("POST", `${base(id)}/take`, reserveS ? { reserve_s: reserveS } : {}),
  release: (id: string) => call<void>("POST", `${base(id)}/release`),
  presets: (id: string) => call<PtzPreset[]>("GET", `${base(id)}/presets`),
  savePreset: (id: string, name: string) => call<{ token: string }>("POST", `${base(id)}/presets`, { name }),
  deletePreset: (id: string, token: string) =>
    call<void>("DELETE", `${base(id)}/presets/${encodeURIComponent(token)}`),
  gotoPreset: (id: string, token: string) =>
    call<void>("POST", `${base(id)}/presets/${encodeURIComponent(token)}/go`),
  tours: (id: string) => call<PtzTour[]>("GET", `${base(id)}/tours`),
  startTour: (id: string, tour: number) => call<PtzTour>("POST", `${base(id)}/tours/${tour}/start`),
  stopTour: (id: string, tour: number) => call<void>("POST", `${base(id)}/tours/${tour}/stop`),
};

const RESEND_MS = 300; // the camera stops by itself 1 s after the last re-send (dead-man)
const TIMEOUT_S = 1.0;

/** The joystick socket: `drive(v)` keeps the camera moving at `v` until `drive(still)` or the socket closes. */
export class PtzSocket {
  private ws: WebSocket | null = null;
  private velocity: Velocity | null = null;
  private timer: number | null = null;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly cameraId: string,
    private readonly onMessage: (m: PtzSocketMessage) => void,
  ) {
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    const ws = new WebSocket(wsUrl(`${base(this.cameraId)}/ws`));
    ws.onmessage = (e) => {
      if (typeof e.data === "string") this.onMessage(JSON.parse(e.data) as PtzSocketMessage);
    };
    ws.onclose = (e) => {
      this.ws = null;
      if (e.code === 1008) {
        // Refused (not signed in, no PTZ right, no such camera): retrying cannot help.
        this.onMessage({ type: "error", status: 403, detail: e.reason || "PTZ control refused" });
        return;
      }
      if (!this.closed) window.setTimeout(() => this.open(), 2000);
    };
    this.ws = ws;
  }

  private send(message: Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ ...message, seq: ++this.seq }));
  }

  drive(v: Velocity): void {
    const still = v.pan === 0 && v.tilt === 0 && v.zoom === 0;
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
    if (still) {
      if (this.velocity !== null) this.send({ type: "stop" });
      this.velocity = null;
      return;
    }
    this.velocity = v;
    const move = () => this.velocity && this.send({ type: "move", ...this.velocity, timeout_s: TIMEOUT_S });
    move();
    this.timer = window.setInterval(move, RESEND_MS);
  }

  close(): void {
    this.closed = true;
    this.drive({ pan: 0, tilt: 0, zoom: 0 });
    this.ws?.close();
  }
}
