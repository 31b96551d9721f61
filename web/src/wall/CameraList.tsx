/** A searchable list of cameras to drag onto the wall (or add with Enter / the + button). */
import { useMemo, useState } from "react";
import { STATUS_LABEL, useCameras } from "../camera/cameras";

export const DRAG_TYPE = "application/x-citywatch-camera";

export function CameraList({ onAdd }: { onAdd: (id: string) => void }) {
  const { cameras, status, loading } = useCameras();
  const [q, setQ] = useState("");
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    return cameras.filter(
      (c) => !needle || c.name.toLowerCase().includes(needle) || c.id.toLowerCase().includes(needle) || (c.organisation ?? "").toLowerCase().includes(needle),
    );
  }, [cameras, q]);

  return (
    <div className="camera-list">
      <input type="search" aria-label="Search cameras" placeholder="Search cameras…" value={q} onChange={(e) => setQ(e.target.value)} />
      {loading && <p className="muted small">Loading cameras…</p>}
      <ul aria-label="Cameras">
        {shown.map((c) => {
          const s = status(c);
          return (
            <li
              key={c.id}
              draggable
              data-camera-id={c.id}
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, c.id);
                e.dataTransfer.setData("text/plain", c.id);
                e.dataTransfer.effectAllowed = "copy";
              }}
            >
              <span className={`status-dot status-${s}`} title={STATUS_LABEL[s]} />
              <span className="cam-name">{c.name}</span>
              <button type="button" className="small" aria-label={`Add ${c.name} to wall`} onClick={() => onAdd(c.id)}>
                +
              </button>
            </li>
          );
        })}
        {!loading && shown.length === 0 && <li className="muted small">No cameras match.</li>}
      </ul>
    </div>
  );
}
