import { type ReactNode, useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { useSession } from "../auth/session";
import { Panel, StateOverlay } from "../common/StateOverlay";
import { formatLondon } from "../common/time";
import { partnerUrls, partnersApi } from "./api";
import { money } from "./chart";
import { ForecastChart } from "./ForecastChart";
import type { FootageRequest, Forecast, Invoice, Partner, Portal, PublicRegister } from "./types";

/** £ with pence, for invoices: 81290 → "£812.90". */
export function pounds(p: number): string {
  const sign = p < 0 ? "−" : "";
  return `${sign}£${(Math.abs(p) / 100).toLocaleString("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** This month in London as YYYY-MM. */
export function londonMonth(t: number = Date.now()): string {
  const p = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", year: "numeric", month: "2-digit" }).formatToParts(
    new Date(t),
  );
  const get = (type: string) => p.find((x) => x.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}`;
}

type Load<T> = { state: "loading" } | { state: "ok"; data: T } | { state: "denied" | "error"; detail: string };

function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Load<T> {
  const [value, setValue] = useState<Load<T>>({ state: "loading" });
  // `fn` is rebuilt on every render; `deps` says when the request really changes.
  useEffect(() => {
    const ctl = new AbortController();
    setValue({ state: "loading" });
    fn(ctl.signal).then(
      (data) => setValue({ state: "ok", data }),
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        const detail = e instanceof Error ? e.message : String(e);
        setValue({ state: e instanceof ApiError && e.forbidden ? "denied" : "error", detail });
      },
    );
    return () => ctl.abort();
  }, deps);
  return value;
}

function Loading<T>({ load, children }: { load: Load<T>; children: (data: T) => ReactNode }) {
  if (load.state === "ok") return <>{children(load.data)}</>;
  if (load.state === "loading") return <StateOverlay state="loading" />;
  return <StateOverlay state={load.state} detail={load.detail} />;
}

/**
 * The business of the network: partners, their usage and availability this month, invoices, footage requests
 * with their deadlines, and the five-year revenue forecast against the target. Times shown in Europe/London.
 */
export function PartnersView({ month }: { month?: string } = {}) {
  const { user } = useSession();
  // A partner's own people see their organisation's portal, never the network's business (the server refuses it).
  if (user && PARTNER_ROLES.has(user.role)) return <OwnPortal organisationId={user.organisation_id ?? null} month={month} />;
  return <NetworkBusiness month={month} />;
}

const PARTNER_ROLES = new Set(["partner_security"]);

function OwnPortal({ organisationId, month: initialMonth }: { organisationId: number | null; month?: string }) {
  const [month, setMonth] = useState(initialMonth ?? londonMonth());
  if (organisationId === null)
    return <StateOverlay state="denied" detail="Your account belongs to no partner organisation; ask the council's administrator" />;
  return (
    <div className="page pt-page">
      <div className="pt-toolbar">
        <label>
          Month{" "}
          <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} aria-label="Month" />
        </label>
        <span className="muted">Your organisation&apos;s cameras, usage and invoices. Other partners&apos; figures are not shown to you.</span>
      </div>
      <PartnerDetail id={organisationId} month={month} />
    </div>
  );
}

function NetworkBusiness({ month: initialMonth }: { month?: string }) {
  const [month, setMonth] = useState(initialMonth ?? londonMonth());
  const [selected, setSelected] = useState<number | null>(null);
  const partners = useLoad((s) => partnersApi.partners(s), []);
  const invoices = useLoad((s) => partnersApi.invoices(month, s), [month]);
  const requests = useLoad((s) => partnersApi.footageRequests(s), []);
  const forecast = useLoad((s) => partnersApi.forecast(s), []);
  const register = useLoad((s) => partnersApi.publicRegister(s), []);

  return (
    <div className="page pt-page">
      <div className="pt-toolbar">
        <label>
          Month{" "}
          <input type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} aria-label="Month" />
        </label>
        <a className="button" href={partnerUrls.financeCsv(month)}>
          Invoices CSV for finance
        </a>
        <a className="button" href={partnerUrls.transparency("geojson")}>
          Transparency GeoJSON
        </a>
        <a className="button" href={partnerUrls.transparency("csv")}>
          Transparency CSV
        </a>
      </div>
      <Panel title="Partners">
        <Loading load={partners}>
          {(list) => <PartnerTable partners={list} invoices={invoices.state === "ok" ? invoices.data : []} selected={selected} onSelect={setSelected} />}
        </Loading>
      </Panel>
      {selected !== null && <PartnerDetail id={selected} month={month} />}
      <Panel title="Footage requests">
        <Loading load={requests}>{(list) => <RequestTable requests={list} />}</Loading>
      </Panel>
      <Panel title="Five-year revenue forecast">
        <Loading load={forecast}>{(f) => <ForecastPanel forecast={f} />}</Loading>
      </Panel>
      <Panel title="Published camera register">
        <Loading load={register}>{(r) => <RegisterTable register={r} />}</Loading>
      </Panel>
    </div>
  );
}

