"""Outcome metrics (NPS, CSAT, CES, percentages, money), computed apart from maturity and never mixed in.

Satisfaction and loyalty describe customers, not the organization, so these figures are
reported beside the maturity score with their own n and 95% interval.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from app.questionnaire.kinds.outcome import OutcomeKind
from app.questionnaire.models import Question
from app.scoring.result import OutcomeResult, Reported
from app.scoring.statistics import interval_of, median, nps_interval, summarize_counts, wilson_interval

Ratings = Mapping[int, int]  # a rating -> how many customers gave it
Metric = tuple[float, dict[str, float], tuple[float, float] | None]


def nps_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """NPS = % promoters (9-10) minus % detractors (0-6); passives (7-8) count in the denominator."""
    return _nps(Counter(ratings))


def csat_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """CSAT = % of ratings that are 4 or 5 on a 1-5 scale, with a Wilson interval."""
    return _csat(Counter(ratings))


def ces_from_ratings(ratings: Sequence[int]) -> Metric:
    """CES = mean of 1-7 ratings (7 = easiest); also the % agreeing it was easy (5-7)."""
    return _ces(Counter(ratings))


# Pooled ratings are counted, not listed: 100,000 respondents with 20 ratings each are 2 million
# ratings but only 11 distinct values.
def _nps(ratings: Ratings) -> tuple[float, dict[str, float], tuple[float, float]]:
    n = sum(ratings.values())
    promoters = sum(k for r, k in ratings.items() if r >= 9)
    detractors = sum(k for r, k in ratings.items() if r <= 6)
    detail = {
        "promoters_pct": 100.0 * promoters / n,
        "passives_pct": 100.0 * (n - promoters - detractors) / n,
        "detractors_pct": 100.0 * detractors / n,
    }
    return 100.0 * (promoters - detractors) / n, detail, nps_interval(promoters, detractors, n)


def _csat(ratings: Ratings) -> tuple[float, dict[str, float], tuple[float, float]]:
    n = sum(ratings.values())
    satisfied = sum(k for r, k in ratings.items() if r >= 4)
    low, high = wilson_interval(satisfied, n)
    return 100.0 * satisfied / n, {"satisfied_pct": 100.0 * satisfied / n}, (100 * low, 100 * high)


def _ces(ratings: Ratings) -> Metric:
    summary = summarize_counts({float(r): k for r, k in ratings.items()})
    assert summary.mean is not None
    easy = sum(k for r, k in ratings.items() if r >= 5)
    return summary.mean, {"agree_pct": 100.0 * easy / summary.n}, interval_of(summary)


# Each metric the outcome kind takes raw ratings for (`RATING_RANGES`), by its name.
_FROM_RATINGS: dict[str, Callable[[Ratings], Metric]] = {"nps": _nps, "csat": _csat, "ces": _ces}


def outcome_result(question: Question, answers: Sequence[object]) -> OutcomeResult:
    """Pool every respondent's raw ratings into one metric; reported figures are summarised apart.

    When ratings exist they give the value (a computed figure beats a remembered one);
    otherwise the median of the reported figures does, so one outlier cannot move it.
    """
    ratings: Counter[int] = Counter(itertools.chain.from_iterable(a for a in answers if isinstance(a, list)))
    figures = [float(a) for a in answers if isinstance(a, int | float) and not isinstance(a, bool)]
    reported = (
        Reported(n=len(figures), median=median(figures), low=min(figures), high=max(figures)) if figures else None
    )
    base = {
        "question_id": question.id,
        "metric": question.type.value,
        "covers": list(question.covers),
        "text": question.text,
        "unit": OutcomeKind.unit(question),
        "reported": reported,
    }
    if ratings and question.type.value in _FROM_RATINGS:
        value, detail, interval = _FROM_RATINGS[question.type.value](ratings)
        return OutcomeResult(
            **base,
            source="ratings",
            value=value,
            n=ratings.total(),
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
            detail=detail,
        )
    if reported is not None:
        return OutcomeResult(
            **base, source="reported", value=reported.median, n=reported.n, ci_low=None, ci_high=None, detail={}
        )
    return OutcomeResult(**base, source="none", value=None, n=0, ci_low=None, ci_high=None, detail={})
