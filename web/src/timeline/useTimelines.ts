/** Recorded spans and gaps for the cameras on a timeline, fetched for the view plus a margin each side. */
import { useEffect, useRef, useState } from "react";
import { api, ApiError } from "../api/client";
import { parseIso } from "../common/time";
import type { View } from "./scale";

export interface GapBlock {
  start: number;
  end: number;
  reason: string;
  detail: string | null;
  open: boolean;
}

/** An alarm of the camera, raised to cleared (``open`` while raised: drawn up to now). */
export interface AlarmMarker {
  id: number;
  start: number;
  end: number;
  open: boolean;
  kind: string;
  message: string;
}

/** Motion found by the recorder: ``peak`` is the largest fraction of the picture that changed. */
export interface MotionMarker {
  start: number;
  end: number;
  open: boolean;
  peak: number;
}

/** A user's named instant (``end`` null) or range. */
export interface BookmarkMarker {
  id: number;
  start: number;
  end: number | null;
  name: string;
  note: string;
  createdBy: string;
}

export interface CameraTimeline {
  cameraId: string;
  from: number;
  to: number;
  spans: { start: number; end: number }[];
  /** Recorded, but on a recorder node that is not answering: shown as unavailable, not missing. */
  unavailable: { start: number; end: number; node: string }[];
  gaps: GapBlock[];
  alarms?: AlarmMarker[];
  bookmarks?: BookmarkMarker[];
  motion?: MotionMarker[];
  error: "denied" | "error" | null;
}

function convert(id: string, from: number, to: number, raw: Awaited<ReturnType<typeof api.timeline>>): CameraTimeline {
  const now = Date.now();
  return {
    cameraId: id,
    from,
    to,
    spans: raw.spans
      .filter((s) => s.available !== false)
      .map((s) => ({ start: parseIso(s.start) ?? 0, end: parseIso(s.end) ?? now })),
    unavailable: raw.spans
      .filter((s) => s.available === false)
      .map((s) => ({ start: parseIso(s.start) ?? 0, end: parseIso(s.end) ?? now, node: s.node ?? "" })),
    gaps: raw.gaps.map((g) => ({
      start: parseIso(g.start) ?? 0,
      end: parseIso(g.end) ?? Math.max(now, to),
      reason: g.reason,
      detail: g.detail,
      open: g.end === null,
    })),
    alarms: (raw.alarms ?? []).map((a) => ({
      id: a.id,
      start: parseIso(a.raised) ?? 0,
      end: parseIso(a.cleared) ?? Math.max(now, to),
      open: a.cleared === null,
      kind: a.kind,
      message: a.message,
    })),
    bookmarks: (raw.bookmarks ?? []).map((b) => ({
      id: b.id,
      start: parseIso(b.start) ?? 0,
      end: parseIso(b.end),
      name: b.name,
      note: b.note,
      createdBy: b.created_by,
    })),
    motion: (raw.motion ?? []).map((m) => ({
      start: parseIso(m.start) ?? 0,
      end: parseIso(m.end) ?? Math.max(now, to),
      open: m.end === null,
      peak: m.peak,
    })),
    error: null,
  };
}

export function useTimelines(cameraIds: string[], view: View, refreshMs = 10_000): Map<string, CameraTimeline> {
  const [data, setData] = useState<Map<string, CameraTimeline>>(new Map());
  const [tick, setTick] = useState(0);
  const dataRef = useRef(data);
  dataRef.current = data;
  const key = cameraIds.join(",");

  useEffect(() => {
    const id = window.setInterval(() => setTick((n) => n + 1), refreshMs);
    return () => window.clearInterval(id);
  }, [refreshMs]);

  useEffect(() => {
    const ids = key ? key.split(",") : [];
    const span = view.end - view.start;
    const have = dataRef.current;
    const covered = (id: string) => {
      const d = have.get(id);
      return d && d.from <= view.start && d.to >= Math.min(view.end, Date.now());
    };
    const stale = tick > 0 || ids.some((id) => !covered(id));
    if (!stale) return;
    const from = view.start - span / 2;
    const to = Math.min(view.end + span / 2, Date.now() + 60_000);
    const ctl = new AbortController();
    const timer = window.setTimeout(async () => {
      const results = await Promise.all(
        ids.map(async (id): Promise<CameraTimeline> => {
          try {
            return convert(id, from, to, await api.timeline(id, new Date(from), new Date(to), ctl.signal));
          } catch (e) {
            const denied = e instanceof ApiError && e.status === 403;
            return { cameraId: id, from, to, spans: [], unavailable: [], gaps: [], error: denied ? "denied" : "error" };
          }
        }),
      );
      if (!ctl.signal.aborted) setData(new Map(results.map((r) => [r.cameraId, r])));
    }, 120);
    return () => {
      ctl.abort();
      window.clearTimeout(timer);
    };
    // deliberately keyed on these values only
  }, [key, Math.round(view.start / 1000), Math.round(view.end / 1000), tick]);

  return data;
}
