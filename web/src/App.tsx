/** The shell: sign-in gate, navigation, and the screens. */
import { useEffect } from "react";
import { AdminView } from "./admin/AdminView";
import { AuditView } from "./admin/AuditView";
import { AlarmsView } from "./alarms/AlarmsView";
import { JustificationHost } from "./auth/Justification";
import { SignIn } from "./auth/SignIn";
import { hasRight } from "./auth/types";
import { SessionProvider, useSession } from "./auth/session";
import { CamerasProvider, useCameras } from "./camera/cameras";
import { CameraView } from "./camera/CameraView";
import { Clock } from "./common/Clock";
import { navigate, useRoute } from "./common/router";
import { StateOverlay } from "./common/StateOverlay";
import { DashboardsView } from "./dashboards/DashboardsView";
import { EvidenceView } from "./evidence/EvidenceView";
import { MapView } from "./map/MapView";
import { PartnersView } from "./partners/PartnersView";
import { PtzView } from "./ptz/PtzView";
import { VideoTile } from "./player/VideoTile";
import { TrackingView } from "./tracking/TrackingView";
import { VideoWall } from "./wall/VideoWall";

const NAV: { path: string; label: string; right?: string }[] = [
  { path: "map", label: "Map" },
  { path: "wall", label: "Video wall" },
  { path: "camera", label: "Camera" },
  { path: "alarms", label: "Alarms" },
  { path: "ptz", label: "PTZ" },
  { path: "evidence", label: "Evidence" },
  { path: "tracking", label: "Tracking" },
  { path: "dashboards", label: "Dashboards" },
  { path: "partners", label: "Partners", right: "billing.view" },
  { path: "admin", label: "Admin", right: "users.manage" },
  { path: "audit", label: "Audit", right: "audit.view" },
];

function Screen() {
  const { path, params } = useRoute();
  const t = params.get("t");
  const at = t ? (/^\d+$/.test(t) ? Number(t) : Date.parse(t)) : null;
  switch (path[0]) {
    case "map":
      return <MapView />;
    case "wall":
      return <VideoWall />;
    case "camera":
      return <CameraView key={path[1] ?? ""} cameraId={path[1]} at={at !== null && Number.isFinite(at) ? at : null} />;
    case "alarms":
      return <AlarmsView />;
    case "ptz":
      return <PtzView cameraId={path[1]} />;
    case "evidence":
      return <EvidenceView />;
    case "tracking":
      return <TrackingView />;
    case "dashboards":
      return <DashboardsView />;
    case "partners":
      return <PartnersView month={params.get("month") ?? undefined} />;
    case "admin":
      return <AdminView />;
    case "audit":
      return <AuditView />;
    default:
      return <StateOverlay state="empty" detail="Unknown page" />;
  }
}

function PopoutWindow({ id }: { id: string }) {
  const { byId, loading } = useCameras();
  const cam = byId.get(id);
  if (!cam) return <StateOverlay state={loading ? "loading" : "empty"} />;
  return (
    <div className="popout-full">
      <VideoTile camera={cam} mode="live" />
    </div>
  );
}

function Shell() {
  const { user, checking, signOut } = useSession();
  const { path } = useRoute();
  useEffect(() => {
    if (user && path.length === 0) navigate("/wall");
  }, [user, path.length]);

  if (checking) return <StateOverlay state="loading" />;
  if (!user) return <SignIn />;
  if (path[0] === "popout" && path[1])
    return (
      <CamerasProvider>
        <PopoutWindow id={path[1]} />
      </CamerasProvider>
    );
  return (
    <CamerasProvider>
      <div className="app">
        <header className="topbar">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">◉</span> citywatch
          </div>
          <nav aria-label="Main">
            {NAV.filter((n) => !n.right || hasRight(user, n.right)).map((n) => (
              <a key={n.path} href={`#/${n.path}`} className={path[0] === n.path ? "active" : ""} aria-current={path[0] === n.path ? "page" : undefined}>
                {n.label}
              </a>
            ))}
          </nav>
          <span className="spacer" />
          <Clock />
          <span className="adm-who">
            {user.display_name && <strong className="adm-user-name">{user.display_name}</strong>}
            <span className="user" aria-label="Signed in as">
              {user.username} · {user.role}
              {user.organisation ? ` · ${user.organisation}` : ""}
            </span>
          </span>
          <button type="button" className="small" onClick={() => void signOut()}>
            Sign out
          </button>
        </header>
        <main className="content">
          <Screen />
        </main>
        <JustificationHost />
      </div>
    </CamerasProvider>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}
