/** Who is signed in. A 401 from any API call signs the operator out. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { api, ApiError, onUnauthorised } from "../api/client";
import type { User } from "../api/types";

interface SessionValue {
  user: User | null;
  checking: boolean;
  signIn: (username: string, password: string, totp?: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const Ctx = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(null);
  const [checking, setChecking] = useState(true);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .me(ctl.signal)
      .then((me) => setUser("user" in me ? me.user : me))
      .catch(() => setUser(null))
      .finally(() => setChecking(false));
    const off = onUnauthorised(() => setUser(null));
    return () => {
      ctl.abort();
      off();
    };
  }, []);

  const signIn = useCallback(async (username: string, password: string, totp?: string) => {
    const res = await api.login({ username, password, ...(totp ? { totp } : {}) });
    setUser(res.user);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
    setUser(null);
  }, []);

  return <Ctx.Provider value={{ user, checking, signIn, signOut }}>{children}</Ctx.Provider>;
}

export function useSession(): SessionValue {
  const v = useContext(Ctx);
  if (!v) throw new Error("useSession outside SessionProvider");
  return v;
}
