/** Camera groups (named sets of one organisation's cameras) and which organisation owns each camera. */
import { useState, type FormEvent } from "react";
import type { Camera } from "../api/types";
import { adminApi } from "./api";
import { CameraPicker, ErrorLine, OrgSelect, Section, cameraOwner, orgName, useAction, useList } from "./parts";
import type { Organisation } from "./types";

function GroupForm({ orgs, cameras, onDone }: { orgs: Organisation[]; cameras: Camera[]; onDone: () => void }) {
  const [name, setName] = useState("");
  const [org, setOrg] = useState<number | null>(orgs[0]?.id ?? null);
  const [ids, setIds] = useState<number[]>([]);
  const { run, error, busy } = useAction(onDone);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (org === null) return;
    void run(() => adminApi.addGroup(name.trim(), org, ids));
  };
  return (
    <form className="adm-form" onSubmit={submit} aria-label="Add a camera group">
      <label className="adm-field">
        Group name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <OrgSelect label="Organisation" orgs={orgs} value={org} onChange={setOrg} />
      <CameraPicker label="Cameras" cameras={cameras} value={ids} onChange={setIds} />
      <div className="adm-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || org === null}>
          Add group
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function GroupsAdmin({ orgs, cameras }: { orgs: Organisation[]; cameras: Camera[] }) {
  const { items: groups, error: loadError, reload } = useList(adminApi.groups);
  const [adding, setAdding] = useState(false);
  const { run, error } = useAction(reload);
  const name = (id: number) => cameras.find((c) => Number(c.id) === id)?.name ?? `#${id}`;
  return (
    <Section
      title="Camera groups"
      actions={
        <button type="button" className="small" onClick={() => setAdding(true)}>
          Add group
        </button>
      }
    >
      <ErrorLine error={loadError ?? error} />
      {adding && (
        <GroupForm
          orgs={orgs}
          cameras={cameras}
          onDone={() => {
            setAdding(false);
            reload();
          }}
        />
      )}
      <table className="table adm-table" aria-label="Camera groups">
        <thead>
          <tr>
            <th>Group</th>
            <th>Organisation</th>
            <th>Cameras</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.id}>
              <td>{g.name}</td>
              <td>{orgName(orgs, g.organisation_id)}</td>
              <td className="small">{g.camera_ids.map(name).join(", ") || "—"}</td>
              <td className="adm-row-actions">
                <button
                  type="button"
                  className="small"
                  onClick={() => window.confirm(`Delete the group ${g.name}?`) && void run(() => adminApi.deleteGroup(g.id))}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
          {groups.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                No groups yet
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Section>
  );
}

export function OwnersAdmin({ orgs, cameras, onChanged }: { orgs: Organisation[]; cameras: Camera[]; onChanged: () => void }) {
  const { run, error } = useAction(onChanged);
  return (
    <Section title="Camera owners">
      <ErrorLine error={error} />
      <table className="table adm-table" aria-label="Camera owners">
        <thead>
          <tr>
            <th>Camera</th>
            <th>Owner</th>
          </tr>
        </thead>
        <tbody>
          {cameras.map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td>
              <td>
                <select
                  aria-label={`Owner of ${c.name}`}
                  value={cameraOwner(c) ?? ""}
                  onChange={(e) => void run(() => adminApi.setOwner(c.id, e.target.value === "" ? null : Number(e.target.value)))}
                >
                  <option value="">network operator (default)</option>
                  {orgs.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.name}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
