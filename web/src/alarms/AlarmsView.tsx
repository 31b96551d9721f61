/** The alarms queue. Lists open alarms now; acknowledging, assigning and sounds arrive with the alarms issue. */
import { useCameras } from "../camera/cameras";
import { Panel, StateOverlay } from "../common/StateOverlay";
import { formatLondon, parseIso } from "../common/time";

export function AlarmsView() {
  const { alarms, byId, loading } = useCameras();
  if (loading) return <StateOverlay state="loading" />;
  return (
    <div className="page">
      <Panel title="Open alarms">
        {alarms.length === 0 ? (
          <p className="muted">No open alarms.</p>
        ) : (
          <table className="table" aria-label="Open alarms">
            <thead>
              <tr>
                <th>Raised</th>
                <th>Kind</th>
                <th>Camera</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {alarms.map((a) => {
                const raised = parseIso(a.raised);
                return (
                  <tr key={a.id}>
                    <td>{raised ? formatLondon(raised) : a.raised}</td>
                    <td>{a.kind}</td>
                    <td>
                      {a.camera_id ? (
                        <a href={`#/camera/${encodeURIComponent(a.camera_id)}${raised ? `?t=${raised - 10_000}` : ""}`}>
                          {byId.get(a.camera_id)?.name ?? a.camera_id}
                        </a>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>{a.message}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p className="muted small">Acknowledge, assign and alarm sounds arrive with the alarms issue.</p>
      </Panel>
    </div>
  );
}
