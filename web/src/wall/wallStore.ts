/** The wall's current grid and tiles, shared by the wall, the map ("add to wall") and the camera list. */
import { useSyncExternalStore } from "react";
import type { GridSize } from "../api/types";

export interface WallState {
  grid: GridSize;
  tiles: (string | null)[];
}

export const GRIDS: GridSize[] = [1, 4, 9, 16];
const KEY = "cw.wall.current";
const listeners = new Set<() => void>();

function fit(tiles: (string | null)[], grid: GridSize): (string | null)[] {
  const out = tiles.slice(0, 16);
  while (out.length < grid) out.push(null);
  return out;
}

function load(): WallState {
  try {
    const raw = localStorage.getItem(KEY);
    if (raw) {
      const s = JSON.parse(raw) as WallState;
      if (GRIDS.includes(s.grid) && Array.isArray(s.tiles)) return { grid: s.grid, tiles: fit(s.tiles, s.grid) };
    }
  } catch {
    /* fall through */
  }
  return { grid: 4, tiles: [null, null, null, null] };
}

let state: WallState = typeof localStorage === "undefined" ? { grid: 4, tiles: [null, null, null, null] } : load();

function set(next: WallState): void {
  state = next;
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    /* private mode */
  }
  listeners.forEach((l) => l());
}

export const wall = {
  get: (): WallState => state,
  subscribe(fn: () => void): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  /** Tiles beyond the grid are kept (hidden) so going 16 → 4 → 16 loses nothing. */
  setGrid(grid: GridSize): void {
    set({ grid, tiles: fit(state.tiles, grid) });
  },
  setTile(index: number, cameraId: string | null): void {
    const tiles = fit(state.tiles, state.grid);
    tiles[index] = cameraId;
    set({ ...state, tiles });
  },
  swap(a: number, b: number): void {
    const tiles = fit(state.tiles, state.grid);
    [tiles[a], tiles[b]] = [tiles[b], tiles[a]];
    set({ ...state, tiles });
  },
  /** Puts a camera in the first empty visible tile (or the last one); returns its index. */
  add(cameraId: string): number {
    const tiles = fit(state.tiles, state.grid);
    const visible = tiles.slice(0, state.grid);
    const existing = visible.indexOf(cameraId);
    if (existing >= 0) return existing;
    let i = visible.indexOf(null);
    if (i < 0) i = state.grid - 1;
    tiles[i] = cameraId;
    set({ ...state, tiles });
    return i;
  },
  replace(next: WallState): void {
    set({ grid: next.grid, tiles: fit(next.tiles, next.grid) });
  },
};

export function useWall(): WallState {
  return useSyncExternalStore(wall.subscribe, wall.get, wall.get);
}

export function gridColumns(grid: GridSize): number {
  return Math.round(Math.sqrt(grid));
}
