/** One camera: the video, its timeline scrubber and transport controls, details and places for later tools. */
import { useMemo } from "react";
import { urls } from "../api/client";
import { JustifiedLink } from "../auth/Justification";
import { ViewedBy } from "../auth/ViewedBy";
import { StateOverlay, Panel } from "../common/StateOverlay";
import { formatLondon, parseIso } from "../common/time";
import { navigate } from "../common/router";
import { VideoTile } from "../player/VideoTile";
import { PtzPanel } from "../ptz/PtzPanel";
import { ExportPanel } from "../evidence/ExportPanel";
import { PlaybackBar } from "../timeline/PlaybackBar";
import { Timeline } from "../timeline/Timeline";
import { usePlayback } from "../timeline/usePlayback";
import { useTimelines } from "../timeline/useTimelines";
import { STATUS_LABEL, useCameras } from "./cameras";

export function CameraView({ cameraId, at }: { cameraId: string | undefined; at: number | null }) {
  const { cameras, byId, loading, error, status } = useCameras();
  const camera = cameraId ? byId.get(cameraId) : cameras[0];
  const pb = usePlayback(at ? { mode: "playback", at } : undefined);
  const ids = useMemo(() => (camera ? [camera.id] : []), [camera]);
  const timelines = useTimelines(ids, pb.view);

  if (error?.forbidden) return <StateOverlay state="denied" />;
  if (!camera) {
    if (loading) return <StateOverlay state="loading" />;
    return <StateOverlay state="empty" detail={cameraId ? `No camera ${cameraId}` : "No cameras are registered"} />;
  }
  const tl = timelines.get(camera.id);
  const s = status(camera);

  return (
    <div className="camera-view">
      <div className="camera-main">
        <div className="camera-header">
          <label className="inline">
            Camera
            <select aria-label="Camera" value={camera.id} onChange={(e) => navigate(`/camera/${encodeURIComponent(e.target.value)}`)}>
              {cameras.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <span className={`pill status-${s}`}>{STATUS_LABEL[s]}</span>
          {camera.status?.fps ? <span className="muted">{camera.status.fps.toFixed(0)} fps</span> : null}
          {camera.status?.bitrate_kbps ? <span className="muted">{Math.round(camera.status.bitrate_kbps)} kbit/s</span> : null}
          <ViewedBy cameraId={camera.id} />
          <span className="spacer" />
          <JustifiedLink className="button small" cameraId={camera.id} href={urls.snapshot(camera.id, pb.cursor ? new Date(pb.cursor) : undefined)}>
            Snapshot
          </JustifiedLink>
        </div>
        <div className="camera-video">
          <VideoTile
            key={`${camera.id}-${pb.mode}-${pb.mode === "playback" ? pb.startAt : 0}`}
            ref={pb.register(camera.id)}
            camera={camera}
            mode={pb.mode}
            startAt={pb.startAt}
            onWallTime={pb.onMasterWallTime}
          />
        </div>
        <PlaybackBar pb={pb} timeline={tl} />
        <Timeline rows={[{ id: camera.id, label: camera.name, data: tl }]} view={pb.view} onView={pb.setView} cursor={pb.cursor} onSeek={pb.seek} />
      </div>
      <aside className="camera-side">
        <Panel title="Camera">
          <dl className="facts">
            <dt>ID</dt>
            <dd>{camera.id}</dd>
            <dt>Status</dt>
            <dd>
              {STATUS_LABEL[s]}
              {camera.status?.since ? ` since ${formatLondon(parseIso(camera.status.since) ?? 0)}` : ""}
            </dd>
            {camera.status?.error && (
              <>
                <dt>Error</dt>
                <dd>{camera.status.error}</dd>
              </>
            )}
            <dt>Position</dt>
            <dd>
              {camera.latitude != null && camera.longitude != null
                ? `${camera.latitude.toFixed(5)}, ${camera.longitude.toFixed(5)}`
                : "not set"}
            </dd>
            <dt>View</dt>
            <dd>
              {camera.bearing_deg ?? "?"}° bearing, {camera.fov_deg ?? "?"}° wide, {camera.range_m ?? "?"} m
            </dd>
            <dt>Retention</dt>
            <dd>{camera.retention_days ?? "?"} days</dd>
            {camera.motion !== undefined && (
              <>
                <dt>Motion</dt>
                <dd>
                  {!camera.motion
                    ? "not analysed"
                    : camera.status?.motion_since
                      ? `now, since ${formatLondon(parseIso(camera.status.motion_since) ?? 0)}`
                      : "none now"}
                  {camera.motion && camera.motion_min_area != null ? ` (at ${camera.motion_min_area * 100} % of the picture)` : ""}
                </dd>
              </>
            )}
          </dl>
        </Panel>
        <PtzPanel camera={camera} />
        <ExportPanel camera={camera} at={pb.cursor} />
        <Panel title="Keyboard">
          <p className="muted small">
            Space play/pause · ←/→ 10 s (shift 1 min) · ↑/↓ zoom · , . frame · &lt; &gt; speed · G go to · L live
          </p>
        </Panel>
      </aside>
    </div>
  );
}
