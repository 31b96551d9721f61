/** The files of a finished export: masters (with "Make working copy…"), working copies with what they derive from. */
import { useEffect, useState } from "react";
import { evidenceApi, watchExport } from "./api";
import { canDerive, masterOf, parseBoxes, stepText } from "./derivation";
import { ExportProgress } from "./ExportPanel";
import type { Exhibit, ExportJob } from "./types";

const short = (sha: string) => `${sha.slice(0, 16)}…`;
const megabytes = (n: number) => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} MB`;

/** A working copy's origin (the master's SHA-256, and which exhibit that is when listed) and its steps. */
export function Derivation({ exhibit, jobs }: { exhibit: Exhibit; jobs: ExportJob[] }) {
  if (!exhibit.derived_from) return null;
  const origin = masterOf(exhibit, jobs);
  return (
    <div className="small ev-derivation" data-derived-from={exhibit.derived_from}>
      derived from master <code title={exhibit.derived_from}>{exhibit.derived_from}</code>
      {origin && ` (exhibit ${origin.exhibit.id} of ${origin.job.reference || origin.job.id.slice(0, 8)})`}
      <ol className="ev-steps" aria-label={`Steps applied to ${exhibit.id}`}>
        {exhibit.steps.map((s, i) => (
          <li key={i}>{stepText(s)}</li>
        ))}
      </ol>
    </div>
  );
}

/** Asks for a justification (and optional redaction boxes), starts the working copy, follows its progress. */
function WorkingCopyForm({ job, master, onDone }: { job: ExportJob; master: Exhibit; onDone: () => void }) {
  const [justification, setJustification] = useState("");
  const [boxes, setBoxes] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [copy, setCopy] = useState<ExportJob | null>(null);
  const copyId = copy?.id;
  useEffect(() => (copyId ? watchExport(copyId, setCopy) : undefined), [copyId]);
  const state = copy?.state;
  useEffect(() => {
    if (state === "done") onDone();
  }, [state, onDone]);

  const start = async () => {
    const parsed = parseBoxes(boxes);
    if ("error" in parsed) return setError(parsed.error);
    try {
      setError(null);
      setCopy(await evidenceApi.deriveWorkingCopy(job.id, { exhibit_id: master.id, justification, redactions: parsed.boxes }));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (copy) {
    return (
      <div className="ev-working-copy" aria-label={`Working copy of ${master.id}`}>
        <ExportProgress job={copy} />
        {copy.exhibits
          .filter((e) => e.kind === "working_copy")
          .map((e) => (
            <div key={e.id} className="small">
              working copy <strong>{e.id}</strong> <code title={e.sha256}>{short(e.sha256)}</code>
              <Derivation exhibit={e} jobs={[job]} />
            </div>
          ))}
      </div>
    );
  }
  return (
    <div className="ev-form" aria-label={`Working copy of ${master.id}`}>
      <input
        aria-label="Why a working copy"
        placeholder="Why a working copy (e.g. jury viewing)"
        value={justification}
        onChange={(e) => setJustification(e.target.value)}
      />
      <input
        aria-label="Redaction boxes"
        placeholder="Redact x,y,w,h; … (optional)"
        value={boxes}
        onChange={(e) => setBoxes(e.target.value)}
      />
      <button onClick={start} disabled={!justification.trim()}>
        Start working copy
      </button>
      {error && <span className="ev-bad" role="alert">{error}</span>}
    </div>
  );
}

/** One export's exhibits. `jobs` (every listed export) names the master a working copy came from. */
export function ExhibitList({ job, jobs, onChange }: { job: ExportJob; jobs: ExportJob[]; onChange: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  if (!job.exhibits.length) return null;
  return (
    <table className="ev-table ev-exhibits" aria-label={`Exhibits of ${job.reference || job.id.slice(0, 8)}`}>
      <thead>
        <tr><th>Exhibit</th><th>Kind</th><th>Camera</th><th>SHA-256</th><th>Size</th><th /></tr>
      </thead>
      <tbody>
        {job.exhibits.map((e) => (
          <tr key={e.id} data-exhibit={e.id} data-kind={e.kind}>
            <td>{e.id}</td>
            <td>{e.kind === "master" ? "master" : "working copy"}</td>
            <td>{e.camera_id}</td>
            <td>
              <code title={e.sha256}>{short(e.sha256)}</code>
              <Derivation exhibit={e} jobs={jobs} />
            </td>
            <td>{megabytes(e.size_bytes)}</td>
            <td>
              {canDerive(job, e) &&
                (open === e.id ? (
                  <WorkingCopyForm job={job} master={e} onDone={onChange} />
                ) : (
                  <button className="small" onClick={() => setOpen(e.id)}>
                    Make working copy…
                  </button>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
