"""Small, exact statistics for survey results: spread, consensus and 95% confidence intervals."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

Z_95 = 1.959963984540054
# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom; above 30 the
# normal value is within 4% and is used instead.
_T_95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_critical_95(degrees_of_freedom: int) -> float:
    if degrees_of_freedom < 1:
        raise ValueError("at least one degree of freedom is needed")
    return _T_95[degrees_of_freedom - 1] if degrees_of_freedom <= len(_T_95) else Z_95


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float:
    """Mean of (value, weight) pairs."""
    return math.fsum(v * w for v, w in pairs) / math.fsum(w for _, w in pairs)


def sample_sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1); undefined for fewer than two values."""
    return statistics.stdev(values) if len(values) >= 2 else None


def consensus(values: Sequence[float]) -> float:
    """Agreement between respondents on a 0-100 scale: 100 when all give the same score, 0 when
    they split evenly between 0 and 100 (the largest population spread possible, 50 points)."""
    return 100.0 * (1.0 - statistics.pstdev(values) / 50.0) if len(values) >= 2 else 100.0


def mean_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """95% interval of a mean from Student's t; None below two values."""
    if len(values) < 2:
        return None
    centre = mean(values)
    half = t_critical_95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return centre - half, centre + half


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of a proportion; stays within 0-1 and behaves at small n."""
    p = successes / n
    z2 = Z_95 * Z_95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_interval(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """95% interval of an NPS (in points) from the variance of a difference of two proportions
    of the same sample: var = (p + d - (p - d)^2) / n."""
    p, d = promoters / n, detractors / n
    half = Z_95 * math.sqrt((p + d - (p - d) ** 2) / n) * 100
    score = (p - d) * 100
    return max(-100.0, score - half), min(100.0, score + half)
