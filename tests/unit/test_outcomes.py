"""Outcome metrics against published definitions and worked examples, computed by hand."""

from __future__ import annotations

import math

import pytest

from app.questionnaire.models import Questionnaire
from app.scoring.engine import score_assessment
from app.scoring.outcomes import ces_from_ratings, csat_from_ratings, nps_from_ratings
from app.scoring.statistics import wilson_interval
from tests.conftest import person


def test_nps_textbook_example() -> None:
    # The usual textbook case: 100 answers, 60 promoters (9-10), 25 passives (7-8), 15 detractors (0-6)
    # NPS = 60% - 15% = 45; passives count in the denominator.
    ratings = [10] * 30 + [9] * 30 + [8] * 15 + [7] * 10 + [6] * 5 + [3] * 10
    value, detail, (low, high) = nps_from_ratings(ratings)
    assert value == pytest.approx(45.0)
    assert detail == {"promoters_pct": 60.0, "passives_pct": 25.0, "detractors_pct": 15.0}
    # var = (0.60 + 0.15 - 0.45^2) / 100 = 0.005475; se = 0.073993; 1.96 x 7.3993 = 14.503 points
    assert low == pytest.approx(45 - 14.5025, abs=1e-3)
    assert high == pytest.approx(45 + 14.5025, abs=1e-3)


def test_nps_boundaries_six_is_a_detractor_seven_a_passive() -> None:
    value, detail, _ = nps_from_ratings([6, 7, 8, 9])
    # 1 promoter (9), 2 passives (7, 8), 1 detractor (6): (1 - 1) / 4 = 0
    assert value == 0.0
    assert detail["passives_pct"] == 50.0
    assert nps_from_ratings([10, 10])[0] == 100.0
    assert nps_from_ratings([0, 5, 6])[0] == -100.0


def test_csat_share_of_four_and_five_with_wilson_interval() -> None:
    # 80 of 100 ratings are 4 or 5 -> CSAT 80%
    ratings = [5] * 50 + [4] * 30 + [3] * 10 + [2] * 5 + [1] * 5
    value, _, (low, high) = csat_from_ratings(ratings)
    assert value == pytest.approx(80.0)
    # Wilson 95% for 80/100, as published in tables: 71.12% to 86.66%
    assert low == pytest.approx(71.12, abs=0.01)
    assert high == pytest.approx(86.66, abs=0.01)


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 0.0 < high < 0.35  # published: 0 to 0.2775 for 0/10
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_ces_mean_and_share_agreeing() -> None:
    value, detail, interval = ces_from_ratings([7, 6, 5, 3])
    # mean (7 + 6 + 5 + 3) / 4 = 5.25; 3 of 4 at 5-7 = 75%
    assert value == pytest.approx(5.25)
    assert detail == {"agree_pct": 75.0}
    # sd = sqrt((3.0625 + 0.5625 + 0.0625 + 5.0625) / 3) = 1.7078; se = 0.8539
    # t(3) = 3.182446 (tables print 3.182): with 3 degrees of freedom P(|T| < t) = (2 / pi) x
    # (theta + sin(theta) cos(theta)) where theta = atan(t / sqrt(3)); at t = 3.182446, theta = 1.072377
    # and (2 / pi) x (1.072377 + 0.878339 x 0.478037) = (2 / pi) x 1.492256 = 0.950000
    t3 = 3.182446
    theta = math.atan(t3 / math.sqrt(3))
    assert 2 / math.pi * (theta + math.sin(theta) * math.cos(theta)) == pytest.approx(0.95, abs=1e-6)
    assert interval is not None
    half = t3 * math.sqrt(8.75 / 3) / 2
    assert interval == pytest.approx((5.25 - half, 5.25 + half))


def test_outcomes_are_reported_apart_from_maturity(mini: Questionnaire) -> None:
    base = {"l1": 3}
    without = score_assessment(mini, [person("a", **base)])
    with_outcomes = score_assessment(mini, [person("a", **base, o_nps=[0, 0, 0], o_csat=[1, 1], o_clv=1200)])
    # a terrible NPS does not move maturity
    assert with_outcomes.overall.index == without.overall.index
    assert with_outcomes.dimensions == without.dimensions
    outcomes = {o.question_id: o for o in with_outcomes.outcomes}
    assert outcomes["o-nps"].value == -100.0 and outcomes["o-nps"].n == 3
    assert outcomes["o-csat"].value == 0.0 and outcomes["o-csat"].source == "ratings"
    assert outcomes["o-clv"].source == "reported" and outcomes["o-clv"].value == 1200
    assert outcomes["o-clv"].unit == "EUR"
    assert outcomes["o-ces"].source == "none" and outcomes["o-ces"].value is None


def test_ratings_are_pooled_and_reported_figures_summarised(mini: Questionnaire) -> None:
    people = [
        person("a", o_nps=[10, 9, 8]),  # 2 promoters, 1 passive
        person("b", o_nps=[0]),  # 1 detractor
        person("c", o_nps=30),  # a reported figure
        person("d", o_nps=50),
        person("e", o_nps=-20),
    ]
    nps = next(o for o in score_assessment(mini, people).outcomes if o.question_id == "o-nps")
    # pooled ratings: 4 answers, 2 promoters, 1 detractor -> (2 - 1) / 4 = 25
    assert nps.source == "ratings" and nps.value == pytest.approx(25.0) and nps.n == 4
    # reported figures apart: median of -20, 30, 50 = 30
    assert nps.reported is not None
    assert (nps.reported.n, nps.reported.median, nps.reported.low, nps.reported.high) == (3, 30, -20, 50)
