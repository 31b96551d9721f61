import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ExhibitList } from "./Exhibits";
import type { Exhibit, ExportJob } from "./types";

const MASTER_SHA = "ab".repeat(32);

const master: Exhibit = {
  id: "a1b2c3d4-001",
  kind: "master",
  camera_id: 3,
  path: "media/camera-3_20261025T013000Z.mp4",
  sha256: MASTER_SHA,
  size_bytes: 81_000_000,
  start: "2026-10-25T01:30:00Z",
  end: "2026-10-25T01:31:00Z",
  derived_from: null,
  steps: [],
};

const base: Omit<ExportJob, "id" | "exhibits" | "state"> = {
  progress: 1,
  error: "",
  camera_ids: [3],
  start: master.start,
  end: master.end,
  justification: "CAD 4411",
  reference: "CRIS 0101234/26",
  case_id: null,
  created_by: "dc.jones",
  created: "2026-10-25T02:00:00Z",
  finished: "2026-10-25T02:00:05Z",
  manifest_sha256: "22".repeat(32),
};

const source: ExportJob = { ...base, id: "a1b2c3d4-0000", state: "done", exhibits: [master] };
const derived: ExportJob = {
  ...base,
  id: "e5f6a7b8-0000",
  state: "done",
  exhibits: [
    {
      ...master,
      id: "e5f6a7b8-001",
      kind: "working_copy",
      sha256: "cd".repeat(32),
      path: "derived/camera-3_20261025T013000Z_working-copy.mp4",
      derived_from: MASTER_SHA,
      steps: [
        { step: "decode", tool: "PyAV" },
        { step: "burn_in_time", zones: ["UTC", "Europe/London"] },
        { step: "redact", boxes_px: [{ x: 8, y: 8, width: 32, height: 16 }] },
        { step: "encode", codec: "libx264", crf: 23, preset: "veryfast" },
      ],
    },
  ],
};

describe("ExhibitList", () => {
  it("offers a working copy of a finished export's master", () => {
    const html = renderToStaticMarkup(<ExhibitList job={source} jobs={[source, derived]} onChange={() => undefined} />);
    expect(html).toContain('data-kind="master"');
    expect(html).toContain("Make working copy…");
    expect(html).toContain("81 MB");
  });
  it("lists a working copy with the master it derives from and its steps, and no button", () => {
    const html = renderToStaticMarkup(<ExhibitList job={derived} jobs={[source, derived]} onChange={() => undefined} />);
    expect(html).toContain(`data-derived-from="${MASTER_SHA}"`);
    expect(html).toContain(`<code title="${MASTER_SHA}">${MASTER_SHA}</code>`);
    expect(html).toContain("(exhibit a1b2c3d4-001 of CRIS 0101234/26)");
    expect(html.match(/<li>/g)).toHaveLength(4);
    expect(html).toContain("<li>redact: 1 box</li>");
    expect(html).not.toContain("Make working copy");
  });
  it("does not offer one while the export is still running", () => {
    const html = renderToStaticMarkup(
      <ExhibitList job={{ ...source, state: "running" }} jobs={[source]} onChange={() => undefined} />,
    );
    expect(html).not.toContain("Make working copy");
  });
});
