import { chartGeometry, money } from "./chart";
import type { Forecast } from "./types";

/** Cumulative five-year revenue per scenario against the target (hand-written SVG, no chart library). */
export function ForecastChart({ forecast }: { forecast: Forecast }) {
  const g = chartGeometry(forecast);
  return (
    <svg
      className="pt-chart"
      viewBox={`0 0 ${g.width} ${g.height}`}
      role="img"
      aria-label={`Five-year revenue forecast against a target of ${money(forecast.target_p)}`}
    >
      {g.yTicks.map((t) => (
        <g key={t.label}>
          <line className="pt-grid" x1={g.xTicks[0].x} x2={g.xTicks[g.xTicks.length - 1].x} y1={t.y} y2={t.y} />
          <text className="pt-axis" x={g.xTicks[0].x - 6} y={t.y + 4} textAnchor="end">
            {t.label}
          </text>
        </g>
      ))}
      {g.xTicks.map((t) => (
        <text key={t.label} className="pt-axis" x={t.x} y={g.height - 8} textAnchor="middle">
          {t.label}
        </text>
      ))}
      <line className="pt-target" x1={g.xTicks[0].x} x2={g.xTicks[g.xTicks.length - 1].x} y1={g.targetY} y2={g.targetY} />
      <text className="pt-target-label" x={g.xTicks[g.xTicks.length - 1].x + 4} y={g.targetY + 4}>
        target {money(forecast.target_p)}
      </text>
      {g.lines.map((l) => {
        const last = l.points[l.points.length - 1];
        return (
          <g key={l.name} className={`pt-line pt-line-${l.name}`} data-scenario={l.name}>
            <polyline points={l.points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")} />
            {l.points.slice(1).map(([x, y]) => (
              <circle key={x} cx={x} cy={y} r={2.5} />
            ))}
            <text x={last[0] + 4} y={last[1] + 4}>
              {l.name} {money(l.total_p)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
