/**
 * Sign-in: username and password; the authenticator code when the server asks for it (401 `totp_required`);
 * authenticator enrolment when the account must use MFA and has none yet. Lock-outs and throttling are shown
 * in the server's own words (its UTC times in London time).
 */
import { useEffect, useRef, useState, type FormEvent } from "react";
import { formatLondon } from "../common/time";
import { call, errorCode, errorText } from "./http";
import { describeOtpauth, groupSecret, londonTimesIn, normaliseCode, sentence } from "./mfa";
import { useSession } from "./session";
import type { HealthOut, MfaSetup } from "./types";

const londonText = (text: string) => sentence(londonTimesIn(text, (t) => formatLondon(t, { zone: true })));

/** The server's own words (wrong password, locked until…, too many attempts, outside sign-in hours). */
function signInMessage(e: unknown): string {
  return errorCode(e) ? londonText(errorText(e)) : errorText(e);
}

function Brand() {
  return (
    <>
      <div className="brand brand-large">
        <span className="brand-mark" aria-hidden="true">◉</span> citywatch
      </div>
      <p className="muted">Hammersmith &amp; Fulham CCTV control room</p>
    </>
  );
}

function useSigninNotice(): { notice: string; oidc: string | null } {
  const [health, setHealth] = useState<{ notice: string; oidc: string | null }>({ notice: "", oidc: null });
  useEffect(() => {
    call<HealthOut>("GET", "/health")
      .then((h) => setHealth({ notice: h.signin_notice ?? "", oidc: h.oidc_label ?? null }))
      .catch(() => setHealth({ notice: "", oidc: null }));
  }, []);
  return health;
}

export function SignIn() {
  const { enrolling } = useSession();
  const { notice, oidc } = useSigninNotice();
  return (
    <main className="signin">
      {enrolling ? <MfaEnrolment /> : <PasswordForm />}
      {!enrolling && oidc && (
        <p className="adm-signin-oidc">
          {/* A full-page navigation: the identity provider sends the browser back signed in. */}
          <a className="button" href="/api/v1/auth/oidc/login">
            {oidc}
          </a>
        </p>
      )}
      {notice && (
        <p className="adm-signin-notice" role="note">
          {notice}
        </p>
      )}
    </main>
  );
}

function PasswordForm() {
  const { signIn } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [askCode, setAskCode] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const totp = askCode ? normaliseCode(code) : null;
    if (askCode && !totp) {
      setError("Enter the six digits your authenticator app shows.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password, totp ?? undefined);
    } catch (err) {
      if (errorCode(err) === "totp_required" && !askCode) {
        setAskCode(true);
      } else {
        setError(signInMessage(err));
        if (errorCode(err) !== "totp_required") {
          setAskCode(false);
        }
      }
      setCode("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="signin-card" onSubmit={submit} aria-label="Sign in">
      <Brand />
      <label>
        Username
        <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus readOnly={askCode} />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required readOnly={askCode} />
      </label>
      {askCode && (
        <label>
          Authenticator code
          <input
            name="totp"
            inputMode="numeric"
            autoComplete="one-time-code"
            placeholder="six digits"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            autoFocus
          />
          <span className="muted small">Open your authenticator app and enter the code it shows for citywatch.</span>
        </label>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
      {askCode && (
        <button
          type="button"
          className="link"
          onClick={() => {
            setAskCode(false);
            setCode("");
            setPassword("");
            setError(null);
          }}
        >
          Use another account
        </button>
      )}
      <p className="muted small">Access is logged. Use of this system is restricted to authorised staff.</p>
    </form>
  );
}

function MfaEnrolment() {
  const { enrolling, enrolled, signOut } = useSession();
  const [setup, setSetup] = useState<MfaSetup | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    call<MfaSetup>("POST", "/auth/mfa/setup", {})
      .then(setSetup)
      .catch((e) => setError(londonText(errorText(e))));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const totp = normaliseCode(code);
    if (!totp) {
      setError("Enter the six digits your authenticator app shows.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await call<void>("POST", "/auth/mfa/confirm", { code: totp });
      await enrolled();
    } catch (err) {
      setError(londonText(errorText(err)));
      setCode("");
    } finally {
      setBusy(false);
    }
  };

  const names = setup ? describeOtpauth(setup.otpauth_uri) : null;
  return (
    <form className="signin-card adm-enrol" onSubmit={submit} aria-label="Set up your authenticator">
      <Brand />
      <h1 className="adm-enrol-title">Set up your authenticator</h1>
      <p className="small">
        {enrolling?.display_name || enrolling?.username}, your role must sign in with a six-digit code as well as a password. Add this
        account to an authenticator app (type the key in by hand), then enter the code it shows.
      </p>
      {setup ? (
        <>
          <div>
            <div className="muted small">Key{names ? ` for ${names.account}${names.issuer ? ` (${names.issuer})` : ""}` : ""}</div>
            <code className="adm-secret" aria-label="Authenticator key">
              {groupSecret(setup.secret)}
            </code>
            <div className="muted small">Time-based, 6 digits, every 30 seconds.</div>
          </div>
          <details>
            <summary className="small">Setup link (otpauth)</summary>
            <code className="adm-uri" aria-label="Setup link">
              {setup.otpauth_uri}
            </code>
          </details>
          <label>
            Authenticator code
            <input name="totp" inputMode="numeric" autoComplete="one-time-code" placeholder="six digits" value={code} onChange={(e) => setCode(e.target.value)} required autoFocus />
          </label>
        </>
      ) : (
        !error && <p className="muted">Making a key…</p>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !setup}>
        {busy ? "Checking…" : "Confirm and continue"}
      </button>
      <button type="button" className="link" onClick={() => void signOut()}>
        Cancel and sign out
      </button>
    </form>
  );
}
