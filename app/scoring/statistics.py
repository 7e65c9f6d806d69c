"""Small, exact statistics for survey results: spread, consensus and 95% confidence intervals.

Spreads are exact: the sum of squared deviations is computed in rational arithmetic and its
square root rounded once, as `statistics.stdev` does, but from the distinct values and how
often each occurs, so a column of 100,000 scores drawn from a handful of levels costs a
handful of fractions, not 100,000.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

Z_95 = 1.959963984540054


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float:
    """Mean of (value, weight) pairs."""
    return math.fsum(v * w for v, w in pairs) / math.fsum(w for _, w in pairs)


@dataclass(frozen=True)
class Summary:
    """The figures a group of scores is described by; `sd` needs two values, `median` one."""

    n: int
    mean: float | None
    median: float | None
    sd: float | None
    consensus: float | None


def summarize(values: Sequence[float]) -> Summary:
    """n, mean, median, sample sd and consensus of `values`, each equal to the float that
    `mean`, `statistics.median`, `statistics.stdev` and `consensus` give on the list itself."""
    return summarize_counts(Counter(values))


def summarize_counts(counts: Mapping[float, int]) -> Summary:
    """`summarize` of the values counted in `counts` (value -> how many times it occurs)."""
    n = sum(counts.values())
    if not n:
        return Summary(n=0, mean=None, median=None, sd=None, consensus=None)
    total, spread = _sums(counts, n)
    return Summary(
        n=n,
        # fsum rounds the exact sum once, as float() of the fraction does; then the division rounds.
        mean=float(total) / n,
        median=_median_of_counts(counts, n),
        sd=_sqrt_of_fraction(spread / (n - 1)) if n >= 2 else None,
        consensus=_consensus_of(spread, n),
    )


def sample_sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1); undefined for fewer than two values."""
    return summarize(values).sd


def consensus(values: Sequence[float]) -> float:
    """Agreement between respondents on a 0-100 scale: 100 when all give the same score, 0 when
    they split evenly between 0 and 100 (the largest population spread possible, 50 points)."""
    found = summarize(values).consensus
    return 100.0 if found is None else found


def median(values: Sequence[float]) -> float:
    """The middle value; the mean of the two middle ones for an even count (as `statistics.median`)."""
    if not values:
        raise statistics.StatisticsError("no median for empty data")
    return _median_of_counts(Counter(values), len(values))


def _consensus_of(spread: Fraction, n: int) -> float:
    return 100.0 * (1.0 - _sqrt_of_fraction(spread / n) / 50.0) if n >= 2 else 100.0


def _sums(counts: Mapping[float, int], n: int) -> tuple[Fraction, Fraction]:
    """The exact sum of the values counted in `counts`, and of their squared deviations from their mean.

    Every float is a fraction with a power-of-two denominator, so the sums are kept as one
    integer numerator per denominator and turned into fractions only at the end."""
    sx: dict[int, int] = {}
    sxx: dict[int, int] = {}
    for value, times in counts.items():
        if not math.isfinite(value):
            raise ValueError(f"a spread needs finite values, got {value!r}")
        numerator, denominator = value.as_integer_ratio()
        sx[denominator] = sx.get(denominator, 0) + numerator * times
        sxx[denominator] = sxx.get(denominator, 0) + numerator * numerator * times
    total = sum((Fraction(v, d) for d, v in sx.items()), Fraction(0))
    total_squares = sum((Fraction(v, d * d) for d, v in sxx.items()), Fraction(0))
    # n * sum(x^2) - (sum x)^2 loses everything in floats; in fractions it is exact.
    return total, (n * total_squares - total * total) / n


def _median_of_counts(counts: Mapping[float, int], n: int) -> float:
    lower_rank, upper_rank = (n - 1) // 2, n // 2  # 0-based ranks of the middle value(s)
    lower = upper = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            upper = value
            break
    assert lower is not None and upper is not None
    return lower if n % 2 else (lower + upper) / 2


# Bits kept beyond a double's 53 before the single rounding (CPython's statistics module uses the same).
_SQRT_BIT_WIDTH = 2 * sys.float_info.mant_dig + 3


def _sqrt_of_fraction(value: Fraction) -> float:
    """The square root of a non-negative fraction, correctly rounded to a float.

    The integer square root is taken with enough extra bits and rounded to odd, so that the
    one conversion to float rounds correctly (https://bugs.python.org/msg407078)."""
    n, m = value.numerator, value.denominator
    q = (n.bit_length() - m.bit_length() - _SQRT_BIT_WIDTH) // 2
    if q >= 0:
        return (_isqrt_round_to_odd(n, m << 2 * q) << q) / 1
    return _isqrt_round_to_odd(n << -2 * q, m) / (1 << -q)


def _isqrt_round_to_odd(n: int, m: int) -> int:
    root = math.isqrt(n // m)
    return root | (root * root * m != n)


def mean_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """95% interval of a mean from Student's t; None below two values."""
    if len(values) < 2:
        return None
    return interval_of(summarize(values))


def interval_of(summary: Summary) -> tuple[float, float] | None:
    """`mean_interval` of the values a summary describes."""
    if summary.n < 2:
        return None
    assert summary.mean is not None and summary.sd is not None
    half = t_critical_95(summary.n - 1) * summary.sd / math.sqrt(summary.n)
    return summary.mean - half, summary.mean + half


@lru_cache(maxsize=1024)
def t_critical_95(degrees_of_freedom: int) -> float:
    """The two-sided 95% critical value of Student's t: the t with P(|T| > t) = 0.05.

    Solved by Newton's method on the exact tail probability, P(|T| > t) = I_x(df/2, 1/2) with
    x = df / (df + t^2) (the regularized incomplete beta function). The tail is convex for
    t > 0 and the normal 1.95996 lies below every t quantile, so the iteration climbs to the
    root from below without overshooting. From 1,000 degrees of freedom the Cornish-Fisher
    series of t around the normal quantile (Abramowitz & Stegun 26.7.5) is used instead: its
    first omitted term is below 1e-15 there, while lgamma of such large arguments would lose
    digits in the beta function's prefactor."""
    if degrees_of_freedom < 1:
        raise ValueError("at least one degree of freedom is needed")
    df = float(degrees_of_freedom)
    if df >= _SERIES_FROM_DF:
        return _cornish_fisher_t(Z_95, df)
    t = Z_95
    for _ in range(200):
        step = (t_tail(t, df) - 0.05) / (2.0 * t_density(t, df))
        t += step
        if abs(step) <= 1e-15 * t:
            break
    return t


_SERIES_FROM_DF = 1000


def _cornish_fisher_t(z: float, df: float) -> float:
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def t_tail(t: float, df: float) -> float:
    """P(|T| > t) for Student's t with `df` degrees of freedom, t >= 0."""
    return regularized_beta(df / (df + t * t), df / 2, 0.5)


def t_density(t: float, df: float) -> float:
    """The density of Student's t at `t`."""
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, by its continued fraction
    (modified Lentz), on the side of the symmetry I_x(a, b) = 1 - I_(1-x)(b, a) where it converges fast."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


_TINY = 1e-300


def _beta_fraction(x: float, a: float, b: float) -> float:
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, 10_000):
        # The even step, then the odd step, of the fraction's terms d_2m and d_2m+1.
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            result *= c * d
        if abs(c * d - 1.0) < 1e-16:
            break
    return result


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
