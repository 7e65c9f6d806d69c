"""Outcome metrics (NPS, CSAT, CES, percentages, money), computed apart from maturity and never mixed in.

Satisfaction and loyalty describe customers, not the organization, so these figures are
reported beside the maturity score with their own n and 95% interval.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from app.questionnaire.models import Question, QuestionType
from app.scoring.result import OutcomeResult, Reported
from app.scoring.statistics import mean, mean_interval, nps_interval, wilson_interval


def nps_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """NPS = % promoters (9-10) minus % detractors (0-6); passives (7-8) count in the denominator."""
    n = len(ratings)
    promoters = sum(1 for r in ratings if r >= 9)
    detractors = sum(1 for r in ratings if r <= 6)
    detail = {
        "promoters_pct": 100.0 * promoters / n,
        "passives_pct": 100.0 * (n - promoters - detractors) / n,
        "detractors_pct": 100.0 * detractors / n,
    }
    return 100.0 * (promoters - detractors) / n, detail, nps_interval(promoters, detractors, n)


def csat_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """CSAT = % of ratings that are 4 or 5 on a 1-5 scale, with a Wilson interval."""
    n = len(ratings)
    satisfied = sum(1 for r in ratings if r >= 4)
    low, high = wilson_interval(satisfied, n)
    return 100.0 * satisfied / n, {"satisfied_pct": 100.0 * satisfied / n}, (100 * low, 100 * high)


def ces_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float] | None]:
    """CES = mean of 1-7 ratings (7 = easiest); also the % agreeing it was easy (5-7)."""
    values = [float(r) for r in ratings]
    easy = sum(1 for r in ratings if r >= 5)
    return mean(values), {"agree_pct": 100.0 * easy / len(ratings)}, mean_interval(values)


_FROM_RATINGS = {
    QuestionType.NPS: nps_from_ratings,
    QuestionType.CSAT: csat_from_ratings,
    QuestionType.CES: ces_from_ratings,
}


def outcome_result(question: Question, answers: Sequence[object]) -> OutcomeResult:
    """Pool every respondent's raw ratings into one metric; reported figures are summarised apart.

    When ratings exist they give the value (a computed figure beats a remembered one);
    otherwise the median of the reported figures does, so one outlier cannot move it.
    """
    ratings = [r for answer in answers if isinstance(answer, list) for r in answer]
    figures = [float(a) for a in answers if isinstance(a, int | float) and not isinstance(a, bool)]
    reported = (
        Reported(n=len(figures), median=statistics.median(figures), low=min(figures), high=max(figures))
        if figures
        else None
    )
    base = {
        "question_id": question.id,
        "metric": question.type.value,
        "covers": list(question.covers),
        "text": question.text,
        "unit": "%" if question.type is QuestionType.PERCENT else question.unit,
        "reported": reported,
    }
    if ratings and question.type in _FROM_RATINGS:
        value, detail, interval = _FROM_RATINGS[question.type](ratings)
        return OutcomeResult(
            **base,
            source="ratings",
            value=value,
            n=len(ratings),
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
            detail=detail,
        )
    if reported is not None:
        return OutcomeResult(
            **base, source="reported", value=reported.median, n=reported.n, ci_low=None, ci_high=None, detail={}
        )
    return OutcomeResult(**base, source="none", value=None, n=0, ci_low=None, ci_high=None, detail={})
