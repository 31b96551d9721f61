"""A self-contained HTML page for a financial-year report, with inline SVG charts (no scripts, no CDN)."""

from __future__ import annotations

from html import escape

from citywatch.crime.fiscal import month_label
from citywatch.crime.reports import AreaFigures, FyComparison, MonthPoint

__all__ = ["bar_chart_svg", "change_chart_svg", "render_html", "trend_chart_svg"]

_PREVIOUS, _CURRENT = "#9aa5b1", "#1f5fa8"
_CSS = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem;color:#1b1f23}
table{border-collapse:collapse;margin:1rem 0}th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.down{color:#176f2c}.up{color:#b3261e}
figure{margin:1.5rem 0}figcaption{font-weight:600;margin-bottom:.5rem}small{color:#555}"""


def _fmt_pct(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f} %"


def bar_chart_svg(figures: AreaFigures, previous_label: str, current_label: str) -> str:
    """Horizontal bars per category, previous year above current year."""
    names = list(figures.categories)
    top = max([max(c.previous, c.current) for c in figures.categories.values()] + [1])
    label_w, bar_w, row_h, width = 190, 420, 34, 700
    height = row_h * len(names) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="MOPAC 7 by category, {escape(previous_label)} and {escape(current_label)}">'
    ]
    for i, name in enumerate(names):
        change = figures.categories[name]
        y = 10 + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12">{escape(name)}</text>')
        for j, (value, colour) in enumerate(((change.previous, _PREVIOUS), (change.current, _CURRENT))):
            w = bar_w * value / top
            parts.append(
                f'<rect x="{label_w}" y="{y + j * 13}" width="{w:.1f}" height="12" fill="{colour}">'
                f"<title>{escape(name)}: {value:,}</title></rect>"
            )
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + j * 13 + 10}" font-size="10">{value:,}</text>')
    ly = height - 14
    parts.append(
        f'<rect x="{label_w}" y="{ly - 9}" width="10" height="10" fill="{_PREVIOUS}"/>'
        f'<text x="{label_w + 14}" y="{ly}" font-size="11">{escape(previous_label)}</text>'
        f'<rect x="{label_w + 90}" y="{ly - 9}" width="10" height="10" fill="{_CURRENT}"/>'
        f'<text x="{label_w + 104}" y="{ly}" font-size="11">{escape(current_label)}</text></svg>'
    )
    return "".join(parts)


