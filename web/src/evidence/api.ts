/** Evidence API calls: same session cookie and CSRF header as the shared client, errors as ApiError. */
import { apiRequest, apiUrl } from "../api/client";
import type {
  Case,
  CaseInput,
  DeliveryLink,
  Disclosure,
  EvidenceHold,
  ExportInput,
  ExportJob,
  HoldInput,
  PublicKey,
  WorkingCopyInput,
} from "./types";

const call = apiRequest;

const enc = encodeURIComponent;

export const evidenceApi = {
  cases: () => call<Case[]>("GET", "/cases"),
  createCase: (body: CaseInput) => call<Case>("POST", "/cases", body),
  updateCase: (id: number, body: CaseInput) => call<Case>("PUT", `/cases/${id}`, body),
  deleteCase: (id: number) => call<void>("DELETE", `/cases/${id}`),
  holds: () => call<EvidenceHold[]>("GET", "/evidence/holds"),
  placeHold: (body: HoldInput) => call<EvidenceHold>("POST", "/evidence/holds", body),
  releaseHold: (id: number, reason: string) => call<EvidenceHold>("POST", `/evidence/holds/${id}/release`, { reason }),
  exports: () => call<ExportJob[]>("GET", "/exports"),
  exportJob: (id: string) => call<ExportJob>("GET", `/exports/${enc(id)}`),
  createExport: (body: ExportInput) => call<ExportJob>("POST", "/exports", body),
  deriveWorkingCopy: (id: string, body: WorkingCopyInput) =>
    call<ExportJob>("POST", `/exports/${enc(id)}/working-copies`, body),
  deliver: (id: string, recipient: string, reason: string, expiresS: number) =>
    call<DeliveryLink>("POST", `/exports/${enc(id)}/deliveries`, { recipient, reason, expires_s: expiresS }),
  disclosures: () => call<Disclosure[]>("GET", "/disclosures"),
  keys: () => call<PublicKey[]>("GET", "/evidence/keys"),
};

export const evidenceUrls = {
  bundle: (id: string) => apiUrl(`/exports/${enc(id)}/bundle`),
  delivery: (token: string) => apiUrl(`/deliveries/${enc(token)}`),
};

/** Polls an export until it is done or failed, reporting each state; returns a stop function. */
export function watchExport(id: string, onUpdate: (job: ExportJob) => void, everyMs = 500): () => void {
  let stopped = false;
  let timer: number | undefined;
  const tick = async () => {
    try {
      const job = await evidenceApi.exportJob(id);
      if (stopped) return;
      onUpdate(job);
      if (job.state === "done" || job.state === "failed") return;
    } catch {
      /* keep polling through a blip */
    }
    if (!stopped) timer = window.setTimeout(tick, everyMs);
  };
  void tick();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
