/** The MOPAC 7 table (year on year, status against the target's pace) and the target's progress. */
import type { Change, Mopac7, TargetProgress } from "./crimeApi";
import { formatCount, formatPct, RAG_LABEL, type Rag } from "./scales";

function RagPill({ rag }: { rag: Rag }) {
  return <span className={`dash-rag dash-rag-${rag}`}>{RAG_LABEL[rag]}</span>;
}

function Row({ name, c, rag, other, total }: { name: string; c: Change; rag: Rag; other?: Change; total?: boolean }) {
  return (
    <tr className={total ? "dash-total" : undefined} data-category={name}>
      <th scope="row">{name}</th>
      <td className="dash-num">{formatCount(c.previous)}</td>
      <td className="dash-num">{formatCount(c.current)}</td>
      <td className={`dash-num ${c.change_pct !== null && c.change_pct < 0 ? "dash-down" : "dash-up"}`}>{formatPct(c.change_pct)}</td>
      <td>
        <RagPill rag={rag} />
      </td>
      {other && <td className="dash-num muted">{formatPct(other.change_pct)}</td>}
    </tr>
  );
}

export function Mopac7Table({ data }: { data: Mopac7 }) {
  const cmp = data.compare;
  return (
    <table className="table dash-table" aria-label={`MOPAC 7 ${data.area} ${data.fy}`}>
      <thead>
        <tr>
          <th>Category</th>
          <th className="dash-num">{data.previous_fy}</th>
          <th className="dash-num">{data.fy}</th>
          <th className="dash-num">Change</th>
          <th title={`green: falling at least ${data.status.annual_cut_pct} % a year (the target's pace)`}>Status</th>
          {cmp && <th className="dash-num">{cmp.area}</th>}
        </tr>
      </thead>
      <tbody>
        {Object.entries(data.categories).map(([name, c]) => (
          <Row key={name} name={name} c={c} rag={data.status.categories[name] ?? "none"} other={cmp?.categories[name]} />
        ))}
        <Row name="MOPAC 7 total" c={data.total} rag={data.status.total} other={cmp?.total} total />
      </tbody>
    </table>
  );
}

export function TargetSummary({ target }: { target: TargetProgress }) {
  const latest = target.years[target.years.length - 1];
  return (
    <div className="dash-target" aria-label="Target">
      <strong>
        Target: {target.reduction_pct} % less than {target.baseline_fy} ({formatCount(target.baseline)}) by {target.target_fy} ={" "}
        {formatCount(target.target)}
      </strong>
      {latest && (
        <p>
          {latest.fy}: {formatCount(latest.actual)} against a milestone of {formatCount(latest.milestone)} —{" "}
          <span className={`dash-rag dash-rag-${target.on_track ? "green" : "red"}`}>{target.on_track ? "on track" : "behind"}</span>
          {target.achieved_pct !== null && <> · {formatPct(-target.achieved_pct)} on the baseline</>}
        </p>
      )}
      {target.projected !== null && (
        <p className="muted">
          Projected {target.target_fy}: {formatCount(target.projected)} ({formatPct(-(target.projected_reduction_pct ?? 0))}),{" "}
          {target.projected_to_meet ? "meets the target" : "misses the target"}
        </p>
      )}
    </div>
  );
}
