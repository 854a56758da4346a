"""Server-rendered SVG charts (pure; no JavaScript, no external assets).

Colours are SVG presentation attributes, not inline styles, so the dashboard's
content-security policy (`style-src 'self'`) allows them. Every chart carries a <title> and a
<desc> for screen readers; pages show the figures as text next to them as well.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

PALETTE = ("#2563eb", "#d97706", "#059669", "#7c3aed", "#dc2626", "#0891b2", "#6b7280")
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 28, 26
MAX_DOTS = 48  # series this short also get a dot per point (a single point is visible)
ROW_HEIGHT = 36
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    values: Sequence[float]
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Interval:
    label: str
    value: float
    low: float
    high: float


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def number(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.3g}%"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.2g}"


def _svg(
    title: str, description: str, body: list[Markup], css_class: str, height: int = HEIGHT
) -> Markup:
    return Markup(
        '<svg class="chart {css_class}" viewBox="0 0 {w} {h}" width="100%" role="img" '
        'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-{n}-t chart-{n}-d">'
        '<title id="chart-{n}-t">{title}</title><desc id="chart-{n}-d">{description}</desc>'
        "{body}</svg>"
    ).format(
        css_class=css_class,
        w=WIDTH,
        h=height,
        n=next(_ids),
        title=title,
        description=description,
        body=Markup("").join(body),
    )


def _y_axis(top: float, percent: bool) -> list[Markup]:
    parts = []
    for fraction in (0.0, 0.5, 1.0):
        y = HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)
        parts.append(
            Markup(
                '<line x1="{x1}" x2="{x2}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d1d5db" '
                'stroke-width="1"/><text x="{tx}" y="{ty:.1f}" text-anchor="end" '
                'font-size="11" fill="#4b5563">{label}</text>'
            ).format(
                x1=LEFT,
                x2=WIDTH - RIGHT,
                y=y,
                tx=LEFT - 6,
                ty=y + 4,
                label=number(top * fraction, percent),
            )
        )
    return parts


def _legend(labels: Sequence[str]) -> list[Markup]:
    parts, x = [], LEFT
    for i, label in enumerate(labels):
        parts.append(
            Markup(
                '<rect x="{x}" y="8" width="10" height="10" fill="{fill}"/>'
                '<text x="{tx}" y="17" font-size="11" fill="#111827">{label}</text>'
            ).format(x=x, fill=colour(i), tx=x + 14, label=label)
        )
        x += 24 + 7 * len(label)
    return parts


def _time_label(moment: datetime, daily: bool) -> str:
    return moment.strftime("%m-%d" if daily else "%m-%d %H:%M")


def line_chart(
    title: str, times: Sequence[datetime], lines: Sequence[Line], *, percent: bool = False
) -> Markup:
    """One polyline per series over the same time buckets; the y axis starts at 0."""
    values = [v for line in lines for v in line.values]
    top = 1.0 if percent else max([*values, 1.0])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(times) - 1, 1)
    body = _y_axis(top, percent) + _legend([line.label for line in lines])
    for i, line in enumerate(lines):
        xy = [
            (LEFT + j * step, HEIGHT - BOTTOM - min(v / top, 1.0) * plot_h)
            for j, v in enumerate(line.values)
        ]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        if len(xy) <= MAX_DOTS:
            body.extend(
                Markup('<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}"/>').format(
                    x=x, y=y, fill=colour(i)
                )
                for x, y in xy
            )
        body.append(
            Markup(
                '<polyline class="series" data-label="{label}" points="{points}" fill="none" '
                'stroke="{stroke}" stroke-width="2" stroke-dasharray="{dash}"/>'
            ).format(
                label=line.label,
                points=points,
                stroke=colour(i),
                dash="6 4" if line.dashed else "none",
            )
        )
    if times:
        daily = len(times) > 1 and (times[1] - times[0]).days >= 1
        ends = ((0, "start"), (len(times) - 1, "end")) if len(times) > 1 else ((0, "start"),)
        for j, anchor in ends:
            body.append(
                Markup(
                    '<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" font-size="11" '
                    'fill="#4b5563">{label} UTC</text>'
                ).format(
                    x=LEFT + j * step,
                    y=HEIGHT - 8,
                    anchor=anchor,
                    label=_time_label(times[j], daily),
                )
            )
    last = ", ".join(
        f"{line.label}: {number(line.values[-1], percent)}" for line in lines if line.values
    )
    description = f"{len(times)} time buckets; latest values: {last or 'none'}."
    return _svg(title, description, body, "line-chart")


def interval_chart(title: str, rows: Sequence[Interval]) -> Markup:
    """A dot per rate with its confidence interval as a whisker, one row each, 0 to the
    largest upper bound (at least 1%)."""
    top = max([*(row.high for row in rows), 0.01])
    height = TOP + BOTTOM + ROW_HEIGHT * max(len(rows), 1)
    plot_w = WIDTH - LEFT - RIGHT - 80
    x0 = LEFT + 80
    body: list[Markup] = []
    for fraction in (0.0, 0.5, 1.0):
        body.append(
            Markup(
                '<line x1="{x:.1f}" x2="{x:.1f}" y1="{y1}" y2="{y2}" stroke="#d1d5db" '
                'stroke-width="1"/><text x="{x:.1f}" y="{ty}" text-anchor="middle" '
                'font-size="11" fill="#4b5563">{label}</text>'
            ).format(
                x=x0 + fraction * plot_w,
                y1=TOP - 8,
                y2=height - BOTTOM,
                ty=height - 8,
                label=number(top * fraction, True),
            )
        )
    for i, row in enumerate(rows):
        y = TOP + (i + 0.5) * ROW_HEIGHT
        low, high, value = (x0 + min(v / top, 1.0) * plot_w for v in (row.low, row.high, row.value))
        body.append(
            Markup(
                '<text x="{lx}" y="{ty:.1f}" font-size="12" fill="#111827">{label}</text>'
                '<line class="interval" x1="{low:.1f}" x2="{high:.1f}" y1="{y:.1f}" '
                'y2="{y:.1f}" stroke="{c}" stroke-width="3"/>'
                '<circle class="rate" cx="{value:.1f}" cy="{y:.1f}" r="5" fill="{c}"/>'
            ).format(
                lx=LEFT - 40,
                ty=y + 4,
                label=row.label,
                low=low,
                high=high,
                y=y,
                c=colour(i),
                value=value,
            )
        )
    description = "; ".join(
        f"{row.label}: {number(row.value, True)} (95% interval {number(row.low, True)} to "
        f"{number(row.high, True)})"
        for row in rows
    )
    return _svg(title, description or "no data", body, "interval-chart", height)
