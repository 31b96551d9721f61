/** One camera's PTZ state for a screen: polled state, pushed owner changes, the joystick and actions. */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";
import { PtzSocket, ptzApi } from "./ptzApi";
import type { PtzPreset, PtzState, Velocity } from "./types";

const POLL_MS = 2000;

export interface Ptz {
  state: PtzState | null;
  presets: PtzPreset[];
  message: string | null;
  drive: (v: Velocity) => void;
  run: (what: () => Promise<unknown>) => Promise<void>;
  refresh: () => Promise<void>;
}

export function usePtz(cameraId: string): Ptz {
  const [state, setState] = useState<PtzState | null>(null);
  const [presets, setPresets] = useState<PtzPreset[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const socket = useRef<PtzSocket | null>(null);

  const refresh = useCallback(async () => {
    try {
      const s = await ptzApi.state(cameraId);
      setState(s);
      if (s.capabilities?.presets) setPresets(await ptzApi.presets(cameraId));
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
  }, [cameraId]);

  useEffect(() => {
    void refresh();
    const id = window.setInterval(() => void refresh(), POLL_MS);
    const ws = new PtzSocket(cameraId, (m) => {
      if (m.type === "control") setState((s) => (s ? { ...s, control: m.control } : s));
      else if (m.type === "error") setMessage(m.detail);
    });
    socket.current = ws;
    return () => {
      window.clearInterval(id);
      ws.close();
      socket.current = null;
    };
  }, [cameraId, refresh]);

  const drive = useCallback((v: Velocity) => {
    if (v.pan || v.tilt || v.zoom) setMessage(null);
    socket.current?.drive(v);
  }, []);

  const run = useCallback(
    async (what: () => Promise<unknown>) => {
      setMessage(null);
      try {
        await what();
      } catch (e) {
        setMessage(e instanceof ApiError ? e.message : String(e));
      }
      await refresh();
    },
    [refresh],
  );

  return { state, presets, message, drive, run, refresh };
}
