/** Saved layouts per user, on the server (a copy in this browser for when it cannot be reached). */
import { useEffect, useState } from "react";
import { api } from "../api/client";
import { deleteLayout, loadLayouts, saveLayout, type LayoutStore, type WallMode } from "../api/layouts";
import type { Layout } from "../api/types";
import { useSession } from "../auth/session";
import { wall, useWall } from "./wallStore";

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function LayoutPicker({ mode = "live" }: { mode?: WallMode }) {
  const { user } = useSession();
  const current = useWall();
  const [layouts, setLayouts] = useState<Layout[]>([]);
  const [store, setStore] = useState<LayoutStore>("server");
  const [name, setName] = useState("");
  const [opened, setOpened] = useState<string | null>(null);
  const [defaultName, setDefaultName] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const username = user?.username ?? "anonymous";

  const refresh = async (): Promise<Layout[]> => {
    try {
      const r = await loadLayouts(username);
      setLayouts(r.layouts);
      setStore(r.store);
      return r.layouts;
    } catch (e) {
      setStatus(message(e));
      return [];
    }
  };

  useEffect(() => {
    let live = true;
    void (async () => {
      const [list, settings] = await Promise.all([refresh(), api.uiSettings().catch(() => null)]);
      if (!live) return;
      const preferred = settings?.default_layout ?? null;
      setDefaultName(preferred);
      // An empty wall opens the user's default layout, as a shift starts.
      const empty = wall.get().tiles.every((t) => t === null);
      const l = list.find((x) => x.name === preferred);
      if (empty && l) {
        wall.replace({ grid: l.grid, tiles: l.tiles });
        setOpened(l.name);
      }
    })();
    return () => {
      live = false;
    };
    // deliberately keyed on these values only
  }, [username]);

  const save = async () => {
    const n = name.trim();
    if (!n) return;
    try {
      const where = await saveLayout(username, { name: n, grid: current.grid, tiles: current.tiles.slice(0, current.grid) }, mode);
      setStatus(`Saved “${n}”${where === "browser" ? " in this browser" : ""}`);
      setName("");
      setOpened(n);
      await refresh();
    } catch (e) {
      setStatus(message(e));
    }
  };

  const remove = async (n: string) => {
    try {
      await deleteLayout(username, n);
      setStatus(`Deleted “${n}”`);
      setOpened(null);
      if (defaultName === n) setDefaultName(null);
      await refresh();
    } catch (e) {
      setStatus(message(e));
    }
  };

  const makeDefault = async (n: string) => {
    try {
      const settings = await api.uiSettings();
      await api.saveUiSettings({ ...settings, default_layout: n });
      setDefaultName(n);
      setStatus(`“${n}” opens on an empty wall`);
    } catch (e) {
      setStatus(message(e));
    }
  };

  return (
    <div className="layout-picker">
      <label className="inline">
        Layout
        <select
          aria-label="Saved layouts"
          value=""
          onChange={(e) => {
            const l = layouts.find((x) => x.name === e.target.value);
            if (l) {
              wall.replace({ grid: l.grid, tiles: l.tiles });
              setOpened(l.name);
            }
          }}
        >
          <option value="">Open…</option>
          {layouts.map((l) => (
            <option key={l.name} value={l.name}>
              {l.name} ({l.grid}){l.name === defaultName ? " ★" : ""}
            </option>
          ))}
        </select>
      </label>
      <input aria-label="Layout name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} size={10} />
      <button type="button" onClick={save} disabled={!name.trim()}>
        Save layout
      </button>
      {opened && store === "server" && layouts.some((l) => l.name === opened) && (
        <>
          {opened !== defaultName && (
            <button type="button" onClick={() => void makeDefault(opened)} title="Open this layout when the wall is empty">
              Make “{opened}” default
            </button>
          )}
          <button type="button" onClick={() => void remove(opened)}>
            Delete “{opened}”
          </button>
        </>
      )}
      {store === "browser" && (
        <span className="muted small" title="The server cannot be reached; layouts saved now go to it later">
          (offline: stored in this browser)
        </span>
      )}
      {status && (
        <span className="muted small" role="status">
          {status}
        </span>
      )}
    </div>
  );
}
