/**
 * The tracking screen: safe-zone patients and covert assets on the map, the alert queue (acknowledge, share with
 * police), the selected device's trail with search rings, the cameras it passed (one click to the footage) and the
 * missing-person profile. New alerts are pushed over a WebSocket (priority 1 chimes); the lists also poll, faster
 * while the push channel is down. Alerts are assigned, escalated and closed here, and any alert with a position
 * can call up the nearest PTZ cameras. `#/tracking/shared/<token>` is the police hand-off view.
 */
import { useCallback, useMemo, useState } from "react";
import { useRoute } from "../common/router";
import { Panel, StateOverlay } from "../common/StateOverlay";
import { formatLondon, parseIso } from "../common/time";
import { trackingApi, type Share, type TrackAlert } from "./api";
import { chime, useLiveAlerts } from "./liveAlerts";
import { usePassedCameras, useTileUrl } from "./hooks";
import { describeCallup, mergeAlerts, needsSearch, sortAlerts, trailWindow } from "./model";
import { AlertRow, DeviceRow, PassList } from "./parts";
import { ProfilePanel } from "./ProfilePanel";
import { SharedTrailView } from "./SharedTrailView";
import { TrackingMap } from "./TrackingMap";
import { usePoll } from "./usePoll";

const POLL_MS = 4000;
const LIVE_POLL_MS = 15_000; // while alerts are pushed, polling only refreshes states and positions

const HANDLE_PROMPT = {
  assign: "Assign to (person or team):",
  escalate: "Why escalate (e.g. passed to police, CAD number)?",
  close: "Outcome (e.g. found safe in the café):",
} as const;
const WINDOWS_H = [1, 6, 24];

export function TrackingView() {
  const { path } = useRoute();
  if (path[1] === "shared" && path[2]) return <SharedTrailView token={path[2]} />;
  return <ControlRoomTracking />;
}

