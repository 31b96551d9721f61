/** The map's toolbar: organisation and group filters (kept in the URL), the count shown, and the status legend. */
import { useEffect, useState } from "react";
import { apiRequest } from "../api/client";
import { STATUS_LABEL, type DisplayStatus } from "../camera/cameras";
import type { CameraGroup, MapFilter, Organisation } from "./filters";
import { groupChoices, organisationChoices, type Owned } from "./filters";
import { STATUS_COLOUR } from "./fov";

const LEGEND: DisplayStatus[] = ["recording", "connecting", "offline", "stopped", "alarm", "disabled"];

/** Organisations and camera groups for the filters; either list is empty when the server refuses it. */
export function useDirectory(): { organisations: Organisation[]; groups: CameraGroup[] } {
  const [organisations, setOrganisations] = useState<Organisation[]>([]);
  const [groups, setGroups] = useState<CameraGroup[]>([]);
  useEffect(() => {
    const ctl = new AbortController();
    const quiet = () => undefined; // without the list, that filter offers nothing; the map itself still works
    apiRequest<Organisation[]>("GET", "/organisations", undefined, ctl.signal).then(setOrganisations, quiet);
    apiRequest<CameraGroup[]>("GET", "/groups", undefined, ctl.signal).then(setGroups, quiet);
    return () => ctl.abort();
  }, []);
  return { organisations, groups };
}

export function MapFilters(props: {
  cameras: Owned[];
  shown: number;
  organisations: Organisation[];
  groups: CameraGroup[];
  filter: MapFilter;
  onChange: (f: MapFilter) => void;
  note: string;
}) {
  const { filter, onChange } = props;
  const orgs = organisationChoices(props.cameras, props.organisations);
  const groups = groupChoices(props.groups, filter.org);
  // A filter from the URL that no longer exists still shows as chosen, so that the empty result makes sense.
  if (filter.org !== null && !orgs.some((o) => o.value === filter.org)) {
    const known = props.organisations.find((o) => String(o.id) === filter.org);
    orgs.push({ value: filter.org, label: known ? `${known.name} (no cameras)` : `Organisation ${filter.org}` });
  }
  const unknownGroup = filter.group !== null && !groups.some((g) => g.id === filter.group);
  return (
    <div className="map-toolbar" role="toolbar" aria-label="Map filters">
      <label className="inline">
        Organisation
        <select
          aria-label="Filter by organisation"
          value={filter.org ?? ""}
          onChange={(e) => onChange({ org: e.target.value || null, group: null })}
        >
          <option value="">All</option>
          {orgs.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        Group
        <select
          aria-label="Filter by group"
          value={filter.group ?? ""}
          onChange={(e) => onChange({ ...filter, group: e.target.value ? Number(e.target.value) : null })}
          disabled={groups.length === 0 && filter.group === null}
        >
          <option value="">All</option>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
          {unknownGroup && <option value={filter.group ?? ""}>Group {filter.group} (not available)</option>}
        </select>
      </label>
      <span className="muted small map-count" aria-live="polite">
        {props.shown} of {props.cameras.length} cameras{props.note}
      </span>
      <span className="spacer" />
      <ul className="legend map-legend" aria-label="Legend: marker colour by camera status">
        {LEGEND.map((s) => (
          <li key={s}>
            <span className="status-dot" style={{ background: STATUS_COLOUR[s] }} aria-hidden="true" /> {STATUS_LABEL[s]}
          </li>
        ))}
      </ul>
    </div>
  );
}
