/**
 * Permission rules: for a role (optionally in one organisation) or one user, allow or deny an action on all
 * reachable cameras, a camera, a group or an organisation's cameras; optionally only in some hours (UK time)
 * and only the last N days of recordings. Deny beats allow; an allow never reaches unshared cameras.
 */
import { useState, type FormEvent } from "react";
import type { Camera } from "../api/types";
import { formatLondon } from "../common/time";
import { adminApi } from "./api";
import { ErrorLine, OrgSelect, Section, orgName, useAction, useList } from "./parts";
import { CAMERA_ACTIONS, ROLES, roleLabel, type Group, type Organisation, type Rule, type RuleIn, type UserAdmin } from "./types";

interface Ctx {
  orgs: Organisation[];
  cameras: Camera[];
  groups: Group[];
  users: UserAdmin[];
}

function targetText(r: Rule, c: Ctx): string {
  switch (r.target_kind) {
    case "all":
      return "all reachable cameras";
    case "camera":
      return `camera ${c.cameras.find((x) => Number(x.id) === r.target_id)?.name ?? `#${r.target_id}`}`;
    case "group":
      return `group ${c.groups.find((g) => g.id === r.target_id)?.name ?? `#${r.target_id}`}`;
    default:
      return `cameras of ${orgName(c.orgs, r.target_id)}`;
  }
}

function whoText(r: Rule, c: Ctx): string {
  if (r.user_id !== null) return `user ${c.users.find((u) => u.id === r.user_id)?.username ?? `#${r.user_id}`}`;
  const role = r.role ? roleLabel(r.role) : "everyone";
  return r.organisation_id !== null ? `${role} in ${orgName(c.orgs, r.organisation_id)}` : role;
}

const BLANK: RuleIn = {
  action: "playback",
  effect: "allow",
  target_kind: "all",
  target_id: null,
  role: "operator",
  organisation_id: null,
  user_id: null,
  playback_days: null,
  hours: null,
};

function RuleForm({ c, onDone }: { c: Ctx; onDone: () => void }) {
  const [v, setV] = useState<RuleIn>(BLANK);
  const [forUser, setForUser] = useState(false);
  const { run, error, busy } = useAction(onDone);
  const targets: { id: number; name: string }[] =
    v.target_kind === "camera"
      ? c.cameras.map((x) => ({ id: Number(x.id), name: x.name }))
      : v.target_kind === "group"
        ? c.groups
        : v.target_kind === "organisation"
          ? c.orgs
          : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: RuleIn = {
      ...v,
      role: forUser ? null : v.role || null,
      organisation_id: forUser ? null : v.organisation_id,
      user_id: forUser ? v.user_id : null,
      target_id: v.target_kind === "all" ? null : v.target_id,
      hours: v.hours?.trim() ? v.hours.trim() : null,
    };
    void run(() => adminApi.addRule(body));
  };
  return (
    <form className="adm-form" onSubmit={submit} aria-label="Add a permission rule">
      <label className="adm-field">
        Applies to
        <select aria-label="Applies to" value={forUser ? "user" : "role"} onChange={(e) => setForUser(e.target.value === "user")}>
          <option value="role">a role</option>
          <option value="user">one user</option>
        </select>
      </label>
      {forUser ? (
        <label className="adm-field">
          User
          <select aria-label="User" value={v.user_id ?? ""} onChange={(e) => setV({ ...v, user_id: e.target.value ? Number(e.target.value) : null })} required>
            <option value="">choose…</option>
            {c.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.display_name} ({u.username})
              </option>
            ))}
          </select>
        </label>
      ) : (
        <>
          <label className="adm-field">
            Role
            <select aria-label="Role" value={v.role ?? ""} onChange={(e) => setV({ ...v, role: e.target.value || null })}>
              {ROLES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <OrgSelect label="In organisation" orgs={c.orgs} value={v.organisation_id} onChange={(id) => setV({ ...v, organisation_id: id })} allowNone="any" />
        </>
      )}
      <label className="adm-field">
        Effect
        <select aria-label="Effect" value={v.effect} onChange={(e) => setV({ ...v, effect: e.target.value as RuleIn["effect"] })}>
          <option value="allow">allow</option>
          <option value="deny">deny</option>
        </select>
      </label>
      <label className="adm-field">
        Action
        <select aria-label="Action" value={v.action} onChange={(e) => setV({ ...v, action: e.target.value })}>
          {CAMERA_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label className="adm-field">
        On
        <select aria-label="On" value={v.target_kind} onChange={(e) => setV({ ...v, target_kind: e.target.value as RuleIn["target_kind"], target_id: null })}>
          <option value="all">all reachable cameras</option>
          <option value="camera">a camera</option>
          <option value="group">a camera group</option>
          <option value="organisation">an organisation's cameras</option>
        </select>
      </label>
      {v.target_kind !== "all" && (
        <label className="adm-field">
          Target
          <select aria-label="Target" value={v.target_id ?? ""} onChange={(e) => setV({ ...v, target_id: e.target.value ? Number(e.target.value) : null })} required>
            <option value="">choose…</option>
            {targets.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label className="adm-field">
        Playback of the last … days
        <input
          type="number"
          min={0}
          step="any"
          value={v.playback_days ?? ""}
          onChange={(e) => setV({ ...v, playback_days: e.target.value === "" ? null : Number(e.target.value) })}
          placeholder="no limit"
        />
      </label>
      <label className="adm-field">
        Hours (UK time)
        <input value={v.hours ?? ""} onChange={(e) => setV({ ...v, hours: e.target.value })} placeholder="always, or 07:00-19:00" pattern="\d{2}:\d{2}-\d{2}:\d{2}" />
      </label>
      <div className="adm-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Add rule
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function RulesAdmin({ orgs, cameras, groups, users }: Ctx) {
  const c = { orgs, cameras, groups, users };
  const { items: rules, error: loadError, reload } = useList(adminApi.rules);
  const [adding, setAdding] = useState(false);
  const { run, error } = useAction(reload);
  return (
    <Section
      title="Permission rules"
      actions={
        <button type="button" className="small" onClick={() => setAdding(true)}>
          Add rule
        </button>
      }
    >
      <p className="muted small">Deny beats allow. Rules never reach cameras the organisation neither owns nor has shared with it.</p>
      <ErrorLine error={loadError ?? error} />
      {adding && (
        <RuleForm
          c={c}
          onDone={() => {
            setAdding(false);
            reload();
          }}
        />
      )}
      <table className="table adm-table" aria-label="Permission rules">
        <thead>
          <tr>
            <th>Who</th>
            <th>Effect</th>
            <th>Action</th>
            <th>On</th>
            <th>Limits</th>
            <th>Made</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id}>
              <td>{whoText(r, c)}</td>
              <td className={r.effect === "deny" ? "adm-bad" : "adm-ok"}>{r.effect}</td>
              <td>{r.action}</td>
              <td>{targetText(r, c)}</td>
              <td className="small">
                {[r.playback_days !== null ? `last ${r.playback_days} days` : "", r.hours ? `${r.hours} UK` : ""].filter(Boolean).join(", ") || "—"}
              </td>
              <td className="small muted">
                {formatLondon(Date.parse(r.created))} by {r.created_by}
              </td>
              <td className="adm-row-actions">
                <button type="button" className="small" onClick={() => window.confirm("Delete this rule?") && void run(() => adminApi.deleteRule(r.id))}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
          {rules.length === 0 && (
            <tr>
              <td colSpan={7} className="muted">
                No rules: role defaults and sharing agreements apply
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </Section>
  );
}
