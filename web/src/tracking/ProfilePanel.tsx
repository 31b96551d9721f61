/** The missing-person (Herbert Protocol) profile of a wearer: read, and edited by those allowed. Every read is audited. */
import { useEffect, useState } from "react";
import { ApiError } from "../api/client";
import { Panel } from "../common/StateOverlay";
import { formatLondon, parseIso } from "../common/time";
import { trackingApi, type MissingPersonProfile } from "./api";
import { contactsToText, emptyProfile, placesToText, textToContacts, textToPlaces } from "./model";

type Load = { state: "loading" } | { state: "none" } | { state: "denied"; detail: string } | { state: "error"; detail: string } | { state: "ok"; profile: MissingPersonProfile };

const TEXT_FIELDS: [keyof MissingPersonProfile, string][] = [
  ["preferred_name", "Preferred name"],
  ["description", "Description"],
  ["photo_ref", "Photo reference"],
  ["conditions", "Conditions"],
  ["medication", "Medication"],
  ["routines", "Routines"],
  ["languages", "Languages"],
  ["notes", "Notes"],
];

export function ProfileView({ profile }: { profile: MissingPersonProfile }) {
  const updated = parseIso(profile.updated);
  return (
    <>
      <dl className="facts trk-profile">
        {TEXT_FIELDS.map(([k, label]) =>
          profile[k] ? (
            <FactRow key={k} label={label}>
              {k === "photo_ref" && /^https?:\/\//.test(profile.photo_ref) ? (
                <a href={profile.photo_ref} target="_blank" rel="noreferrer">
                  {profile.photo_ref}
                </a>
              ) : (
                String(profile[k])
              )}
            </FactRow>
          ) : null,
        )}
        {profile.places.length > 0 && (
          <FactRow label="Places">
            <ul className="trk-plain">
              {profile.places.map((p, i) => (
                <li key={i}>
                  {p.name}
                  {p.note ? ` — ${p.note}` : ""}
                </li>
              ))}
            </ul>
          </FactRow>
        )}
        {profile.contacts.length > 0 && (
          <FactRow label="Contacts">
            <ul className="trk-plain">
              {profile.contacts.map((c, i) => (
                <li key={i}>
                  {c.name}
                  {c.relationship ? ` (${c.relationship})` : ""}
                  {c.phone ? ` · ${c.phone}` : ""}
                </li>
              ))}
            </ul>
          </FactRow>
        )}
      </dl>
      {updated && (
        <p className="muted small">
          Updated {formatLondon(updated)} by {profile.updated_by}
        </p>
      )}
    </>
  );
}

function FactRow({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function ProfilePanel({ deviceId }: { deviceId: number }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [editing, setEditing] = useState<MissingPersonProfile | null>(null);
  const [places, setPlaces] = useState("");
  const [contacts, setContacts] = useState("");
  const [saveError, setSaveError] = useState<string | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoad({ state: "loading" });
    setEditing(null);
    trackingApi
      .profile(deviceId, ctrl.signal)
      .then((profile) => setLoad({ state: "ok", profile }))
      .catch((e: unknown) => {
        if (ctrl.signal.aborted) return;
        if (e instanceof ApiError && e.status === 404) setLoad({ state: "none" });
        else if (e instanceof ApiError && e.status === 403) setLoad({ state: "denied", detail: e.message });
        else setLoad({ state: "error", detail: e instanceof Error ? e.message : String(e) });
      });
    return () => ctrl.abort();
  }, [deviceId]);

  const startEdit = (p: MissingPersonProfile) => {
    setEditing(p);
    setPlaces(placesToText(p.places));
    setContacts(contactsToText(p.contacts));
    setSaveError(null);
  };

  const save = async () => {
    if (!editing) return;
    try {
      const saved = await trackingApi.saveProfile(deviceId, { ...editing, places: textToPlaces(places), contacts: textToContacts(contacts) });
      setLoad({ state: "ok", profile: saved });
      setEditing(null);
    } catch (e) {
      setSaveError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <Panel title="Missing-person profile" className="trk-profile-panel">
      {load.state === "loading" && <p className="muted">Loading…</p>}
      {load.state === "denied" && <p className="muted">Visible to police and tracking managers only.</p>}
      {load.state === "error" && <p className="form-error">{load.detail}</p>}
      {load.state === "none" && !editing && (
        <p className="muted">
          No Herbert Protocol form yet.{" "}
          <button type="button" className="small" onClick={() => startEdit(emptyProfile())}>
            Create
          </button>
        </p>
      )}
      {load.state === "ok" && !editing && (
        <>
          <ProfileView profile={load.profile} />
          <button type="button" className="small" onClick={() => startEdit(load.profile)}>
            Edit profile
          </button>
        </>
      )}
      {editing && (
        <form
          className="trk-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {TEXT_FIELDS.map(([k, label]) => (
            <label key={k}>
              {label}
              <textarea rows={k === "preferred_name" || k === "photo_ref" ? 1 : 2} value={String(editing[k] ?? "")} onChange={(e) => setEditing({ ...editing, [k]: e.target.value })} />
            </label>
          ))}
          <label>
            Places of significance (one per line: name, note (lat, lon))
            <textarea rows={3} value={places} onChange={(e) => setPlaces(e.target.value)} />
          </label>
          <label>
            Contacts (one per line: name, relationship, phone)
            <textarea rows={3} value={contacts} onChange={(e) => setContacts(e.target.value)} />
          </label>
          {saveError && <p className="form-error">{saveError}</p>}
          <div className="trk-actions">
            <button type="submit">Save profile</button>
            <button type="button" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}
