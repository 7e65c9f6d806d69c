"""The fast scoring engine gives exactly the result of the straightforward one it replaced
(tests/unit/reference_engine.py), on random answers to the worked-example and flagship questionnaires."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.questionnaire.library import find_questionnaire
from app.questionnaire.models import Condition, Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import Respondent, condition_holds
from app.scoring.engine import _plan_for, score_assessment
from tests.unit import reference_engine
from tests.unit.test_properties import ANSWER_CHOICES, MINI

# Besides the answers the form sends: numbers of another type (equal as keys, not as answers).
ODD_CHOICES: dict[str, st.SearchStrategy[Any]] = {
    **ANSWER_CHOICES,
    "a2": st.one_of(st.integers(min_value=0, max_value=20), st.floats(min_value=0, max_value=20), st.booleans()),
    "l1": st.one_of(ANSWER_CHOICES["l1"], st.just(True)),
}


@st.composite
def respondents(draw: st.DrawFn) -> list[Respondent]:
    count = draw(st.integers(min_value=0, max_value=12))
    people = []
    for i in range(count):
        answered = draw(st.lists(st.sampled_from(sorted(ODD_CHOICES)), unique=True))
        answers = {q: draw(ODD_CHOICES[q]) for q in answered}
        role = draw(st.sampled_from(["executive", "manager", "frontline", None]))
        function = draw(st.sampled_from(["sales", "service", "marketing", None]))
        people.append(Respondent(f"r{i}", role, function, answers, submitted=draw(st.booleans())))
    return people


def assert_same(questionnaire: Questionnaire, people: list[Respondent], **options: Any) -> None:
    fast = score_assessment(questionnaire, people, **options)
    reference = reference_engine.score_assessment(questionnaire, people, **options)
    # Compared field by field first, so that a failure names the part that differs.
    for name in type(fast).model_fields:
        assert getattr(fast, name) == getattr(reference, name), name
    assert fast == reference


@settings(max_examples=300, deadline=None)
@given(respondents(), st.integers(min_value=1, max_value=5), st.booleans(), st.sampled_from([None, 2, 5]))
def test_same_result_on_the_worked_example_questionnaire(
    people: list[Respondent], min_group_size: int, anonymous: bool, target: int | None
) -> None:
    assert_same(MINI, people, min_group_size=min_group_size, anonymous=anonymous, target_level=target)


def random_flagship_respondents(questionnaire: Questionnaire, count: int, rng: random.Random) -> list[Respondent]:
    """Answers of every kind, with gaps, "don't know", answers to hidden questions and unsubmitted people."""
    specs = [(q.id, accepted_answers(q, questionnaire)) for q in questionnaire.questions]
    roles = [r.id for r in questionnaire.roles] + [None]
    functions = [f.id for f in questionnaire.functions] + [None]
    people = []
    for i in range(count):
        answers: dict[str, object] = {}
        for qid, spec in specs:
            if rng.random() < 0.1:
                continue
            kind = spec["kind"]
            if spec["special"] and rng.random() < 0.08:
                answers[qid] = rng.choice(spec["special"])
            elif kind in ("level", "choice"):
                answers[qid] = rng.choice(spec["values"])["value"]
            elif kind == "checklist":
                answers[qid] = [v["value"] for v in spec["values"] if rng.random() < 0.5]
            elif kind == "number":
                answers[qid] = rng.choice([rng.randint(0, 12), float(rng.randint(0, 12)), rng.uniform(0, 12)])
            elif kind == "text":
                answers[qid] = rng.choice(["More people on the phones.", "Fewer handoffs."])
            elif spec.get("accepts") in ("both", "ratings") and rng.random() < 0.7:
                answers[qid] = [rng.randint(spec["rating_min"], spec["rating_max"]) for _ in range(rng.randint(1, 5))]
            else:
                answers[qid] = rng.choice([float(rng.randint(1, 7)), rng.randint(1, 7)])
        people.append(Respondent(f"p{i:03d}", rng.choice(roles), rng.choice(functions), answers, rng.random() < 0.85))
    return people


@pytest.mark.parametrize("seed", range(12))
def test_same_result_on_the_flagship_questionnaire(seed: int) -> None:
    questionnaire = find_questionnaire("customer-centricity")
    rng = random.Random(seed)
    people = random_flagship_respondents(questionnaire, rng.choice([1, 2, 4, 9, 30, 120]), rng)
    assert_same(
        questionnaire, people, min_group_size=rng.choice([1, 3, 5]), anonymous=rng.random() < 0.5, target_level=None
    )


def test_a_changed_questionnaire_is_compiled_again() -> None:
    # The compiled plan is kept per questionnaire object: a copy with other weights must not reuse it.
    questionnaire = find_questionnaire("customer-centricity")
    people = random_flagship_respondents(questionnaire, 20, random.Random(99))
    before = score_assessment(questionnaire, people)
    heavier = questionnaire.model_copy(
        update={
            "questions": [
                q.model_copy(update={"weight": 3.0}) if i % 2 else q for i, q in enumerate(questionnaire.questions)
            ]
        }
    )
    after = score_assessment(heavier, people)
    assert after == reference_engine.score_assessment(heavier, people)
    assert [d.score for d in after.dimensions] != [d.score for d in before.dimensions]


QUESTIONS = ["q1", "q2", "q3"]
values = st.one_of(
    st.none(),
    st.sampled_from(["dont_know", "not_applicable", "yes", "no", "a", "b"]),
    st.integers(min_value=-3, max_value=12),
    st.floats(min_value=-3, max_value=12),
    st.booleans(),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
)
options = st.lists(
    st.one_of(st.sampled_from(["yes", "no", "a", "b"]), st.integers(min_value=0, max_value=5)), max_size=3
)
leaf_tests = st.one_of(
    st.fixed_dictionaries({"in": options}),
    st.fixed_dictionaries({"not_in": options}),
    st.fixed_dictionaries({"answered": st.booleans()}),
    st.fixed_dictionaries({"min": st.floats(min_value=-2, max_value=10)}),
    st.fixed_dictionaries({"max": st.floats(min_value=-2, max_value=10)}),
    st.fixed_dictionaries({"min": st.floats(min_value=-2, max_value=4), "max": st.floats(min_value=4, max_value=10)}),
)
leaves = st.builds(lambda q, test: {"question": q, **test}, st.sampled_from([*QUESTIONS, "missing"]), leaf_tests)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.fixed_dictionaries({"all": st.lists(inner, max_size=3)}),
        st.fixed_dictionaries({"any": st.lists(inner, max_size=3)}),
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None)
@given(
    conditions,
    st.dictionaries(st.sampled_from(QUESTIONS), values),
    st.dictionaries(st.sampled_from(QUESTIONS), st.booleans()),
)
def test_compiled_conditions_hold_exactly_when_the_interpreted_ones_did(
    raw: dict[str, Any], answers: dict[str, Any], visible: dict[str, bool]
) -> None:
    condition = Condition.model_validate(raw)
    assert condition_holds(condition, answers, visible) is reference_engine.condition_holds(condition, answers, visible)


def _unusual_mini() -> Questionnaire:
    """MINI with what loading refuses but the engine must still score as before: a condition on a
    later question, and triggers on no question, on a question that does not exist and on several."""
    trigger = next(r for r in MINI.recommendations if r.trigger is not None)
    extra = [
        trigger.model_copy(update={"id": f"t-extra-{i}", "trigger": Condition.model_validate(raw)})
        for i, raw in enumerate(
            [
                {"all": []},
                {"question": "missing", "answered": False},
                {"any": [{"question": "a2", "min": 3}, {"question": "l2", "not_in": ["agree"]}]},
                {"all": [{"question": "l3", "in": ["survey"]}, {"question": "l1", "answered": True}]},
            ]
        )
    ]
    questions = [
        q.model_copy(update={"condition": Condition.model_validate({"question": "a3", "in": ["often"]})})
        if q.id == "l2"
        else q
        for q in MINI.questions
    ]
    return MINI.model_copy(update={"questions": questions, "recommendations": [*MINI.recommendations, *extra]})


UNUSUAL = _unusual_mini()


@settings(max_examples=150, deadline=None)
@given(respondents(), st.integers(min_value=1, max_value=3))
def test_same_result_where_loading_would_have_refused_the_questionnaire(
    people: list[Respondent], min_group_size: int
) -> None:
    assert _plan_for(UNUSUAL).forward_references  # visibility is worked out question by question here
    assert_same(UNUSUAL, people, min_group_size=min_group_size)
