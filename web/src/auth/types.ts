/** Shapes of the sign-in and access routes (src/citywatch/api/schemas.py, schemas_access.py). */
import type { User } from "../api/types";

/** `/auth/me` and the login answer's `user`: the shared User plus what access control adds. */
export interface SessionUser extends User {
  display_name?: string;
  organisation_id?: number | null;
  /** The session may only enrol an authenticator until MFA is confirmed. */
  mfa_enrolment_required?: boolean;
  /** Actions allowed outside cameras (`users.manage`, `audit.view`, …); administrators have all. */
  rights?: string[];
  /** For a cookie session, its CSRF token (how the app learns it after an identity-provider sign-in). */
  csrf_token?: string | null;
}

export interface LoginOut {
  token: string;
  csrf_token: string;
  user: SessionUser;
  expires_at: string;
}

export interface MfaSetup {
  secret: string;
  otpauth_uri: string;
}

export interface HealthOut {
  status: string;
  version: string;
  signin_notice?: string;
  /** Label of the identity-provider button, when one is configured. */
  oidc_label?: string | null;
}

export interface Viewer {
  username: string;
  organisation: string | null;
  since: string;
}

export function hasRight(user: SessionUser | null, right: string): boolean {
  if (!user) return false;
  return user.role === "admin" || (user.rights ?? []).includes(right);
}
