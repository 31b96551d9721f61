/**
 * The video wall: 1, 4, 9 or 16 tiles, cameras dragged in from the list (or the map). Live by default; in
 * synchronised playback every tile follows one timeline at one instant.
 */
import { useMemo, useRef, useState } from "react";
import type { Camera, GridSize } from "../api/types";
import { STATUS_LABEL, useCameras } from "../camera/cameras";
import { useKeys } from "../common/keys";
import { navigate } from "../common/router";
import { StateOverlay } from "../common/StateOverlay";
import { VideoTile } from "../player/VideoTile";
import { PlaybackBar } from "../timeline/PlaybackBar";
import { Timeline } from "../timeline/Timeline";
import { usePlayback } from "../timeline/usePlayback";
import { useTimelines } from "../timeline/useTimelines";
import { CameraList, DRAG_TYPE } from "./CameraList";
import { LayoutPicker } from "./LayoutPicker";
import { GRIDS, gridColumns, useWall, wall } from "./wallStore";

const TILE_DRAG = "application/x-citywatch-tile";

export function VideoWall() {
  const { byId, error, status, moving } = useCameras();
  const { grid, tiles } = useWall();
  const pb = usePlayback();
  const [over, setOver] = useState<number | null>(null);
  const pendingOne = useRef<number | null>(null);

  const visible = tiles.slice(0, grid);
  const onWall = useMemo(
    () => visible.filter((id): id is string => !!id && byId.has(id)).filter((id, i, a) => a.indexOf(id) === i),
    // deliberately keyed on these values only
    [visible.join(","), byId],
  );
  const timelines = useTimelines(pb.mode === "playback" ? onWall : [], pb.view);

  const setGrid = (g: GridSize) => wall.setGrid(g);
  useKeys({
    "1": () => {
      // "1" then "6" quickly means 16
      if (pendingOne.current !== null) window.clearTimeout(pendingOne.current);
      pendingOne.current = window.setTimeout(() => {
        pendingOne.current = null;
        setGrid(1);
      }, 350);
    },
    "6": () => {
      if (pendingOne.current !== null) {
        window.clearTimeout(pendingOne.current);
        pendingOne.current = null;
        setGrid(16);
      }
    },
    "4": () => setGrid(4),
    "9": () => setGrid(9),
  });

  if (error?.forbidden) return <StateOverlay state="denied" />;

  const drop = (index: number, e: React.DragEvent) => {
    e.preventDefault();
    setOver(null);
    const from = e.dataTransfer.getData(TILE_DRAG);
    if (from !== "") {
      wall.swap(Number(from), index);
      return;
    }
    const id = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData("text/plain");
    if (id && byId.has(id)) wall.setTile(index, id);
  };

  const cols = gridColumns(grid);
  let masterSet = false;

  return (
    <div className="wall-page">
      <aside className="wall-side" aria-label="Camera list">
        <CameraList onAdd={(id) => wall.add(id)} />
      </aside>
      <div className="wall-main">
        <div className="wall-toolbar" role="toolbar" aria-label="Wall">
          <div className="segmented" role="group" aria-label="Grid size">
            {GRIDS.map((g) => (
              <button key={g} type="button" aria-pressed={grid === g} className={grid === g ? "on" : ""} onClick={() => setGrid(g)} title={`${g} tiles (${g})`}>
                {g}
              </button>
            ))}
          </div>
          <div className="segmented" role="group" aria-label="Wall mode">
            <button type="button" aria-pressed={pb.mode === "live"} className={pb.mode === "live" ? "on" : ""} onClick={pb.goLive}>
              Live
            </button>
            <button
              type="button"
              aria-pressed={pb.mode === "playback"}
              className={pb.mode === "playback" ? "on" : ""}
              onClick={() => pb.mode === "live" && pb.seek(Date.now() - 5 * 60_000)}
            >
              Synchronised playback
            </button>
          </div>
          <span className="spacer" />
          <LayoutPicker mode={pb.mode} />
        </div>
        <div className="wall-grid" style={{ gridTemplateColumns: `repeat(${cols}, 1fr)`, gridTemplateRows: `repeat(${cols}, 1fr)` }} aria-label={`Video wall, ${grid} tiles`} role="region">
          {visible.map((id, i) => {
            const cam: Camera | undefined = id ? byId.get(id) : undefined;
            const master = !!cam && !masterSet && (masterSet = true);
            return (
              <div
                key={i}
                className={`wall-cell ${over === i ? "drop-over" : ""}`}
                data-index={i}
                role="group"
                aria-label={`Tile ${i + 1}${
                  cam ? `: ${cam.name}, ${STATUS_LABEL[status(cam)]}${moving.has(cam.id) ? ", motion now" : ""}` : " (empty)"
                }`}
                onDragOver={(e) => {
                  e.preventDefault();
                  setOver(i);
                }}
                onDragLeave={() => setOver((o) => (o === i ? null : o))}
                onDrop={(e) => drop(i, e)}
              >
                {cam ? (
                  <>
                    <div
                      className="cell-drag"
                      draggable
                      onDragStart={(e) => e.dataTransfer.setData(TILE_DRAG, String(i))}
                      onDoubleClick={() => navigate(`/camera/${encodeURIComponent(cam.id)}`)}
                    >
                      <VideoTile
                        key={`${cam.id}-${pb.mode}-${pb.mode === "playback" ? pb.startAt : 0}`}
                        ref={pb.register(`${i}:${cam.id}`)}
                        camera={cam}
                        mode={pb.mode}
                        startAt={pb.startAt}
                        compact={grid >= 9}
                        onWallTime={master ? pb.onMasterWallTime : undefined}
                      />
                    </div>
                    {pb.mode === "live" && moving.has(cam.id) && (
                      <span className="motion-badge" data-testid="motion-badge" title="The recorder sees motion on this camera now">
                        Motion
                      </span>
                    )}
                    <div className="cell-actions">
                      <button type="button" className="small" aria-label={`Open ${cam.name}`} onClick={() => navigate(`/camera/${encodeURIComponent(cam.id)}`)}>
                        ⤢
                      </button>
                      <button type="button" className="small" aria-label={`Remove ${cam.name} from tile ${i + 1}`} onClick={() => wall.setTile(i, null)}>
                        ×
                      </button>
                    </div>
                  </>
                ) : (
                  <div className="empty-cell">Drag a camera here</div>
                )}
              </div>
            );
          })}
        </div>
        {pb.mode === "playback" && (
          <div className="wall-timeline">
            <PlaybackBar pb={pb} timeline={onWall[0] ? timelines.get(onWall[0]) : undefined} />
            <Timeline
              rows={onWall.map((id) => ({ id, label: byId.get(id)?.name ?? id, data: timelines.get(id) }))}
              view={pb.view}
              onView={pb.setView}
              cursor={pb.cursor}
              onSeek={pb.seek}
            />
          </div>
        )}
        {pb.mode === "live" && <PlaybackBarLiveHint onPlayback={() => pb.seek(Date.now() - 5 * 60_000)} toggle={pb.toggleLive} />}
      </div>
    </div>
  );
}

function PlaybackBarLiveHint({ onPlayback, toggle }: { onPlayback: () => void; toggle: () => void }) {
  useKeys({ l: toggle });
  return (
    <div className="wall-hint muted small">
      Keys: 1 / 4 / 9 / 16 grid · L playback · double-click a tile for its timeline ·{" "}
      <button type="button" className="link" onClick={onPlayback}>
        play back the last 5 minutes together
      </button>
    </div>
  );
}
