/** "Viewed by …": who else is watching this camera live, polled every 5 s; quiet when nobody is. */
import { useEffect, useState } from "react";
import { call, errorCode } from "./http";
import { useSession } from "./session";
import type { Viewer } from "./types";

const POLL_MS = 5000;

/** One entry per person (several tiles or windows of one person count once), the caller left out. */
export function otherViewers(viewers: Viewer[], me: string | undefined): Viewer[] {
  const seen = new Set<string>();
  const out: Viewer[] = [];
  for (const v of viewers) {
    if (v.username === me || seen.has(v.username)) continue;
    seen.add(v.username);
    out.push(v);
  }
  return out;
}

export function viewersText(viewers: Viewer[]): string {
  return viewers.map((v) => (v.organisation ? `${v.username} (${v.organisation})` : v.username)).join(", ");
}

export function ViewedBy({ cameraId }: { cameraId: string }) {
  const { user } = useSession();
  const [viewers, setViewers] = useState<Viewer[]>([]);
  useEffect(() => {
    let stop = false;
    let timer = 0;
    const ctl = new AbortController();
    const poll = async () => {
      try {
        const got = await call<Viewer[]>("GET", `/cameras/${encodeURIComponent(cameraId)}/viewers`, undefined, ctl.signal);
        if (!stop) setViewers(got);
      } catch (e) {
        if (stop) return;
        setViewers([]);
        if (errorCode(e) === "permission_denied") return; // no live right here: nothing to show, stop asking
      }
      if (!stop) timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stop = true;
      ctl.abort();
      window.clearTimeout(timer);
    };
  }, [cameraId]);
  const others = otherViewers(viewers, user?.username);
  if (others.length === 0) return null;
  return (
    <span className="adm-viewed-by" role="status" aria-label="Viewed by" title={viewersText(others)}>
      <span aria-hidden="true">👁</span> Viewed by {viewersText(others)}
    </span>
  );
}
