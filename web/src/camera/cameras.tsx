/** Cameras and open alarms for the whole app: pushed changes (fleetEvents.ts) plus polling; one place decides a
 * camera's display status. */
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, ApiError } from "../api/client";
import type { Alarm, Camera } from "../api/types";
import { movingFrom, useFleetEvents, withMotion, withStatus } from "./fleetEvents";

export type DisplayStatus = "recording" | "connecting" | "offline" | "stopped" | "alarm" | "disabled";

export function displayStatus(camera: Camera, alarms: Alarm[]): DisplayStatus {
  if (alarms.some((a) => a.camera_id === camera.id && !a.cleared)) return "alarm";
  if (!camera.enabled) return "disabled";
  switch (camera.status?.state) {
    case "online":
      return "recording";
    case "connecting":
      return "connecting";
    case "stopped":
      return "stopped";
    default:
      return "offline";
  }
}

export const STATUS_LABEL: Record<DisplayStatus, string> = {
  recording: "Recording",
  connecting: "Connecting",
  offline: "Offline",
  stopped: "Stopped",
  alarm: "Alarm",
  disabled: "Disabled",
};

interface CamerasValue {
  cameras: Camera[];
  alarms: Alarm[];
  loading: boolean;
  error: ApiError | null;
  byId: Map<string, Camera>;
  status: (c: Camera) => DisplayStatus;
  /** Cameras whose recorder sees motion now: from each poll of /cameras, and pushed between polls. */
  moving: ReadonlySet<string>;
}

const Ctx = createContext<CamerasValue | null>(null);

export function CamerasProvider({ children, pollMs = 10_000 }: { children: ReactNode; pollMs?: number }) {
  const [cameras, setCameras] = useState<Camera[]>([]);
  const [alarms, setAlarms] = useState<Alarm[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiError | null>(null);
  const [moving, setMoving] = useState<ReadonlySet<string>>(() => new Set());

  // A pushed status applies at once; an alarm event names no alarm row, so the open alarms are fetched again.
  useFleetEvents((e) => {
    if (e.type === "camera.status") setCameras((cams) => withStatus(cams, e));
    else if (e.type === "motion.started" || e.type === "motion.ended") setMoving((m) => withMotion(m, e));
    else void api.alarms().then(setAlarms, () => undefined);
  });

  useEffect(() => {
    let stop = false;
    const load = async () => {
      try {
        const cams = await api.cameras();
        if (!stop) {
          setCameras(cams);
          setMoving((m) => movingFrom(cams, m));
          setError(null);
        }
      } catch (e) {
        if (!stop) setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      } finally {
        if (!stop) setLoading(false);
      }
      try {
        const open = await api.alarms();
        if (!stop) setAlarms(open);
      } catch {
        /* alarms are optional until that issue lands */
      }
    };
    void load();
    const id = window.setInterval(load, pollMs);
    return () => {
      stop = true;
      window.clearInterval(id);
    };
  }, [pollMs]);

  const value = useMemo<CamerasValue>(
    () => ({
      cameras,
      alarms,
      loading,
      error,
      byId: new Map(cameras.map((c) => [c.id, c])),
      status: (c) => displayStatus(c, alarms),
      moving,
    }),
    [cameras, alarms, loading, error, moving],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useCameras(): CamerasValue {
  const v = useContext(Ctx);
  if (!v) throw new Error("useCameras outside CamerasProvider");
  return v;
}