def trend_chart_svg(points: list[MonthPoint]) -> str:
    """A line of the monthly MOPAC 7 total with a dot per month."""
    width, height, left, bottom, top_pad = 700, 260, 60, 40, 15
    if not points:
        return ""
    totals = [p.total for p in points]
    high = max(max(totals), 1)
    plot_w, plot_h = width - left - 15, height - bottom - top_pad
    step = plot_w / max(len(points) - 1, 1)

    def y_of(value: float) -> float:
        return top_pad + plot_h * (1 - value / high)

    coords = [(left + i * step, y_of(v)) for i, v in enumerate(totals)]
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(coords))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Monthly MOPAC 7 total">'
    ]
    for frac in (0.0, 0.5, 1.0):
        gy = y_of(high * frac)
        parts.append(
            f'<line x1="{left}" x2="{width - 15}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#e3e3e3"/>'
            f'<text x="{left - 6}" y="{gy + 4:.1f}" text-anchor="end" font-size="10">{round(high * frac):,}</text>'
        )
    parts.append(f'<path d="{path}" fill="none" stroke="{_CURRENT}" stroke-width="2"/>')
    for (x, y), p in zip(coords, points, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{_CURRENT}">'
            f"<title>{month_label(p.month)}: {p.total:,}</title></circle>"
        )
    for i, p in enumerate(points):
        if i % 3 == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="10">{month_label(p.month)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def change_chart_svg(first: AreaFigures, second: AreaFigures) -> str:
    """Percentage change per category for two areas, bars either side of zero."""
    names = [*first.categories, "MOPAC 7 total"]

    def pct(figures: AreaFigures, name: str) -> float:
        change = figures.total if name == "MOPAC 7 total" else figures.categories[name]
        return change.change_pct or 0.0

    values = [(pct(first, n), pct(second, n)) for n in names]
    span = max([abs(v) for pair in values for v in pair] + [1.0])
    label_w, half_w, row_h = 190, 190, 34
    zero = label_w + 55 + half_w  # room for a label left of the longest negative bar
    width = zero + half_w + 60
    height = row_h * len(names) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="Change per category, {escape(first.area)} and {escape(second.area)}">',
        f'<line x1="{zero}" x2="{zero}" y1="5" y2="{height - 30}" stroke="#888"/>',
    ]
    for i, (name, pair) in enumerate(zip(names, values, strict=True)):
        y = 10 + i * row_h
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="12">{escape(name)}</text>')
        for j, (value, colour) in enumerate(zip(pair, (_CURRENT, _PREVIOUS), strict=True)):
            w = half_w * abs(value) / span
            x = zero - w if value < 0 else zero
            parts.append(
                f'<rect x="{x:.1f}" y="{y + j * 13}" width="{w:.1f}" height="12" fill="{colour}">'
                f"<title>{escape(name)}: {value:+.1f} %</title></rect>"
            )
            tx = x - 4 if value < 0 else x + w + 4
            anchor = "end" if value < 0 else "start"
            parts.append(
                f'<text x="{tx:.1f}" y="{y + j * 13 + 10}" font-size="10" text-anchor="{anchor}">{value:+.1f} %</text>'
            )
    ly = height - 14
    parts.append(
        f'<rect x="{label_w}" y="{ly - 9}" width="10" height="10" fill="{_CURRENT}"/>'
        f'<text x="{label_w + 14}" y="{ly}" font-size="11">{escape(first.area)}</text>'
        f'<rect x="{label_w + 230}" y="{ly - 9}" width="10" height="10" fill="{_PREVIOUS}"/>'
        f'<text x="{label_w + 244}" y="{ly}" font-size="11">{escape(second.area)}</text></svg>'
    )
    return "".join(parts)


def _table(figures: AreaFigures, report: FyComparison) -> str:
    rows = [
        f"<tr><th>{escape(figures.area)}</th><th class=n>{report.previous_fy.label}</th>"
        f"<th class=n>{report.fy.label}</th><th class=n>change</th></tr>"
    ]
    items = [*figures.categories.items(), ("MOPAC 7 total", figures.total)]
    for name, c in items:
        css = "" if c.change_pct is None else ("down" if c.change_pct < 0 else "up")
        rows.append(
            f"<tr><td>{escape(name)}</td><td class=n>{c.previous:,}</td><td class=n>{c.current:,}</td>"
            f"<td class='n {css}'>{_fmt_pct(c.change_pct)}</td></tr>"
        )
    return "<table>" + "".join(rows) + "</table>"


def render_html(report: FyComparison) -> str:
    """The whole page; the report should carry its monthly trend (``with_trend=True``)."""
    f = report.figures
    title = f"MOPAC 7 crime, {f.area}, {report.fy.label} against {report.previous_fy.label}"
    body = [f"<h1>{escape(title)}</h1>", _table(f, report)]
    if report.compare is not None:
        body.append(_table(report.compare, report))
    body.append(
        f"<figure><figcaption>By category</figcaption>"
        f"{bar_chart_svg(f, report.previous_fy.label, report.fy.label)}</figure>"
    )
    if report.compare is not None:
        body.append(
            f"<figure><figcaption>Change against {report.previous_fy.label}, {escape(f.area)} and "
            f"{escape(report.compare.area)}</figcaption>{change_chart_svg(f, report.compare)}</figure>"
        )
    if report.trend:
        body.append(
            f"<figure><figcaption>Monthly MOPAC 7 total, {escape(f.area)}</figcaption>"
            f"{trend_chart_svg(report.trend)}</figure>"
        )
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    sources = "".join(f"<li>{escape(s)}</li>" for s in report.source)
    body.append(f"<h2>Sources</h2><ul>{sources}</ul>" + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""))
    body.append(
        "<p><small>Contains Metropolitan Police Service data, London Datastore (GLA), "
        "licensed under the Open Government Licence.</small></p>"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