function PartnerTable(props: { partners: Partner[]; invoices: Invoice[]; selected: number | null; onSelect: (id: number) => void }) {
  if (props.partners.length === 0) return <StateOverlay state="empty" detail="No partner has been onboarded yet" />;
  const byOrg = new Map(props.invoices.map((i) => [i.organisation_id, i]));
  return (
    <table className="pt-table">
      <thead>
        <tr>
          <th>Partner</th>
          <th className="pt-n">Cameras</th>
          <th>Plan</th>
          <th>Contract</th>
          <th className="pt-n">This month (net)</th>
          <th className="pt-n">Total with VAT</th>
        </tr>
      </thead>
      <tbody>
        {props.partners.map((p) => {
          const c = p.contracts[p.contracts.length - 1];
          const inv = byOrg.get(p.id);
          return (
            <tr key={p.id} className={props.selected === p.id ? "pt-selected" : undefined}>
              <td>
                <button className="link" onClick={() => props.onSelect(p.id)}>
                  {p.name}
                </button>
              </td>
              <td className="pt-n">{p.cameras}</td>
              <td>{c?.plan_code ?? "—"}</td>
              <td>{c ? `${c.start_on} → ${c.end_on ?? "open"}` : "no contract"}</td>
              <td className="pt-n">{inv ? pounds(inv.net_p) : "—"}</td>
              <td className="pt-n">{inv ? pounds(inv.total_p) : "—"}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function PartnerDetail({ id, month }: { id: number; month: string }) {
  const portal = useLoad((s) => partnersApi.portal(id, month, s), [id, month]);
  return (
    <Panel title="Usage, availability and access" className="pt-detail">
      <Loading load={portal}>{(p) => <PortalBody portal={p} month={month} />}</Loading>
    </Panel>
  );
}

function PortalBody({ portal, month }: { portal: Portal; month: string }) {
  const avail = new Map(portal.availability.map((a) => [a.camera_id, a]));
  const id = portal.partner.id;
  return (
    <>
      <div className="pt-toolbar">
        <strong>{portal.partner.name}</strong>
        <span className="muted">{month}</span>
        <a href={partnerUrls.invoice(id, month, "html")} target="_blank" rel="noreferrer">
          Invoice
        </a>
        <a href={partnerUrls.invoice(id, month, "pdf")}>PDF</a>
        <a href={partnerUrls.invoice(id, month, "csv")}>CSV</a>
      </div>
      <table className="pt-table">
        <thead>
          <tr>
            <th>Camera</th>
            <th className="pt-n">Connected h</th>
            <th className="pt-n">Recorded h</th>
            <th className="pt-n">On the wall h</th>
            <th className="pt-n">Storage GB-days</th>
            <th className="pt-n">PTZ min</th>
            <th className="pt-n">Uptime</th>
          </tr>
        </thead>
        <tbody>
          {portal.usage.map((u) => {
            const a = avail.get(u.camera_id);
            return (
              <tr key={u.camera_id}>
                <td>{u.camera_id}</td>
                <td className="pt-n">{u.connected_hours.toFixed(1)}</td>
                <td className="pt-n">{u.recorded_hours.toFixed(1)}</td>
                <td className="pt-n">{u.wall_hours.toFixed(1)}</td>
                <td className="pt-n">{u.storage_gb_days.toFixed(2)}</td>
                <td className="pt-n">{u.ptz_minutes}</td>
                <td className={`pt-n ${a && !a.meets_sla ? "pt-bad" : "pt-ok"}`} title={a ? `SLA ${a.sla_uptime_pct} %` : ""}>
                  {a ? `${a.uptime_pct.toFixed(2)} %` : "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h3 className="pt-h3">Who accessed these cameras</h3>
      {portal.access.length === 0 ? (
        <p className="muted">No views, playback, exports or PTZ this month.</p>
      ) : (
        <table className="pt-table pt-compact">
          <tbody>
            {portal.access.slice(0, 50).map((a, i) => (
              <tr key={`${a.at}-${i}`}>
                <td>{formatLondon(Date.parse(a.at), { zone: true })}</td>
                <td>{a.action}</td>
                <td>{a.username ?? "—"}</td>
                <td>{a.organisation ?? ""}</td>
                <td>camera {a.camera_id}</td>
                <td className={a.outcome === "ok" ? "" : "pt-bad"}>{a.outcome}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

const KIND: Record<string, string> = {
  subject_access: "Subject access",
  solicitor: "Solicitor",
  insurer: "Insurer",
  partner: "Partner",
  police: "Police",
};

function RequestTable({ requests }: { requests: FootageRequest[] }) {
  if (requests.length === 0) return <StateOverlay state="empty" detail="No footage requests" />;
  const overdue = requests.filter((r) => r.overdue).length;
  return (
    <>
      {overdue > 0 && (
        <p className="pt-alert" role="alert">
          {overdue} request{overdue === 1 ? " is" : "s are"} past the deadline
        </p>
      )}
      <table className="pt-table">
        <thead>
          <tr>
            <th>Received</th>
            <th>Kind</th>
            <th>Requester</th>
            <th>Reference</th>
            <th>Status</th>
            <th>Deadline</th>
            <th className="pt-n">Fee</th>
          </tr>
        </thead>
        <tbody>
          {requests.map((r) => (
            <tr key={r.id} className={r.overdue ? "pt-overdue" : undefined} data-overdue={r.overdue}>
              <td>{formatLondon(Date.parse(r.received))}</td>
              <td>{KIND[r.requester_kind] ?? r.requester_kind}</td>
              <td>{r.requester_name}</td>
              <td>{r.reference}</td>
              <td>
                {r.status}
                {r.status === "open" && r.identity_checked === null && r.requester_kind === "subject_access" ? " · identity not checked" : ""}
              </td>
              <td>
                {r.deadline_on}
                {r.status === "open" && (r.overdue ? <span className="pt-flag">overdue</span> : <span className="muted"> ({r.days_left} days)</span>)}
              </td>
              <td className="pt-n">{r.search_fee_p + r.supply_fee_p === 0 ? "free" : pounds(r.search_fee_p + r.supply_fee_p)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ForecastPanel({ forecast }: { forecast: Forecast }) {
  return (
    <>
      <ForecastChart forecast={forecast} />
      <table className="pt-table">
        <thead>
          <tr>
            <th>Scenario</th>
            {forecast.scenarios[0]?.years.map((y) => (
              <th key={y.year} className="pt-n">
                Year {y.year}
              </th>
            ))}
            <th className="pt-n">Five years</th>
            <th className="pt-n">Against {money(forecast.target_p)}</th>
          </tr>
        </thead>
        <tbody>
          {forecast.scenarios.map((s) => (
            <tr key={s.scenario.name}>
              <td>{s.scenario.name}</td>
              {s.years.map((y) => (
                <td key={y.year} className="pt-n" title={`contracted ${pounds(y.contracted_p)}, pipeline ${pounds(y.pipeline_p)}`}>
                  {money(y.total_p)}
                </td>
              ))}
              <td className="pt-n">{money(s.total_p)}</td>
              <td className={`pt-n ${s.meets_target ? "pt-ok" : "pt-bad"}`}>{s.meets_target ? "meets" : `short ${money(s.gap_p)}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <a href={partnerUrls.forecastCsv()}>Download the forecast (CSV)</a>
    </>
  );
}

const FUNDING: Record<string, string> = {
  council_capital: "Council capital",
  section_106: "Section 106",
  secured_by_design: "Secured by Design",
  partner_funded: "Partner",
};

/** What the public transparency export publishes: overt, registered cameras only; overdue reviews flagged. */
function RegisterTable({ register }: { register: PublicRegister }) {
  const overdue = register.features.filter((f) => f.properties.review_overdue).length;
  return (
    <>
      <p className="muted">
        {register.features.length} cameras published{overdue > 0 ? `, ${overdue} past their review date` : ""}.
      </p>
      <table className="pt-table pt-compact">
        <thead>
          <tr>
            <th>Camera</th>
            <th>Owner</th>
            <th>Purpose</th>
            <th>Level</th>
            <th>Funding</th>
            <th>Review due</th>
          </tr>
        </thead>
        <tbody>
          {register.features.map((f) => (
            <tr key={f.id} className={f.properties.review_overdue ? "pt-overdue" : undefined}>
              <td>{f.properties.name}</td>
              <td>{f.properties.owner || "Council"}</td>
              <td>{f.properties.purpose}</td>
              <td>{f.properties.or_level}</td>
              <td>{FUNDING[f.properties.funding_source] ?? f.properties.funding_source}</td>
              <td>
                {f.properties.review_due_on ?? "—"}
                {f.properties.review_overdue && <span className="pt-flag">overdue</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
