"""Worked examples on tests/fixtures/mini.yaml, every expected number computed by hand.

Question scores in mini.yaml: maturity level L -> (L - 1) x 25; agreement (built-in,
5 options) -> 0/25/50/75/100; checklist -> ticked weight / 4 (survey 1, interviews 1,
reviews 2); yes/partly/no -> 100/50/0; a2 bands [0,1) 0, [1,3) 50, [3,..) 100 (shown
only when a1 is yes or partly); a3 custom scale never 0, sometimes 40, often 100.
Weights: l3 = 2, others 1; dimension listen = 2, act = 1. Target level 4.
"""

from __future__ import annotations

import math

import pytest

from app.questionnaire.models import Questionnaire
from app.scoring.engine import score_assessment
from tests.conftest import person


def test_one_respondent_all_questions(mini: Questionnaire) -> None:
    r1 = person("r1", "executive", "sales", l1=4, l2="agree", l3=["survey", "reviews"], a1="yes", a2=2, a3="sometimes")
    result = score_assessment(mini, [r1])
    listen, act = result.dimensions
    # listen = (75x1 + 75x1 + 75x2) / 4 = 75; l3 = (1 + 2) / 4 = 75
    assert listen.score == pytest.approx(75.0)
    assert listen.level == 4  # 60 <= 75 < 80
    # act = (100 + 50 + 40) / 3 = 63.333...
    assert act.score == pytest.approx(190 / 3)
    assert act.level == 4
    # index = (75 x 2 + 63.333 x 1) / 3 = 71.111...
    assert result.overall.index == pytest.approx((150 + 190 / 3) / 3)
    assert result.overall.threshold_level == 4
    assert result.overall.level == 4
    assert result.overall.level_name == "Integrated"
    assert result.overall.gates == []
    assert result.overall.band is None  # one respondent: no spread to build an interval from
    # six required questions visible (a2 shown by a1 = yes), six answered
    assert result.confidence.completion == 1.0
    assert result.confidence.rating == "low"  # 1 respondent < 3 for medium
    assert result.questionnaire.id == "mini" and result.questionnaire.version == "1.0"
    assert result.questionnaire.hash == mini.content_hash()


def test_gating_by_weakest_dimension(mini: Questionnaire) -> None:
    # listen: 100, 100, checklist all ticked 100 -> 100 (level 5)
    # act: a1 no -> 0, a2 hidden, a3 never -> 0 => 0 (level 1)
    r = person("r", l1=5, l2="strongly_agree", l3=["survey", "interviews", "reviews"], a1="no", a3="never")
    result = score_assessment(mini, [r])
    # index = (100 x 2 + 0) / 3 = 66.667 -> level 4 by thresholds
    assert result.overall.index == pytest.approx(200 / 3)
    assert result.overall.threshold_level == 4
    # max_above_weakest 1: weakest is act at level 1 -> at most level 2
    assert result.overall.level == 2
    assert [(g.rule, g.capped_at) for g in result.overall.gates] == [("max_above_weakest", 2)]
    assert "Acting" in result.overall.gates[0].explanation
    assert result.questions[4].hidden == 1  # a2


def test_gating_by_minimum_dimension_level(mini: Questionnaire) -> None:
    # listen: l1=2 -> 25, l2 disagree -> 25, l3 survey -> 25 => 25 (level 2)
    # act: yes 100, a2=5 -> 100, often 100 => 100 (level 5)
    r = person("r", l1=2, l2="disagree", l3=["survey"], a1="yes", a2=5, a3="often")
    result = score_assessment(mini, [r])
    # index = (25 x 2 + 100) / 3 = 50 -> level 3; weakest (2) + 1 = 3 does not bind
    assert result.overall.index == pytest.approx(50.0)
    assert result.overall.threshold_level == 3
    # level 3 needs listen at level 3 or above; listen is at 2 -> held at 2
    assert result.overall.level == 2
    assert [(g.rule, g.capped_at) for g in result.overall.gates] == [("minimum_dimension_level", 2)]


def test_dont_know_and_not_applicable_are_counted_but_not_averaged(mini: Questionnaire) -> None:
    r = person("r", l1=3, l2="not_applicable", l3="dont_know", a1="dont_know", a3="often")
    result = score_assessment(mini, [r])
    listen, act = result.dimensions
    assert listen.score == pytest.approx(50.0)  # only l1 = (3 - 1) x 25
    assert (listen.dont_know, listen.not_applicable) == (1, 1)
    # a1 "don't know" is left out and hides a2 (its condition needs yes/partly); a3 = 100
    assert act.score == pytest.approx(100.0)
    assert act.dont_know == 1
    assert result.questions[4].hidden == 1
    # five scored answers (l1, l2, l3, a1, a3): two don't know, one not applicable
    assert result.confidence.dont_know_share == pytest.approx(2 / 5)
    assert result.confidence.not_applicable_share == pytest.approx(1 / 5)
    assert result.confidence.completion == 1.0  # specials count as answered


