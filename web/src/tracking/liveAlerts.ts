/**
 * Live alerts: the `/alerts/ws` WebSocket pushes each new alert as it is raised; while it is down the screen keeps
 * polling (faster), and it reconnects by itself. Priority-1 alerts chime (Web Audio: no sound files to serve).
 */
import { useEffect, useRef, useState } from "react";
import { wsUrl } from "../api/client";
import type { AlertMessage, TrackAlert } from "./api";

const RETRY_MS = 5000;

/** `onAlert` for every pushed alert; returns whether the push channel is up (else the caller polls faster). */
export function useLiveAlerts(onAlert: (a: TrackAlert) => void): boolean {
  const [live, setLive] = useState(false);
  const onAlertRef = useRef(onAlert);
  onAlertRef.current = onAlert;

  useEffect(() => {
    let closed = false;
    let ws: WebSocket | null = null;
    let timer: number | undefined;
    const open = () => {
      if (closed || typeof WebSocket === "undefined") return;
      ws = new WebSocket(wsUrl("/alerts/ws"));
      ws.onmessage = (e) => {
        if (typeof e.data !== "string") return;
        const m = JSON.parse(e.data) as AlertMessage;
        if (m.type === "ready") setLive(true);
        else if (m.type === "alert") onAlertRef.current(m.alert);
      };
      ws.onclose = (e) => {
        ws = null;
        setLive(false);
        // 1008: refused (signed out, no right): polling shows the reason; retrying would only be refused again.
        if (!closed && e.code !== 1008) timer = window.setTimeout(open, RETRY_MS);
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, []);
  return live;
}

let audio: AudioContext | null = null;

/** Two short tones (880 Hz, then 660 Hz). Browsers allow sound only after the user has clicked on the page once. */
export function chime(): void {
  try {
    audio ??= new AudioContext();
    const ctx = audio;
    if (ctx.state === "suspended") void ctx.resume();
    [880, 660].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      const t0 = ctx.currentTime + i * 0.25;
      osc.frequency.value = hz;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.22);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.24);
    });
  } catch {
    // No audio device or no Web Audio: the alert is still on screen.
  }
}
