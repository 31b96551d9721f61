import { Placeholder } from "../common/Placeholder";

export function TrackingView() {
  return (
    <Placeholder
      title="Tracking"
      items={[
        "Live GPS trackers (safe-zone patients, sting property) on the map",
        "Alerts on leaving a safe zone, with the trail drawn",
        "Cameras passed along the trail, each with one-click footage",
        "Expiring links for police",
      ]}
    />
  );
}
