"""Chart geometry for results: scores in, SVG coordinates and colour classes out, with no I/O.

The results page draws these with Jinja macros and the PDF report can draw the same
geometry, so both show identical charts. Scores are on 0-100; a missing score (None)
is drawn at zero and said to be missing in the label, never silently left out.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

# Where the default rubric's levels start (levels 2-5); heatmap colours follow these bands.
LEVEL_BOUNDS: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0)
RING_SCORES: tuple[float, ...] = (20.0, 40.0, 60.0, 80.0, 100.0)


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class TextLine:
    text: str
    x: float
    y: float


@dataclass(frozen=True)
class Axis:
    title: str
    score: float | None
    end: Point  # where the axis line ends: a score of 100
    vertex: Point  # the score on this axis
    anchor: str  # SVG text-anchor of the label: start, middle or end
    lines: tuple[TextLine, ...]  # the label, wrapped
    number: TextLine  # the axis number alone, for screens too narrow for the labels


@dataclass(frozen=True)
class Radar:
    width: float
    height: float
    center: Point
    radius: float
    axes: tuple[Axis, ...]
    rings: tuple[tuple[float, str], ...]  # (score, polygon points) of the grid rings
    shape: str  # polygon points of the scores
    reference: str | None  # polygon points of an earlier result, when there is one


def clamp_score(score: float | None) -> float:
    if score is None or math.isnan(score):
        return 0.0
    return min(100.0, max(0.0, score))


def radar_point(index: int, count: int, score: float | None, center: Point, radius: float) -> Point:
    """Axis `index` of `count`, clockwise from the top: a score of 100 lies `radius` from the centre."""
    angle = -math.pi / 2 + 2 * math.pi * index / count
    distance = radius * clamp_score(score) / 100.0
    return Point(center.x + distance * math.cos(angle), center.y + distance * math.sin(angle))


def points_attr(points: Sequence[Point]) -> str:
    """The `points` attribute of an SVG polygon; one decimal is finer than any screen or printer."""
    return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


def wrap_label(text: str, width: int = 18, max_lines: int = 3) -> tuple[str, ...]:
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], textwrap.shorten(" ".join(lines[max_lines - 1 :]), width, placeholder="…")]
    return tuple(lines)


def _label_lines(lines: tuple[str, ...], at: Point, vertical: float, line_height: float) -> tuple[TextLine, ...]:
    """Place a wrapped label so it grows away from the chart: upwards above it, downwards below."""
    count = len(lines)
    if vertical < -0.5:  # above the centre: the last line sits next to the axis end
        first = at.y - (count - 1) * line_height
    elif vertical > 0.5:  # below: the first line's cap height hangs from the axis end
        first = at.y + line_height * 0.75
    else:  # beside: centred on the axis end
        first = at.y - (count - 1) * line_height / 2 + line_height * 0.35
    return tuple(TextLine(text, at.x, first + i * line_height) for i, text in enumerate(lines))


def radar(
    items: Sequence[tuple[str, float | None]],
    reference: Sequence[float | None] | None = None,
    *,
    radius: float = 150.0,
    margin_x: float = 150.0,
    margin_y: float = 60.0,
    label_gap: float = 12.0,
    line_height: float = 16.0,
    wrap: int = 18,
) -> Radar:
    """A radar (spider) chart of (title, score) items, optionally over an earlier result's scores."""
    count = len(items)
    if count < 3:
        raise ValueError("a radar chart needs at least three axes")
    if reference is not None and len(reference) != count:
        raise ValueError("the reference needs one score per axis")
    center = Point(margin_x + radius, margin_y + radius)
    axes = []
    for i, (title, score) in enumerate(items):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        cos, sin = math.cos(angle), math.sin(angle)
        at = Point(center.x + (radius + label_gap) * cos, center.y + (radius + label_gap) * sin)
        anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
        label = title if score is not None else f"{title} (no score)"
        axes.append(
            Axis(
                title=title,
                score=score,
                end=radar_point(i, count, 100.0, center, radius),
                vertex=radar_point(i, count, score, center, radius),
                anchor=anchor,
                lines=_label_lines(wrap_label(label, wrap), at, sin, line_height),
                number=_label_lines((str(i + 1),), at, sin, line_height * 1.6)[0],
            )
        )
    rings = tuple(
        (ring, points_attr([radar_point(i, count, ring, center, radius) for i in range(count)])) for ring in RING_SCORES
    )
    return Radar(
        width=2 * (margin_x + radius),
        height=2 * (margin_y + radius),
        center=center,
        radius=radius,
        axes=tuple(axes),
        rings=rings,
        shape=points_attr([a.vertex for a in axes]),
        reference=None
        if reference is None
        else points_attr([radar_point(i, count, s, center, radius) for i, s in enumerate(reference)]),
    )


def bar_width(score: float | None, full: float = 100.0) -> float:
    """The length of a score's bar when a score of 100 is `full` long."""
    return round(full * clamp_score(score) / 100.0, 1)


def score_band(score: float | None, bounds: Sequence[float] = LEVEL_BOUNDS) -> int | None:
    """The level band (1-5) a score falls in; a score on a bound belongs to the band above."""
    if score is None or math.isnan(score):
        return None
    return 1 + sum(1 for bound in bounds if score >= bound)


def heat_class(score: float | None, bounds: Sequence[float] = LEVEL_BOUNDS) -> str:
    """The CSS class colouring a heatmap cell: heat-1 (lowest band) to heat-5, or heat-none."""
    band = score_band(score, bounds)
    return "heat-none" if band is None else f"heat-{band}"


def level_bounds(thresholds: Sequence[tuple[int, float]]) -> tuple[float, ...]:
    """Band bounds from a rubric's (level, min score) thresholds: the minimum of every level above 1."""
    return tuple(minimum for level, minimum in sorted(thresholds) if level > 1)
