/**
 * Saved wall layouts per user, kept on the server (`/layouts`). The last list the server gave is also kept in
 * this browser, so that the picker still opens layouts when the server cannot be reached. A layout saved while
 * offline waits in this browser (the picker says so) and goes to the server the next time the list loads.
 */
import { api, ApiError } from "./client";
import type { GridSize, Layout, LayoutWire } from "./types";

export type LayoutStore = "server" | "browser";
export type WallMode = "live" | "playback";

const cacheKey = (username: string) => `cw.layouts.${username}`;
const pendingKey = (username: string) => `cw.layouts.pending.${username}`;

function read(k: string): Layout[] {
  try {
    const raw = localStorage.getItem(k);
    return raw ? (JSON.parse(raw) as Layout[]) : [];
  } catch {
    return [];
  }
}

function write(k: string, layouts: Layout[]): void {
  try {
    if (layouts.length) localStorage.setItem(k, JSON.stringify(layouts));
    else localStorage.removeItem(k);
  } catch {
    /* private mode or full: the server copy is the one that counts */
  }
}

const byName = (layouts: Layout[]) => [...layouts].sort((a, b) => a.name.localeCompare(b.name, "en"));

function merged(username: string): Layout[] {
  const pending = read(pendingKey(username));
  const names = new Set(pending.map((l) => l.name));
  return byName([...read(cacheKey(username)).filter((l) => !names.has(l.name)), ...pending]);
}

/** Only an unreachable server (status 0) falls back to this browser; any answer from the server is final. */
function offline(e: unknown): boolean {
  return e instanceof ApiError && e.status === 0;
}

export function fromWire(w: LayoutWire): Layout {
  return { name: w.name, grid: w.grid, tiles: w.tiles.map((t) => (t === null ? null : String(t.camera_id))) };
}

export function toWire(layout: Layout, mode: WallMode = "live"): Omit<LayoutWire, "name" | "updated"> {
  const tiles = resizeTiles(layout.tiles, layout.grid).map((t) =>
    t !== null && /^\d+$/.test(t) ? { camera_id: Number(t), mode } : null,
  );
  return { grid: layout.grid, tiles };
}

export async function loadLayouts(username: string): Promise<{ layouts: Layout[]; store: LayoutStore }> {
  try {
    const pending = read(pendingKey(username));
    for (const l of pending) await api.saveLayout(l.name, toWire(l));
    write(pendingKey(username), []);
    const layouts = (await api.layouts()).map(fromWire);
    write(cacheKey(username), layouts);
    return { layouts, store: "server" };
  } catch (e) {
    if (offline(e)) return { layouts: merged(username), store: "browser" };
    throw e;
  }
}

export async function saveLayout(username: string, layout: Layout, mode: WallMode = "live"): Promise<LayoutStore> {
  try {
    await api.saveLayout(layout.name, toWire(layout, mode));
    return "server";
  } catch (e) {
    if (!offline(e)) throw e;
    write(pendingKey(username), [...read(pendingKey(username)).filter((l) => l.name !== layout.name), layout]);
    return "browser";
  }
}

export async function deleteLayout(username: string, name: string): Promise<void> {
  await api.deleteLayout(name);
  write(cacheKey(username), read(cacheKey(username)).filter((l) => l.name !== name));
}

export function resizeTiles(tiles: (string | null)[], grid: GridSize): (string | null)[] {
  const out = tiles.slice(0, grid);
  while (out.length < grid) out.push(null);
  return out;
}