def test_hidden_question_is_not_counted_at_all(mini: Questionnaire) -> None:
    # a1 = no hides a2: a2 is neither unanswered nor part of any mean or of completion
    result = score_assessment(mini, [person("r", l1=1, a1="no")])
    a2 = result.questions[4]
    assert (a2.hidden, a2.unanswered, a2.stats.n) == (1, 0, 0)
    # required visible: l1, l2, l3, a1, a3 = 5; answered 2
    assert result.confidence.completion == pytest.approx(2 / 5)


def test_many_respondents_stats_breakdowns_and_gaps(mini: Questionnaire) -> None:
    people = [
        person("e1", "executive", "sales", l1=5, a3="often"),  # listen 100, act 100
        person("e2", "executive", "service", l1=4, a3="often"),  # listen 75, act 100
        person("f1", "frontline", "sales", l1=2, a3="sometimes"),  # listen 25, act 40
        person("f2", "frontline", "service", l1=1, a3="never"),  # listen 0, act 0
    ]
    result = score_assessment(mini, people)
    listen, act = result.dimensions
    # listen: mean (100 + 75 + 25 + 0) / 4 = 50; median (25 + 75) / 2 = 50
    # sample sd: squares 2500 + 625 + 625 + 2500 = 6250; sqrt(6250 / 3) = 45.644
    # consensus: population sd sqrt(6250 / 4) = 39.528; 100 x (1 - 39.528 / 50) = 20.944
    assert listen.score == pytest.approx(50.0)
    assert listen.stats.median == pytest.approx(50.0)
    assert listen.stats.sd == pytest.approx(45.6435, abs=1e-4)
    assert listen.stats.consensus == pytest.approx(20.9431, abs=1e-4)
    assert listen.level == 3
    # act: (100 + 100 + 40 + 0) / 4 = 60 -> level 4 (60 is the lower bound of level 4)
    assert act.score == pytest.approx(60.0)
    assert act.level == 4
    # index = (50 x 2 + 60) / 3 = 53.333 -> level 3
    assert result.overall.index == pytest.approx(160 / 3)
    assert result.overall.level == 3
    # completion: 5 required visible each (a2 hidden) = 20, answered 2 each = 8
    assert result.confidence.completion == pytest.approx(0.4)
    assert result.respondents == 4

    roles = {g.group: g for g in result.breakdowns.by_role}
    # executives: listen (100 + 75) / 2 = 87.5, act 100, index (175 + 100) / 3 = 91.667
    assert roles["executive"].dimensions == {"listen": pytest.approx(87.5), "act": pytest.approx(100.0)}
    assert roles["executive"].index == pytest.approx(275 / 3)
    # front line: listen 12.5, act 20, index (25 + 20) / 3 = 15
    assert roles["frontline"].index == pytest.approx(15.0)

    perception = {g.dimension: g for g in result.gaps.perception}
    assert perception["listen"].gap == pytest.approx(75.0)  # 87.5 - 12.5
    assert perception["act"].gap == pytest.approx(80.0)  # 100 - 20
    assert perception["listen"].flagged and perception["act"].flagged

    silo = {g.dimension: g for g in result.gaps.silo}
    # listen: sales (100 + 25) / 2 = 62.5, service (75 + 0) / 2 = 37.5 -> spread 25
    assert (silo["listen"].highest_function, silo["listen"].lowest_function) == ("sales", "service")
    assert silo["listen"].spread == pytest.approx(25.0)
    # act: sales (100 + 40) / 2 = 70, service (100 + 0) / 2 = 50 -> spread 20, at the threshold: flagged
    assert silo["act"].spread == pytest.approx(20.0)
    assert silo["act"].flagged

    distribution = result.questions[0].distribution
    assert distribution == {"1": 1, "2": 1, "4": 1, "5": 1}


def test_small_groups_are_suppressed(mini: Questionnaire) -> None:
    people = [
        person("e1", "executive", "sales", l1=5),
        person("e2", "executive", "sales", l1=4),
        person("f1", "frontline", "service", l1=2),
    ]
    result = score_assessment(mini, people, min_group_size=2)
    roles = {g.group: g for g in result.breakdowns.by_role}
    # The executives (2) reach the minimum, but showing them would give the lone front-line
    # score away: levels 5, 4, 2 score 100, 75, 25, and 3 x overall (200) - 2 x executives
    # (2 x 87.5 = 175) = 25. So both rows are hidden; the overall listen score 200 / 3 is shown.
    assert roles["executive"].suppressed and roles["executive"].hidden == ["listen"]
    assert roles["frontline"].suppressed and roles["frontline"].n is None and roles["frontline"].dimensions == {}
    assert result.dimensions[0].score == pytest.approx(200 / 3)
    # With a second front-line respondent, both roles (2 and 2) are shown.
    people.append(person("f2", "frontline", "service", l1=3))
    roles = {g.group: g for g in score_assessment(mini, people, min_group_size=2).breakdowns.by_role}
    assert roles["executive"].n == 2 and roles["executive"].dimensions["listen"] == pytest.approx(87.5)
    assert roles["frontline"].dimensions["listen"] == pytest.approx(37.5)  # (25 + 50) / 2
    people.pop()
    # one front-line respondent is below the minimum: no perception gap may be shown
    assert result.gaps.perception == []
    assert result.gaps.silo == []  # service has one respondent; one function left


