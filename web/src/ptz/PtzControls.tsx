/** The PTZ controls shared by the PTZ screen and the camera view's side panel. */
import { useEffect, useRef, useState, type PointerEvent } from "react";
import { formatLondonTime, parseIso } from "../common/time";
import { dragVelocity, isStill, keyVelocity, sameVelocity, STILL } from "./joystick";
import { ptzApi } from "./ptzApi";
import type { PtzControl, Velocity } from "./types";
import type { Ptz } from "./usePtz";

const RESERVE_S = 600;

function until(control: PtzControl): string {
  const t = parseIso(control.until);
  return t === null ? control.until : formatLondonTime(t);
}

export function OwnerLine({ control }: { control: PtzControl | null }) {
  if (!control) return <p className="ptz-owner ptz-owner-free">Free: anyone allowed may take control</p>;
  if (control.yours)
    return (
      <p className="ptz-owner ptz-owner-yours">
        You have control until {until(control)}
        {control.reserved ? " (reserved)" : ""}
      </p>
    );
  return (
    <p className="ptz-owner ptz-owner-other" role="status">
      Controlled by {control.holder} ({control.organisation}) until {until(control)}
      {control.reserved ? " (reserved)" : ""}
    </p>
  );
}

/** A pad to drag like a stick: the further from its centre, the faster. */
function Pad({ drive }: { drive: (v: Velocity) => void }) {
  const start = useRef<{ x: number; y: number } | null>(null);
  const last = useRef<Velocity>(STILL);
  const send = (v: Velocity) => {
    if (!sameVelocity(v, last.current)) drive(v);
    last.current = v;
  };
  const down = (e: PointerEvent<HTMLDivElement>) => {
    e.currentTarget.setPointerCapture(e.pointerId);
    const box = e.currentTarget.getBoundingClientRect();
    start.current = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    send(dragVelocity(e.clientX - start.current.x, e.clientY - start.current.y, box.width / 2));
  };
  const move = (e: PointerEvent<HTMLDivElement>) => {
    if (!start.current) return;
    const r = e.currentTarget.getBoundingClientRect().width / 2;
    send(dragVelocity(e.clientX - start.current.x, e.clientY - start.current.y, r));
  };
  const up = () => {
    start.current = null;
    send(STILL);
  };
  return (
    <div
      className="ptz-stick"
      role="application"
      aria-label="Joystick: drag to pan and tilt"
      onPointerDown={down}
      onPointerMove={move}
      onPointerUp={up}
      onPointerCancel={up}
    >
      <span className="ptz-stick-knob" aria-hidden="true" />
    </div>
  );
}

function HoldButton({ label, v, drive }: { label: string; v: Velocity; drive: (v: Velocity) => void }) {
  return (
    <button
      type="button"
      className="small"
      onPointerDown={() => drive(v)}
      onPointerUp={() => drive(STILL)}
      onPointerLeave={() => drive(STILL)}
    >
      {label}
    </button>
  );
}

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** Arrow keys pan and tilt while held, + and - zoom; shift is slow. */
export function useJoystickKeys(drive: (v: Velocity) => void, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const held = new Set<string>();
    let last: Velocity = STILL;
    const update = (slow: boolean) => {
      const v = keyVelocity(held, slow);
      if (!sameVelocity(v, last)) drive(v);
      last = v;
    };
    const keys = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "+", "=", "-", "_"];
    const down = (e: KeyboardEvent) => {
      if (!keys.includes(e.key) || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      e.preventDefault();
      held.add(e.key);
      update(e.shiftKey);
    };
    const up = (e: KeyboardEvent) => {
      if (!held.delete(e.key)) return;
      update(e.shiftKey);
    };
    const blur = () => {
      held.clear();
      update(false);
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
      if (!isStill(last)) drive(STILL);
    };
  }, [drive, enabled]);
}

