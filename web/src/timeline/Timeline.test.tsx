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
    expect(host.querySelectorAll(".span").length).toBe(2);
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
});
