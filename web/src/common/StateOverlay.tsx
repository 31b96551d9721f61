/** The one way every screen says loading, no recording, offline or permission denied. */
import type { ReactNode } from "react";

export type ViewState = "loading" | "norecording" | "offline" | "denied" | "error" | "unsupported" | "empty";

const TEXT: Record<ViewState, string> = {
  loading: "Loading…",
  norecording: "No recording at this time",
  offline: "Camera offline",
  denied: "Permission denied",
  error: "Something went wrong",
  unsupported: "This browser cannot play this stream",
  empty: "Nothing here yet",
};

export function StateOverlay({ state, detail, children }: { state: ViewState; detail?: string; children?: ReactNode }) {
  return (
    <div className={`state-overlay state-${state}`} role="status" aria-live="polite" data-state={state}>
      {state === "loading" && <span className="spinner" aria-hidden="true" />}
      <strong>{TEXT[state]}</strong>
      {detail && <span className="state-detail">{detail}</span>}
      {children}
    </div>
  );
}

export function Panel({ title, children, className }: { title: string; children: ReactNode; className?: string }) {
  return (
    <section className={`panel ${className ?? ""}`} aria-label={title}>
      <h2 className="panel-title">{title}</h2>
      {children}
    </section>
  );
}
