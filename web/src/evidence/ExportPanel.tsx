/** Export and hold from the camera view: cameras, range, justification, case; progress; download. */
import { useEffect, useState } from "react";
import type { Camera } from "../api/types";
import { urls } from "../api/client";
import { ensureJustified, JustifiedLink } from "../auth/Justification";
import { useCameras } from "../camera/cameras";
import { Panel } from "../common/StateOverlay";
import { formatLondon, parseLondon, toLocalInput } from "../common/time";
import { evidenceApi, evidenceUrls, watchExport } from "./api";
import type { Case, ExportJob } from "./types";

const iso = (t: number) => new Date(t).toISOString();

export function ExportProgress({ job }: { job: ExportJob }) {
  const pct = Math.round(job.progress * 100);
  return (
    <div className="ev-progress" data-state={job.state}>
      <progress max={100} value={job.state === "done" ? 100 : pct} aria-label="Export progress" />
      <span className="small">
        {job.state === "done" && (
          <a className="button small" href={evidenceUrls.bundle(job.id)} download>
            Download bundle
          </a>
        )}
        {job.state === "failed" && <span className="ev-bad">Failed: {job.error}</span>}
        {(job.state === "queued" || job.state === "running") && `${job.state} ${pct}%`}
      </span>
    </div>
  );
}

/** The export dialog; `initialCameras` preselects cameras, `at` centres the range (ms, UTC), `cases` to file under. */
export function ExportDialog({ initialCameras, at, cases: known }: { initialCameras: string[]; at: number | null; cases?: Case[] }) {
  const { cameras } = useCameras();
  const centre = at ?? Date.now() - 120_000;
  const [selected, setSelected] = useState<string[]>(initialCameras);
  const [start, setStart] = useState(toLocalInput(centre - 60_000));
  const [end, setEnd] = useState(toLocalInput(centre + 60_000));
  const [justification, setJustification] = useState("");
  const [reference, setReference] = useState("");
  const [caseId, setCaseId] = useState<string>("");
  const [workingCopy, setWorkingCopy] = useState(false);
  const [loaded, setCases] = useState<Case[]>([]);
  const cases = known ?? loaded; // the evidence screen passes its own, fresh list
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    if (!known) evidenceApi.cases().then(setCases, () => setCases([]));
  }, [known]);
  const jobId = job?.id;
  useEffect(() => (jobId ? watchExport(jobId, setJob) : undefined), [jobId]);

  const range = (): [number, number] | null => {
    const s = parseLondon(start);
    const e = parseLondon(end);
    if (s === null || e === null || e <= s) {
      setError("Give a start and an end (London time), the end after the start");
      return null;
    }
    return [s, e];
  };
  const toggle = (id: string) => setSelected((cur) => (cur.includes(id) ? cur.filter((c) => c !== id) : [...cur, id]));
  const caseRef = caseId ? Number(caseId) : null;

  const submit = async () => {
    setError(null);
    const r = range();
    if (!r) return;
    // Police users state why and under which reference before footage leaves the system, camera by camera.
    for (const id of selected) {
      if (!(await ensureJustified(id))) {
        setError("Export cancelled: no justification was given");
        return;
      }
    }
    try {
      setJob(
        await evidenceApi.createExport({
          camera_ids: selected.map(Number),
          start: iso(r[0]),
          end: iso(r[1]),
          justification,
          reference,
          case_id: caseRef,
          working_copy: workingCopy,
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const hold = async () => {
    setError(null);
    const r = range();
    if (!r) return;
    const reason = justification.trim() || window.prompt("Why is this footage held?") || "";
    try {
      for (const id of selected) {
        await evidenceApi.placeHold({ camera_id: Number(id), start: iso(r[0]), end: iso(r[1]), reason, reference, case_id: caseRef });
      }
      setNote(`Held ${selected.length} camera(s) ${formatLondon(r[0])} – ${formatLondon(r[1])}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <div className="ev-export">
      <fieldset className="ev-cameras">
        <legend>Cameras</legend>
        {cameras.map((c) => (
          <label key={c.id} className="inline">
            <input type="checkbox" checked={selected.includes(c.id)} onChange={() => toggle(c.id)} /> {c.name}
          </label>
        ))}
      </fieldset>
      <label>
        From (London)
        <input type="datetime-local" step="1" value={start} onChange={(e) => setStart(e.target.value)} />
      </label>
      <label>
        To (London)
        <input type="datetime-local" step="1" value={end} onChange={(e) => setEnd(e.target.value)} />
      </label>
      <label>
        Justification
        <textarea value={justification} onChange={(e) => setJustification(e.target.value)} rows={2} required />
      </label>
      <label>
        Crime / CAD reference
        <input value={reference} onChange={(e) => setReference(e.target.value)} />
      </label>
      <label>
        Case
        <select value={caseId} onChange={(e) => setCaseId(e.target.value)}>
          <option value="">(none)</option>
          {cases.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.reference} {c.title}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" checked={workingCopy} onChange={(e) => setWorkingCopy(e.target.checked)} /> Also make a
        working copy (times burned in)
      </label>
      <div className="ev-actions">
        <button onClick={submit} disabled={!selected.length || !justification.trim()}>
          Export signed bundle
        </button>
        <button onClick={hold} disabled={!selected.length}>
          Hold this period
        </button>
      </div>
      {error && <p className="ev-bad" role="alert">{error}</p>}
      {note && <p className="small">{note}</p>}
      {job && <ExportProgress job={job} />}
    </div>
  );
}

export function ExportPanel({ camera, at }: { camera: Camera; at: number | null }) {
  const [open, setOpen] = useState(false);
  const start = at ?? Date.now() - 120_000;
  return (
    <Panel title="Export" className="ev-panel">
      {open ? (
        <ExportDialog initialCameras={[camera.id]} at={at} />
      ) : (
        <button onClick={() => setOpen(true)}>Export evidence or hold…</button>
      )}
      <JustifiedLink className="button small" cameraId={camera.id} href={urls.clip(camera.id, new Date(start - 30_000), new Date(start + 30_000))}>
        Download 1 min clip around this time
      </JustifiedLink>
    </Panel>
  );
}
