import { useEffect, useState } from "react";
import { formatLondon } from "./time";

/** The control room's wall clock, London time. */
export function Clock() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(id);
  }, []);
  return (
    <time className="clock" dateTime={new Date(now).toISOString()} aria-label="London time">
      {formatLondon(now, { zone: true })}
    </time>
  );
}
