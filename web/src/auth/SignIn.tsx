import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";

export function SignIn({ onSignIn }: { onSignIn: (u: string, p: string, totp?: string) => Promise<void> }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(username, password, totp || undefined);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError("Wrong username, password or code.");
      else if (err instanceof ApiError && err.status === 403) setError("This account may not sign in here.");
      else if (err instanceof ApiError && err.status === 0) setError("The server cannot be reached.");
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={submit} aria-label="Sign in">
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true">◉</span> citywatch
        </div>
        <p className="muted">Hammersmith &amp; Fulham CCTV control room</p>
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <label>
          Authenticator code <span className="muted">(if your account has one)</span>
          <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" value={totp} onChange={(e) => setTotp(e.target.value)} />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted small">Access is logged. Use of this system is restricted to authorised staff.</p>
      </form>
    </main>
  );
}
