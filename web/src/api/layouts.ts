/**
 * Saved wall layouts per user. Uses `GET /layouts` and `PUT /layouts/{name}` when the server has them; when it
 * answers 404 or 405 (not built yet) the layouts live in this browser's localStorage, keyed by user.
 */
import { api, ApiError } from "./client";
import type { GridSize, Layout } from "./types";

export type LayoutStore = "server" | "browser";

const key = (username: string) => `cw.layouts.${username}`;

function readLocal(username: string): Layout[] {
  try {
    const raw = localStorage.getItem(key(username));
    return raw ? (JSON.parse(raw) as Layout[]) : [];
  } catch {
    return [];
  }
}

function missing(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || e.status === 405 || e.status === 501);
}

export async function loadLayouts(username: string): Promise<{ layouts: Layout[]; store: LayoutStore }> {
  try {
    return { layouts: await api.layouts(), store: "server" };
  } catch (e) {
    if (missing(e)) return { layouts: readLocal(username), store: "browser" };
    throw e;
  }
}

export async function saveLayout(username: string, layout: Layout): Promise<LayoutStore> {
  try {
    await api.saveLayout(layout);
    return "server";
  } catch (e) {
    if (!missing(e)) throw e;
    const all = readLocal(username).filter((l) => l.name !== layout.name);
    all.push(layout);
    localStorage.setItem(key(username), JSON.stringify(all));
    return "browser";
  }
}

export function resizeTiles(tiles: (string | null)[], grid: GridSize): (string | null)[] {
  const out = tiles.slice(0, grid);
  while (out.length < grid) out.push(null);
  return out;
}
