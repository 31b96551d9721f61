/** Wire types of the evidence API (/api/v1/cases, /evidence/holds, /exports, /disclosures, /evidence/keys). */

export interface Case {
  id: number;
  reference: string;
  title: string;
  owner: string;
  organisation: string;
  review: string;
  status: "open" | "closed";
  overdue: boolean;
  notes: string;
  hold_ids: number[];
  created_by: string;
  created: string;
}

export interface CaseInput {
  reference: string;
  owner: string;
  review: string;
  title?: string;
  notes?: string;
  status?: "open" | "closed";
}

export interface EvidenceHold {
  id: number;
  camera_id: number;
  start: string;
  end: string;
  reason: string;
  reference: string;
  case_id: number | null;
  source: string;
  created_by: string;
  created: string;
  released: string | null;
  released_by: string | null;
  release_reason: string | null;
}

export interface HoldInput {
  camera_id: number;
  start: string;
  end: string;
  reason: string;
  reference?: string;
  case_id?: number | null;
  source?: "timeline" | "alarm" | "tracking";
  source_ref?: string;
}

export interface Exhibit {
  id: string;
  kind: "master" | "working_copy";
  camera_id: number;
  path: string;
  sha256: string;
  size_bytes: number;
  start: string;
  end: string;
  derived_from: string | null;
  steps: Record<string, unknown>[];
}

export interface ExportJob {
  id: string;
  state: "queued" | "running" | "done" | "failed";
  progress: number;
  error: string;
  camera_ids: number[];
  start: string;
  end: string;
  justification: string;
  reference: string;
  case_id: number | null;
  created_by: string;
  created: string;
  finished: string | null;
  manifest_sha256: string;
  exhibits: Exhibit[];
}

export interface Redaction {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** POST /exports/{id}/working-copies: a working copy of one master, made now as a new export. */
export interface WorkingCopyInput {
  exhibit_id: string;
  justification: string;
  redactions?: Redaction[];
}

export interface ExportInput {
  camera_ids: number[];
  start: string;
  end: string;
  justification: string;
  reference?: string;
  case_id?: number | null;
  working_copy?: boolean;
}

export interface DeliveryLink {
  id: number;
  url: string;
  token: string;
  recipient: string;
  expires: string;
}

export interface Disclosure {
  id: number;
  export_id: string;
  recipient: string;
  reason: string;
  disclosed_by: string;
  disclosed: string;
  reference: string;
  manifest_sha256: string;
  via_link: boolean;
}

export interface PublicKey {
  key_id: string;
  public_key_pem: string;
  created: string;
  retired: string | null;
  current: boolean;
}
