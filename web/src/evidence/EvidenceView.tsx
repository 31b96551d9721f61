/** Evidence: cases (overdue flagged), holds with release, exports with progress and delivery, disclosures, keys. */
import { useCallback, useEffect, useState } from "react";
import { useCameras } from "../camera/cameras";
import { Panel } from "../common/StateOverlay";
import { formatLondon, parseIso, parseLondon, toLocalInput } from "../common/time";
import { evidenceApi, evidenceUrls } from "./api";
import { ExhibitList } from "./Exhibits";
import { ExportDialog, ExportProgress } from "./ExportPanel";
import type { Case, Disclosure, EvidenceHold, ExportJob, PublicKey } from "./types";

const when = (s: string | null) => (s ? formatLondon(parseIso(s) ?? 0, { zone: true }) : "—");

function CaseForm({ onCreated }: { onCreated: () => void }) {
  const [reference, setReference] = useState("");
  const [owner, setOwner] = useState("");
  const [title, setTitle] = useState("");
  const [review, setReview] = useState(toLocalInput(Date.now() + 28 * 86_400_000));
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const t = parseLondon(review);
    if (t === null) return setError("Give the review date as London time");
    try {
      await evidenceApi.createCase({ reference, owner, title, review: new Date(t).toISOString() });
      setReference("");
      setTitle("");
      setError(null);
      onCreated();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="ev-form">
      <input placeholder="Crime / CAD reference" aria-label="Case crime or CAD reference" value={reference} onChange={(e) => setReference(e.target.value)} />
      <input placeholder="Title" aria-label="Case title" value={title} onChange={(e) => setTitle(e.target.value)} />
      <input placeholder="Owner" aria-label="Case owner" value={owner} onChange={(e) => setOwner(e.target.value)} />
      <label className="inline">
        Review (London)
        <input type="datetime-local" value={review} onChange={(e) => setReview(e.target.value)} />
      </label>
      <button onClick={submit} disabled={!reference.trim() || !owner.trim()}>
        Create case
      </button>
      {error && <span className="ev-bad">{error}</span>}
    </div>
  );
}

function Delivery({ job }: { job: ExportJob }) {
  const [recipient, setRecipient] = useState("");
  const [reason, setReason] = useState("");
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = async () => {
    try {
      const d = await evidenceApi.deliver(job.id, recipient, reason, 7 * 86_400);
      setLink(`${evidenceUrls.delivery(d.token)} (for ${d.recipient}, until ${when(d.expires)})`);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="ev-form">
      <input placeholder="Recipient user name" value={recipient} onChange={(e) => setRecipient(e.target.value)} />
      <input placeholder="Reason for disclosure" value={reason} onChange={(e) => setReason(e.target.value)} />
      <button onClick={send} disabled={!recipient.trim() || !reason.trim()}>
        Make delivery link
      </button>
      {link && <code className="ev-link">{link}</code>}
      {error && <span className="ev-bad">{error}</span>}
    </div>
  );
}

export function EvidenceView() {
  const { byId } = useCameras();
  const [cases, setCases] = useState<Case[]>([]);
  const [holds, setHolds] = useState<EvidenceHold[]>([]);
  const [exports, setExports] = useState<ExportJob[]>([]);
  const [disclosures, setDisclosures] = useState<Disclosure[]>([]);
  const [keys, setKeys] = useState<PublicKey[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    const fail = (e: Error) => setError(e.message);
    evidenceApi.cases().then(setCases, fail);
    evidenceApi.holds().then(setHolds, fail);
    evidenceApi.exports().then(setExports, fail);
    evidenceApi.disclosures().then(setDisclosures, () => setDisclosures([]));
    evidenceApi.keys().then(setKeys, fail);
  }, []);
  useEffect(() => {
    load();
    const timer = window.setInterval(load, 3000);
    return () => window.clearInterval(timer);
  }, [load]);

  const release = async (hold: EvidenceHold) => {
    const reason = window.prompt(`Why release hold ${hold.id} (camera ${hold.camera_id})?`);
    if (!reason?.trim()) return;
    try {
      await evidenceApi.releaseHold(hold.id, reason);
      load();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="ev-page">
      {error && <p className="ev-bad" role="alert">{error}</p>}
      <Panel title="Cases" className="ev-cases">
        <CaseForm onCreated={load} />
        <table className="ev-table">
          <thead>
            <tr><th>Reference</th><th>Title</th><th>Owner</th><th>Review</th><th>Status</th><th>Holds</th></tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={c.id} className={c.overdue ? "ev-overdue" : undefined}>
                <td>{c.reference}</td>
                <td>{c.title}</td>
                <td>{c.owner}</td>
                <td>{when(c.review)} {c.overdue && <strong className="ev-bad">review overdue</strong>}</td>
                <td>{c.status}</td>
                <td>{c.hold_ids.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="Holds" className="ev-holds">
        <table className="ev-table">
          <thead>
            <tr><th>Camera</th><th>From</th><th>To</th><th>Reason</th><th>Reference</th><th>By</th><th /></tr>
          </thead>
          <tbody>
            {holds.map((h) => (
              <tr key={h.id} className={h.released ? "ev-released" : undefined}>
                <td>{byId.get(String(h.camera_id))?.name ?? `camera ${h.camera_id}`}</td>
                <td>{when(h.start)}</td>
                <td>{when(h.end)}</td>
                <td>{h.reason}</td>
                <td>{h.reference}</td>
                <td>{h.created_by}</td>
                <td>
                  {h.released ? (
                    <span className="small muted">released {when(h.released)}: {h.release_reason}</span>
                  ) : (
                    <button className="small" onClick={() => release(h)}>Release…</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="New export" className="ev-new">
        <ExportDialog initialCameras={[]} at={null} cases={cases} />
      </Panel>
      <Panel title="Exports" className="ev-exports">
        {exports.map((j) => (
          <div key={j.id} className="ev-job" data-export={j.id}>
            <div>
              <strong>{j.reference || j.id.slice(0, 8)}</strong> cameras {j.camera_ids.join(", ")} · {when(j.start)} –{" "}
              {when(j.end)} · by {j.created_by}
            </div>
            <div className="small muted">{j.justification}</div>
            <ExportProgress job={j} />
            {j.state === "done" && <ExhibitList job={j} jobs={exports} onChange={load} />}
            {j.state === "done" && <Delivery job={j} />}
          </div>
        ))}
      </Panel>
      <Panel title="Disclosures" className="ev-disclosures">
        <table className="ev-table">
          <thead>
            <tr><th>Date</th><th>Recipient</th><th>Reason</th><th>Reference</th><th>By</th><th>Via</th></tr>
          </thead>
          <tbody>
            {disclosures.map((d) => (
              <tr key={d.id}>
                <td>{when(d.disclosed)}</td>
                <td>{d.recipient}</td>
                <td>{d.reason}</td>
                <td>{d.reference}</td>
                <td>{d.disclosed_by}</td>
                <td>{d.via_link ? "delivery link" : "download"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="Signing keys" className="ev-keys">
        <p className="small muted">Bundles are signed with this installation's Ed25519 key; compare a bundle's key id with this list.</p>
        {keys.map((k) => (
          <details key={k.key_id} open={k.current}>
            <summary>
              <code>{k.key_id}</code> {k.current ? "current" : `retired ${when(k.retired)}`}
            </summary>
            <pre className="ev-pem">{k.public_key_pem}</pre>
          </details>
        ))}
      </Panel>
    </div>
  );
}
