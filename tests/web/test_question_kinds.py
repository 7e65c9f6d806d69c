"""The registry of question kinds is the one switch on a question's type: every type has a kind and
every kind its form partial, and a kind registered here alone (a 1-10 rating, in this test only)
loads from YAML, validates, scores and renders in the respondent's form without any other module
knowing it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

import pytest
from jinja2 import ChoiceLoader, DictLoader

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.kinds import all_kinds, kind_named, kind_of, register, unregister
from app.questionnaire.kinds.base import (
    AnswerError,
    AnswerShape,
    AnswerValue,
    Entered,
    Kind,
    Problem,
    Scorer,
    TypedInput,
    quoted,
)
from app.questionnaire.loader import QuestionnaireError, load_questionnaire_text
from app.questionnaire.models import Question, Questionnaire, QuestionType
from app.questionnaire.normalized import accepted_answers
from app.questionnaire.yaml_source import Path
from app.scoring.answers import AnswerError as ScoringAnswerError
from app.scoring.answers import Respondent, scorer_for, validate_answer
from app.scoring.engine import score_assessment
from app.web.respondent_form import entered_from_form, entered_from_stored, parse_entered, question_view
from app.web.templating import TEMPLATES_DIR, environment
from tests.conftest import FIXTURES
from tests.web.test_escaping import CONTEXTS, _request

# The mini questionnaire's number question (a2), as a rating question: no bands, a 1-10 range.
_NUMBER_QUESTION = re.compile(r"  - id: a2\n.*?(?=  - id: a3\n)", re.S)
_RATING_QUESTION = """  - id: a2
    dimension: act
    type: number
    text: How would you rate how policies change?
    min_value: 1
    max_value: 10
    covers: [customer-driven-change]
"""
_RATING_WIDGET = (
    '<input type="range" id="answer-{{ q.id }}" name="answer-{{ q.id }}" min="{{ q.min }}" max="{{ q.max }}"'
    ' value="{{ q.typed }}">'
)


def test_every_question_type_has_one_kind_and_every_kind_its_partial() -> None:
    kinds = list(all_kinds())
    assert sorted(k.name for k in kinds) == ["checklist", "choice", "level", "number", "outcome", "text"]
    for question_type in QuestionType:
        assert question_type in kind_of(question_type).types
    assert sorted(t for k in kinds for t in k.types) == sorted(QuestionType)  # each type in one kind only
    for kind in kinds:
        assert (TEMPLATES_DIR / kind.widget).is_file(), f"the {kind.name} kind has no partial {kind.widget}"
        assert set(kind.type_labels) <= set(kind.types)
        assert kind.shapes, f"the {kind.name} kind describes no answer shape"


def test_each_kind_describes_its_answers_in_one_of_its_shapes(mini: Questionnaire) -> None:
    for question in mini.questions:
        kind = kind_of(question.type)
        described = accepted_answers(question, mini)
        assert described["kind"] == kind.name
        (shape,) = [s for s in kind.shapes if s.__name__ == kind.shape_tag(described)]
        assert shape.model_validate(described).model_dump() == described


class RatingValue(AnswerShape):
    kind: Literal["rating"]
    min: int
    max: int


class RatingKind(Kind):
    """A whole number on a slider, scored evenly from 0 (the lowest) to 100 (the highest)."""

    name = "rating"
    types = (QuestionType.NUMBER,)
    type_labels: ClassVar = {QuestionType.NUMBER: "rating"}
    fields = frozenset({"min_value", "max_value"})
    numeric = True
    shapes = (RatingValue,)

    @property
    def widget(self) -> str:
        return "test/rating.html"

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        if question.min_value is None or question.max_value is None:
            yield here, "a rating question needs min_value and max_value"

    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        return {"min": int(question.min_value or 0), "max": int(question.max_value or 0)}

    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        low, high = int(question.min_value or 0), int(question.max_value or 0)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise AnswerError(question.id, f"expected a whole number from {low} to {high}, got {quoted(value)}")
        return value

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        low, high = question.min_value or 0, question.max_value or 0
        return lambda value: 100.0 * (value - low) / (high - low)

    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        return int(entered.value) if entered.value.strip() else None

    def typed_input(self, question: Question, described: Mapping[str, Any]) -> TypedInput:
        return TypedInput("Your rating", None, described["min"], described["max"])


@pytest.fixture
def rating_kind() -> Iterator[Kind]:
    """The rating kind in place of the number kind, for this test only."""
    number = kind_named("number")
    unregister("number")
    rating = register(RatingKind())
    loader = environment.loader
    environment.loader = ChoiceLoader([DictLoader({"test/rating.html": _RATING_WIDGET}), loader])  # type: ignore[list-item]
    try:
        yield rating
    finally:
        environment.loader = loader
        unregister("rating")
        register(number)


def test_a_kind_registered_alone_loads_validates_scores_and_renders(
    rating_kind: Kind, concepts: ConceptRegistry
) -> None:
    source = _NUMBER_QUESTION.sub(_RATING_QUESTION, (FIXTURES / "mini.yaml").read_text(encoding="utf-8"))
    questionnaire = load_questionnaire_text(source, concepts)
    question = next(q for q in questionnaire.questions if q.id == "a2")
    # The file: the kind's own fields and checks (no bands needed, a unit refused).
    with pytest.raises(QuestionnaireError, match="'unit' does not apply to a number question"):
        load_questionnaire_text(source.replace("    min_value: 1\n", "    min_value: 1\n    unit: points\n"), concepts)
    # The answers: described, validated and scored by the kind.
    described = accepted_answers(question, questionnaire)
    assert described == {"special": ["dont_know"], "kind": "rating", "min": 1, "max": 10}
    assert validate_answer(question, questionnaire, 7) == 7
    with pytest.raises(ScoringAnswerError, match="expected a whole number from 1 to 10"):
        validate_answer(question, questionnaire, 11)
    scorer = scorer_for(question, questionnaire)
    assert scorer is not None and scorer(10) == 100.0 and scorer(1) == 0.0
    result = score_assessment(questionnaire, [Respondent("r1", answers={"a1": "yes", "a2": 10})])
    rated = next(q for q in result.questions if q.id == "a2")
    assert rated.scored and rated.stats.mean == 100.0
    # The form: posted fields read back, the stored answer shown, the kind's partial rendered.
    entered = entered_from_form(question, {"answer-a2": ["7"], "comment-a2": [""]})
    assert parse_entered(question, questionnaire, entered) == 7
    view = question_view(question, questionnaire, entered_from_stored(question, 7, None), None)
    assert (view.kind, view.input_label, view.min, view.max) == ("rating", "Your rating", 1, 10)
    context = {**CONTEXTS["web/respondent/page.html"], "questions": [view]}
    html = environment.get_template("web/respondent/page.html").render(request=_request(), **context)
    assert 'data-kind="rating"' in html
    assert '<input type="range" id="answer-a2" name="answer-a2" min="1" max="10" value="7">' in html
