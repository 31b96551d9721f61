import { Placeholder } from "../common/Placeholder";

export function DashboardsView() {
  return (
    <Placeholder
      title="Dashboards"
      items={[
        "MOPAC 7 crime for the borough against London",
        "Hotspots no camera covers",
        "Partner usage this month, invoices and the revenue forecast",
        "Recorder health: cameras online, gaps, disk",
      ]}
    />
  );
}
