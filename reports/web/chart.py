"""Geometry of a small line chart (one indicator over the years), drawn by a template as
inline SVG on the server: no JavaScript, no external assets.

This module only computes numbers (coordinates, tick labels); ``web/_chart.html``
turns them into ``<svg>`` elements, escaping every label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Chart", "ChartPoint", "line_chart", "nice_ticks"]


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    year: int
    value: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: tuple[ChartPoint, ...]
    y_ticks: tuple[tuple[float, str], ...]  # (y coordinate, label)

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of an SVG polyline."""
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering [low, high] (1, 2, 2.5 or 5 × a power of ten apart)."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _format(value: float) -> str:
    return f"{value:g}"


def line_chart(points: Sequence[tuple[int, float]], unit: str = "", *, width: int = 560, height: int = 220) -> Chart | None:
    """Coordinates for ``(year, value)`` points; None when there is nothing to draw."""
    if not points:
        return None
    left, right, top, bottom = 56, 40, 16, 32
    years = [year for year, _ in points]
    values = [value for _, value in points]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]
    span_years = max(max(years) - min(years), 1)
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(year: int) -> float:
        return left + (plot_w / 2 if len(set(years)) == 1 else (year - min(years)) / span_years * plot_w)

    def y_of(value: float) -> float:
        return top + plot_h - (value - low) / ((high - low) or 1) * plot_h

    chart_points = tuple(ChartPoint(x_of(year), y_of(value), year, value, f"{_format(value)}{unit}") for year, value in points)
    return Chart(width, height, left, right, top, bottom, chart_points, tuple((y_of(tick), _format(tick)) for tick in ticks))
