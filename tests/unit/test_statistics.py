"""The statistics of the scoring core: the exact t quantile against published values and closed
forms, and spreads from value counts against the standard library's exact ones."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.scoring.statistics import (
    Z_95,
    consensus,
    mean,
    mean_interval,
    median,
    sample_sd,
    summarize,
    summarize_counts,
    t_critical_95,
    t_tail,
)

# Two-sided 95% critical values of Student's t as printed in tables (3 decimals).
PUBLISHED = {1: 12.706, 2: 4.303, 3: 3.182, 5: 2.571, 10: 2.228, 30: 2.042, 31: 2.040, 40: 2.021, 60: 2.000, 120: 1.980}


@pytest.mark.parametrize(("df", "published"), sorted(PUBLISHED.items()))
def test_t_quantile_matches_published_tables(df: int, published: float) -> None:
    assert round(t_critical_95(df), 3) == published


def test_t_quantile_tends_to_the_normal_one() -> None:
    assert round(t_critical_95(100_000), 3) == 1.960
    assert t_critical_95(10**9) == pytest.approx(Z_95, abs=1e-8)
    # no jump at 31 degrees of freedom, as the old table had (2.042 then 1.960)
    assert t_critical_95(30) - t_critical_95(31) == pytest.approx(0.00276, abs=1e-5)


def test_t_quantile_closed_forms() -> None:
    # 1 degree of freedom (Cauchy): P(|T| < t) = 2 atan(t) / pi = 0.95, so t = tan(0.475 pi) = 12.7062
    assert t_critical_95(1) == pytest.approx(math.tan(0.475 * math.pi), rel=1e-12)
    # 2: P(|T| < t) = t / sqrt(2 + t^2) = 0.95, so t^2 = 2 x 0.9025 / 0.0975 = 18.5128, t = 4.3027
    assert t_critical_95(2) == pytest.approx(math.sqrt(1.805 / 0.0975), rel=1e-12)


def _two_sided_probability(t: float, df: int) -> float:
    """P(|T| < t) by the finite series for whole degrees of freedom (Abramowitz & Stegun 26.7.3-4),
    independent of the incomplete beta function the program inverts."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:
        term = total = math.cos(theta) if df > 1 else 0.0
        for j in range(1, (df - 1) // 2):
            term *= 2 * j / (2 * j + 1) * c2
            total += term
        return 2 / math.pi * (theta + math.sin(theta) * total)
    term = total = 1.0
    for j in range(1, df // 2):
        term *= (2 * j - 1) / (2 * j) * c2
        total += term
    return math.sin(theta) * total


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 7, 10, 29, 30, 31, 32, 50, 99, 100, 250, 999, 1000, 1001, 3000])
def test_t_quantile_leaves_five_percent_in_the_tails(df: int) -> None:
    assert _two_sided_probability(t_critical_95(df), df) == pytest.approx(0.95, abs=1e-11)


def test_t_quantile_falls_with_degrees_of_freedom_across_the_series_switch() -> None:
    values = [t_critical_95(df) for df in range(1, 2001)]
    assert all(a > b for a, b in itertools.pairwise(values))
    assert values[-1] > Z_95
    assert t_tail(t_critical_95(1000), 1000.0) == pytest.approx(0.05, abs=1e-12)


def test_t_quantile_needs_a_degree_of_freedom() -> None:
    with pytest.raises(ValueError):
        t_critical_95(0)


scores = st.floats(min_value=0, max_value=100, allow_nan=False)
# Few distinct values, many repeats: how question scores look.
levels = st.sampled_from([0.0, 25.0, 50.0, 75.0, 100.0, 100 / 3, 200 / 3, 12.5])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(scores, levels), min_size=1, max_size=60))
def test_summary_equals_the_standard_library(values: list[float]) -> None:
    summary = summarize(values)
    assert summary.n == len(values)
    assert summary.mean == mean(values) == math.fsum(values) / len(values)
    assert summary.median == median(values) == statistics.median(values)
    if len(values) >= 2:
        assert summary.sd == sample_sd(values) == statistics.stdev(values)
        assert summary.consensus == consensus(values) == 100.0 * (1.0 - statistics.pstdev(values) / 50.0)
        interval = mean_interval(values)
        half = t_critical_95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
        assert interval == (math.fsum(values) / len(values) - half, math.fsum(values) / len(values) + half)
    else:
        assert summary.sd is None and sample_sd(values) is None
        assert summary.consensus == consensus(values) == 100.0


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(levels, st.integers(min_value=1, max_value=50), min_size=1))
def test_summary_of_counts_equals_the_summary_of_the_list(counts: dict[float, int]) -> None:
    values = [value for value, times in counts.items() for _ in range(times)]
    assert summarize_counts(counts) == summarize(values)


def test_empty_summary() -> None:
    assert summarize([]).n == 0 and summarize([]).mean is None and summarize([]).median is None
    with pytest.raises(statistics.StatisticsError):
        median([])
