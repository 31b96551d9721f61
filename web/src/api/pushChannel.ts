/**
 * A server push channel over a WebSocket: reconnects by itself, and reports whether it is up so the caller can
 * poll (faster) while it is not. One implementation for every pushed feed (alerts, camera events).
 */
import { useEffect, useRef, useState } from "react";
import { wsUrl } from "./client";

const RETRY_MS = 5000;

/**
 * `onMessage` for every message `parse` accepts other than `{type: "ready"}` (the server's hello, which marks the
 * channel up); `parse` answers null for what it does not know. Returns whether the channel is up.
 */
export function usePushChannel<M extends { type: string }>(
  path: string,
  parse: (data: unknown) => M | { type: "ready" } | null,
  onMessage: (m: M) => void,
): boolean {
  const [live, setLive] = useState(false);
  const onMessageRef = useRef(onMessage);
  onMessageRef.current = onMessage;
  const parseRef = useRef(parse);
  parseRef.current = parse;

  useEffect(() => {
    let closed = false;
    let ws: WebSocket | null = null;
    let timer: number | undefined;
    const open = () => {
      if (closed || typeof WebSocket === "undefined") return;
      ws = new WebSocket(wsUrl(path));
      ws.onmessage = (e) => {
        const m = parseRef.current(e.data);
        if (m === null) return;
        if (m.type === "ready") setLive(true);
        else onMessageRef.current(m as M);
      };
      ws.onclose = (e) => {
        ws = null;
        setLive(false);
        // 1008: refused (signed out, no right): polling shows why; retrying would only be refused again.
        if (!closed && e.code !== 1008) timer = window.setTimeout(open, RETRY_MS);
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, [path]);
  return live;
}
