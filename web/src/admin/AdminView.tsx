/**
 * Administration: organisations, people, camera groups and owners, permission rules and sharing agreements.
 * Each section shows only what the signed-in person's rights allow (the server checks every change anyway):
 * administrators see everything; an organisation's own managers see their organisation.
 */
import { useState, type FormEvent } from "react";
import { api } from "../api/client";
import { useSession } from "../auth/session";
import { hasRight } from "../auth/types";
import { StateOverlay } from "../common/StateOverlay";
import { adminApi } from "./api";
import { GroupsAdmin, OwnersAdmin } from "./CamerasAdmin";
import { ErrorLine, Section, useAction, useList } from "./parts";
import { RulesAdmin } from "./RulesAdmin";
import { SharingAdmin } from "./SharingAdmin";
import { ORG_KINDS, type Organisation } from "./types";
import { UsersAdmin } from "./UsersAdmin";

function OrganisationsAdmin({ orgs, canAdd, onChanged }: { orgs: Organisation[]; canAdd: boolean; onChanged: () => void }) {
  const [name, setName] = useState("");
  const [kind, setKind] = useState("partner");
  const { run, error, busy } = useAction(() => {
    setName("");
    onChanged();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => adminApi.addOrganisation(name.trim(), kind));
  };
  return (
    <Section title="Organisations">
      <table className="table adm-table" aria-label="Organisations">
        <thead>
          <tr>
            <th>Organisation</th>
            <th>Kind</th>
          </tr>
        </thead>
        <tbody>
          {orgs.map((o) => (
            <tr key={o.id}>
              <td>{o.name}</td>
              <td>{o.kind}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canAdd && (
        <form className="adm-form adm-inline" onSubmit={submit} aria-label="Add an organisation">
          <label className="adm-field">
            New organisation
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
          </label>
          <label className="adm-field">
            Kind
            <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              {ORG_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            Add organisation
          </button>
        </form>
      )}
      <ErrorLine error={error} />
    </Section>
  );
}

type Tab = "people" | "cameras" | "rules" | "sharing";

export function AdminView() {
  const { user } = useSession();
  const isAdmin = user?.role === "admin";
  const manageUsers = hasRight(user, "users.manage");
  const manageSharing = hasRight(user, "sharing.manage");
  const configure = hasRight(user, "cameras.configure");
  const orgs = useList(adminApi.organisations);
  const cameras = useList(api.cameras);
  const groups = useList(adminApi.groups);
  const users = useList(adminApi.users, isAdmin);
  const [tab, setTab] = useState<Tab>("people");

  if (!manageUsers && !manageSharing) return <StateOverlay state="denied" detail="Administration needs the users.manage right" />;
  const tabs: { id: Tab; label: string; shown: boolean }[] = [
    { id: "people", label: "Organisations and people", shown: manageUsers },
    { id: "cameras", label: "Camera groups and owners", shown: manageUsers },
    { id: "rules", label: "Permission rules", shown: isAdmin },
    { id: "sharing", label: "Sharing agreements", shown: true },
  ];
  const current = tabs.find((t) => t.id === tab && t.shown) ?? tabs.find((t) => t.shown)!;

  return (
    <div className="adm-page">
      <h1 className="adm-title">Administration</h1>
      <div className="adm-tabs" role="tablist" aria-label="Administration">
        {tabs
          .filter((t) => t.shown)
          .map((t) => (
            <button key={t.id} type="button" role="tab" aria-selected={t.id === current.id} className={t.id === current.id ? "active" : ""} onClick={() => {
                setTab(t.id);
                groups.reload();
              }}>
              {t.label}
            </button>
          ))}
      </div>
      <ErrorLine error={orgs.error ?? cameras.error} />
      {current.id === "people" && (
        <>
          <OrganisationsAdmin orgs={orgs.items} canAdd={isAdmin} onChanged={orgs.reload} />
          <UsersAdmin orgs={orgs.items} />
        </>
      )}
      {current.id === "cameras" && (
        <>
          <GroupsAdmin orgs={orgs.items} cameras={cameras.items} />
          {configure && <OwnersAdmin orgs={orgs.items} cameras={cameras.items} onChanged={cameras.reload} />}
        </>
      )}
      {current.id === "rules" && <RulesAdmin orgs={orgs.items} cameras={cameras.items} groups={groups.items} users={users.items} />}
      {current.id === "sharing" && (
        <SharingAdmin orgs={orgs.items} cameras={cameras.items} groups={groups.items} canChange={isAdmin || manageSharing} />
      )}
    </div>
  );
}
