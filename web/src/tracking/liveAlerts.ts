/**
 * Live alerts: the `/alerts/ws` WebSocket pushes each new alert as it is raised; while it is down the screen keeps
 * polling (faster), and it reconnects by itself. Priority-1 alerts chime (Web Audio: no sound files to serve).
 */
import { usePushChannel } from "../api/pushChannel";
import type { AlertMessage, TrackAlert } from "./api";

/** A message of the socket, or null for what this version does not know. */
function parseAlertMessage(data: unknown): AlertMessage | null {
  return typeof data === "string" ? (JSON.parse(data) as AlertMessage) : null;
}

/** `onAlert` for every pushed alert; returns whether the push channel is up (else the caller polls faster). */
export function useLiveAlerts(onAlert: (a: TrackAlert) => void): boolean {
  return usePushChannel<AlertMessage>("/alerts/ws", parseAlertMessage, (m) => {
    if (m.type === "alert") onAlert(m.alert);
  });
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
