/** Reserved for the PTZ issue: pan/tilt/zoom, presets and "controlled by …" locking. */
import type { Camera } from "../api/types";
import { Panel } from "../common/StateOverlay";

export function PtzPanel({ camera }: { camera: Camera }) {
  return (
    <Panel title="PTZ">
      {camera.ptz ? (
        <>
          <div className="ptz-pad" aria-hidden="true">
            <button type="button" disabled>▲</button>
            <button type="button" disabled>◀</button>
            <button type="button" disabled>●</button>
            <button type="button" disabled>▶</button>
            <button type="button" disabled>▼</button>
          </div>
          <p className="muted small">Pan, tilt, zoom, presets and control locking arrive with the PTZ issue.</p>
        </>
      ) : (
        <p className="muted small">This camera is fixed.</p>
      )}
    </Panel>
  );
}
