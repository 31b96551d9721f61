/** PTZ screen: a camera's live picture with joystick (drag or arrow keys), click-to-centre, presets, tours
 * and who has control. */
import { useRef, useState, type PointerEvent } from "react";
import { useCameras } from "../camera/cameras";
import { navigate } from "../common/router";
import { Panel, StateOverlay } from "../common/StateOverlay";
import { VideoTile } from "../player/VideoTile";
import { dragVelocity, pictureFraction, sameVelocity, STILL } from "./joystick";
import { PtzControls, useJoystickKeys } from "./PtzControls";
import { ptzApi } from "./ptzApi";
import type { Velocity } from "./types";
import { usePtz, type Ptz } from "./usePtz";

const DRAG_PX = 6; // further than this is a drag (joystick), not a click (centre here)

/** Over the video: a click centres that point; a drag steers like a stick from where it started. */
function PictureSurface({ cameraId, ptz }: { cameraId: string; ptz: Ptz }) {
  const start = useRef<{ x: number; y: number; dragging: boolean } | null>(null);
  const last = useRef<Velocity>(STILL);
  const send = (v: Velocity) => {
    if (!sameVelocity(v, last.current)) ptz.drive(v);
    last.current = v;
  };
  const down = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    start.current = { x: e.clientX, y: e.clientY, dragging: false };
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    if (!s) return;
    const dx = e.clientX - s.x;
    const dy = e.clientY - s.y;
    if (!s.dragging && Math.hypot(dx, dy) < DRAG_PX) return;
    s.dragging = true;
    send(dragVelocity(dx, dy, e.currentTarget.getBoundingClientRect().width / 4));
  };
  const up = (e: PointerEvent<HTMLDivElement>) => {
    const s = start.current;
    start.current = null;
    if (s?.dragging) {
      send(STILL);
      return;
    }
    const box = e.currentTarget.getBoundingClientRect();
    const video = e.currentTarget.parentElement?.querySelector("video");
    const aspect = video && video.videoWidth ? video.videoWidth / video.videoHeight : 16 / 9;
    const at = pictureFraction(e.clientX - box.left, e.clientY - box.top, box, aspect);
    if (at) void ptz.run(() => ptzApi.centre(cameraId, at.x, at.y));
  };
  return (
    <div
      className="ptz-surface"
      aria-label="Click to centre, drag to steer"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={() => send(STILL)}
    />
  );
}

function PtzScreen({ cameraId }: { cameraId: string }) {
  const { byId } = useCameras();
  const camera = byId.get(cameraId);
  const ptz = usePtz(cameraId);
  const [keys, setKeys] = useState(true);
  useJoystickKeys(ptz.drive, keys);
  if (!camera) return <StateOverlay state="loading" />;
  return (
    <div className="ptz-view">
      <div className="ptz-main">
        <div className="ptz-video">
          <VideoTile camera={camera} mode="live" />
          <PictureSurface cameraId={cameraId} ptz={ptz} />
        </div>
        <p className="muted small">
          Click the picture to centre it there; drag to steer. Arrow keys pan and tilt (shift: slowly), + and − zoom.
          <label className="inline ptz-keys">
            <input type="checkbox" checked={keys} onChange={(e) => setKeys(e.target.checked)} /> keyboard
          </label>
        </p>
      </div>
      <aside className="ptz-side">
        <Panel title={camera.name}>
          <PtzControls cameraId={cameraId} ptz={ptz} />
        </Panel>
      </aside>
    </div>
  );
}

export function PtzView({ cameraId }: { cameraId?: string }) {
  const { cameras, loading, error } = useCameras();
  const movable = cameras.filter((c) => c.ptz);
  if (error?.forbidden) return <StateOverlay state="denied" />;
  const chosen = cameraId ?? movable[0]?.id;
  if (!chosen) return <StateOverlay state={loading ? "loading" : "empty"} detail="No PTZ cameras are registered" />;
  return (
    <div className="ptz-page">
      <div className="ptz-toolbar">
        <label className="inline">
          PTZ camera
          <select aria-label="PTZ camera" value={chosen} onChange={(e) => navigate(`/ptz/${encodeURIComponent(e.target.value)}`)}>
            {movable.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <PtzScreen key={chosen} cameraId={chosen} />
    </div>
  );
}
