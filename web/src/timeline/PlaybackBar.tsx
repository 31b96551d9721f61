/** Transport controls under a timeline: live/playback, play/pause, speed, frame step, gaps, go to a time. */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useKeys } from "../common/keys";
import { formatLondon, parseLondon, zoneAbbrev } from "../common/time";
import { zoom } from "./scale";
import { SPEEDS, type PlaybackControl } from "./usePlayback";
import type { CameraTimeline } from "./useTimelines";

interface Props {
  pb: PlaybackControl;
  timeline?: CameraTimeline;
  keys?: boolean;
}

export function PlaybackBar({ pb, timeline, keys = true }: Props) {
  const goRef = useRef<HTMLInputElement>(null);
  const [goText, setGoText] = useState("");
  const [goError, setGoError] = useState<string | null>(null);
  const live = pb.mode === "live";

  useEffect(() => {
    if (document.activeElement !== goRef.current) setGoText(formatLondon(pb.cursor ?? Date.now()));
  }, [pb.cursor]);

  const gapFrom = (dir: -1 | 1) => {
    const at = pb.cursor ?? Date.now();
    const gaps = [...(timeline?.gaps ?? [])].sort((a, b) => a.start - b.start);
    const g = dir < 0 ? gaps.filter((x) => x.start < at - 1500).pop() : gaps.find((x) => x.start > at + 1500);
    if (g) pb.seek(g.start - 3000);
  };

  const go = (e?: FormEvent) => {
    e?.preventDefault();
    const t = parseLondon(goText);
    if (t === null) {
      setGoError("Use YYYY-MM-DD HH:MM:SS");
      return;
    }
    if (t > Date.now()) {
      setGoError("That time is in the future");
      return;
    }
    setGoError(null);
    pb.seek(t);
    goRef.current?.blur();
  };

  const cycleRate = (dir: 1 | -1) => {
    const i = SPEEDS.indexOf(pb.rate);
    pb.setRate(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + dir))]);
  };

  useKeys(
    {
      " ": () => pb.togglePlay(),
      ArrowLeft: (e) => pb.nudge(e.shiftKey ? -60_000 : -10_000),
      ArrowRight: (e) => pb.nudge(e.shiftKey ? 60_000 : 10_000),
      ArrowUp: () => pb.setView(zoom(pb.view, 0.5, pb.cursor ?? undefined)),
      ArrowDown: () => pb.setView(zoom(pb.view, 2, pb.cursor ?? undefined)),
      ",": () => pb.step(-1),
      ".": () => pb.step(1),
      "<": () => cycleRate(-1),
      ">": () => cycleRate(1),
      g: () => {
        goRef.current?.focus();
        goRef.current?.select();
      },
      l: () => pb.toggleLive(),
    },
    keys,
  );

  return (
    <div className="playback-bar" role="toolbar" aria-label="Playback controls">
      <button
        type="button"
        className={live ? "toggle on live" : "toggle"}
        aria-pressed={live}
        onClick={() => pb.toggleLive()}
        title="Live / playback (L)"
      >
        {live ? "● Live" : "Go live"}
      </button>
      <button type="button" aria-label="Previous gap" onClick={() => gapFrom(-1)} disabled={live} title="Previous gap">
        ⇤
      </button>
      <button type="button" aria-label="Step back one frame" onClick={() => pb.step(-1)} disabled={live} title="Frame back (,)">
        ◁|
      </button>
      <button
        type="button"
        className="primary play"
        aria-label={!live && pb.playing ? "Pause" : "Play"}
        onClick={() => pb.togglePlay()}
        title="Play / pause (space)"
      >
        {!live && pb.playing ? "❚❚" : "▶"}
      </button>
      <button type="button" aria-label="Step forward one frame" onClick={() => pb.step(1)} disabled={live} title="Frame forward (.)">
        |▷
      </button>
      <button type="button" aria-label="Next gap" onClick={() => gapFrom(1)} disabled={live} title="Next gap">
        ⇥
      </button>
      <label className="inline">
        Speed
        <select aria-label="Playback speed" value={pb.rate} onChange={(e) => pb.setRate(Number(e.target.value))} disabled={live}>
          {SPEEDS.map((s) => (
            <option key={s} value={s}>
              {s}×
            </option>
          ))}
        </select>
      </label>
      <span className="spacer" />
      <span className="shown-time" aria-label="Time shown">
        {pb.cursor ? formatLondon(pb.cursor, { zone: true }) : "Live"}
      </span>
      <form className="goto" onSubmit={go}>
        <label className="inline">
          Go to ({zoneAbbrev(Date.now())}, London)
          <input
            ref={goRef}
            aria-label="Go to date and time"
            placeholder="YYYY-MM-DD HH:MM:SS"
            value={goText}
            onChange={(e) => setGoText(e.target.value)}
            onKeyDown={(e) => e.key === "Escape" && goRef.current?.blur()}
            size={19}
          />
        </label>
        <button type="submit">Go</button>
        {goError && (
          <span className="form-error" role="alert">
            {goError}
          </span>
        )}
      </form>
    </div>
  );
}
