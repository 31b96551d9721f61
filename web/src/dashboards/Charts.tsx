/** Hand-written SVG charts: MOPAC 7 categories year on year, and the monthly series per category. */
import type { Change, MonthPoint } from "./crimeApi";
import { formatCount, formatPct, linear, monthLabel, niceTicks } from "./scales";

/** One colour per MOPAC 7 category (in the API's order), distinct on the dark background. */
export const CATEGORY_COLOURS = ["#3aa0ff", "#f39c12", "#e74c3c", "#9b59b6", "#1abc9c", "#f1c40f", "#ff7eb6"];

export function CategoryBars({
  categories,
  previousLabel,
  currentLabel,
}: {
  categories: Record<string, Change>;
  previousLabel: string;
  currentLabel: string;
}) {
  const names = Object.keys(categories);
  const max = Math.max(1, ...names.flatMap((n) => [categories[n].previous, categories[n].current]));
  const ticks = niceTicks(max, 4);
  const labelW = 170;
  const width = 560;
  const rowH = 30;
  const top = 8;
  const height = top + names.length * rowH + 38;
  const x = linear(0, ticks[ticks.length - 1], labelW, width - 50);
  return (
    <svg className="dash-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`MOPAC 7 by category, ${previousLabel} and ${currentLabel}`}>
      {ticks.map((t) => (
        <g key={t} className="dash-grid">
          <line x1={x(t)} x2={x(t)} y1={top} y2={top + names.length * rowH} />
          <text x={x(t)} y={top + names.length * rowH + 12} textAnchor="middle">
            {formatCount(t)}
          </text>
        </g>
      ))}
      {names.map((name, i) => {
        const c = categories[name];
        const y = top + i * rowH;
        return (
          <g key={name}>
            <text className="dash-axis-label" x={labelW - 8} y={y + 17} textAnchor="end">
              {name}
            </text>
            <rect className="dash-bar-previous" x={labelW} y={y + 3} width={x(c.previous) - labelW} height={11}>
              <title>{`${name}, ${previousLabel}: ${formatCount(c.previous)}`}</title>
            </rect>
            <rect className="dash-bar-current" x={labelW} y={y + 15} width={x(c.current) - labelW} height={11}>
              <title>{`${name}, ${currentLabel}: ${formatCount(c.current)} (${formatPct(c.change_pct)})`}</title>
            </rect>
            <text className="dash-bar-value" x={x(c.current) + 4} y={y + 24}>
              {formatCount(c.current)}
            </text>
          </g>
        );
      })}
      <g transform={`translate(${labelW}, ${height - 10})`} className="dash-chart-legend">
        <rect className="dash-bar-previous" x={0} y={-9} width={10} height={10} />
        <text x={14} y={0}>
          {previousLabel}
        </text>
        <rect className="dash-bar-current" x={90} y={-9} width={10} height={10} />
        <text x={104} y={0}>
          {currentLabel}
        </text>
      </g>
    </svg>
  );
}

export function MonthlyLines({ months, categories, currentFrom }: { months: MonthPoint[]; categories: string[]; currentFrom?: string }) {
  if (!months.length) return null;
  const width = 560;
  const height = 250;
  const left = 48;
  const right = 12;
  const top = 10;
  const bottom = 28;
  const max = Math.max(1, ...months.flatMap((m) => categories.map((c) => m.categories[c] ?? 0)));
  const ticks = niceTicks(max, 4);
  const x = linear(0, Math.max(1, months.length - 1), left, width - right);
  const y = linear(0, ticks[ticks.length - 1], height - bottom, top);
  const split = currentFrom ? months.findIndex((m) => m.month === currentFrom) : -1;
  return (
    <figure className="dash-figure">
      <svg className="dash-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="MOPAC 7 by month and category">
        {ticks.map((t) => (
          <g key={t} className="dash-grid">
            <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} />
            <text x={left - 6} y={y(t) + 4} textAnchor="end">
              {formatCount(t)}
            </text>
          </g>
        ))}
        {split > 0 && <line className="dash-split" x1={x(split - 0.5)} x2={x(split - 0.5)} y1={top} y2={height - bottom} />}
        {months.map((m, i) =>
          i % 3 === 0 ? (
            <text key={m.month} className="dash-tick" x={x(i)} y={height - bottom + 16} textAnchor="middle">
              {monthLabel(m.month, i !== 0 && !m.month.endsWith("-01") && !m.month.endsWith("-04")) }
            </text>
          ) : null,
        )}
        {categories.map((c, ci) => (
          <path
            key={c}
            className="dash-line"
            stroke={CATEGORY_COLOURS[ci % CATEGORY_COLOURS.length]}
            d={months.map((m, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(m.categories[c] ?? 0).toFixed(1)}`).join(" ")}
          >
            <title>{c}</title>
          </path>
        ))}
        {months.map((m, i) => (
          <rect key={m.month} className="dash-hover" x={x(i) - 5} y={top} width={10} height={height - bottom - top}>
            <title>
              {`${monthLabel(m.month)}: ${formatCount(m.total)} MOPAC 7\n` +
                categories.map((c) => `${c}: ${formatCount(m.categories[c] ?? 0)}`).join("\n")}
            </title>
          </rect>
        ))}
      </svg>
      <figcaption>
        <ul className="dash-key">
          {categories.map((c, ci) => (
            <li key={c}>
              <span className="dash-swatch" style={{ background: CATEGORY_COLOURS[ci % CATEGORY_COLOURS.length] }} />
              {c}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