def test_confidence_band(mini: Questionnaire) -> None:
    # only listen is answered, so each index equals the listen score: 50, 50, 75
    people = [person("a", l1=3), person("b", l1=3), person("c", l1=4)]
    result = score_assessment(mini, people)
    # mean 58.333; sample sd sqrt((69.44 + 69.44 + 277.78) / 2) = 14.434
    # standard error 14.434 / sqrt(3) = 8.3333 (= 25 / 3)
    # t(2) exactly: with 2 degrees of freedom P(|T| < t) = t / sqrt(2 + t^2); setting it to 0.95 gives
    # t^2 = 2 x 0.95^2 / (1 - 0.95^2) = 1.805 / 0.0975 = 18.5128, t = 4.30265 (tables: 4.303)
    # half-width = 4.30265 x 25 / 3 = 35.8554; band 58.3333 -+ 35.8554 = 22.4779 to 94.1888
    t2 = math.sqrt(1.805 / 0.0975)
    assert result.overall.index == pytest.approx(175 / 3)
    assert result.overall.band is not None
    assert result.overall.band.low == pytest.approx(175 / 3 - t2 * 25 / 3, abs=1e-9)
    assert result.overall.band.high == pytest.approx(175 / 3 + t2 * 25 / 3, abs=1e-9)
    assert (result.overall.band.low, result.overall.band.high) == pytest.approx((22.4779, 94.1888), abs=1e-4)


def test_recommendations_prioritized_and_ordered_by_dependencies(mini: Questionnaire) -> None:
    r = person("r", l1=5, l2="strongly_agree", l3=["survey", "interviews", "reviews"], a1="no", a3="never")
    result = score_assessment(mini, [r])
    # listen at level 5: no listen recommendation; act at level 1 (gap to target 4 = 3, weight 1):
    #   t-no-policy (trigger a1 = no, 1 of 1): 3 x 1 x medium 2 / low 1 = 6
    #   act-low: 3 x 1 x high 3 / high 3 = 3 (90 days, depends on act-foundation)
    #   act-foundation: 3 x 1 x low 1 / low 1 = 3 (365 days)
    # ranked 6, 3 (90 d), 3 (365 d); act-low must wait for act-foundation
    recs = {r.id: r for r in result.recommendations}
    assert [r.id for r in result.recommendations] == ["t-no-policy", "act-foundation", "act-low"]
    assert recs["t-no-policy"].priority == pytest.approx(6.0)
    assert recs["t-no-policy"].reason == "trigger" and recs["t-no-policy"].trigger_share == 1.0
    assert recs["act-low"].priority == pytest.approx(3.0)
    assert recs["act-foundation"].priority == pytest.approx(3.0)
    # act-low is written as 90 days but cannot finish before its 365-day dependency
    assert (recs["act-low"].horizon, recs["act-low"].roadmap_horizon) == (90, 365)
    assert result.roadmap.days_30 == ["t-no-policy"]
    assert result.roadmap.days_90 == []
    assert result.roadmap.days_365 == ["act-foundation", "act-low"]


def test_trigger_needs_the_share_of_respondents(mini: Questionnaire) -> None:
    # trigger a1 = no: 1 of 3 respondents who answered a1 (the don't-know one is not eligible)
    people = [person("a", a1="no"), person("b", a1="yes"), person("c", a1="partly"), person("d", a1="dont_know")]
    assert "t-no-policy" not in [r.id for r in score_assessment(mini, people).recommendations]
    # 2 of 3 = 0.667 >= 0.5
    people[2] = person("c", a1="no")
    recs = {r.id: r for r in score_assessment(mini, people).recommendations}
    assert recs["t-no-policy"].trigger_share == pytest.approx(2 / 3)


def test_target_level_changes_priorities(mini: Questionnaire) -> None:
    # listen 25 (level 2) -> listen-low; gap to target 5 = 3; weight 2; high 3 / low 1 -> 3 x 2 x 3 = 18
    r = person("r", l1=2, l2="disagree", l3=["survey"])
    recs = {x.id: x for x in score_assessment(mini, [r], target_level=5).recommendations}
    assert recs["listen-low"].priority == pytest.approx(18.0)
    recs = {x.id: x for x in score_assessment(mini, [r], target_level=2).recommendations}
    assert recs["listen-low"].priority == 0  # already at target: listed, not on the roadmap
    assert "listen-low" not in score_assessment(mini, [r], target_level=2).roadmap.days_30
