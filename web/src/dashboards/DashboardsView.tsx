/**
 * The managers' dashboard: MOPAC 7 crime for a borough, financial year on financial year, against the target,
 * with the monthly trend, a choropleth (LSOAs of the borough, or London's boroughs) and where cameras are missing.
 */
import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { StateOverlay } from "../common/StateOverlay";
import { CategoryBars, MonthlyLines } from "./Charts";
import { crimeApi, type Coverage, type CrimeOverview, type LsoaMap, type Mopac7, type Ranking, type Trend } from "./crimeApi";
import { CrimeMap, type Metric } from "./CrimeMap";
import { Mopac7Table, TargetSummary } from "./Mopac7Table";
import { formatCount, sameArea } from "./scales";

const DEFAULT_AREA = "Hammersmith and Fulham";
const NONE = "";

interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
}

/** Fetch when `key` changes (null = nothing to fetch); the previous request is aborted. */
function useLoad<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: key !== null });
  useEffect(() => {
    if (key === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, error: null, loading: true }));
    load(ctl.signal).then(
      (data) => setState({ data, error: null, loading: false }),
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        const error = e instanceof ApiError ? e : new ApiError(0, String(e));
        setState({ data: null, error, loading: false });
      },
    );
    return () => ctl.abort();
    // `load` is rebuilt every render; `key` carries everything it depends on.
  }, [key]);
  return state;
}

function Problem({ error }: { error: ApiError | null }) {
  if (!error) return null;
  return (
    <p className="dash-error" role="alert">
      {error.forbidden ? "Permission denied: crime figures need the crime.view right." : error.message}
    </p>
  );
}

