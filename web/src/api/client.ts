/** A small typed client for the citywatch API: cookie session, CSRF header on writes, errors as ApiError. */
import type {
  Alarm,
  Camera,
  Health,
  LayoutWire,
  LoginRequest,
  LoginResponse,
  Timeline,
  UiSettings,
  User,
} from "./types";

export const API = "api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The server's machine-readable reason (`justification_required`, `totp_required`…), or "". */
    readonly code: string = "",
  ) {
    super(message);
    this.name = "ApiError";
  }
  get unauthorised(): boolean {
    return this.status === 401;
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

const CSRF_KEY = "cw.csrf";
type Listener = () => void;
const unauthorisedListeners = new Set<Listener>();

/** Called whenever the server answers 401: the app goes back to sign-in. */
export function onUnauthorised(fn: Listener): () => void {
  unauthorisedListeners.add(fn);
  return () => unauthorisedListeners.delete(fn);
}

export function setCsrfToken(token: string | null): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

/** An absolute URL for an API path, relative to where the app is served. */
export function apiUrl(path: string, params?: Record<string, string | undefined>): string {
  const url = new URL(`${API}${path}`, document.baseURI);
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

export function wsUrl(path: string): string {
  const url = new URL(apiUrl(path));
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** One JSON call with the session cookie and CSRF header; failures become ApiError with the server's words. */
export async function apiRequest<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "The server cannot be reached");
  }
  if (!res.ok) {
    let message = res.statusText || `HTTP ${res.status}`;
    let code = "";
    try {
      const data = (await res.json()) as { detail?: unknown; code?: unknown };
      if (typeof data.detail === "string") message = data.detail;
      if (typeof data.code === "string") code = data.code;
    } catch {
      /* not JSON */
    }
    if (res.status === 401 && path !== "/auth/login") unauthorisedListeners.forEach((fn) => fn());
    throw new ApiError(res.status, message, code);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const enc = encodeURIComponent;

export const api = {
  health: () => apiRequest<Health>("GET", "/health"),
  login: async (body: LoginRequest): Promise<LoginResponse> => {
    const res = await apiRequest<LoginResponse>("POST", "/auth/login", body);
    setCsrfToken(res.csrf_token);
    return res;
  },
  me: (signal?: AbortSignal) => apiRequest<User | { user: User }>("GET", "/auth/me", undefined, signal),
  logout: async (): Promise<void> => {
    try {
      await apiRequest<void>("POST", "/auth/logout", {});
    } finally {
      setCsrfToken(null);
    }
  },
  cameras: async (signal?: AbortSignal): Promise<Camera[]> =>
    (await apiRequest<Camera[]>("GET", "/cameras", undefined, signal)).map((c) => ({ ...c, id: String(c.id) })),
  timeline: (id: string, start: Date, end: Date, signal?: AbortSignal) =>
    apiRequest<Timeline>(
      "GET",
      `/cameras/${enc(id)}/timeline?start=${enc(iso(start))}&end=${enc(iso(end))}`,
      undefined,
      signal,
    ),
  alarms: async (signal?: AbortSignal): Promise<Alarm[]> =>
    (await apiRequest<Alarm[]>("GET", "/alarms?open=true", undefined, signal)).map((a) => ({
      ...a,
      camera_id: a.camera_id === null ? null : String(a.camera_id),
    })),
  layouts: () => apiRequest<LayoutWire[]>("GET", "/layouts"),
  saveLayout: (name: string, body: Omit<LayoutWire, "name" | "updated">) =>
    apiRequest<LayoutWire>("PUT", `/layouts/${enc(name)}`, body),
  deleteLayout: (name: string) => apiRequest<void>("DELETE", `/layouts/${enc(name)}`),
  uiSettings: () => apiRequest<UiSettings>("GET", "/settings/ui"),
  saveUiSettings: (settings: UiSettings) => apiRequest<UiSettings>("PUT", "/settings/ui", settings),
};

/** ISO 8601 UTC with millisecond precision and `Z`, as the API expects. */
export function iso(d: Date | number): string {
  return new Date(d).toISOString();
}

export const urls = {
  playback: (id: string, start: Date, end?: Date) =>
    apiUrl(`/cameras/${enc(id)}/playback.m3u8`, { start: iso(start), end: end ? iso(end) : undefined }),
  liveHls: (id: string) => apiUrl(`/cameras/${enc(id)}/live.m3u8`),
  liveWs: (id: string) => wsUrl(`/cameras/${enc(id)}/live`),
  snapshot: (id: string, at?: Date) => apiUrl(`/cameras/${enc(id)}/snapshot.jpg`, { at: at ? iso(at) : undefined }),
  clip: (id: string, start: Date, end: Date) =>
    apiUrl(`/cameras/${enc(id)}/clip.mp4`, { start: iso(start), end: iso(end) }),
};