function ControlRoomTracking() {
  const [selected, setSelected] = useState<number | null>(null);
  const [alertId, setAlertId] = useState<number | null>(null);
  const [hours, setHours] = useState(1);
  const [share, setShare] = useState<(Share & { alertId: number }) | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const tileUrl = useTileUrl();

  const [pushed, setPushed] = useState<TrackAlert[]>([]);
  const [callup, setCallup] = useState<string | null>(null);
  const live = useLiveAlerts(
    useCallback((a: TrackAlert) => {
      setPushed((p) => [a, ...p.filter((x) => x.id !== a.id)].slice(0, 50));
      if (a.priority === 1) chime();
    }, []),
  );
  const pollMs = live ? LIVE_POLL_MS : POLL_MS;
  const devices = usePoll((s) => trackingApi.devices(s), pollMs, []);
  const polled = usePoll((s) => trackingApi.alerts(s), pollMs, []);
  // Pushed alerts show at once; the next poll's copy (with its current state) replaces them.
  const alerts = useMemo(() => ({ ...polled, data: mergeAlerts(polled.data, pushed) }), [polled, pushed]);
  const zones = usePoll((s) => trackingApi.zones(s), 60_000, []);
  const sorted = useMemo(() => sortAlerts(alerts.data ?? []), [alerts.data]);
  const alert = sorted.find((a) => a.id === alertId) ?? null;
  const device = devices.data?.find((d) => d.id === selected) ?? null;

  const trail = usePoll(
    async (signal) => {
      if (selected === null) return { positions: [], passes: [] };
      const t = Date.now();
      setNow(t);
      const w = trailWindow(t, hours, alert && alert.device_id === selected ? alert : null);
      const [positions, passes] = await Promise.all([
        trackingApi.positions(selected, w.start, w.end, signal),
        trackingApi.cameraPasses(selected, w.start, w.end, signal),
      ]);
      return { positions, passes };
    },
    POLL_MS,
    [selected, hours, alertId],
  );
  const passedCameras = usePassedCameras(trail.data?.passes ?? null);

  const selectAlert = useCallback((a: TrackAlert) => {
    setAlertId(a.id);
    setSelected(a.device_id);
  }, []);
  const selectDevice = useCallback((id: number) => {
    setSelected(id);
    setAlertId(null);
  }, []);

  const acknowledge = async (a: TrackAlert) => {
    setActionError(null);
    try {
      await trackingApi.acknowledge(a.id);
      alerts.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };
  const handle = async (a: TrackAlert, step: "assign" | "escalate" | "close") => {
    const text = window.prompt(HANDLE_PROMPT[step])?.trim();
    if (!text) return;
    setActionError(null);
    try {
      if (step === "assign") await trackingApi.assign(a.id, text);
      else if (step === "escalate") await trackingApi.escalate(a.id, text);
      else await trackingApi.close(a.id, text);
      alerts.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };
  const callUp = async (a: TrackAlert) => {
    if (a.latitude === null || a.longitude === null) return;
    setActionError(null);
    setCallup(null);
    try {
      setCallup(describeCallup(await trackingApi.callUp(a.latitude, a.longitude)));
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };
  const shareAlert = async (a: TrackAlert) => {
    setActionError(null);
    try {
      setShare({ ...(await trackingApi.share(a.id)), alertId: a.id });
      alerts.reload();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    }
  };

  if (devices.error?.forbidden || alerts.error?.forbidden) return <StateOverlay state="denied" detail={devices.error?.message ?? alerts.error?.message} />;
  if (!devices.data && !devices.error) return <StateOverlay state="loading" />;

  const last = device?.last_position;
  const searchFrom: [number, number] | null = needsSearch(alert) && last ? [last.latitude, last.longitude] : null;
  const shareUrl = share ? new URL(share.url, window.location.href.split("#")[0]).toString() : null;

  return (
    <div className="trk-page">
      <aside className="trk-side" aria-label="Alerts and devices">
        <Panel title={`Alerts (${sorted.filter((a) => a.state === "new").length} new)`}>
          <p className="muted trk-live" data-live={live ? "push" : "poll"}>
            {live ? "Live: new alerts appear at once" : "Checking for alerts every few seconds"}
          </p>
          {alerts.error && <p className="form-error">{alerts.error.message}</p>}
          {callup && (
            <p className="muted" role="status" aria-label="Call-up result">
              {callup}
            </p>
          )}
          {actionError && (
            <p className="form-error" role="alert">
              {actionError}
            </p>
          )}
          {sorted.length === 0 ? (
            <p className="muted">No open or recent tracking alerts.</p>
          ) : (
            <ul className="trk-list" aria-label="Tracking alerts">
              {sorted.map((a) => (
                <AlertRow key={a.id} alert={a} selected={a.id === alertId} onSelect={selectAlert} onAcknowledge={(x) => void acknowledge(x)}
                  onShare={(x) => void shareAlert(x)}
                  onHandle={(x, step) => void handle(x, step)}
                  onCallUp={(x) => void callUp(x)}
                />
              ))}
            </ul>
          )}
        </Panel>
        <Panel title="Devices">
          {devices.error && <p className="form-error">{devices.error.message}</p>}
          <ul className="trk-list" aria-label="Tracked devices">
            {(devices.data ?? []).map((d) => (
              <DeviceRow key={d.id} device={d} selected={d.id === selected} onSelect={selectDevice} now={now} />
            ))}
          </ul>
        </Panel>
      </aside>
      <div className="trk-main">
        <TrackingMap
          devices={devices.data ?? []}
          zones={zones.data ?? []}
          trail={trail.data?.positions ?? []}
          selected={selected}
          searchFrom={searchFrom}
          passedCameras={passedCameras}
          tileUrl={tileUrl}
          onSelect={selectDevice}
          label="Map of tracked devices and safe zones"
        />
      </div>
      <aside className="trk-detail" aria-label="Selected device">
        {!device ? (
          <p className="muted">Select an alert or a device to see its trail, the cameras it passed and its profile.</p>
        ) : (
          <>
            <Panel title={device.name}>
              <dl className="facts">
                <dt>Last fix</dt>
                <dd className="trk-time">{last ? formatLondon(parseIso(last.fix_time) ?? 0) : "none yet"}</dd>
                <dt>Status</dt>
                <dd>{device.status.replace("_", " ")}</dd>
                <dt>Tracker</dt>
                <dd>
                  {device.protocol} · {device.identifier}
                </dd>
              </dl>
              <div className="segmented trk-window" role="group" aria-label="Trail window">
                {alert && alert.device_id === device.id && (
                  <button type="button" className="small on" aria-pressed="true">
                    Around alert
                  </button>
                )}
                {WINDOWS_H.map((h) => (
                  <button
                    key={h}
                    type="button"
                    className={`small${!alert && hours === h ? " on" : ""}`}
                    aria-pressed={!alert && hours === h}
                    onClick={() => {
                      setHours(h);
                      setAlertId(null);
                    }}
                  >
                    Last {h} h
                  </button>
                ))}
              </div>
              <p className="muted small">{trail.data ? `${trail.data.positions.length} fixes in the trail` : "Loading trail…"}</p>
            </Panel>
            <Panel title="Cameras passed">
              {trail.error && <p className="form-error">{trail.error.message}</p>}
              {trail.data && <PassList passes={trail.data.passes} now={now} />}
            </Panel>
            {share && alert && share.alertId === alert.id && shareUrl && (
              <Panel title="Shared with police">
                <p className="small">
                  Read-only link, expires {formatLondon(parseIso(share.expires) ?? 0)}:
                </p>
                <input className="trk-share-url" readOnly value={shareUrl} aria-label="Hand-off link" onFocus={(e) => e.currentTarget.select()} />
                <div className="trk-actions">
                  <button type="button" className="small" onClick={() => void navigator.clipboard?.writeText(shareUrl)}>
                    Copy link
                  </button>
                  <a className="small" href={share.url} target="_blank" rel="noreferrer">
                    Open
                  </a>
                </div>
              </Panel>
            )}
            {device.profile === "person" && <ProfilePanel deviceId={device.id} />}
          </>
        )}
      </aside>
    </div>
  );
}
