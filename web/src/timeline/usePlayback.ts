/**
 * What a set of tiles shows and where: live, or recorded playback all following one instant. Used by the
 * camera view (one tile) and the synchronised wall (many); the first tile is the clock the others follow.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { TileHandle, TileMode } from "../player/VideoTile";
import { centred, HOUR, type View } from "./scale";

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16];
const DRIFT_MS = 700;

export interface PlaybackControl {
  mode: TileMode;
  startAt: number;
  cursor: number | null;
  view: View;
  playing: boolean;
  rate: number;
  setView: (v: View) => void;
  seek: (t: number) => void;
  goLive: () => void;
  toggleLive: () => void;
  togglePlay: () => void;
  setRate: (r: number) => void;
  step: (frames: number) => void;
  nudge: (ms: number) => void;
  register: (id: string) => (h: TileHandle | null) => void;
  onMasterWallTime: (t: number | null) => void;
}

export function usePlayback(initial?: { mode?: TileMode; at?: number }): PlaybackControl {
  const [mode, setMode] = useState<TileMode>(initial?.mode ?? "live");
  const [startAt, setStartAt] = useState(initial?.at ?? Date.now() - 5 * 60_000);
  const [cursor, setCursor] = useState<number | null>(initial?.at ?? null);
  const [view, setView] = useState<View>(() => centred(initial?.at ?? Date.now() - 15 * 60_000, HOUR));
  const [playing, setPlaying] = useState(true);
  const [rate, setRateState] = useState(1);
  const tiles = useRef(new Map<string, TileHandle>());
  const lastCursor = useRef(0);
  const modeRef = useRef(mode);
  modeRef.current = mode;
  const playingRef = useRef(playing);
  playingRef.current = playing;

  /** Handles in tile order ("0:cam-a", "1:cam-b", …): the first is the clock the others follow. */
  const ordered = useCallback(
    () =>
      [...tiles.current.entries()]
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([, h]) => h),
    [],
  );

  const register = useCallback(
    (id: string) => (h: TileHandle | null) => {
      if (h) tiles.current.set(id, h);
      else tiles.current.delete(id);
    },
    [],
  );

  const keepInView = useCallback((t: number) => {
    setView((v) => {
      const span = v.end - v.start;
      if (t >= v.start && t <= v.end) return v;
      return { start: t - span * 0.1, end: t + span * 0.9 };
    });
  }, []);

  const seek = useCallback(
    (t: number) => {
      const at = Math.min(t, Date.now() - 1000);
      setCursor(at);
      lastCursor.current = performance.now() + 1500; // let the players arrive before the cursor follows them
      keepInView(at);
      if (modeRef.current === "live") {
        setStartAt(at);
        setMode("playback");
        setPlaying(true);
        setRateState(1);
      } else {
        tiles.current.forEach((h) => h.seek(at));
      }
    },
    [keepInView],
  );

  const goLive = useCallback(() => {
    setMode("live");
    setCursor(null);
  }, []);

  const toggleLive = useCallback(() => {
    if (modeRef.current === "live") seek(Date.now() - 60_000);
    else goLive();
  }, [seek, goLive]);

  const togglePlay = useCallback(() => {
    if (modeRef.current === "live") {
      seek(Date.now() - 10_000);
      return;
    }
    const p = playingRef.current;
    tiles.current.forEach((h) => (p ? h.pause() : h.play()));
    setPlaying(!p);
  }, [seek]);

  const setRate = useCallback((r: number) => {
    setRateState(r);
    tiles.current.forEach((h) => h.setRate(r));
  }, []);

  const step = useCallback(
    (frames: number) => {
      if (modeRef.current === "live") return;
      setPlaying(false);
      tiles.current.forEach((h) => h.step(frames));
    },
    [],
  );

  const nudge = useCallback(
    (ms: number) => {
      const first = ordered()[0];
      const base = first?.wallNow() ?? cursor ?? Date.now();
      seek(base + ms);
    },
    [cursor, seek, ordered],
  );

  const onMasterWallTime = useCallback(
    (t: number | null) => {
      if (t === null || modeRef.current === "live") return;
      const now = performance.now();
      if (now - lastCursor.current < 250) return;
      lastCursor.current = now;
      setCursor(t);
      keepInView(t);
    },
    [keepInView],
  );

  // Keep followers within DRIFT_MS of the first tile: one behind seeks to it; one ahead (its recording starts
  // later, or it skipped a gap) holds its frame until the first tile catches up. Decided afresh each tick from
  // each tile's own state, so a tile paused for any reason (held, then moved by a catch-up seek) plays again
  // once it is in step while the wall plays.
  useEffect(() => {
    if (mode !== "playback") return;
    const lastCatchUp = new WeakMap<TileHandle, number>();
    const id = window.setInterval(() => {
      const handles = ordered();
      const master = handles[0]?.wallNow();
      if (master === null || master === undefined) return;
      const tolerance = DRIFT_MS * Math.max(1, rate);
      for (const h of handles.slice(1)) {
        const w = h.wallNow();
        if (w === null) continue;
        const paused = h.video()?.paused ?? false;
        if (w > master + tolerance) {
          if (!paused) h.pause();
        } else if (w < master - tolerance) {
          // at most one catch-up seek per tile every 3 s, so a tile with nothing recorded there does not thrash
          const last = lastCatchUp.get(h) ?? 0;
          if (performance.now() - last > 3000) {
            lastCatchUp.set(h, performance.now());
            h.seek(master + 1000); // lands a little ahead (loading takes time) and holds until the first tile arrives
          }
        } else if (paused && playingRef.current && w <= master + DRIFT_MS / 2) {
          h.play();
        }
      }
    }, 500);
    return () => window.clearInterval(id);
  }, [mode, rate, ordered]);

  return {
    mode,
    startAt,
    cursor,
    view,
    playing,
    rate,
    setView,
    seek,
    goLive,
    toggleLive,
    togglePlay,
    setRate,
    step,
    nudge,
    register,
    onMasterWallTime,
  };
}
