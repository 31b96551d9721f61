/**
 * Sharing agreements: an owner organisation lets a recipient see some of its cameras (live, recorded, PTZ),
 * always, during a declared incident or while an alarm is open, between a start and an expiry, under a
 * data-sharing agreement. Times are typed in London time and sent as UTC.
 */
import { useState, type FormEvent } from "react";
import type { Camera } from "../api/types";
import { formatLondon } from "../common/time";
import { adminApi } from "./api";
import { londonInputToIso } from "./auditQuery";
import { CameraPicker, ErrorLine, OrgSelect, Section, orgName, useAction, useList } from "./parts";
import { CONDITIONS, SHARE_RIGHTS, type Group, type Organisation, type Share, type ShareIn } from "./types";

const when = (iso: string | null) => (iso ? formatLondon(Date.parse(iso)) : "—");

function ShareForm({ orgs, cameras, groups, onDone }: { orgs: Organisation[]; cameras: Camera[]; groups: Group[]; onDone: () => void }) {
  const [owner, setOwner] = useState<number | null>(orgs[0]?.id ?? null);
  const [recipient, setRecipient] = useState<number | null>(orgs[1]?.id ?? null);
  const [rights, setRights] = useState<string[]>(["live"]);
  const [condition, setCondition] = useState("always");
  const [start, setStart] = useState("");
  const [expires, setExpires] = useState("");
  const [dsa, setDsa] = useState("");
  const [scope, setScope] = useState<"all" | "cameras" | "groups">("all");
  const [cameraIds, setCameraIds] = useState<number[]>([]);
  const [groupIds, setGroupIds] = useState<number[]>([]);
  const { run, error, busy } = useAction(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (owner === null || recipient === null) return;
    void run(async () => {
      const body: ShareIn = {
        owner_id: owner,
        recipient_id: recipient,
        rights,
        condition,
        start: londonInputToIso(start, "Start"),
        expires: londonInputToIso(expires, "Expiry"),
        dsa_reference: dsa.trim(),
        camera_ids: scope === "cameras" ? cameraIds : null,
        group_ids: scope === "groups" ? groupIds : null,
      };
      return adminApi.addShare(body);
    });
  };
  const ownCameras = cameras.filter((c) => {
    const o = (c as Camera & { organisation_id?: number | null }).organisation_id ?? null;
    return o === owner || o === null;
  });
  return (
    <form className="adm-form" onSubmit={submit} aria-label="New sharing agreement">
      <OrgSelect label="Owner" orgs={orgs} value={owner} onChange={setOwner} />
      <OrgSelect label="Recipient" orgs={orgs} value={recipient} onChange={setRecipient} />
      <fieldset className="adm-picker">
        <legend>Rights</legend>
        {SHARE_RIGHTS.map((r) => (
          <label key={r} className="adm-check">
            <input type="checkbox" checked={rights.includes(r)} onChange={(e) => setRights(e.target.checked ? [...rights, r] : rights.filter((x) => x !== r))} />
            {r === "recorded" ? "recorded (playback, export, hold)" : r === "ptz" ? "PTZ" : r}
          </label>
        ))}
      </fieldset>
      <label className="adm-field">
        Condition
        <select aria-label="Condition" value={condition} onChange={(e) => setCondition(e.target.value)}>
          {CONDITIONS.map((c) => (
            <option key={c} value={c}>
              {c === "incident" ? "during a declared incident" : c === "alarm" ? "while an alarm is open" : "always"}
            </option>
          ))}
        </select>
      </label>
      <label className="adm-field">
        Start (London; blank: now)
        <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
      </label>
      <label className="adm-field">
        Expiry (London; blank: none)
        <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </label>
      <label className="adm-field">
        Data-sharing agreement reference
        <input value={dsa} onChange={(e) => setDsa(e.target.value)} required maxLength={200} placeholder="DSA-…" />
      </label>
      <label className="adm-field">
        Cameras
        <select aria-label="Cameras" value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
          <option value="all">all the owner's cameras</option>
          <option value="cameras">chosen cameras</option>
          <option value="groups">chosen groups</option>
        </select>
      </label>
      {scope === "cameras" && <CameraPicker label="Cameras shared" cameras={ownCameras} value={cameraIds} onChange={setCameraIds} />}
      {scope === "groups" && (
        <fieldset className="adm-picker">
          <legend>Groups shared</legend>
          {groups
            .filter((g) => g.organisation_id === owner)
            .map((g) => (
              <label key={g.id} className="adm-check">
                <input
                  type="checkbox"
                  checked={groupIds.includes(g.id)}
                  onChange={(e) => setGroupIds(e.target.checked ? [...groupIds, g.id] : groupIds.filter((x) => x !== g.id))}
                />
                {g.name}
              </label>
            ))}
        </fieldset>
      )}
      <div className="adm-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || rights.length === 0}>
          Create agreement
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

function scopeText(s: Share, cameras: Camera[], groups: Group[]): string {
  if (s.camera_ids) return s.camera_ids.map((id) => cameras.find((c) => Number(c.id) === id)?.name ?? `#${id}`).join(", ");
  if (s.group_ids) return s.group_ids.map((id) => groups.find((g) => g.id === id)?.name ?? `group #${id}`).join(", ");
  return "all cameras";
}

function stateText(s: Share): string {
  if (s.revoked) return `revoked ${when(s.revoked)}`;
  if (s.in_force) return s.incident_until ? `in force (incident until ${when(s.incident_until)})` : "in force";
  if (s.expires && Date.parse(s.expires) <= Date.now()) return "expired";
  if (Date.parse(s.start) > Date.now()) return "not started";
  return s.condition === "incident" ? "waiting for an incident" : s.condition === "alarm" ? "waiting for an alarm" : "not in force";
}

export function SharingAdmin({ orgs, cameras, groups, canChange }: { orgs: Organisation[]; cameras: Camera[]; groups: Group[]; canChange: boolean }) {
  const { items: shares, error: loadError, reload } = useList(adminApi.shares);
  const [adding, setAdding] = useState(false);
  const { run, error } = useAction(reload);
  const incident = (s: Share) => {
    const text = window.prompt("Open this agreement for how many minutes? (0 closes it)", "60");
    if (text === null) return;
    const minutes = Number(text);
    if (!Number.isFinite(minutes) || minutes < 0 || minutes > 1440) return window.alert("Give 0 to 1440 minutes.");
    void run(() => adminApi.incident(s.id, minutes));
  };
  return (
    <Section
      title="Sharing agreements"
      actions={
        canChange && (
          <button type="button" className="small" onClick={() => setAdding(true)}>
            New agreement
          </button>
        )
      }
    >
      <ErrorLine error={loadError ?? error} />
      {adding && (
        <ShareForm
          orgs={orgs}
          cameras={cameras}
          groups={groups}
          onDone={() => {
            setAdding(false);
            reload();
          }}
        />
      )}
      <table className="table adm-table" aria-label="Sharing agreements">
        <thead>
          <tr>
            <th>Owner → recipient</th>
            <th>Rights</th>
            <th>Cameras</th>
            <th>Condition</th>
            <th>Period (London)</th>
            <th>DSA</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shares.map((s) => (
            <tr key={s.id} className={s.revoked ? "adm-disabled" : undefined}>
              <td>
                {orgName(orgs, s.owner_id)} → {orgName(orgs, s.recipient_id)}
              </td>
              <td>{s.rights.join(", ")}</td>
              <td className="small">{scopeText(s, cameras, groups)}</td>
              <td>{s.condition}</td>
              <td className="small adm-nowrap">
                {when(s.start)} – {s.expires ? when(s.expires) : "no expiry"}
              </td>
              <td className="small">{s.dsa_reference}</td>
              <td className={s.in_force ? "adm-ok" : "muted"}>{stateText(s)}</td>
              <td className="adm-row-actions">
                {canChange && !s.revoked && s.condition === "incident" && (
                  <button type="button" className="small" onClick={() => incident(s)}>
                    Incident…
                  </button>
                )}
                {canChange && !s.revoked && (
                  <button type="button" className="small" onClick={() => window.confirm("Revoke this agreement now?") && void run(() => adminApi.revokeShare(s.id))}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
          {shares.length === 0 && (
            <tr>
              <td colSpan={8} className="muted">
                No agreements
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Section>
  );
}
