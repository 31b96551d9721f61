/** Pieces of the tracking screens: the alert queue, the device list, the camera passes. */
import { formatDuration, formatLondon, parseIso } from "../common/time";
import type { CameraPass, TrackAlert, TrackDevice } from "./api";
import { deviceKind, isOpen, KIND_COLOUR, KIND_LABEL, passLabel, PRIORITY_LABEL } from "./model";

export function AlertRow({
  alert,
  selected,
  onSelect,
  onAcknowledge,
  onShare,
  onHandle,
  onCallUp,
}: {
  alert: TrackAlert;
  selected: boolean;
  onSelect: (a: TrackAlert) => void;
  onAcknowledge?: (a: TrackAlert) => void;
  onShare?: (a: TrackAlert) => void;
  onHandle?: (a: TrackAlert, step: "assign" | "escalate" | "close") => void;
  onCallUp?: (a: TrackAlert) => void;
}) {
  const raised = parseIso(alert.raised);
  return (
    <li className={`trk-alert trk-p${alert.priority} trk-state-${alert.state}${selected ? " trk-selected" : ""}`} data-alert-id={alert.id}>
      <button type="button" className="trk-alert-main" onClick={() => onSelect(alert)} aria-pressed={selected}>
        <span className="trk-alert-head">
          <span className="pill trk-priority">{PRIORITY_LABEL[alert.priority] ?? `P${alert.priority}`}</span>
          <strong>{KIND_LABEL[alert.kind] ?? alert.kind}</strong>
          <span className="spacer" />
          <time dateTime={alert.raised} className="trk-time">
            {raised ? formatLondon(raised) : alert.raised}
          </time>
        </span>
        <span className="trk-alert-device">
          {alert.device_name}
          {alert.covert ? " · covert" : ""} · {alert.state}
        </span>
        <span className="trk-alert-message">{alert.message}</span>
      </button>
      {alert.assigned_to && <span className="trk-alert-device">Assigned to {alert.assigned_to}</span>}
      {alert.outcome && <span className="trk-alert-device">Closed: {alert.outcome}</span>}
      {isOpen(alert) && (onAcknowledge || onShare || onHandle || onCallUp) && (
        <span className="trk-actions">
          {alert.state === "new" && onAcknowledge && (
            <button type="button" className="small" onClick={() => onAcknowledge(alert)}>
              Acknowledge
            </button>
          )}
          {onHandle && (
            <>
              <button type="button" className="small" onClick={() => onHandle(alert, "assign")}>
                Assign
              </button>
              {alert.state !== "escalated" && (
                <button type="button" className="small" onClick={() => onHandle(alert, "escalate")}>
                  Escalate
                </button>
              )}
              <button type="button" className="small" onClick={() => onHandle(alert, "close")}>
                Close
              </button>
            </>
          )}
          {onCallUp && alert.latitude !== null && alert.longitude !== null && (
            <button type="button" className="small" onClick={() => onCallUp(alert)}>
              Call up cameras
            </button>
          )}
          {onShare && (
            <button type="button" className="small" onClick={() => onShare(alert)}>
              Share with police
            </button>
          )}
        </span>
      )}
    </li>
  );
}

export function DeviceRow({ device, selected, onSelect, now }: { device: TrackDevice; selected: boolean; onSelect: (id: number) => void; now: number }) {
  const kind = deviceKind(device);
  const seen = parseIso(device.last_seen);
  const battery = device.last_position?.battery_pct;
  return (
    <li>
      <button type="button" className={`trk-device${selected ? " trk-selected" : ""}`} aria-pressed={selected} onClick={() => onSelect(device.id)} data-device-id={device.id}>
        <span className="trk-swatch" style={{ background: KIND_COLOUR[kind] }} aria-hidden="true" />
        <span className="trk-device-name">{device.name}</span>
        <span className={`pill trk-kind-${kind}`}>{kind === "patient" ? "safe-zone patient" : kind === "covert" ? "covert asset" : device.profile}</span>
        <span className={`trk-status trk-status-${device.status}`}>
          {device.status === "never_seen" ? "never seen" : device.status}
          {seen ? ` · ${formatDuration(now - seen)} ago` : ""}
          {battery != null ? ` · ${Math.round(battery)} %` : ""}
          {device.open_alerts ? ` · ${device.open_alerts} open` : ""}
        </span>
      </button>
    </li>
  );
}

export function PassList({ passes, now }: { passes: CameraPass[]; now: number }) {
  if (passes.length === 0) return <p className="muted">The trail crossed no camera's field of view in this window.</p>;
  return (
    <ol className="trk-passes" aria-label="Camera passes">
      {passes.map((p) => (
        <li key={`${p.camera_id}-${p.start}`}>
          <a href={p.link} className="trk-pass-link" title={`Footage of ${p.camera_name} from ${formatLondon(parseIso(p.start) ?? 0)}`}>
            ▶ {p.camera_name}
          </a>
          <span className="trk-time">{passLabel(p, now)}</span>
          <span className="muted small">{Math.round(p.closest_m)} m</span>
        </li>
      ))}
    </ol>
  );
}
