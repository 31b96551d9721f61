/**
 * The timeline scrubber: a ruler in London time, one row per camera with recorded spans and gaps (reasons on
 * hover), the camera's motion, alarms (raised to cleared) and bookmarks (click one to go there), a cursor at the instant shown. Click or drag on a row to go to an instant; drag the ruler or use the
 * wheel to pan and zoom, from a month down to seconds.
 */
import { useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type WheelEvent } from "react";
import { formatDuration, formatLondon, formatLondonDay, formatLondonTime, londonParts } from "../common/time";
import { DAY, HOUR, mergeBlocks, pan, PRESETS, tickStep, ticks, timeAt, xAt, zoom, centred, type View } from "./scale";
import type { CameraTimeline } from "./useTimelines";

interface Row {
  id: string;
  label: string;
  data: CameraTimeline | undefined;
}

interface Props {
  rows: Row[];
  view: View;
  onView: (v: View) => void;
  cursor: number | null;
  onSeek: (t: number) => void;
}

function tickLabel(t: number, step: number): string {
  const p = londonParts(t);
  if (step >= DAY || (p.hour === 0 && p.minute === 0 && p.second === 0 && step >= HOUR)) return formatLondonDay(t);
  return formatLondonTime(t, step < 60_000);
}

export function Timeline({ rows, view, onView, cursor, onSeek }: Props) {
  const trackRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [scrub, setScrub] = useState<number | null>(null);
  const [hover, setHover] = useState<{ x: number; t: number } | null>(null);
  const drag = useRef<{ kind: "scrub" | "pan"; x0: number; view0: View } | null>(null);

  useLayoutEffect(() => {
    const el = trackRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || 800));
    ro.observe(el);
    setWidth(el.clientWidth || 800);
    return () => ro.disconnect();
  }, []);

  const xOf = (clientX: number) => clientX - (trackRef.current?.getBoundingClientRect().left ?? 0);
  const now = Date.now();
  const clampNow = (t: number) => Math.min(t, now);

  const down = (e: ReactPointerEvent<HTMLDivElement>, kind: "scrub" | "pan") => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { kind, x0: e.clientX, view0: view };
    if (kind === "scrub") setScrub(clampNow(timeAt(view, xOf(e.clientX), width)));
  };
  const move = (e: ReactPointerEvent<HTMLDivElement>) => {
    const x = xOf(e.clientX);
    setHover({ x, t: timeAt(view, x, width) });
    const d = drag.current;
    if (!d) return;
    if (d.kind === "scrub") setScrub(clampNow(timeAt(view, x, width)));
    else onView(pan(d.view0, -((e.clientX - d.x0) / width) * (d.view0.end - d.view0.start)));
  };
  const up = (e: ReactPointerEvent<HTMLDivElement>) => {
    const d = drag.current;
    drag.current = null;
    if (d?.kind === "scrub") {
      const t = clampNow(timeAt(view, xOf(e.clientX), width));
      setScrub(null);
      onSeek(t);
    }
  };
  const wheel = (e: WheelEvent<HTMLDivElement>) => {
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const delta = e.shiftKey ? e.deltaY : e.deltaX;
      onView(pan(view, (delta / width) * (view.end - view.start)));
    } else {
      onView(zoom(view, Math.pow(1.0015, e.deltaY), timeAt(view, xOf(e.clientX), width)));
    }
  };

  const step = tickStep(view, width);
  const msPerPx = (view.end - view.start) / Math.max(1, width);
  const shown = scrub ?? cursor;
  const px = (t: number) => `${xAt(view, t, width)}px`;
  const pw = (a: number, b: number) => `${Math.max(1, xAt(view, b, width) - xAt(view, a, width))}px`;

  return (
    <div className="timeline" role="group" aria-label="Timeline">
      <div className="timeline-toolbar">
        <span className="timeline-range" aria-label="Timeline range">
          {formatLondon(view.start)} – {formatLondon(view.end)} ({formatDuration(view.end - view.start)})
        </span>
        <span className="spacer" />
        {PRESETS.map((p) => (
          <button
            key={p.label}
            type="button"
            className="small"
            onClick={() => onView(shown !== null ? centred(shown, p.span) : { start: now - 0.9 * p.span, end: now + 0.1 * p.span })}
          >
            {p.label}
          </button>
        ))}
        <button type="button" className="small" aria-label="Zoom out" onClick={() => onView(zoom(view, 2, shown ?? undefined))}>
          −
        </button>
        <button type="button" className="small" aria-label="Zoom in" onClick={() => onView(zoom(view, 0.5, shown ?? undefined))}>
          +
        </button>
      </div>
      <div className="timeline-body">
        <div className="timeline-labels">
          <div className="timeline-ruler-label" />
          {rows.map((r) => (
            <div key={r.id} className="timeline-row-label" title={r.label}>
              {r.label}
            </div>
          ))}
        </div>
        <div className="timeline-track" ref={trackRef} onWheel={wheel} onPointerLeave={() => setHover(null)}>
          <div
            className="timeline-ruler"
            aria-label="Timeline ruler: drag to pan"
            onPointerDown={(e) => down(e, "pan")}
            onPointerMove={move}
            onPointerUp={up}
          >
            {ticks(view, step).map((t) => (
              <div key={t} className="tick" style={{ left: px(t) }}>
                <span>{tickLabel(t, step)}</span>
              </div>
            ))}
          </div>
          {rows.map((r) => (
            <div
              key={r.id}
              className="timeline-row"
              data-camera-id={r.id}
              role="slider"
              aria-label={`Recordings of ${r.label}`}
              aria-valuemin={view.start}
              aria-valuemax={view.end}
              aria-valuenow={shown ?? undefined}
              aria-valuetext={shown ? formatLondon(shown) : "no time"}
              tabIndex={-1}
              onPointerDown={(e) => down(e, "scrub")}
              onPointerMove={move}
              onPointerUp={up}
            >
              {r.data?.error === "denied" && <span className="row-note">Permission denied</span>}
              {mergeBlocks(
                (r.data?.spans ?? []).filter((s) => s.end >= view.start && s.start <= view.end),
                msPerPx,
              ).map((s) => (
                <div key={`s${s.start}`} className="span" style={{ left: px(s.start), width: pw(s.start, s.end) }} />
              ))}
              {(r.data?.unavailable ?? [])
                .filter((s) => s.end >= view.start && s.start <= view.end)
                .map((s) => {
                  const label = `Recorded ${formatLondon(s.start)} – ${formatLondon(s.end)} on recorder node ${
                    s.node
                  }, which is not answering: unavailable until it is back`;
                  return (
                    <div
                      key={`u${s.start}`}
                      className="span span-unavailable"
                      data-testid="timeline-unavailable"
                      title={label}
                      aria-label={label}
                      style={{ left: px(s.start), width: pw(s.start, s.end) }}
                    />
                  );
                })}
              {(r.data?.gaps ?? [])
                .filter((g) => g.end >= view.start && g.start <= view.end)
                .map((g) => {
                  const label = `Gap ${formatLondon(g.start)} – ${g.open ? "now" : formatLondon(g.end)} (${formatDuration(
                    g.end - g.start,
                  )}): ${g.reason}${g.detail ? ` — ${g.detail}` : ""}`;
                  return (
                    <div
                      key={`g${g.start}`}
                      className={`gap gap-${g.reason.replace(/[^a-z0-9_-]/gi, "")}`}
                      data-testid="timeline-gap"
                      data-start={new Date(g.start).toISOString()}
                      data-reason={g.reason}
                      title={label}
                      aria-label={label}
                      style={{ left: px(g.start), width: pw(g.start, g.end) }}
                    />
                  );
                })}
              {(r.data?.motion ?? [])
                .filter((m) => m.end >= view.start && m.start <= view.end)
                .map((m) => {
                  const label = `Motion ${formatLondon(m.start)} – ${m.open ? "now" : formatLondon(m.end)} (up to ${Math.max(
                    1,
                    Math.round(m.peak * 100),
                  )} % of the picture)`;
                  return (
                    <div
                      key={`m${m.start}`}
                      className="mark mark-motion"
                      data-testid="timeline-motion"
                      data-start={new Date(m.start).toISOString()}
                      title={label}
                      aria-label={label}
                      style={{ left: px(m.start), width: pw(m.start, m.end) }}
                    />
                  );
                })}
              {(r.data?.alarms ?? [])
                .filter((a) => a.end >= view.start && a.start <= view.end)
                .map((a) => {
                  const label = `Alarm ${a.kind} ${formatLondon(a.start)} – ${a.open ? "still raised" : formatLondon(a.end)}${
                    a.message ? `: ${a.message}` : ""
                  }`;
                  return (
                    <div
                      key={`a${a.id}`}
                      className={`mark mark-alarm ${a.open ? "mark-open" : ""}`}
                      data-testid="timeline-alarm"
                      data-start={new Date(a.start).toISOString()}
                      title={label}
                      aria-label={label}
                      style={{ left: px(a.start), width: pw(a.start, a.end) }}
                    />
                  );
                })}
              {(r.data?.bookmarks ?? [])
                .filter((b) => (b.end ?? b.start) >= view.start && b.start <= view.end)
                .map((b) => {
                  const when = b.end === null ? formatLondon(b.start) : `${formatLondon(b.start)} – ${formatLondon(b.end)}`;
                  const label = `Bookmark “${b.name}” ${when} by ${b.createdBy}${b.note ? `: ${b.note}` : ""}`;
                  return (
                    <button
                      key={`b${b.id}`}
                      type="button"
                      className={`mark mark-bookmark ${b.end === null ? "mark-instant" : ""}`}
                      data-testid="timeline-bookmark"
                      data-start={new Date(b.start).toISOString()}
                      title={label}
                      aria-label={label}
                      style={{ left: px(b.start), width: b.end === null ? undefined : pw(b.start, b.end) }}
                      onPointerDown={(e) => e.stopPropagation()}
                      onPointerUp={(e) => e.stopPropagation()}
                      onClick={() => onSeek(clampNow(b.start))}
                    />
                  );
                })}
            </div>
          ))}
          {now >= view.start && now <= view.end && <div className="now-line" style={{ left: px(now) }} title="Now" />}
          {shown !== null && shown >= view.start && shown <= view.end && (
            <div className={`cursor ${scrub !== null ? "cursor-scrub" : ""}`} style={{ left: px(shown) }}>
              <span className="cursor-label">{formatLondon(shown)}</span>
            </div>
          )}
          {hover && !drag.current && (
            <div className="hover-line" style={{ left: `${hover.x}px` }}>
              <span>{formatLondonTime(hover.t)}</span>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