export function DashboardsView() {
  const overview = useLoad<CrimeOverview>("overview", (s) => crimeApi.overview(s));
  const ov = overview.data;
  const [area, setArea] = useState<string>(NONE);
  const [fy, setFy] = useState<string>(NONE);
  const [compare, setCompare] = useState(true);
  const [year, setYear] = useState<number>(0);
  const [category, setCategory] = useState<string>(NONE);
  const [metric, setMetric] = useState<Metric>("count");
  const [showCoverage, setShowCoverage] = useState(false);
  const [london, setLondon] = useState(false);

  useEffect(() => {
    if (!ov) return;
    setArea((a) => a || (ov.boroughs.find((b) => sameArea(b, DEFAULT_AREA)) ?? ov.boroughs[0] ?? ov.london));
    setFy((f) => f || ov.financial_years[ov.financial_years.length - 1] || NONE);
    setYear((y) => y || ov.lsoa.years[ov.lsoa.years.length - 1] || 0);
  }, [ov]);

  const ready = !!ov && !!area && !!fy;
  const comparison = compare && area !== ov?.london ? ov?.london : undefined;
  const mopac = useLoad<Mopac7>(ready ? `m|${area}|${fy}|${comparison}` : null, (s) => crimeApi.mopac7(area, fy, comparison, s));
  const trend = useLoad<Trend>(ready ? `t|${area}|${fy}` : null, (s) => crimeApi.trend(area, fy, s));
  const hasLsoa = !!ov && ov.lsoa.boroughs.some((b) => sameArea(b, area)) && year > 0;
  const lsoaView = hasLsoa && !london;
  const lsoa = useLoad<LsoaMap>(lsoaView ? `l|${area}|${year}|${category}` : null, (s) => crimeApi.lsoa(area, year, category || undefined, s));
  const ranking = useLoad<Ranking>(ready && !lsoaView ? `r|${fy}` : null, (s) => crimeApi.ranking(fy, s));
  const coverage = useLoad<Coverage>(lsoaView && showCoverage ? `c|${area}|${year}|${category}` : null, (s) =>
    crimeApi.coverage(area, year, category || undefined, s),
  );

  if (overview.error) {
    return (
      <div className="dash-page">
        <h1 className="dash-title">Crime and cameras</h1>
        <Problem error={overview.error} />
      </div>
    );
  }
  if (!ov) return <StateOverlay state="loading" />;

  const m = mopac.data;
  const currentFrom = m ? `${m.fy.slice(0, 4)}-04` : undefined;
  return (
    <div className="dash-page">
      <div className="dash-toolbar" role="toolbar" aria-label="Dashboard filters">
        <h1 className="dash-title">Crime and cameras</h1>
        <label className="inline">
          Borough
          <select aria-label="Borough" value={area} onChange={(e) => { setArea(e.target.value); setLondon(false); }}>
            <option value={ov.london}>{ov.london} (32 boroughs)</option>
            {ov.boroughs.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Financial year
          <select aria-label="Financial year" value={fy} onChange={(e) => setFy(e.target.value)}>
            {ov.financial_years.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={compare} onChange={(e) => setCompare(e.target.checked)} disabled={area === ov.london} /> Compare
          with London
        </label>
        <span className="spacer" />
        {m && (
          <span className="dash-downloads">
            Report:{" "}
            <a href={crimeApi.reportUrl(area, fy, comparison, "html")} download>
              HTML
            </a>{" "}
            ·{" "}
            <a href={crimeApi.reportUrl(area, fy, comparison, "csv")} download>
              CSV
            </a>
          </span>
        )}
      </div>

      <div className="dash-grid-layout">
        <section className="dash-panel" aria-label="MOPAC 7">
          <h2 className="panel-title">
            MOPAC 7{m ? `, ${m.area}, ${m.fy} against ${m.previous_fy}` : ""}
          </h2>
          <Problem error={mopac.error} />
          {mopac.loading && !m && <p className="muted">Loading…</p>}
          {m && <Mopac7Table data={m} />}
          {m?.target && <TargetSummary target={m.target} />}
          {m && (
            <details className="dash-notes">
              <summary>Sources and notes</summary>
              <ul>
                {[...m.source, ...m.notes].map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </details>
          )}
        </section>

        <section className="dash-panel" aria-label="Charts">
          <h2 className="panel-title">By category and by month</h2>
          {m && <CategoryBars categories={m.categories} previousLabel={m.previous_fy} currentLabel={m.fy} />}
          <Problem error={trend.error} />
          {trend.data && <MonthlyLines months={trend.data.months} categories={ov.categories} currentFrom={currentFrom} />}
        </section>

        <section className="dash-panel dash-map-panel" aria-label="Crime map">
          <div className="dash-map-toolbar">
            <h2 className="panel-title">{lsoaView ? `Where: LSOAs of ${area}` : `London boroughs, ${fy}`}</h2>
            {hasLsoa && (
              <button type="button" className="small" onClick={() => setLondon(!london)}>
                {london ? `Back to ${area}` : "London boroughs"}
              </button>
            )}
            {lsoaView && (
              <>
                <label className="inline">
                  Year
                  <select aria-label="LSOA year" value={year} onChange={(e) => setYear(Number(e.target.value))}>
                    {ov.lsoa.years.map((y) => (
                      <option key={y} value={y}>
                        {y}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="inline">
                  Crime
                  <select aria-label="LSOA crime category" value={category} onChange={(e) => setCategory(e.target.value)}>
                    <option value={NONE}>All (major categories)</option>
                    {ov.lsoa.categories.map((c) => (
                      <option key={c} value={c}>
                        {c.replace(/^(major|minor)-/, "").replace(/-/g, " ")}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="inline">
                  Shade by
                  <select aria-label="Shade by" value={metric} onChange={(e) => setMetric(e.target.value as Metric)}>
                    <option value="count">count</option>
                    <option value="per_km2">count per km²</option>
                  </select>
                </label>
                <label className="inline">
                  <input type="checkbox" checked={showCoverage} onChange={(e) => setShowCoverage(e.target.checked)} /> Camera coverage of hotspots
                </label>
              </>
            )}
          </div>
          <Problem error={lsoa.error ?? ranking.error ?? coverage.error} />
          {!hasLsoa && area !== ov.london && (
            <p className="muted small">No LSOA boundaries are installed for {area}; the map shows London's boroughs.</p>
          )}
          <CrimeMap
            lsoa={lsoaView ? lsoa.data : null}
            metric={metric}
            ranking={lsoaView ? null : ranking.data}
            coverage={lsoaView && showCoverage ? coverage.data : null}
            selected={area}
            onPick={(b) => {
              setArea(b);
              setLondon(false);
            }}
          />
          {lsoaView && lsoa.data && (
            <p className="muted small">
              {lsoa.data.features.length} LSOAs · {formatCount(lsoa.data.total)} crimes in {lsoa.data.year} ({lsoa.data.category}); calendar
              year counts (the source's 2020 column is unreliable and not offered)
            </p>
          )}
          {coverage.data && showCoverage && <HotspotTable coverage={coverage.data} />}
        </section>
      </div>
    </div>
  );
}

function HotspotTable({ coverage }: { coverage: Coverage }) {
  const s = coverage.summary;
  return (
    <>
      <p className="small">
        About {s.seen_pct === null ? "–" : `${s.seen_pct.toFixed(1)} %`} of {formatCount(s.crimes)} crimes in {coverage.area} happen in view of a
        camera ({coverage.cameras.length} cameras). <span className="muted">Estimate: {coverage.method}.</span>
      </p>
      <table className="table dash-table" aria-label="Hotspots by crimes out of view">
        <thead>
          <tr>
            <th>#</th>
            <th>LSOA</th>
            <th className="dash-num">Crimes</th>
            <th className="dash-num">Out of view</th>
            <th>Cameras covering it</th>
          </tr>
        </thead>
        <tbody>
          {coverage.hotspots.features.map((f) => (
            <tr key={f.properties.lsoa}>
              <td>{f.properties.rank}</td>
              <td>{f.properties.name}</td>
              <td className="dash-num">{formatCount(f.properties.crimes)}</td>
              <td className="dash-num">{formatCount(f.properties.estimated_uncovered)}</td>
              <td>
                {f.properties.covered_by.length
                  ? f.properties.covered_by.map((c) => `${c.camera} (${c.seen_pct.toFixed(1)} %)`).join(", ")
                  : <span className="dash-rag dash-rag-red">none</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
