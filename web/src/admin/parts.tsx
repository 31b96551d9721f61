/** Small pieces the admin sections share: a loaded list, an action runner that shows errors, pickers. */
import { useCallback, useEffect, useState, type ReactNode } from "react";
import type { Camera } from "../api/types";
import { errorText } from "../auth/http";
import type { Organisation } from "./types";

export function useList<T>(load: () => Promise<T[]>, enabled = true): { items: T[]; error: string | null; reload: () => void } {
  const [items, setItems] = useState<T[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let stop = false;
    load()
      .then((got) => {
        if (!stop) {
          setItems(got);
          setError(null);
        }
      })
      .catch((e) => !stop && setError(errorText(e)));
    return () => {
      stop = true;
    };
  }, [load, enabled, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { items, error, reload };
}

/** Runs a change, shows what went wrong in the server's words, and reloads after success. */
export function useAction(after?: () => void): { run: (fn: () => Promise<unknown>) => Promise<boolean>; error: string | null; busy: boolean; clear: () => void } {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (fn: () => Promise<unknown>) => {
      setBusy(true);
      setError(null);
      try {
        await fn();
        after?.();
        return true;
      } catch (e) {
        setError(errorText(e));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [after],
  );
  return { run, error, busy, clear: () => setError(null) };
}

export function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="adm-section" aria-label={title}>
      <div className="adm-section-head">
        <h2 className="adm-section-title">{title}</h2>
        <span className="spacer" />
        {actions}
      </div>
      {children}
    </section>
  );
}

export function OrgSelect({
  orgs,
  value,
  onChange,
  label,
  allowNone,
}: {
  orgs: Organisation[];
  value: number | null;
  onChange: (id: number | null) => void;
  label: string;
  allowNone?: string;
}) {
  return (
    <label className="adm-field">
      {label}
      <select aria-label={label} value={value ?? ""} onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}>
        {allowNone !== undefined ? <option value="">{allowNone}</option> : value === null && <option value="">choose…</option>}
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Ticks for choosing cameras (a group's members, an agreement's scope). */
export function CameraPicker({ cameras, value, onChange, label }: { cameras: Camera[]; value: number[]; onChange: (ids: number[]) => void; label: string }) {
  const chosen = new Set(value);
  return (
    <fieldset className="adm-picker">
      <legend>{label}</legend>
      {cameras.length === 0 && <span className="muted small">No cameras</span>}
      {cameras.map((c) => {
        const id = Number(c.id);
        return (
          <label key={c.id} className="adm-check">
            <input
              type="checkbox"
              checked={chosen.has(id)}
              onChange={(e) => onChange(e.target.checked ? [...value, id] : value.filter((x) => x !== id))}
            />
            {c.name}
          </label>
        );
      })}
    </fieldset>
  );
}

export function orgName(orgs: Organisation[], id: number | null | undefined): string {
  if (id === null || id === undefined) return "—";
  return orgs.find((o) => o.id === id)?.name ?? `#${id}`;
}

/** The owner of a camera (sent by the server, not yet in the shared Camera type). */
export function cameraOwner(c: Camera): number | null {
  return (c as Camera & { organisation_id?: number | null }).organisation_id ?? null;
}
