/**
 * The audit viewer: search by user, camera, action and period (typed and shown in London time, sent as UTC),
 * CSV/JSON export of the same search, the period's report counts, and for administrators a check of the
 * whole hash chain. What a reader sees is what the server lets them see (partners: their own cameras).
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { useSession } from "../auth/session";
import { errorText } from "../auth/http";
import { useCameras } from "../camera/cameras";
import { StateOverlay } from "../common/StateOverlay";
import { formatLondon } from "../common/time";
import { adminApi, type AuditParams } from "./api";
import { auditParams, lastHours, rangeText, type AuditFilter } from "./auditQuery";
import type { AuditEntry, AuditReport, AuditVerify } from "./types";

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

export function AuditView() {
  const { user } = useSession();
  const { cameras, byId } = useCameras();
  const [filter, setFilter] = useState<AuditFilter>(() => ({ username: "", cameraId: "", action: "", ...lastHours(Date.now()) }));
  const [params, setParams] = useState<AuditParams | null>(null);
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [report, setReport] = useState<AuditReport | null>(null);
  const [verify, setVerify] = useState<AuditVerify | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const search = useCallback(async (f: AuditFilter) => {
    let p: AuditParams;
    try {
      p = auditParams(f);
    } catch (e) {
      setError(errorText(e));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const [rows, counts] = await Promise.all([
        adminApi.audit(p),
        p.start && p.end ? adminApi.auditReport(p.start, p.end) : Promise.resolve(null),
      ]);
      setEntries(rows);
      setReport(counts);
      setParams(p);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }, []);

  const [first] = useState(filter);
  useEffect(() => {
    void search(first); // later searches on "Search"
  }, [search, first]);

  const set = (k: keyof AuditFilter) => (e: { target: { value: string } }) => setFilter({ ...filter, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(filter);
  };
  const check = async () => {
    setVerify(null);
    try {
      setVerify(await adminApi.auditVerify());
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <div className="adm-page">
      <h1 className="adm-title">Audit</h1>
      <form className="adm-filters" onSubmit={submit} aria-label="Audit filters">
        <label className="adm-field">
          User
          <input value={filter.username} onChange={set("username")} placeholder="username" />
        </label>
        <label className="adm-field">
          Camera
          <select aria-label="Camera" value={filter.cameraId} onChange={set("cameraId")}>
            <option value="">any</option>
            {cameras.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="adm-field">
          Action starts with
          <input value={filter.action} onChange={set("action")} placeholder="e.g. playback, live, auth" />
        </label>
        <label className="adm-field">
          From (London)
          <input type="datetime-local" value={filter.from} onChange={set("from")} />
        </label>
        <label className="adm-field">
          To (London)
          <input type="datetime-local" value={filter.to} onChange={set("to")} />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Searching…" : "Search"}
        </button>
      </form>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="adm-toolbar">
        {params && (
          <>
            <span className="muted">Export this search:</span>
            <a className="button small" href={adminApi.auditExportUrl(params, "csv")} download>
              CSV
            </a>
            <a className="button small" href={adminApi.auditExportUrl(params, "json")} download>
              JSON
            </a>
          </>
        )}
        <span className="spacer" />
        {user?.role === "admin" && (
          <>
            <button type="button" className="small" onClick={() => void check()}>
              Verify chain
            </button>
            {verify && (
              <span className={verify.ok ? "adm-ok" : "adm-bad"} role="status" aria-label="Chain verification">
                {verify.ok
                  ? `Chain intact: ${verify.checked} entries checked`
                  : `Chain broken at entry ${verify.broken_at}: ${verify.reason ?? "hash mismatch"} (${verify.checked} checked)`}
              </span>
            )}
          </>
        )}
      </div>
      {report && (
        <section className="adm-report" aria-label="Report for the period">
          <h2 className="panel-title">
            Report {formatLondon(Date.parse(report.start))} – {formatLondon(Date.parse(report.end))}
          </h2>
          <dl className="adm-counts">
            {Object.entries(report.counts).map(([k, n]) => (
              <div key={k}>
                <dt>{k.replace(/_/g, " ")}</dt>
                <dd>{n}</dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      {entries === null ? (
        busy && <StateOverlay state="loading" />
      ) : entries.length === 0 ? (
        <p className="muted">No entries match.</p>
      ) : (
        <div className="adm-table-wrap">
          <table className="table adm-table" aria-label="Audit entries">
            <thead>
              <tr>
                <th>#</th>
                <th>Time (London)</th>
                <th>Action</th>
                <th>Outcome</th>
                <th>User</th>
                <th>Client</th>
                <th>Camera</th>
                <th>Footage</th>
                <th>Justification</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} className={e.outcome !== "ok" ? "adm-denied" : undefined}>
                  <td className="muted">{e.seq}</td>
                  <td className="adm-nowrap">{formatLondon(Date.parse(e.at))}</td>
                  <td>{e.action}</td>
                  <td>{e.outcome}</td>
                  <td>
                    {e.username ?? "—"}
                    {e.organisation && <div className="muted small">{e.organisation}{e.role ? ` · ${e.role}` : ""}</div>}
                  </td>
                  <td className="muted">{e.client}</td>
                  <td>{e.camera_id === null ? "" : (byId.get(String(e.camera_id))?.name ?? `#${e.camera_id}`)}</td>
                  <td className="adm-nowrap small">{rangeText(e.start, e.end)}</td>
                  <td>{e.justification}</td>
                  <td className="small muted adm-detail">{detailText(e.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {entries.length >= 500 && <p className="muted small">Showing the newest 500; narrow the search or export it for all.</p>}
        </div>
      )}
    </div>
  );
}
