/** Reserved for the evidence issue: holds, exhibits and verified export bundles. A plain clip link for now. */
import type { Camera } from "../api/types";
import { urls } from "../api/client";
import { Panel } from "../common/StateOverlay";

export function ExportPanel({ camera, at }: { camera: Camera; at: number | null }) {
  const start = at ?? Date.now() - 120_000;
  return (
    <Panel title="Export">
      <p className="muted small">Holds, exhibit numbers and signed evidence bundles arrive with the evidence issue.</p>
      <a className="button small" href={urls.clip(camera.id, new Date(start - 30_000), new Date(start + 30_000))} download>
        Download 1 min clip around this time
      </a>
    </Panel>
  );
}