export function PtzControls({ cameraId, ptz, compact }: { cameraId: string; ptz: Ptz; compact?: boolean }) {
  const { state, presets, message, drive, run } = ptz;
  const [name, setName] = useState("");
  if (!state) return <p className="muted small">Loading PTZ…</p>;
  const control = state.control;
  const canTake = control !== null && !control.yours && state.you.priority > control.priority;
  const pos = state.position;
  return (
    <div className={`ptz-controls ${compact ? "ptz-compact" : ""}`}>
      <OwnerLine control={control} />
      {state.error && <p className="ptz-error">{state.error}</p>}
      {message && (
        <p className="ptz-error" role="alert">
          {message}
        </p>
      )}
      <div className="ptz-actions">
        {canTake && (
          <button type="button" className="small primary" onClick={() => void run(() => ptzApi.take(cameraId))}>
            Take over
          </button>
        )}
        {state.you.may_reserve && !control?.reserved && (control === null || control.yours || canTake) && (
          <button type="button" className="small" onClick={() => void run(() => ptzApi.take(cameraId, RESERVE_S))}>
            Reserve 10 min
          </button>
        )}
        {control?.yours && (
          <button type="button" className="small" onClick={() => void run(() => ptzApi.release(cameraId))}>
            Release
          </button>
        )}
      </div>
      <div className="ptz-drive">
        <Pad drive={drive} />
        <div className="ptz-zoom">
          <HoldButton label="Zoom +" v={{ pan: 0, tilt: 0, zoom: 0.6 }} drive={drive} />
          <HoldButton label="Zoom −" v={{ pan: 0, tilt: 0, zoom: -0.6 }} drive={drive} />
          {state.capabilities?.home && (
            <button type="button" className="small" onClick={() => void run(() => ptzApi.home(cameraId))}>
              Home
            </button>
          )}
        </div>
      </div>
      {pos && (
        <p className="ptz-position muted small" aria-label="Position">
          pan {(pos.pan * 180).toFixed(1)}° · tilt {pos.tilt.toFixed(2)} · zoom {Math.round(pos.zoom * 100)} %
        </p>
      )}
      {state.capabilities?.presets && (
        <section className="ptz-section" aria-label="Presets">
          <h3 className="ptz-heading">Presets</h3>
          <ul className="ptz-list">
            {presets.map((p) => (
              <li key={p.token}>
                <button type="button" className="link" onClick={() => void run(() => ptzApi.gotoPreset(cameraId, p.token))}>
                  {p.name}
                </button>
                <button
                  type="button"
                  className="small"
                  aria-label={`Delete preset ${p.name}`}
                  onClick={() => void run(() => ptzApi.deletePreset(cameraId, p.token))}
                >
                  ✕
                </button>
              </li>
            ))}
            {presets.length === 0 && <li className="muted small">No presets yet</li>}
          </ul>
          <form
            className="ptz-save"
            onSubmit={(e) => {
              e.preventDefault();
              if (name.trim()) void run(() => ptzApi.savePreset(cameraId, name.trim())).then(() => setName(""));
            }}
          >
            <input aria-label="Preset name" placeholder="Name this view" value={name} onChange={(e) => setName(e.target.value)} />
            <button type="submit" className="small" disabled={!name.trim()}>
              Save preset
            </button>
          </form>
        </section>
      )}
      {state.tours.length > 0 && (
        <section className="ptz-section" aria-label="Tours">
          <h3 className="ptz-heading">Tours</h3>
          <ul className="ptz-list">
            {state.tours.map((t) => (
              <li key={t.id}>
                <span>
                  {t.name} <span className={`ptz-tour-${t.state} small`}>{t.state}</span>
                </span>
                {t.state === "stopped" ? (
                  <button type="button" className="small" onClick={() => void run(() => ptzApi.startTour(cameraId, t.id))}>
                    Start
                  </button>
                ) : (
                  <button type="button" className="small" onClick={() => void run(() => ptzApi.stopTour(cameraId, t.id))}>
                    Stop
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
