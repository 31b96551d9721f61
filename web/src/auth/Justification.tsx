/**
 * The police justification prompt. Recorded footage (playlists, snapshots, clips) answers 403 with code
 * `justification_required` until the session has stated a reason and a CAD or crime reference for the camera
 * (or for every camera); the server then attaches it to every following audit entry.
 *
 * Players stay unaware of access control: a tile whose playback is refused dispatches FOOTAGE_DENIED_EVENT on
 * `window` with a `retry`; the host here asks the server whether a justification is what is missing, prompts
 * for it, posts it and calls `retry`. Links to footage use `ensureJustified` (or `JustifiedLink`) first.
 */
import { useEffect, useState, useSyncExternalStore, type FormEvent, type ReactNode } from "react";
import { apiUrl } from "../api/client";
import { useCameras } from "../camera/cameras";
import { call, errorText, query, readError } from "./http";

export const FOOTAGE_DENIED_EVENT = "cw:footage-denied";

export interface FootageDenied {
  cameraId: string;
  /** Load again what was refused. */
  retry: () => void;
}

// -- the bus: cameras waiting for a justification, and who waits on each ---------------------------------------

interface Waiter {
  cameraId: string;
  resolve: (stated: boolean) => void;
}

let waiters: Waiter[] = [];
const subscribers = new Set<() => void>();

function publish(next: Waiter[]): void {
  waiters = next;
  subscribers.forEach((fn) => fn());
}

function subscribe(fn: () => void): () => void {
  subscribers.add(fn);
  return () => subscribers.delete(fn);
}

/** Prompts for a justification for `cameraId`; true once one is stated, false if the person cancels. */
export function askJustification(cameraId: string): Promise<boolean> {
  return new Promise((resolve) => publish([...waiters, { cameraId, resolve }]));
}

function settle(which: (w: Waiter) => boolean, stated: boolean): void {
  const done = waiters.filter(which);
  publish(waiters.filter((w) => !which(w)));
  done.forEach((w) => w.resolve(stated));
}

/**
 * Whether the server refuses recorded footage of `cameraId` for want of a justification. Asks for a playlist
 * a day in the future: the checks run first, and when they pass there is nothing to play (404), so the
 * question itself plays nothing and leaves no playback entry in the audit.
 */
export async function justificationNeeded(cameraId: string): Promise<boolean> {
  const at = Date.now() + 86_400_000;
  const path = `/cameras/${encodeURIComponent(cameraId)}/playback.m3u8`;
  const url = apiUrl(path) + query({ start: new Date(at).toISOString(), end: new Date(at + 1000).toISOString() });
  try {
    const res = await fetch(url, { credentials: "same-origin" });
    if (res.ok) return false;
    const err = await readError(res);
    return err.status === 403 && err.code === "justification_required";
  } catch {
    return false;
  }
}

/** True when footage of `cameraId` may be fetched now (prompting first where needed). */
export async function ensureJustified(cameraId: string): Promise<boolean> {
  return (await justificationNeeded(cameraId)) ? askJustification(cameraId) : true;
}

async function onDenied({ cameraId, retry }: FootageDenied): Promise<void> {
  if ((await justificationNeeded(cameraId)) && (await askJustification(cameraId))) retry();
}

/** A link to recorded footage that states a justification first where the server wants one. */
export function JustifiedLink({ cameraId, href, className, children }: { cameraId: string; href: string; className?: string; children: ReactNode }) {
  return (
    <a
      className={className}
      href={href}
      target="_blank"
      rel="noreferrer"
      onClick={(e) => {
        e.preventDefault();
        void ensureJustified(cameraId).then((ok) => {
          if (ok) window.open(href, "_blank", "noreferrer");
        });
      }}
    >
      {children}
    </a>
  );
}

// -- the prompt -----------------------------------------------------------------------------------------------

/** Mount once inside the signed-in app: listens for refused footage and shows the prompt. */
export function JustificationHost() {
  const queue = useSyncExternalStore(subscribe, () => waiters);
  useEffect(() => {
    const on = (e: Event) => void onDenied((e as CustomEvent<FootageDenied>).detail);
    window.addEventListener(FOOTAGE_DENIED_EVENT, on);
    return () => {
      window.removeEventListener(FOOTAGE_DENIED_EVENT, on);
      settle(() => true, false);
    };
  }, []);
  const first = queue[0];
  return first ? <JustificationDialog key={first.cameraId} cameraId={first.cameraId} /> : null;
}

function JustificationDialog({ cameraId }: { cameraId: string }) {
  const { byId } = useCameras();
  const [reason, setReason] = useState("");
  const [reference, setReference] = useState("");
  const [everyCamera, setEveryCamera] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = byId.get(cameraId)?.name ?? `camera ${cameraId}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim() || !reference.trim()) {
      setError("Give both a reason and a CAD or crime reference.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const id = Number(cameraId);
      await call<void>("POST", "/justifications", {
        camera_id: everyCamera || !Number.isFinite(id) ? null : id,
        reason: reason.trim(),
        reference: reference.trim(),
      });
      settle((w) => everyCamera || w.cameraId === cameraId, true);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <div className="adm-modal-backdrop">
      <form
        className="adm-modal"
        role="dialog"
        aria-modal="true"
        aria-labelledby="adm-just-title"
        onSubmit={submit}
        onKeyDown={(e) => e.key === "Escape" && !busy && settle((w) => w.cameraId === cameraId, false)}
      >
        <h2 id="adm-just-title" className="adm-modal-title">
          Justify viewing recorded footage
        </h2>
        <p className="small">
          Before playback or export of <strong>{name}</strong>, state why and under which reference. It is kept with every
          audit entry of this session for the camera.
        </p>
        <label className="adm-field">
          Reason
          <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} rows={3} required autoFocus />
        </label>
        <label className="adm-field">
          CAD or crime reference
          <input value={reference} onChange={(e) => setReference(e.target.value)} maxLength={100} required placeholder="e.g. CAD 1234/26NOV" />
        </label>
        <label className="adm-check">
          <input type="checkbox" checked={everyCamera} onChange={(e) => setEveryCamera(e.target.checked)} />
          For all cameras in this session
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="adm-actions">
          <button type="button" onClick={() => settle((w) => w.cameraId === cameraId, false)} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? "Saving…" : "Continue"}
          </button>
        </div>
      </form>
    </div>
  );
}
