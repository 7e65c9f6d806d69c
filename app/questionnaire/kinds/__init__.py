"""The registry of question kinds: the one place that says what each question type is.

Everything that depends on a question's type (the fields an author may give, the checks,
the answers accepted, validation, the score, the report's labels, the form's widget and
codec) asks `kind_of(question.type)` and uses the `Kind` it gets. Adding a question type
is one kind module here plus its form partial (see questionnaires/README.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from app.questionnaire.kinds.base import Kind
from app.questionnaire.kinds.checklist import ChecklistKind
from app.questionnaire.kinds.choice import ChoiceKind
from app.questionnaire.kinds.level import LevelKind
from app.questionnaire.kinds.number import NumberKind
from app.questionnaire.kinds.outcome import OutcomeKind
from app.questionnaire.kinds.text import TextKind
from app.questionnaire.models import QuestionType

KINDS: dict[str, Kind] = {}
_BY_TYPE: dict[QuestionType, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind (or replace the one of that name) and make it the kind of each of its types."""
    previous = KINDS.pop(kind.name, None)
    if previous is not None:
        for question_type in previous.types:
            _BY_TYPE.pop(question_type, None)
    taken = [t for t in kind.types if t in _BY_TYPE]
    if taken:
        raise ValueError(f"question type(s) {', '.join(taken)} already belong to a kind")
    KINDS[kind.name] = kind
    for question_type in kind.types:
        _BY_TYPE[question_type] = kind
    return kind


def unregister(name: str) -> None:
    kind = KINDS.pop(name)
    for question_type in kind.types:
        _BY_TYPE.pop(question_type, None)


def kind_of(question_type: QuestionType) -> Kind:
    return _BY_TYPE[question_type]


def kind_named(name: str) -> Kind:
    return KINDS[name]


def all_kinds() -> Iterable[Kind]:
    return KINDS.values()


def type_fields() -> frozenset[str]:
    """Every type-specific field any kind takes: a question of another type must leave each out."""
    return frozenset(f for kind in KINDS.values() for t in kind.types for f in kind.fields_of(t))


for _kind in (LevelKind(), ChoiceKind(), ChecklistKind(), NumberKind(), TextKind(), OutcomeKind()):
    register(_kind)
