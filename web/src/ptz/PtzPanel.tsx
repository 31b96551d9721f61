/** The camera view's PTZ panel: who has control, joystick, zoom, presets and tours. */
import type { Camera } from "../api/types";
import { Panel } from "../common/StateOverlay";
import { PtzControls } from "./PtzControls";
import { usePtz } from "./usePtz";

function LivePtz({ camera }: { camera: Camera }) {
  const ptz = usePtz(camera.id);
  return (
    <>
      <PtzControls cameraId={camera.id} ptz={ptz} compact />
      <a className="small" href={`#/ptz/${encodeURIComponent(camera.id)}`}>
        Open the PTZ screen (keyboard, click-to-centre)
      </a>
    </>
  );
}

export function PtzPanel({ camera }: { camera: Camera }) {
  return (
    <Panel title="PTZ">
      {camera.ptz ? <LivePtz key={camera.id} camera={camera} /> : <p className="muted small">This camera is fixed.</p>}
    </Panel>
  );
}
