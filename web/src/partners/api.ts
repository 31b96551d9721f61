/** Reads of the partners API; the session cookie rides along, as with every other screen. */
import { ApiError, apiUrl } from "../api/client";
import type { FootageRequest, Forecast, Invoice, Partner, Portal, PublicRegister } from "./types";

async function getJson<T>(path: string, params?: Record<string, string>, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" }, credentials: "same-origin", signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "The server cannot be reached");
  }
  if (!res.ok) {
    let message = res.statusText || `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { detail?: unknown };
      if (typeof body.detail === "string") message = body.detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, message);
  }
  return (await res.json()) as T;
}

export const partnersApi = {
  partners: (signal?: AbortSignal) => getJson<Partner[]>("/partners", undefined, signal),
  portal: (id: number, month: string, signal?: AbortSignal) =>
    getJson<Portal>(`/partners/${id}/portal`, { month }, signal),
  invoices: (month: string, signal?: AbortSignal) => getJson<Invoice[]>("/invoices", { month }, signal),
  footageRequests: (signal?: AbortSignal) => getJson<FootageRequest[]>("/footage-requests", undefined, signal),
  forecast: (signal?: AbortSignal) => getJson<Forecast>("/forecast", undefined, signal),
  publicRegister: (signal?: AbortSignal) => getJson<PublicRegister>("/transparency/cameras.geojson", undefined, signal),
};

export const partnerUrls = {
  invoice: (id: number, month: string, format: "html" | "pdf" | "csv") =>
    apiUrl(`/partners/${id}/invoices/${month}`, { format }),
  financeCsv: (month: string) => apiUrl("/invoices", { month, format: "csv" }),
  forecastCsv: () => apiUrl("/forecast", { format: "csv" }),
  transparency: (format: "geojson" | "csv") => apiUrl(`/transparency/cameras.${format}`),
};
