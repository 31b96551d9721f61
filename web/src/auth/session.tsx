/**
 * Who is signed in. A 401 from any API call signs the operator out. A sign-in that still has to enrol an
 * authenticator (MFA required for the role, none confirmed yet) is held apart in `enrolling` and never reaches
 * the app's screens until /auth/mfa/confirm succeeds.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { ApiError, onUnauthorised, setCsrfToken } from "../api/client";
import { call, onSignedOut } from "./http";
import type { LoginOut, SessionUser } from "./types";

interface SessionValue {
  user: SessionUser | null;
  /** Signed in with a password, but must enrol an authenticator first. */
  enrolling: SessionUser | null;
  checking: boolean;
  /** Throws AccessApiError; its `code` says why (totp_required, account_locked, too_many_attempts…). */
  signIn: (username: string, password: string, totp?: string) => Promise<void>;
  /** After /auth/mfa/confirm: the session is a full one now. */
  enrolled: () => Promise<void>;
  signOut: () => Promise<void>;
}

const Ctx = createContext<SessionValue | null>(null);

const me = (signal?: AbortSignal) => call<SessionUser | { user: SessionUser }>("GET", "/auth/me", undefined, signal);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<SessionUser | null>(null);
  const [enrolling, setEnrolling] = useState<SessionUser | null>(null);
  const [checking, setChecking] = useState(true);

  const setUser = useCallback((u: SessionUser | null) => {
    if (u?.mfa_enrolment_required) {
      setEnrolling(u);
      setUserState(null);
    } else {
      setEnrolling(null);
      setUserState(u);
    }
  }, []);

  useEffect(() => {
    const ctl = new AbortController();
    me(ctl.signal)
      .then((m) => {
        const u = "user" in m ? m.user : m;
        if (u.csrf_token) setCsrfToken(u.csrf_token); // e.g. back from the identity provider
        setUser(u);
      })
      .catch(() => setUser(null))
      .finally(() => setChecking(false));
    const off = onUnauthorised(() => setUser(null));
    const off2 = onSignedOut(() => setUser(null));
    return () => {
      ctl.abort();
      off();
      off2();
    };
  }, [setUser]);

  const signIn = useCallback(
    async (username: string, password: string, totp?: string) => {
      const res = await call<LoginOut>("POST", "/auth/login", { username, password, ...(totp ? { totp } : {}) });
      setCsrfToken(res.csrf_token);
      setUser(res.user);
    },
    [setUser],
  );

  const enrolled = useCallback(async () => {
    const m = await me();
    setUser("user" in m ? m.user : m);
  }, [setUser]);

  const signOut = useCallback(async () => {
    try {
      await call<void>("POST", "/auth/logout", {});
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    } finally {
      setCsrfToken(null);
    }
    setUser(null);
  }, [setUser]);

  return <Ctx.Provider value={{ user, enrolling, checking, signIn, enrolled, signOut }}>{children}</Ctx.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(Ctx);
  if (!v) throw new Error("useSession outside SessionProvider");
  return v;
}
