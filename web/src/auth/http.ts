/**
 * API calls of the sign-in, access and audit screens. Same cookie session and CSRF header as the shared client;
 * failures keep the server's machine-readable `code` (totp_required, justification_required, account_locked…)
 * so the screens can react to it without reading the prose.
 */
import { ApiError, apiUrl } from "../api/client";

const CSRF_KEY = "cw.csrf"; // where the app's client keeps the token given at sign-in

export class AccessApiError extends ApiError {
  constructor(status: number, message: string, code: string) {
    super(status, message, code);
    this.name = "AccessApiError";
  }
}

/** The server's machine-readable code of an error from any of the app's clients ("" when none). */
export function errorCode(e: unknown): string {
  return e instanceof ApiError ? e.code : "";
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError && e.status === 0) return "The server cannot be reached.";
  return e instanceof Error ? e.message : String(e);
}

type Listener = () => void;
const signedOutListeners = new Set<Listener>();

/** Called when one of these calls finds the session gone (401 other than a sign-in step). */
export function onSignedOut(fn: Listener): () => void {
  signedOutListeners.add(fn);
  return () => signedOutListeners.delete(fn);
}

/** Reads `{detail, code}` from a failed response. */
export async function readError(res: Response): Promise<AccessApiError> {
  let message = res.statusText || `HTTP ${res.status}`;
  let code = "";
  try {
    const data = (await res.json()) as { detail?: unknown; code?: unknown };
    if (typeof data.detail === "string") message = data.detail;
    if (typeof data.code === "string") code = data.code;
  } catch {
    /* not JSON */
  }
  return new AccessApiError(res.status, message, code);
}

const SIGN_IN_STEPS = new Set(["totp_required", "account_locked", "mfa_enrolment_required"]);

export async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = sessionStorage.getItem(CSRF_KEY);
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
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
    throw new AccessApiError(0, "The server cannot be reached", "unreachable");
  }
  if (!res.ok) {
    const err = await readError(res);
    if (res.status === 401 && path !== "/auth/login" && !SIGN_IN_STEPS.has(err.code))
      signedOutListeners.forEach((fn) => fn());
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Query string values, dropping the empty ones. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
