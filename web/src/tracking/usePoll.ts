/** Runs `load` now and every `ms` (never two at once), keeping the last answer and the last error. */
import { useEffect, useRef, useState } from "react";
import { ApiError } from "../api/client";

export interface Polled<T> {
  data: T | null;
  error: ApiError | null;
  reload: () => void;
}

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, ms: number, deps: unknown[]): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    setData(null);
    setError(null);
  }, deps);

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: number | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current(ctrl.signal);
        if (ctrl.signal.aborted) return;
        setData(value);
        setError(null);
      } catch (e) {
        if (ctrl.signal.aborted) return;
        setError(e instanceof ApiError ? e : new ApiError(0, String(e)));
      }
      if (!ctrl.signal.aborted) timer = window.setTimeout(() => void run(), ms);
    };
    void run();
    return () => {
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [ms, tick, ...deps]);

  return { data, error, reload: () => setTick((t) => t + 1) };
}
