/** A camera's field of view as a polygon (lat/lon pairs): its position, then an arc at its range. */

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

/** The point `distanceM` from (lat, lon) on initial bearing `bearingDeg` (great circle). */
export function destination(lat: number, lon: number, bearingDeg: number, distanceM: number): [number, number] {
  const d = distanceM / EARTH_RADIUS_M;
  const b = rad(bearingDeg);
  const la1 = rad(lat);
  const lo1 = rad(lon);
  const la2 = Math.asin(Math.sin(la1) * Math.cos(d) + Math.cos(la1) * Math.sin(d) * Math.cos(b));
  const lo2 = lo1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(la1), Math.cos(d) - Math.sin(la1) * Math.sin(la2));
  return [deg(la2), ((deg(lo2) + 540) % 360) - 180];
}

export function fovPolygon(lat: number, lon: number, bearingDeg: number, fovDeg: number, rangeM: number, stepDeg = 5): [number, number][] {
  const fov = Math.min(360, Math.max(1, fovDeg));
  const from = bearingDeg - fov / 2;
  const n = Math.max(2, Math.ceil(fov / stepDeg));
  const arc: [number, number][] = [];
  for (let i = 0; i <= n; i++) arc.push(destination(lat, lon, from + (fov * i) / n, rangeM));
  return fov >= 360 ? arc : [[lat, lon], ...arc, [lat, lon]];
}

export const STATUS_COLOUR: Record<string, string> = {
  recording: "#2ecc71",
  connecting: "#3498db",
  offline: "#e74c3c",
  stopped: "#95a5a6",
  alarm: "#f39c12",
  disabled: "#5d6d7e",
};
