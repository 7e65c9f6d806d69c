"""Chart geometry checked by hand: where the radar puts a score, how long a bar is, which colour a cell gets."""

from __future__ import annotations

import pytest

from app.presentation import charts
from app.presentation.charts import Point

CENTER = Point(100.0, 100.0)


def close(a: Point, b: Point) -> bool:
    return abs(a.x - b.x) < 1e-9 and abs(a.y - b.y) < 1e-9


def test_a_full_score_on_the_first_axis_is_straight_up() -> None:
    assert close(charts.radar_point(0, 5, 100, CENTER, 50), Point(100, 50))


def test_half_a_score_is_half_way_out() -> None:
    assert close(charts.radar_point(0, 5, 50, CENTER, 50), Point(100, 75))


def test_axes_go_clockwise_from_the_top() -> None:
    assert close(charts.radar_point(1, 4, 100, CENTER, 50), Point(150, 100))  # right
    assert close(charts.radar_point(2, 4, 100, CENTER, 50), Point(100, 150))  # bottom
    assert close(charts.radar_point(3, 4, 40, CENTER, 50), Point(80, 100))  # left, 40% out


def test_missing_and_out_of_range_scores_stay_on_the_chart() -> None:
    assert close(charts.radar_point(2, 6, None, CENTER, 50), CENTER)
    assert close(charts.radar_point(0, 4, 130, CENTER, 50), Point(100, 50))
    assert close(charts.radar_point(0, 4, -10, CENTER, 50), CENTER)


def test_radar_shape_rings_and_labels() -> None:
    chart = charts.radar(
        [("Strategy", 100.0), ("Leadership", 50.0), ("Insight", 0.0), ("Voice", None)],
        reference=[50.0, 50.0, 50.0, 50.0],
        radius=100,
        margin_x=150,
        margin_y=60,
    )
    assert chart.center == Point(250, 160)
    assert (chart.width, chart.height) == (500, 320)
    # 100 at the top, 50 half way to the right, 0 and missing at the centre
    assert chart.shape == "250.0,60.0 300.0,160.0 250.0,160.0 250.0,160.0"
    assert chart.reference == "250.0,110.0 300.0,160.0 250.0,210.0 200.0,160.0"
    assert [ring for ring, _ in chart.rings] == [20, 40, 60, 80, 100]
    assert chart.rings[-1][1] == "250.0,60.0 350.0,160.0 250.0,260.0 150.0,160.0"
    top, right, bottom, left = chart.axes
    assert (top.anchor, right.anchor, bottom.anchor, left.anchor) == ("middle", "start", "middle", "end")
    assert top.lines[-1].y < top.end.y  # the label sits above the top axis
    assert bottom.lines[0].y > bottom.end.y  # and below the bottom one
    assert right.lines[0].x > right.end.x and left.lines[0].x < left.end.x
    assert left.lines[0].text == "Voice (no score)"
    assert [a.number.text for a in chart.axes] == ["1", "2", "3", "4"]


def test_radar_needs_three_axes_and_a_matching_reference() -> None:
    with pytest.raises(ValueError):
        charts.radar([("a", 1.0), ("b", 2.0)])
    with pytest.raises(ValueError):
        charts.radar([("a", 1.0), ("b", 2.0), ("c", 3.0)], reference=[1.0])


def test_long_labels_wrap_into_at_most_three_lines() -> None:
    lines = charts.wrap_label("Cross-functional collaboration and shared data across every team we have", 18)
    assert len(lines) == 3
    assert all(len(line) <= 18 for line in lines)
    assert lines[-1].endswith("…")
    assert charts.wrap_label("Strategy") == ("Strategy",)


def test_bar_width() -> None:
    assert charts.bar_width(58.26) == 58.3
    assert charts.bar_width(50, full=200) == 100
    assert charts.bar_width(None) == 0
    assert charts.bar_width(120) == 100
    assert charts.bar_width(-5) == 0


@pytest.mark.parametrize(
    ("score", "band", "css"),
    [
        (0, 1, "heat-1"),
        (19.99, 1, "heat-1"),
        (20, 2, "heat-2"),
        (59.9, 3, "heat-3"),
        (80, 5, "heat-5"),
        (100, 5, "heat-5"),
        (None, None, "heat-none"),
        (float("nan"), None, "heat-none"),
    ],
)
def test_score_bands_follow_the_level_thresholds(score: float | None, band: int | None, css: str) -> None:
    assert charts.score_band(score) == band
    assert charts.heat_class(score) == css


def test_bounds_come_from_the_rubric_thresholds() -> None:
    bounds = charts.level_bounds([(2, 25.0), (1, 0.0), (3, 50.0), (4, 70.0), (5, 90.0)])
    assert bounds == (25.0, 50.0, 70.0, 90.0)
    assert charts.heat_class(24.9, bounds) == "heat-1"
    assert charts.heat_class(89.9, bounds) == "heat-4"
