/** Working copies made after the fact: redaction boxes typed by the user, and the steps a copy records. */
import type { Exhibit, ExportJob, Redaction } from "./types";

/** Boxes as "x,y,width,height" in the master's pixels, separated by ";" (empty text: no boxes). */
export function parseBoxes(text: string): { boxes: Redaction[] } | { error: string } {
  const boxes: Redaction[] = [];
  for (const raw of text.split(";")) {
    const item = raw.trim();
    if (!item) continue;
    const n = item.split(",").map((v) => v.trim());
    if (n.length !== 4 || n.some((v) => !/^\d+$/.test(v))) {
      return { error: `"${item}" is not x,y,width,height in whole pixels` };
    }
    const [x, y, width, height] = n.map(Number);
    if (width <= 0 || height <= 0) return { error: `"${item}" needs a width and height above 0` };
    boxes.push({ x, y, width, height });
  }
  return { boxes };
}

/** One recorded step in words, e.g. "redact: 2 boxes", "encode: libx264 crf 23 veryfast". */
export function stepText(step: Record<string, unknown>): string {
  const name = String(step.step ?? "step");
  switch (name) {
    case "decode":
      return `decode: ${String(step.tool ?? "")}`.trim();
    case "burn_in_time":
      return `burn in time: ${Array.isArray(step.zones) ? step.zones.join(" + ") : ""}`.trim();
    case "redact": {
      const boxes = Array.isArray(step.boxes_px) ? step.boxes_px.length : 0;
      return `redact: ${boxes} box${boxes === 1 ? "" : "es"}`;
    }
    case "encode":
      return `encode: ${[step.codec, step.crf !== undefined ? `crf ${String(step.crf)}` : "", step.preset]
        .filter(Boolean)
        .join(" ")}`;
    default:
      return name;
  }
}

/** Whether a working copy can be made from this exhibit now (a master of a finished export). */
export const canDerive = (job: ExportJob, exhibit: Exhibit) => job.state === "done" && exhibit.kind === "master";

/** The master (in any listed export) a working copy was derived from, matched by SHA-256. */
export function masterOf(copy: Exhibit, jobs: ExportJob[]): { job: ExportJob; exhibit: Exhibit } | null {
  if (!copy.derived_from) return null;
  for (const job of jobs) {
    const exhibit = job.exhibits.find((e) => e.kind === "master" && e.sha256 === copy.derived_from);
    if (exhibit) return { job, exhibit };
  }
  return null;
}
