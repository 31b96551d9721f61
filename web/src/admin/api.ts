/** Calls of the admin and audit screens; errors are AccessApiError with the server's `code`. */
import { apiUrl } from "../api/client";
import { call, query } from "../auth/http";
import type { AuditEntry, AuditReport, AuditVerify, Group, Organisation, Rule, RuleIn, Share, ShareIn, UserAdmin, UserAdminIn } from "./types";

/** Audit filters as the API takes them: UTC ISO instants, an action prefix. */
export interface AuditParams {
  username?: string;
  camera_id?: string;
  action?: string;
  start?: string;
  end?: string;
}

export const adminApi = {
  organisations: () => call<Organisation[]>("GET", "/organisations"),
  addOrganisation: (name: string, kind: string) => call<Organisation>("POST", "/organisations", { name, kind }),
  groups: () => call<Group[]>("GET", "/groups"),
  addGroup: (name: string, organisation_id: number, camera_ids: number[]) => call<Group>("POST", "/groups", { name, organisation_id, camera_ids }),
  setGroupCameras: (id: number, cameraIds: number[]) => call<void>("PUT", `/groups/${id}/cameras`, cameraIds),
  deleteGroup: (id: number) => call<void>("DELETE", `/groups/${id}`),
  setOwner: (cameraId: string, organisation_id: number | null) => call<void>("PUT", `/cameras/${encodeURIComponent(cameraId)}/owner`, { organisation_id }),
  users: () => call<UserAdmin[]>("GET", "/users"),
  addUser: (body: UserAdminIn) => call<UserAdmin>("POST", "/users", body),
  updateUser: (id: number, body: UserAdminIn) => call<UserAdmin>("PUT", `/users/${id}`, body),
  unlock: (id: number) => call<void>("POST", `/users/${id}/unlock`, {}),
  resetMfa: (id: number) => call<void>("POST", `/users/${id}/mfa/reset`, {}),
  rules: () => call<Rule[]>("GET", "/permissions"),
  addRule: (body: RuleIn) => call<Rule>("POST", "/permissions", body),
  deleteRule: (id: number) => call<void>("DELETE", `/permissions/${id}`),
  shares: () => call<Share[]>("GET", "/sharing"),
  addShare: (body: ShareIn) => call<Share>("POST", "/sharing", body),
  revokeShare: (id: number) => call<Share>("POST", `/sharing/${id}/revoke`, {}),
  incident: (id: number, minutes: number) => call<Share>("POST", `/sharing/${id}/incident`, { minutes }),
  audit: (p: AuditParams, limit = 500) => call<AuditEntry[]>("GET", `/audit${query({ ...p, limit })}`),
  auditReport: (start: string, end: string) => call<AuditReport>("GET", `/audit/report${query({ start, end })}`),
  auditVerify: () => call<AuditVerify>("GET", "/audit/verify"),
  auditExportUrl: (p: AuditParams, format: "csv" | "json") => apiUrl("/audit/export") + query({ ...p, format }),
};
