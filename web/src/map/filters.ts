/**
 * Which cameras the map shows: by owning organisation and by camera group. The choice lives in the URL
 * (`#/map?org=3&group=7`) so that a filtered map can be bookmarked, shared and restored after a reload.
 */

/** A camera as the map filters see it; `organisation_id` is null for a camera nobody has been given. */
export interface Owned {
  id: string;
  organisation_id?: number | null;
}

export interface Organisation {
  id: number;
  name: string;
  kind: string;
}

export interface CameraGroup {
  id: number;
  organisation_id: number;
  name: string;
  camera_ids: number[];
}

/** `org`: an organisation id, "none" for cameras without an owner, or null for all; `group`: a group id or null. */
export interface MapFilter {
  org: string | null;
  group: number | null;
}

export const NO_OWNER = "none";

export function readFilter(params: URLSearchParams): MapFilter {
  const org = params.get("org");
  const group = Number(params.get("group"));
  return {
    org: org && (org === NO_OWNER || /^\d+$/.test(org)) ? org : null,
    group: params.get("group") && Number.isInteger(group) && group > 0 ? group : null,
  };
}

/** The map's hash for a filter, keeping any other parameters already there. */
export function filterHash(filter: MapFilter, params: URLSearchParams = new URLSearchParams()): string {
  const q = new URLSearchParams(params);
  q.delete("org");
  q.delete("group");
  if (filter.org !== null) q.set("org", filter.org);
  if (filter.group !== null) q.set("group", String(filter.group));
  const s = q.toString();
  return s ? `#/map?${s}` : "#/map";
}

export function applyFilter<C extends Owned>(cameras: C[], filter: MapFilter, groups: CameraGroup[]): C[] {
  const group = filter.group === null ? null : groups.find((g) => g.id === filter.group);
  const members = group ? new Set(group.camera_ids.map(String)) : null;
  return cameras.filter((c) => {
    if (filter.org === NO_OWNER ? c.organisation_id != null : filter.org !== null && String(c.organisation_id) !== filter.org)
      return false;
    // A group that does not exist (deleted, or not visible to this person) matches no camera.
    if (filter.group !== null && !members?.has(c.id)) return false;
    return true;
  });
}

/** Organisations that own at least one of `cameras`, by name; "No owner" last when some camera has none. */
export function organisationChoices(cameras: Owned[], organisations: Organisation[]): { value: string; label: string }[] {
  const owning = new Set(cameras.map((c) => c.organisation_id).filter((x): x is number => x != null));
  const named = new Map(organisations.map((o) => [o.id, o.name]));
  const out = [...owning]
    .map((id) => ({ value: String(id), label: named.get(id) ?? `Organisation ${id}` }))
    .sort((a, b) => a.label.localeCompare(b.label, "en-GB"));
  if (cameras.some((c) => c.organisation_id == null)) out.push({ value: NO_OWNER, label: "No owner" });
  return out;
}

/** Groups to offer: those of the chosen organisation (every group when none is chosen), by name. */
export function groupChoices(groups: CameraGroup[], org: string | null): CameraGroup[] {
  const wanted = org === null ? groups : groups.filter((g) => String(g.organisation_id) === org);
  return [...wanted].sort((a, b) => a.name.localeCompare(b.name, "en-GB"));
}
