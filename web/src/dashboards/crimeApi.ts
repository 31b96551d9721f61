/** The crime API (`/api/v1/crime`) as the dashboard uses it: types of its answers and typed GETs. */
import type { FeatureCollection, Polygon } from "geojson";
import { api, apiUrl, ApiError } from "../api/client";
import type { Rag } from "./scales";

export interface CrimeOverview {
  boroughs: string[];
  london: string;
  categories: string[];
  financial_years: string[];
  schemes: Record<string, [string, string]>;
  lsoa: { years: number[]; categories: string[]; boroughs: string[] };
}

export interface Change {
  previous: number;
  current: number;
  change_pct: number | null;
}

export interface AreaFigures {
  area: string;
  categories: Record<string, Change>;
  total: Change;
}

export interface RagStatus {
  categories: Record<string, Rag>;
  total: Rag;
}

export interface TargetYear {
  fy: string;
  actual: number;
  milestone: number;
}

export interface TargetProgress {
  area: string;
  baseline_fy: string;
  target_fy: string;
  reduction_pct: number;
  baseline: number;
  target: number;
  years: TargetYear[];
  achieved_pct: number | null;
  on_track: boolean;
  projected: number | null;
  projected_reduction_pct: number | null;
  projected_to_meet: boolean | null;
}

export interface Mopac7 {
  area: string;
  fy: string;
  previous_fy: string;
  scheme: string;
  categories: Record<string, Change>;
  total: Change;
  compare: AreaFigures | null;
  status: RagStatus & { annual_cut_pct: number; compare: RagStatus | null };
  target: TargetProgress | null;
  source: string[];
  notes: string[];
}

export interface MonthPoint {
  month: string;
  categories: Record<string, number>;
  total: number;
}

export interface Trend {
  area: string;
  fy: string;
  scheme: string;
  months: MonthPoint[];
}

export interface RankRow extends Change {
  rank: number;
  area: string;
}

export interface Ranking {
  fy: string;
  previous_fy: string;
  boroughs: RankRow[];
}

export interface LsoaProps {
  lsoa: string;
  name: string;
  count: number;
  area_km2: number;
  per_km2: number | null;
}

export type LsoaMap = FeatureCollection<Polygon, LsoaProps> & {
  area: string;
  year: number;
  category: string;
  total: number;
  notes: string[];
};

export interface HotspotProps {
  rank: number;
  lsoa: string;
  name: string;
  crimes: number;
  cameras_inside: number;
  seen_pct: number;
  estimated_uncovered: number;
  covered_by: { camera: string; seen_pct: number }[];
}

export interface CoverageCamera {
  name: string;
  latitude: number;
  longitude: number;
  bearing_deg: number;
  fov_deg: number;
  range_m: number;
  hotspots: string[];
}

export interface Coverage {
  area: string;
  year: number;
  category: string;
  hotspots: FeatureCollection<Polygon, HotspotProps>;
  cameras: CoverageCamera[];
  summary: { lsoas: number; crimes: number; estimated_seen: number; seen_pct: number | null };
  method: string;
}

type Params = Record<string, string | number | undefined>;

function url(path: string, params: Params): string {
  const clean: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(params)) clean[k] = v === undefined || v === "" ? undefined : String(v);
  return apiUrl(`/crime${path}`, clean);
}

async function get<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url(path, params), { headers: { Accept: "application/json" }, credentials: "same-origin", signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "The server cannot be reached");
  }
  if (!res.ok) {
    let message = res.statusText || `HTTP ${res.status}`;
    try {
      const data = (await res.json()) as { detail?: unknown };
      if (typeof data.detail === "string") message = data.detail;
    } catch {
      /* not JSON */
    }
    // The shared client sends the app back to sign-in on a 401; asking it who we are lets it do so.
    if (res.status === 401) void api.me().catch(() => undefined);
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}

export const crimeApi = {
  overview: (signal?: AbortSignal) => get<CrimeOverview>("/boroughs", {}, signal),
  mopac7: (area: string, fy: string, compare: string | undefined, signal?: AbortSignal) =>
    get<Mopac7>("/mopac7", { area, fy, compare }, signal),
  trend: (area: string, fy: string, signal?: AbortSignal) => get<Trend>("/trend", { area, fy }, signal),
  ranking: (fy: string, signal?: AbortSignal) => get<Ranking>("/ranking", { fy }, signal),
  lsoa: (area: string, year: number, category: string | undefined, signal?: AbortSignal) =>
    get<LsoaMap>("/lsoa", { area, year, category }, signal),
  coverage: (area: string, year: number, category: string | undefined, signal?: AbortSignal) =>
    get<Coverage>("/coverage", { area, year, category, top: 10 }, signal),
  reportUrl: (area: string, fy: string, compare: string | undefined, format: "csv" | "html") =>
    url("/report", { area, fy, compare, format }),
};
