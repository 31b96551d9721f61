/** People: who they are, their organisation and role, MFA, lock-out and last sign-in; add, edit, unlock, reset MFA. */
import { useState, type FormEvent } from "react";
import { formatLondon } from "../common/time";
import { adminApi } from "./api";
import { ErrorLine, OrgSelect, Section, orgName, useAction, useList } from "./parts";
import { ROLES, roleLabel, type Organisation, type UserAdmin, type UserAdminIn } from "./types";

const when = (iso: string | null) => (iso ? formatLondon(Date.parse(iso)) : "—");

function blank(orgs: Organisation[]): UserAdminIn {
  return { username: "", display_name: "", organisation_id: orgs[0]?.id ?? 0, role: "operator", password: "", signin_hours: "", disabled: false };
}

function UserForm({ initial, orgs, editing, onDone }: { initial: UserAdminIn; orgs: Organisation[]; editing: UserAdmin | null; onDone: () => void }) {
  const [v, setV] = useState<UserAdminIn>(initial);
  const { run, error, busy } = useAction(onDone);
  // The organisations may arrive after the form opens: until one is chosen, the first one is meant.
  const orgId = orgs.some((o) => o.id === v.organisation_id) ? v.organisation_id : (orgs[0]?.id ?? 0);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: UserAdminIn = {
      ...v,
      organisation_id: orgId,
      username: v.username.trim(),
      display_name: v.display_name.trim(),
      password: v.password ? v.password : null,
      signin_hours: v.signin_hours?.trim() ? v.signin_hours.trim() : null,
    };
    void run(() => (editing ? adminApi.updateUser(editing.id, body) : adminApi.addUser(body)));
  };
  return (
    <form className="adm-form" onSubmit={submit} aria-label={editing ? `Edit ${editing.username}` : "Add a user"}>
      <label className="adm-field">
        Username
        <input value={v.username} onChange={(e) => setV({ ...v, username: e.target.value })} required maxLength={200} />
      </label>
      <label className="adm-field">
        Full name
        <input value={v.display_name} onChange={(e) => setV({ ...v, display_name: e.target.value })} required maxLength={200} />
      </label>
      <OrgSelect label="Organisation" orgs={orgs} value={orgId} onChange={(id) => setV({ ...v, organisation_id: id ?? 0 })} />
      <label className="adm-field">
        Role
        <select aria-label="Role" value={v.role} onChange={(e) => setV({ ...v, role: e.target.value })}>
          {ROLES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      <label className="adm-field">
        {editing ? "New password (blank: unchanged)" : "Password"}
        <input type="password" autoComplete="new-password" value={v.password ?? ""} onChange={(e) => setV({ ...v, password: e.target.value })} required={!editing} />
      </label>
      <label className="adm-field">
        Sign-in hours (UK time)
        <input value={v.signin_hours ?? ""} onChange={(e) => setV({ ...v, signin_hours: e.target.value })} placeholder="any time, or 07:00-19:00" pattern="\d{2}:\d{2}-\d{2}:\d{2}" />
      </label>
      <label className="adm-check">
        <input type="checkbox" checked={v.disabled} onChange={(e) => setV({ ...v, disabled: e.target.checked })} />
        Disabled
      </label>
      <div className="adm-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {editing ? "Save" : "Add user"}
        </button>
      </div>
      <ErrorLine error={error} />
    </form>
  );
}

export function UsersAdmin({ orgs }: { orgs: Organisation[] }) {
  const { items: users, error: loadError, reload } = useList(adminApi.users);
  const [form, setForm] = useState<{ user: UserAdmin | null } | null>(null);
  const { run, error } = useAction(reload);
  const done = () => {
    setForm(null);
    reload();
  };
  return (
    <Section
      title="Users"
      actions={
        <button type="button" className="small" onClick={() => setForm({ user: null })}>
          Add user
        </button>
      }
    >
      <ErrorLine error={loadError ?? error} />
      {form && (
        <UserForm
          key={form.user?.id ?? "new"}
          orgs={orgs}
          editing={form.user}
          onDone={done}
          initial={form.user ? { ...form.user, password: "", signin_hours: form.user.signin_hours ?? "" } : blank(orgs)}
        />
      )}
      <table className="table adm-table" aria-label="Users">
        <thead>
          <tr>
            <th>User</th>
            <th>Organisation</th>
            <th>Role</th>
            <th>MFA</th>
            <th>Sign-in hours</th>
            <th>Locked until</th>
            <th>Last sign-in</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} className={u.disabled ? "adm-disabled" : undefined}>
              <td>
                {u.display_name}
                <div className="muted small">
                  {u.username}
                  {u.disabled ? " · disabled" : ""}
                </div>
              </td>
              <td>{orgName(orgs, u.organisation_id)}</td>
              <td>{roleLabel(u.role)}</td>
              <td>
                {u.mfa_enrolled ? "enrolled" : u.mfa_required ? <span className="adm-bad">required, not enrolled</span> : "not required"}
              </td>
              <td>{u.signin_hours ?? "any time"}</td>
              <td>{u.locked_until ? <span className="adm-bad">{when(u.locked_until)}</span> : "—"}</td>
              <td className="adm-nowrap">{when(u.last_login)}</td>
              <td className="adm-row-actions">
                <button type="button" className="small" onClick={() => setForm({ user: u })}>
                  Edit
                </button>
                {u.locked_until && (
                  <button type="button" className="small" onClick={() => void run(() => adminApi.unlock(u.id))}>
                    Unlock
                  </button>
                )}
                {u.mfa_enrolled && (
                  <button
                    type="button"
                    className="small"
                    onClick={() => {
                      if (window.confirm(`Forget ${u.username}'s authenticator? They enrol a new one at their next sign-in.`))
                        void run(() => adminApi.resetMfa(u.id));
                    }}
                  >
                    Reset MFA
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
