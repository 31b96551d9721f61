/** Shapes of the access and audit routes (src/citywatch/api/schemas_access.py). Times are ISO 8601 UTC. */

export interface Organisation {
  id: number;
  name: string;
  kind: string;
}

export interface Group {
  id: number;
  organisation_id: number;
  name: string;
  camera_ids: number[];
}

export interface UserAdminIn {
  username: string;
  display_name: string;
  organisation_id: number;
  role: string;
  password?: string | null;
  signin_hours?: string | null;
  disabled: boolean;
}

export interface UserAdmin {
  id: number;
  username: string;
  display_name: string;
  organisation_id: number;
  role: string;
  mfa_enrolled: boolean;
  mfa_required: boolean;
  disabled: boolean;
  locked_until: string | null;
  signin_hours: string | null;
  last_login: string | null;
}

export interface RuleIn {
  action: string;
  effect: "allow" | "deny";
  target_kind: "all" | "camera" | "group" | "organisation";
  target_id: number | null;
  role: string | null;
  organisation_id: number | null;
  user_id: number | null;
  playback_days: number | null;
  hours: string | null;
}

export interface Rule extends RuleIn {
  id: number;
  created: string;
  created_by: string;
}

export interface ShareIn {
  owner_id: number;
  recipient_id: number;
  rights: string[];
  condition: string;
  start: string | null;
  expires: string | null;
  dsa_reference: string;
  camera_ids: number[] | null;
  group_ids: number[] | null;
}

export interface Share extends ShareIn {
  id: number;
  start: string;
  incident_until: string | null;
  created_by: string;
  revoked: string | null;
  in_force: boolean;
}

export interface AuditEntry {
  seq: number;
  at: string;
  action: string;
  outcome: string;
  username: string | null;
  organisation: string | null;
  role: string | null;
  client: string | null;
  camera_id: number | null;
  start: string | null;
  end: string | null;
  justification: string | null;
  detail: Record<string, unknown>;
  hash: string;
}

export interface AuditVerify {
  checked: number;
  ok: boolean;
  broken_at: number | null;
  reason: string | null;
}

export interface AuditReport {
  start: string;
  end: string;
  counts: Record<string, number>;
}

/** Role names the server knows (citywatch.access.permissions.ROLE_DEFAULTS), with the words people use. */
export const ROLES: { id: string; label: string }[] = [
  { id: "operator", label: "Control-room operator" },
  { id: "supervisor", label: "Control-room supervisor" },
  { id: "police_investigator", label: "Police investigator" },
  { id: "police_emergency", label: "Police emergency" },
  { id: "partner_security", label: "Partner security" },
  { id: "network_manager", label: "Network manager" },
  { id: "admin", label: "Administrator" },
];

export const CAMERA_ACTIONS = ["live", "playback", "export", "ptz", "hold", "hold.release", "mask.lift", "admin"];
export const SHARE_RIGHTS = ["live", "recorded", "ptz"];
export const CONDITIONS = ["always", "incident", "alarm"];
export const ORG_KINDS = ["council", "police", "partner"];

export function roleLabel(id: string): string {
  return ROLES.find((r) => r.id === id)?.label ?? id;
}
