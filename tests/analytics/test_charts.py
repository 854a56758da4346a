"""The SVG chart builders: geometry, escaping, empty input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tradewind.dashboard.charts import HEIGHT, Interval, Line, interval_chart, line_chart

T0 = datetime(2026, 3, 1, tzinfo=UTC)
TIMES = [T0 + timedelta(hours=h) for h in range(4)]


def points(svg: str) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, p.split(","))) for p in found.split()]  # type: ignore[misc]
        for found in re.findall(r'points="([^"]+)"', svg)
    ]


def test_line_chart_scales_to_the_largest_value() -> None:
    svg = str(line_chart("Devices", TIMES, [Line("a", [0, 5, 10, 5]), Line("b", [1, 1, 1, 1])]))
    first, second = points(svg)
    ys = [y for _, y in first]
    assert ys[0] == HEIGHT - 26  # 0 sits on the x axis
    assert ys[2] == 28  # the maximum touches the top of the plot
    assert ys[1] == ys[3] == (ys[0] + ys[2]) / 2
    assert [x for x, _ in first] == [x for x, _ in second]
    assert "03-01 00:00 UTC" in svg and "03-01 03:00 UTC" in svg
    assert "latest values: a: 5, b: 1" in svg


def test_percent_chart_tops_at_one_hundred_percent() -> None:
    svg = str(line_chart("Adoption", TIMES, [Line("v", [0.0, 0.25, 0.5, 1.0])], percent=True))
    assert ">100%<" in svg and ">50%<" in svg
    assert points(svg)[0][-1][1] == 28


def test_labels_are_escaped() -> None:
    svg = str(line_chart("<script>", TIMES, [Line('"><b>', [1, 2, 3, 4])]))
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg


def test_empty_charts_still_render() -> None:
    assert "<polyline" not in str(line_chart("Nothing", [], []))
    assert "no data" in str(interval_chart("Nothing", []))


def test_interval_chart_places_rate_inside_its_whisker() -> None:
    svg = str(interval_chart("Rates", [Interval("release", 0.1, 0.05, 0.2)]))
    [line] = re.findall(r'<line class="interval" x1="([\d.]+)" x2="([\d.]+)"', svg)
    [dot] = re.findall(r'<circle class="rate" cx="([\d.]+)"', svg)
    low, high = map(float, line)
    assert low < float(dot) < high
    assert "10% (95% interval 5% to 20%)" in svg
