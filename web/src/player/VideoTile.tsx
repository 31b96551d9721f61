/**
 * One video: live (MSE over WebSocket) or playback (hls.js), with the camera's name, status, mode and the
 * wall-clock time of the frame on screen. `data-wall-ms` on the <video> carries that time for tests and tools.
 */
import { useEffect, useImperativeHandle, useRef, useState, type Ref } from "react";
import type { Camera } from "../api/types";
import { STATUS_LABEL, useCameras } from "../camera/cameras";
import { StateOverlay, type ViewState } from "../common/StateOverlay";
import { formatLondon } from "../common/time";
import { LivePlayer, type LiveState } from "./livePlayer";
import { PlaybackPlayer, type PlaybackState } from "./playbackPlayer";

export type TileMode = "live" | "playback";

export interface TileHandle {
  seek: (t: number) => void;
  play: () => void;
  pause: () => void;
  step: (frames: number) => void;
  setRate: (rate: number) => void;
  wallNow: () => number | null;
  video: () => HTMLVideoElement | null;
}

interface Props {
  camera: Camera;
  mode: TileMode;
  /** Playback: the instant to start from when the tile mounts or the mode changes. */
  startAt?: number;
  compact?: boolean;
  onWallTime?: (t: number | null) => void;
  ref?: Ref<TileHandle>;
}

type Source = { kind: "live"; p: LivePlayer } | { kind: "playback"; p: PlaybackPlayer };

function overlayFor(state: LiveState | PlaybackState): ViewState | null {
  switch (state) {
    case "connecting":
    case "loading":
      return "loading";
    case "offline":
    case "stalled":
      return "offline";
    case "norecording":
      return "norecording";
    case "denied":
      return "denied";
    case "unsupported":
      return "unsupported";
    case "error":
      return "error";
    default:
      return null;
  }
}

export function VideoTile({ camera, mode, startAt, compact, onWallTime, ref }: Props) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const clockRef = useRef<HTMLSpanElement>(null);
  const source = useRef<Source | null>(null);
  const [state, setState] = useState<{ s: LiveState | PlaybackState; detail?: string }>({ s: "loading" });
  const { status } = useCameras();
  const display = status(camera);
  const onWallTimeRef = useRef(onWallTime);
  onWallTimeRef.current = onWallTime;
  const fpsRef = useRef(25);
  fpsRef.current = camera.status?.fps || 25;
  const startRef = useRef(startAt);
  startRef.current = startAt;
  const seekRef = useRef(0); // the instant last asked for, for a retry after a justification

  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    const onState = (s: LiveState | PlaybackState, detail?: string) => {
      setState({ s, detail });
      // Access hook: refused playback may only want a stated justification (auth/Justification.tsx prompts, then retries).
      if (s === "denied" && mode === "playback") {
        const retry = () => (source.current?.kind === "playback" ? source.current.p.seek(seekRef.current) : undefined);
        window.dispatchEvent(new CustomEvent("cw:footage-denied", { detail: { cameraId: camera.id, retry } }));
      }
    };
    if (mode === "live") {
      source.current = { kind: "live", p: new LivePlayer(video, camera.id, { onState }) };
    } else {
      const p = new PlaybackPlayer(video, camera.id, { onState });
      source.current = { kind: "playback", p };
      seekRef.current = startRef.current ?? Date.now() - 60_000;
      p.seek(seekRef.current);
    }
    // For diagnostics and the benchmark: the player behind this <video>.
    (video as HTMLVideoElement & { cwPlayer?: unknown }).cwPlayer = source.current.p;
    return () => {
      const s = source.current;
      source.current = null;
      if (s?.kind === "live") s.p.close();
      else s?.p.destroy();
      video.removeAttribute("data-wall-ms");
    };
  }, [camera.id, mode]);

  // The frame clock: per presented frame where the browser says so, else four times a second.
  useEffect(() => {
    const video = videoRef.current;
    if (!video) return;
    let stop = false;
    let lastShown = "";
    const update = () => {
      const wall = source.current?.p.wallNow() ?? null;
      if (wall !== null && Number.isFinite(wall)) {
        video.dataset.wallMs = String(Math.round(wall));
        const text = formatLondon(wall);
        if (text !== lastShown && clockRef.current) {
          clockRef.current.textContent = text;
          lastShown = text;
        }
      }
      onWallTimeRef.current?.(wall);
    };
    const rvfc = typeof video.requestVideoFrameCallback === "function";
    const onFrame = () => {
      if (stop) return;
      update();
      video.requestVideoFrameCallback(onFrame);
    };
    if (rvfc) video.requestVideoFrameCallback(onFrame);
    const id = window.setInterval(update, 250);
    return () => {
      stop = true;
      window.clearInterval(id);
    };
  }, [camera.id, mode]);

  useImperativeHandle(
    ref,
    () => ({
      seek: (t) => {
        const s = source.current;
        seekRef.current = t;
        if (s?.kind === "playback") s.p.seek(t);
      },
      play: () => {
        const s = source.current;
        if (s?.kind === "playback") s.p.play();
        else void videoRef.current?.play();
      },
      pause: () => {
        const s = source.current;
        if (s?.kind === "playback") s.p.pause();
      },
      step: (frames) => {
        const s = source.current;
        if (s?.kind === "playback") s.p.step(frames, fpsRef.current);
      },
      setRate: (rate) => {
        const s = source.current;
        if (s?.kind === "playback") s.p.setRate(rate);
      },
      wallNow: () => source.current?.p.wallNow() ?? null,
      video: () => videoRef.current,
    }),
    [],
  );

  let overlay = overlayFor(state.s);
  if (mode === "live" && overlay === "loading" && (display === "offline" || display === "stopped")) overlay = "offline";
  const detail =
    overlay === "norecording" && state.detail
      ? `Next recording ${formatLondon(Date.parse(state.detail))}`
      : overlay === "offline"
        ? (camera.status?.error ?? undefined)
        : undefined;

  return (
    <div className={`tile ${compact ? "tile-compact" : ""}`} data-camera-id={camera.id} data-mode={mode}>
      <video
        ref={videoRef}
        muted
        playsInline
        autoPlay
        aria-label={`${camera.name} ${mode === "live" ? "live" : "playback"} video`}
      />
      <div className="tile-top">
        <span className={`status-dot status-${display}`} title={STATUS_LABEL[display]} aria-label={`Status: ${STATUS_LABEL[display]}`} />
        <span className="tile-name">{camera.name}</span>
        <span className={`badge ${mode === "live" ? "badge-live" : "badge-playback"}`}>{mode === "live" ? "LIVE" : "PLAYBACK"}</span>
      </div>
      <div className="tile-bottom">
        <span className="tile-clock" ref={clockRef} aria-label="Time of frame shown (London)">
          --:--:--
        </span>
      </div>
      {overlay && <StateOverlay state={overlay} detail={detail} />}
    </div>
  );
}
