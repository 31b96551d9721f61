/** Saved layouts per user: on the server when it has `/layouts`, otherwise in this browser. */
import { useEffect, useState } from "react";
import { loadLayouts, saveLayout, type LayoutStore } from "../api/layouts";
import type { Layout } from "../api/types";
import { useSession } from "../auth/session";
import { wall, useWall } from "./wallStore";

export function LayoutPicker() {
  const { user } = useSession();
  const current = useWall();
  const [layouts, setLayouts] = useState<Layout[]>([]);
  const [store, setStore] = useState<LayoutStore>("server");
  const [name, setName] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const username = user?.username ?? "anonymous";

  const refresh = async () => {
    try {
      const r = await loadLayouts(username);
      setLayouts(r.layouts);
      setStore(r.store);
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
    }
  };

  useEffect(() => {
    void refresh();
    // deliberately keyed on these values only
  }, [username]);

  const save = async () => {
    const n = name.trim();
    if (!n) return;
    try {
      const where = await saveLayout(username, { name: n, grid: current.grid, tiles: current.tiles.slice(0, current.grid) });
      setMessage(`Saved “${n}”${where === "browser" ? " in this browser" : ""}`);
      setName("");
      await refresh();
    } catch (e) {
      setMessage(e instanceof Error ? e.message : String(e));
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
            if (l) wall.replace({ grid: l.grid, tiles: l.tiles });
          }}
        >
          <option value="">Open…</option>
          {layouts.map((l) => (
            <option key={l.name} value={l.name}>
              {l.name} ({l.grid})
            </option>
          ))}
        </select>
      </label>
      <input aria-label="Layout name" placeholder="Name" value={name} onChange={(e) => setName(e.target.value)} size={10} />
      <button type="button" onClick={save} disabled={!name.trim()}>
        Save layout
      </button>
      {store === "browser" && (
        <span className="muted small" title="The server has no /layouts yet">
          (stored in this browser)
        </span>
      )}
      {message && (
        <span className="muted small" role="status">
          {message}
        </span>
      )}
    </div>
  );
}
