/** The police hand-off view (`#/tracking/shared/<token>`): read-only live position, trail, cameras passed, profile. */
import { useMemo } from "react";
import { Panel, StateOverlay } from "../common/StateOverlay";
import { formatLondon, parseIso } from "../common/time";
import { trackingApi } from "./api";
import { needsSearch } from "./model";
import { AlertRow, PassList } from "./parts";
import { ProfileView } from "./ProfilePanel";
import { TrackingMap } from "./TrackingMap";
import { usePassedCameras, useTileUrl } from "./hooks";
import { usePoll } from "./usePoll";

export function SharedTrailView({ token }: { token: string }) {
  const shared = usePoll((s) => trackingApi.shared(token, s), 5000, [token]);
  const passedCameras = usePassedCameras(shared.data?.camera_passes ?? null);
  const tileUrl = useTileUrl();
  const devices = useMemo(() => (shared.data ? [shared.data.device] : []), [shared.data]);

  if (shared.error && !shared.data) {
    const state = [403, 404, 410].includes(shared.error.status) ? "denied" : "error";
    return <StateOverlay state={state} detail={shared.error.message} />;
  }
  if (!shared.data) return <StateOverlay state="loading" />;
  const { device, alert, trail, camera_passes, profile, expires, issued_by } = shared.data;
  const last = device.last_position;
  return (
    <div className="trk-page">
      <aside className="trk-side" aria-label="Hand-off">
        <Panel title="Police hand-off (read-only)">
          <p className="small">
            Shared by {issued_by}; the link stops working at {formatLondon(parseIso(expires) ?? 0)}.
          </p>
          {shared.error && <p className="form-error">{shared.error.message}</p>}
          <ul className="trk-list">
            <AlertRow alert={alert} selected onSelect={() => undefined} />
          </ul>
          <dl className="facts">
            <dt>Person</dt>
            <dd>{device.name}</dd>
            <dt>Last fix</dt>
            <dd className="trk-time">{last ? formatLondon(parseIso(last.fix_time) ?? 0) : "none"}</dd>
            {last && (
              <>
                <dt>Position</dt>
                <dd>
                  {last.latitude.toFixed(5)}, {last.longitude.toFixed(5)}
                </dd>
              </>
            )}
          </dl>
        </Panel>
        <Panel title="Cameras passed">
          <PassList passes={camera_passes} now={Date.now()} />
        </Panel>
      </aside>
      <div className="trk-main">
        <TrackingMap
          devices={devices}
          zones={[]}
          trail={trail}
          selected={device.id}
          searchFrom={needsSearch(alert) && last ? [last.latitude, last.longitude] : null}
          passedCameras={passedCameras}
          tileUrl={tileUrl}
          label="Map of the shared trail"
        />
      </div>
      <aside className="trk-detail" aria-label="Missing-person profile">
        <Panel title="Missing-person profile">{profile ? <ProfileView profile={profile} /> : <p className="muted">No profile was recorded.</p>}</Panel>
      </aside>
    </div>
  );
}
