// @vitest-environment jsdom
import { act } from "react";
import { createRoot } from "react-dom/client";
import { describe, expect, it, vi } from "vitest";
import { Timeline } from "./Timeline";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
globalThis.ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
} as unknown as typeof ResizeObserver;

describe("Timeline", () => {
  it("draws spans and gaps with their reasons and seeks on click", () => {
    const start = Date.parse("2026-11-25T21:00:00Z");
    const view = { start, end: start + 3_600_000 };
    const onSeek = vi.fn();
    const host = document.createElement("div");
    document.body.appendChild(host);
    const root = createRoot(host);
    act(() =>
      root.render(
        <Timeline
          rows={[
            {
              id: "1",
              label: "Broadway",
              data: {
                cameraId: "1",
                from: view.start,
                to: view.end,
                spans: [
                  { start, end: start + 600_000 },
                  { start: start + 900_000, end: start + 3_600_000 },
                ],
                unavailable: [{ start: start - 600_000, end: start + 300_000, node: "rec-b" }],
                gaps: [{ start: start + 600_000, end: start + 900_000, reason: "recorder_stopped", detail: "stopped by admin", open: false }],
                error: null,
              },
            },
          ]}
          view={view}
          onView={() => undefined}
          cursor={start + 1_800_000}
          onSeek={onSeek}
        />,
      ),
    );
    const gaps = host.querySelectorAll('[data-testid="timeline-gap"]');
    expect(gaps.length).toBe(1);
    expect(gaps[0].getAttribute("aria-label")).toContain("recorder_stopped");
    expect(gaps[0].getAttribute("aria-label")).toContain("21:10:00");
    expect(host.querySelectorAll(".span:not(.span-unavailable)").length).toBe(2);
    const away = host.querySelectorAll('[data-testid="timeline-unavailable"]');
    expect(away.length).toBe(1); // footage on a node that is not answering: unavailable, not a gap
    expect(away[0].getAttribute("aria-label")).toContain("recorder node rec-b");
    expect(host.querySelector(".cursor-label")?.textContent).toBe("2026-11-25 21:30:00");
    const row = host.querySelector('[role="slider"]') as HTMLElement;
    row.setPointerCapture = () => undefined;
    act(() => {
      row.dispatchEvent(new PointerEvent("pointerdown", { bubbles: true, clientX: 400, button: 0 }));
      row.dispatchEvent(new PointerEvent("pointerup", { bubbles: true, clientX: 400, button: 0 }));
    });
    expect(onSeek).toHaveBeenCalledTimes(1);
    expect(onSeek.mock.calls[0][0]).toBe(start + 1_800_000); // 400 of 800 px
    act(() => root.unmount());
  });

  it("draws a marker per alarm and bookmark and seeks to a bookmark on click", () => {
    const start = Date.parse("2026-11-25T21:00:00Z");
    const view = { start, end: start + 3_600_000 };
    const onSeek = vi.fn();
    const host = document.createElement("div");
    document.body.appendChild(host);
    const root = createRoot(host);
    act(() =>
      root.render(
        <Timeline
          rows={[
            {
              id: "1",
              label: "Broadway",
              data: {
                cameraId: "1",
                from: view.start,
                to: view.end,
                spans: [{ start, end: start + 3_600_000 }],
                unavailable: [],
                gaps: [],
                alarms: [
                  { id: 7, start: start + 600_000, end: start + 900_000, open: false, kind: "camera_offline", message: "reset" },
                  { id: 8, start: start + 3_000_000, end: start + 3_600_000, open: true, kind: "recording_stalled", message: "" },
                  { id: 9, start: start - 7_200_000, end: start - 3_700_000, open: false, kind: "camera_offline", message: "" },
                ],
                bookmarks: [
                  { id: 3, start: start + 1_200_000, end: null, name: "Red van", note: "AB12 CDE", createdBy: "pc.jones" },
                  { id: 4, start: start + 2_400_000, end: start + 2_700_000, name: "Fight", note: "", createdBy: "sam" },
                ],
                motion: [
                  { start: start + 1_800_000, end: start + 1_860_000, open: false, peak: 0.042 },
                  { start: start + 3_500_000, end: start + 3_600_000, open: true, peak: 0.3 },
                ],
                error: null,
              },
            },
          ]}
          view={view}
          onView={() => undefined}
          cursor={null}
          onSeek={onSeek}
        />,
      ),
    );
    const motion = host.querySelectorAll<HTMLElement>('[data-testid="timeline-motion"]');
    expect(motion.length).toBe(2);
    expect(parseFloat(motion[0].style.left)).toBeCloseTo(400, 3); // 30 of 60 min on 800 px
    expect(motion[0].getAttribute("aria-label")).toContain("4 % of the picture");
    expect(motion[1].getAttribute("aria-label")).toContain("– now");
    const alarms = host.querySelectorAll('[data-testid="timeline-alarm"]');
    expect(alarms.length).toBe(2); // the one before the view is not drawn
    expect(alarms[0].getAttribute("aria-label")).toContain("camera_offline");
    expect(alarms[0].getAttribute("aria-label")).toContain("21:10:00");
    expect(parseFloat((alarms[0] as HTMLElement).style.left)).toBeCloseTo(800 / 6, 3); // 10 of 60 min on 800 px
    expect(alarms[0].getAttribute("aria-label")).toContain("reset");
    expect(alarms[1].getAttribute("aria-label")).toContain("still raised");
    expect(alarms[1].classList.contains("mark-open")).toBe(true);
    const bookmarks = host.querySelectorAll<HTMLButtonElement>('[data-testid="timeline-bookmark"]');
    expect(bookmarks.length).toBe(2);
    expect(bookmarks[0].getAttribute("aria-label")).toContain("Red van");
    expect(bookmarks[0].getAttribute("aria-label")).toContain("pc.jones");
    expect(bookmarks[0].classList.contains("mark-instant")).toBe(true);
    expect(parseFloat(bookmarks[1].style.width)).toBeCloseTo(800 / 12, 3); // 5 of 60 min on 800 px
    act(() => bookmarks[1].click());
    expect(onSeek).toHaveBeenCalledWith(start + 2_400_000);
    act(() => root.unmount());
  });
});
