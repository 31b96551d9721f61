import { describe, expect, it } from "vitest";
import { applyFilter, filterHash, groupChoices, organisationChoices, readFilter, type CameraGroup } from "./filters";

const cams = [
  { id: "1", organisation_id: 1 },
  { id: "2", organisation_id: 1 },
  { id: "3", organisation_id: 2 },
  { id: "4", organisation_id: null },
];
const groups: CameraGroup[] = [
  { id: 7, organisation_id: 1, name: "Town centre", camera_ids: [2] },
  { id: 8, organisation_id: 2, name: "Car parks", camera_ids: [3] },
];
const ids = (f: Parameters<typeof applyFilter>[1]) => applyFilter(cams, f, groups).map((c) => c.id);

describe("map filters", () => {
  it("filters by organisation, by group, by both, and by no owner", () => {
    expect(ids({ org: null, group: null })).toEqual(["1", "2", "3", "4"]);
    expect(ids({ org: "1", group: null })).toEqual(["1", "2"]);
    expect(ids({ org: null, group: 8 })).toEqual(["3"]);
    expect(ids({ org: "1", group: 7 })).toEqual(["2"]);
    expect(ids({ org: "none", group: null })).toEqual(["4"]);
  });

  it("leaves nothing when the filters contradict or the group is unknown", () => {
    expect(ids({ org: "1", group: 8 })).toEqual([]);
    expect(ids({ org: null, group: 99 })).toEqual([]);
  });

  it("round-trips through the URL and ignores junk", () => {
    const f = readFilter(new URLSearchParams("org=2&group=8"));
    expect(f).toEqual({ org: "2", group: 8 });
    expect(filterHash(f)).toBe("#/map?org=2&group=8");
    expect(filterHash({ org: null, group: null }, new URLSearchParams("org=1&x=y"))).toBe("#/map?x=y");
    expect(readFilter(new URLSearchParams("org=abc&group=-3"))).toEqual({ org: null, group: null });
  });

  it("offers owning organisations by name, then no owner, and the chosen organisation's groups", () => {
    const orgs = [
      { id: 1, name: "Council", kind: "council" },
      { id: 2, name: "Acme Retail", kind: "partner" },
      { id: 3, name: "Unused", kind: "partner" },
    ];
    expect(organisationChoices(cams, orgs).map((o) => o.label)).toEqual(["Acme Retail", "Council", "No owner"]);
    expect(groupChoices(groups, "2").map((g) => g.name)).toEqual(["Car parks"]);
    expect(groupChoices(groups, null).map((g) => g.name)).toEqual(["Car parks", "Town centre"]);
  });
});
