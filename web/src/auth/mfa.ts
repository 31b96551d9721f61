/** Small pure helpers of the sign-in and MFA enrolment steps. */

/** `JBSWY3DPEHPK3PXP` → `JBSW Y3DP EHPK 3PXP`: easier to type into an authenticator app by hand. */
export function groupSecret(secret: string, size = 4): string {
  const clean = secret.replace(/[\s-]/g, "").toUpperCase();
  const groups: string[] = [];
  for (let i = 0; i < clean.length; i += size) groups.push(clean.slice(i, i + size));
  return groups.join(" ");
}

/** What a person typed as an authenticator code, digits only; null unless it is six of them. */
export function normaliseCode(text: string): string | null {
  const digits = text.replace(/[\s-]/g, "");
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** The account and issuer an otpauth:// URI names, for showing beside the secret. */
export function describeOtpauth(uri: string): { issuer: string; account: string } | null {
  const m = /^otpauth:\/\/totp\/([^?]*)(?:\?(.*))?$/.exec(uri);
  if (!m) return null;
  const label = decodeURIComponent(m[1]);
  const params = new URLSearchParams(m[2] ?? "");
  const [prefix, ...rest] = label.split(":");
  const account = rest.length ? rest.join(":") : prefix;
  const issuer = params.get("issuer") ?? (rest.length ? prefix : "");
  return { issuer, account };
}

/** Server messages carry UTC instants (`…until 2026-11-26T04:10:00Z`); people read them in London time. */
export function londonTimesIn(text: string, format: (t: number) => string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g, (m) => {
    const t = Date.parse(m);
    return Number.isNaN(t) ? m : format(t);
  });
}

/** A server message as a sentence: capital first letter. */
export function sentence(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
