"""Geometry of the dashboard's charts, drawn as inline SVG by templates/dashboard/_charts.html.

No JavaScript and nothing from a CDN: the server computes every rectangle and point, so the
charts print, work offline and stay readable in a screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class CompletionChart:
    """Tasks closed per month (columns) and the share of all tasks closed by then (a line)."""

    width: int
    height: int
    top: int
    bottom: int  # y of the baseline
    columns: list[Column]
    line: str  # SVG polyline points of the cumulative completion rate
    rates: list[tuple[float, float, float]]  # (x, y, rate) of each point, for labels
    max_value: int


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]


def completion_chart(
    monthly_done: list[tuple[date, int]], done_before: int, total: int, width: int = 640, height: int = 240
) -> CompletionChart:
    """``monthly_done``: (month, closed that month), oldest first; ``done_before``: closed before
    the first month; ``total``: all tasks, for the cumulative rate."""
    top, bottom, left, right = 20, height - 30, 40, width - 40
    slot = (right - left) / max(len(monthly_done), 1)
    max_value = max((n for _, n in monthly_done), default=0) or 1
    columns, points, rates = [], [], []
    cumulative = done_before
    for i, (month, number) in enumerate(monthly_done):
        column_height = (bottom - top) * number / max_value
        x = left + i * slot + slot * 0.15
        columns.append(Column(f"{month.month}", number, x, bottom - column_height, slot * 0.7, column_height))
        cumulative += number
        rate = cumulative / total if total else 0.0
        point = (left + i * slot + slot / 2, bottom - (bottom - top) * rate)
        points.append(f"{point[0]:.1f},{point[1]:.1f}")
        rates.append((point[0], point[1], rate))
    return CompletionChart(width, height, top, bottom, columns, " ".join(points), rates, max_value)


def bar_chart(items: list[tuple[str, int]], width: int = 640, bar_height: int = 22) -> BarChart:
    """Horizontal bars, longest first as given; labels on the left."""
    label_width = 160
    longest = max((value for _, value in items), default=0) or 1
    room = width - label_width - 50
    bars = [
        Bar(label, value, i * (bar_height + 6) + 4, room * value / longest) for i, (label, value) in enumerate(items)
    ]
    return BarChart(width, len(items) * (bar_height + 6) + 8, label_width, bar_height, bars)
