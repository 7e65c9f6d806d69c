"""The disclosure rules of the scoring core, played by an adversary who reads every published figure.

A published mean over n people is a sum over them, and sums can be added and subtracted.
These tests rebuild, from what a result shows, the linear system a reader could solve, and
check that no hidden group and no single person can be solved for: worked examples for each
way of recovering someone (a lone group, a group whose members mostly said "don't know", the
overall figure minus the other groups, the perception sides, two results with and without
answers in progress), and a property test over random group structures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent
from app.scoring.benchmark import disclosed_percentile, filter_available, place_among_peers
from app.scoring.engine import score_assessment
from app.scoring.privacy import Cell, disclosed_cells, effective_min_group_size, results_withheld
from app.scoring.result import AssessmentResult
from tests.conftest import person

# ---- the rule itself


def test_a_cell_that_leaves_a_small_remainder_is_not_disclosed() -> None:
    # 1 executive and 3 front line: showing the front line would give the executive away
    # (4 x overall - 3 x front line), so only the overall figure may be shown.
    exec_, front = ("executive", None, True), ("frontline", None, True)
    counts = {exec_: 1, front: 3}
    cells = [Cell("all", frozenset(counts)), Cell("exec", frozenset({exec_})), Cell("front", frozenset({front}))]
    assert disclosed_cells(counts, cells, 3) == {"all"}
    # With 3 executives both groups stand on their own.
    assert disclosed_cells({exec_: 3, front: 3}, cells, 3) == {"all", "exec", "front"}


def test_people_outside_every_shown_figure_need_no_group() -> None:
    # Only the executives (3) are shown: the 1 person outside is in no figure, so nothing describes them.
    exec_, other = ("executive", None, True), ("manager", None, True)
    assert disclosed_cells({exec_: 3, other: 1}, [Cell("exec", frozenset({exec_}))], 3) == {"exec"}


def test_already_published_sets_count() -> None:
    # The submitted-only result showed 3 people; the result with answers in progress adds 1 more:
    # the difference of the two would be that person, so the second figure is refused.
    submitted, unsubmitted = ("executive", None, True), ("executive", None, False)
    counts = {submitted: 3, unsubmitted: 1}
    cell = Cell("all", frozenset(counts))
    assert disclosed_cells(counts, [cell], 3, published=[frozenset({submitted})]) == set()
    assert disclosed_cells({submitted: 3, unsubmitted: 3}, [cell], 3, published=[frozenset({submitted})]) == {"all"}


def test_group_size_floor_and_withholding() -> None:
    assert effective_min_group_size(anonymous=True, min_group_size=1) == 3
    assert effective_min_group_size(anonymous=True, min_group_size=5) == 5
    assert effective_min_group_size(anonymous=False, min_group_size=1) == 1
    assert results_withheld(anonymous=True, submitted=2, min_group_size=3)
    assert not results_withheld(anonymous=True, submitted=3, min_group_size=3)
    assert not results_withheld(anonymous=False, submitted=1, min_group_size=3)


# ---- worked examples through the engine (mini: levels 1-5 score 0, 25, 50, 75, 100)


def test_overall_minus_the_shown_groups_never_gives_a_hidden_group(mini: Questionnaire) -> None:
    # The case: 1 executive (level 5 = 100) and 3 front line (levels 1, 2, 3 = 0, 25, 50).
    # Overall listen = 175 / 4 = 43.75; showing front line (25) would give 4 x 43.75 - 3 x 25 = 100.
    people = [person("e", "executive", "sales", l1=5)] + [
        person(f"f{i}", "frontline", "service", l1=level) for i, level in enumerate((1, 2, 3))
    ]
    result = score_assessment(mini, people, min_group_size=3)
    assert result.dimensions[0].score == pytest.approx(43.75)
    roles = {g.group: g for g in result.breakdowns.by_role}
    functions = {g.group: g for g in result.breakdowns.by_function}
    assert roles["frontline"].suppressed and roles["executive"].suppressed
    assert functions["service"].suppressed and functions["sales"].suppressed
    assert result.gaps.perception == [] and result.gaps.silo == []
    assert result.disclosure.hidden_cells == 4  # two roles and two functions, one dimension each
    assert result.disclosure.message is not None and "worked out" in result.disclosure.message


def test_a_cell_counts_who_scored_it_not_who_is_in_the_group(mini: Questionnaire) -> None:
    # Marketing has 3 people, but two answered "don't know" to the only act question: their
    # act cell would be one person's score. Sales (3) and service (3) answer everything.
    marketing = [person("m1", "manager", "marketing", l1=3, a1="no")] + [
        person(f"m{i}", "manager", "marketing", l1=3, a1="dont_know") for i in (2, 3)
    ]
    others = [person(f"s{i}", "manager", "sales", l1=4, a1="yes") for i in range(3)] + [
        person(f"v{i}", "manager", "service", l1=2, a1="partly") for i in range(3)
    ]
    result = score_assessment(mini, marketing + others, min_group_size=3)
    functions = {g.group: g for g in result.breakdowns.by_function}
    # listen: 9 people; marketing 3 x level 3 (50), sales 75, service 25: all shown
    assert functions["marketing"].dimensions["listen"] == pytest.approx(50.0)
    # act: marketing has one contributor (no = 0): hidden, and so its index
    assert functions["marketing"].dimensions["act"] is None and functions["marketing"].hidden == ["act"]
    assert functions["marketing"].index is None
    # act overall is over 7 people: sales 3 x 100, service 3 x 50, marketing 1 x 0 = 450 / 7; if both sales and
    # service were shown, 7 x overall - 3 x 100 - 3 x 50 = 0 would be the marketing person, so one of them
    # (sales and service are the same size; sales comes first in the questionnaire) is hidden too.
    act = next(d for d in result.dimensions if d.id == "act")
    assert act.score == pytest.approx(450 / 7)
    assert functions["sales"].dimensions["act"] == pytest.approx(100.0)
    assert functions["service"].dimensions["act"] is None and functions["service"].hidden == ["act"]


def test_an_anonymous_assessment_below_the_minimum_shows_nothing(mini: Questionnaire) -> None:
    people = [person("a", "executive", "sales", l1=5, a1="no", t1="only me"), person("b", l1=1)]
    result = score_assessment(mini, people, min_group_size=3, anonymous=True)
    assert result.disclosure.withheld
    assert result.overall.index is None and all(d.score is None for d in result.dimensions)
    assert all(q.distribution == {} and q.stats.mean is None for q in result.questions)
    assert result.breakdowns.by_role == [] and result.gaps.perception == [] and result.recommendations == []
    assert all(o.value is None for o in result.outcomes)
    # the same answers in a named assessment with groups of 2 are shown (the consultant sees names there anyway)
    assert score_assessment(mini, people, min_group_size=2).overall.index == pytest.approx(50.0)  # (100 + 0) / 2


def test_answers_in_progress_need_a_group_of_their_own(mini: Questionnaire) -> None:
    submitted = [person(f"s{i}", "manager", "sales", l1=3) for i in range(3)]
    lone = Respondent("p1", "manager", "sales", {"l1": 5}, submitted=False)
    result = score_assessment(mini, [*submitted, lone], min_group_size=3, anonymous=True)
    # one person in progress: left out, or the change from the submitted-only figure (50) would be theirs
    assert result.disclosure.in_progress == "left_out"
    assert result.dimensions[0].score == pytest.approx(50.0) and result.questions[0].distribution == {"3": 3}
    three = [Respondent(f"p{i}", "manager", "sales", {"l1": 5}, submitted=False) for i in range(3)]
    result = score_assessment(mini, [*submitted, *three], min_group_size=3, anonymous=True)
    assert result.disclosure.in_progress == "included"
    assert result.dimensions[0].score == pytest.approx(75.0)  # (3 x 50 + 3 x 100) / 6
    assert result.questions[0].distribution == {"3": 3, "5": 3}


def test_a_question_answered_by_too_few_is_hidden(mini: Questionnaire) -> None:
    people = [person(f"r{i}", l1=3) for i in range(4)] + [person("x", l1=3, a1="no")]
    result = score_assessment(mini, people, min_group_size=3)
    a1 = next(q for q in result.questions if q.id == "a1")
    assert a1.suppressed and a1.distribution == {} and a1.stats.mean is None
    act = next(d for d in result.dimensions if d.id == "act")
    assert act.suppressed and act.score is None  # one person scored act
    # the hidden dimension is left out of the index: listen alone, 50
    assert result.overall.index == pytest.approx(50.0)
    # the trigger on a1 = no was met by the one person who answered it: not shown either
    assert "t-no-policy" not in [r.id for r in result.recommendations]


# ---- benchmark


def test_benchmark_filters_that_would_set_one_peer_apart_are_refused() -> None:
    # 6 peers, 5 in retail: both the full and the retail benchmark have 5 or more, but the
    # difference between them is the one peer outside retail.
    peers = [("retail", "small")] * 5 + [("banking", "small")]
    assert filter_available(peers, None, None)
    assert not filter_available(peers, "retail", None)
    # with 5 outside retail too, both halves stand on their own
    ten = [("retail", "small")] * 5 + [("banking", "large")] * 5
    assert filter_available(ten, "retail", None) and filter_available(ten, None, "large")
    assert filter_available(ten, "retail", "small")  # the same 5 peers as the retail filter
    assert not filter_available(ten, "retail", "large")  # nobody


def test_a_tied_percentile_is_not_shown() -> None:
    # below 2 of 5 -> 40th percentile; a peer at exactly 50 would show as a half-count: hidden
    assert disclosed_percentile(50.0, [10.0, 20.0, 60.0, 70.0, 80.0]) == pytest.approx(40.0)
    assert disclosed_percentile(50.0, [10.0, 50.0, 60.0, 70.0, 80.0]) is None
    assert disclosed_percentile(50.0, [10.0, 20.0, 60.0, 70.0]) is None  # fewer than 5


def test_placing_a_result_among_peers(mini: Questionnaire) -> None:
    # one respondent each; only l1 answered, so listen = (level - 1) x 25 and the index equals it
    own = score_assessment(mini, [person("me", l1=3)])  # 50
    peers = [score_assessment(mini, [person(f"p{level}", l1=level)]) for level in (1, 2, 4, 5, 2)]  # 0 25 75 100 25
    index_percentile, dimensions = place_among_peers(own, peers)
    # 3 of the 5 peer indices lie below 50 -> 60th percentile
    assert index_percentile == pytest.approx(60.0)
    listen, act = dimensions
    assert (listen.id, listen.score, listen.percentile, listen.peer_median) == ("listen", 50.0, 60.0, 25.0)
    # nobody scored act: no score, no percentile, and fewer than 5 peer scores give no median
    assert (act.score, act.percentile, act.peer_median) == (None, None, None)
    # four peers are too few for a percentile
    assert place_among_peers(own, peers[:4])[0] is None


# ---- the adversary: solve for people from every published figure

ROLES = ("executive", "manager", "frontline", None)
FUNCTIONS = ("sales", "service", "marketing", None)
PERSPECTIVE = {"executive": "leader", "frontline": "frontline"}


def _rank(rows: Sequence[Sequence[Fraction]]) -> int:
    matrix = [list(r) for r in rows]
    rank, columns = 0, len(matrix[0]) if matrix else 0
    for col in range(columns):
        pivot = next((i for i in range(rank, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for i in range(len(matrix)):
            if i != rank and matrix[i][col] != 0:
                factor = matrix[i][col] / matrix[rank][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[rank], strict=True)]
        rank += 1
    return rank


def _solvable(published: Sequence[frozenset[str]], target: Iterable[str], people: Sequence[str]) -> bool:
    """Whether the sum over `target` is a linear combination of the sums over the `published` sets."""
    vector = [Fraction(int(p in set(target))) for p in people]
    rows = [[Fraction(int(p in s)) for p in people] for s in published]
    return _rank([*rows, vector]) == _rank(rows) if rows else False


def _published_sets(
    result: AssessmentResult, people: Sequence[Respondent], dimension: str, scorers: dict[str, set[str]]
) -> list[frozenset[str]]:
    """The sets of people whose scores on `dimension` the result publishes a mean of."""
    contributors = scorers[dimension]
    sets: list[frozenset[str]] = []
    dim = next(d for d in result.dimensions if d.id == dimension)
    if dim.score is not None:
        sets.append(frozenset(contributors))
    for kind, rows in (("role", result.breakdowns.by_role), ("function", result.breakdowns.by_function)):
        for row in rows:
            if row.dimensions.get(dimension) is not None:
                sets.append(frozenset(p.id for p in people if getattr(p, kind) == row.group and p.id in contributors))
    for gap in result.gaps.perception:
        if gap.dimension == dimension:
            for side in ("leader", "frontline"):
                sets.append(
                    frozenset(p.id for p in people if PERSPECTIVE.get(p.role or "") == side and p.id in contributors)
                )
    return sets


LEVEL_FOR_ACT = {"yes": 100.0, "partly": 50.0, "no": 0.0}

person_strategy = st.tuples(
    st.sampled_from(ROLES),
    st.sampled_from(FUNCTIONS),
    st.one_of(st.none(), st.integers(1, 5)),
    st.sampled_from(["yes", "partly", "no", "dont_know", None]),
    st.booleans(),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(person_strategy, min_size=1, max_size=14), st.integers(2, 4), st.booleans())
def test_no_hidden_group_or_person_can_be_solved_for(
    mini: Questionnaire,
    rows: list[tuple[str | None, str | None, int | None, str | None, bool]],
    m: int,
    anonymous: bool,
) -> None:
    people = []
    for i, (role, function, level, act, submitted) in enumerate(rows):
        answers: dict[str, object] = {}
        if level is not None:
            answers["l1"] = level
        if act is not None:
            answers["a1"] = act
        people.append(Respondent(f"p{i:02d}", role, function, answers, submitted=submitted))
    submitted_only = [p for p in people if p.submitted]
    results = [score_assessment(mini, people, min_group_size=m, anonymous=anonymous)]
    if len(submitted_only) != len(people):  # the reader can also ask without answers in progress
        results.append(score_assessment(mini, submitted_only, min_group_size=m, anonymous=anonymous))
    ids = [p.id for p in people]
    scorers = {
        "listen": {p.id for p in people if "l1" in p.answers},
        "act": {p.id for p in people if p.answers.get("a1") in LEVEL_FOR_ACT},
    }
    for dimension in ("listen", "act"):
        published: list[frozenset[str]] = []
        for result in results:
            counted = {p.id for p in people} if result is results[0] else {p.id for p in submitted_only}
            if result.disclosure.in_progress == "left_out":
                counted = {p.id for p in submitted_only}
            in_result = [p for p in people if p.id in counted]
            published += _published_sets(result, in_result, dimension, {k: v & counted for k, v in scorers.items()})
        published = [s for s in published if s]
        for s in published:
            assert len(s) >= m, f"a published {dimension} figure describes {len(s)} people"
        for someone in scorers[dimension]:
            assert not _solvable(published, [someone], ids), f"{someone}'s {dimension} score can be solved for"
        # every group of fewer than m people who share a role or function stays hidden
        for kind, values in (("role", ROLES), ("function", FUNCTIONS)):
            for value in values:
                group = {p.id for p in people if getattr(p, kind) == value and p.id in scorers[dimension]}
                if 0 < len(group) < m:
                    assert not _solvable(published, group, ids), f"{kind} {value} on {dimension} can be solved for"
