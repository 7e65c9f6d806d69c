"""What every question kind is: the `Kind` base class, the answer errors and checks its kinds share,
and the form's entered text (`Entered`) its codec reads and writes.

A kind is one answer type (a level, a choice, a checklist...) with everything that depends on
it in one place: the fields an author may give, the authoring checks, the answers accepted and
how they are validated, the 0-100 score, the labels shown, and the respondent form's widget and
codec. Nothing here knows the web, the database or the scoring engine: the form codec reads a
plain mapping of posted fields, so the pages and the tests can both feed it.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire, QuestionType
from app.questionnaire.yaml_source import Path

Problem = tuple[Path, str]
AnswerValue = Any  # int | float | str | list[str] | list[int], already validated
Scorer = Callable[[AnswerValue], float]
# The posted form as a mapping of field name to every value posted under it (a checklist posts several).
FormFields = Mapping[str, Sequence[str]]

# The largest number a number or outcome answer may be (either sign): any real count or amount fits,
# and every such value converts to a float exactly enough for scoring, exports and the report.
MAX_NUMBER = 10**15
QUOTED_MAX = 80
# Form value of "none of these" on a checklist: an answered checklist with nothing ticked.
NONE_TICKED = "none"


class AnswerError(ValueError):
    """An answer the question does not accept; names the question (and respondent when known)."""

    def __init__(self, question_id: str, message: str, respondent_id: str | None = None):
        self.question_id = question_id
        self.respondent_id = respondent_id
        self.reason = message
        who = f"respondent '{respondent_id}', " if respondent_id is not None else ""
        super().__init__(f"{who}question '{question_id}': {message}")


def is_number(value: object) -> bool:
    # abs() first: math.isfinite converts to float, which a 400-digit integer overflows.
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and abs(value) <= MAX_NUMBER
        and math.isfinite(value)
    )


def quoted(value: object) -> str:
    """A refused value as an error message quotes it: its repr (ASCII-safe for any string), kept short."""
    if isinstance(value, int) and abs(value) > MAX_NUMBER:
        return "a number too large"
    text = repr(value)
    return text if len(text) <= QUOTED_MAX else text[: QUOTED_MAX - 3] + "..."


def check_range(qid: str, value: object, low: float | None, high: float | None, what: str) -> None:
    if not is_number(value):
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise AnswerError(qid, f"expected {what} from -{MAX_NUMBER:.0e} to {MAX_NUMBER:.0e} (finite)")
        raise AnswerError(qid, f"expected {what}, got {quoted(value)}")
    assert isinstance(value, int | float)
    if low is not None and value < low:
        raise AnswerError(qid, f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise AnswerError(qid, f"{value:g} is above the maximum {high:g}")


def fmt_path(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def unique(items: Sequence[object], where: str | Path, key: str = "id") -> list[Problem]:
    """A problem for each item whose `key` an earlier item already has."""
    base: Path = (where,) if isinstance(where, str) else where
    seen: dict[object, int] = {}
    problems: list[Problem] = []
    for i, item in enumerate(items):
        value = getattr(item, key)
        if value in seen:
            problems.append(
                ((*base, i, key), f"duplicate {key} '{value}' (first used at {fmt_path(base)}[{seen[value]}])")
            )
        else:
            seen[value] = i
    return problems


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def parse_number(typed: str) -> int | float:
    """A typed number as the API takes it (a whole number stays an int), or ValueError for the person."""
    try:
        number = float(typed.replace(" ", ""))
    except ValueError:
        raise ValueError("Please enter a number, for example 12 or 3.5.") from None
    if not math.isfinite(number):
        raise ValueError("Please enter a number, for example 12 or 3.5.")
    return int(number) if number.is_integer() and "." not in typed else number


@dataclass
class Entered:
    """What the form holds for one question, as text: from a post, or from the stored answer."""

    value: str = ""  # a radio's value, or what was typed
    items: list[str] = field(default_factory=list)  # ticked checklist items
    none: bool = False  # checklist: "none of these"
    special: str = ""  # don't know / not applicable, for questions whose answer is not a radio
    comment: str = ""
    kept_ratings: int = 0  # an outcome answered with raw ratings through the API


class _Keep:
    """The stored answer stays as it is (an outcome given as raw ratings, not shown in the form)."""


KEEP = _Keep()


@dataclass(frozen=True)
class TypedInput:
    """The label, unit and bounds of an answer the respondent types."""

    label: str = "Your answer"
    unit: str | None = None
    min: float | None = None
    max: float | None = None


class AnswerShape(BaseModel):
    """Base of each kind's answer shape: what `accepted_answers` gives for its questions, as a model
    (the API's response model and OpenAPI spec are made of these)."""

    model_config = ConfigDict(extra="forbid")

    special: list[Literal["dont_know", "not_applicable"]]


class Kind(ABC):
    """One answer type. Subclasses set the class attributes, define `describe`, `validate` and
    `parse`, and override what else differs."""

    name: ClassVar[str]  # the one name the API (`answers.kind`), the form and its widget partial use
    types: ClassVar[tuple[QuestionType, ...]]  # the question types in the file that are of this kind
    type_labels: ClassVar[Mapping[QuestionType, str]] = {}  # each type as the report names it
    fields: ClassVar[frozenset[str]] = frozenset()  # the type-specific Question fields it takes
    scored: ClassVar[bool] = True  # answers score 0-100 into the maturity index
    outcome: ClassVar[bool] = False  # a figure reported beside the index, never mixed in
    numeric: ClassVar[bool] = False  # conditions may test it with min/max
    free_text: ClassVar[bool] = False  # the answer is the person's own words (quoted, multi-line)
    control: ClassVar[Literal["radios", "boxes", "typed"]] = "typed"  # how the form takes the answer
    shapes: ClassVar[tuple[type[AnswerShape], ...]]  # the answer shapes `describe` gives

    # ---- the file

    def fields_of(self, question_type: QuestionType) -> frozenset[str]:
        """The type-specific fields a question of this type may give."""
        return self.fields

    def check(self, question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
        """Authoring problems of the kind's own fields (beyond fields given that do not apply)."""
        return iter(())

    def allowed_values(self, question: Question, questionnaire: Questionnaire) -> list[str | int] | None:
        """The values a condition's in/not_in may list, or None when the answer is not a choice."""
        return None

    # ---- the answers

    @abstractmethod
    def describe(self, question: Question, questionnaire: Questionnaire) -> dict[str, Any]:
        """The answer the question takes, as data (after `special` and `kind`)."""

    def shape_tag(self, described: Mapping[str, Any]) -> str:
        """Which of `shapes` a described answer is (the OpenAPI discriminator's tag)."""
        return self.shapes[0].__name__

    @abstractmethod
    def validate(self, question: Question, questionnaire: Questionnaire, value: object) -> AnswerValue:
        """The answer in its normal form (not a special answer), or raise `AnswerError`."""

    def scorer(self, question: Question, questionnaire: Questionnaire) -> Scorer | None:
        """The 0-100 score of a (validated, not special) answer; None when the kind is not scored."""
        return None

    def answer_labels(self, question: Question, questionnaire: Questionnaire) -> dict[str, str]:
        """Stored answers (as text) and how the report prints them; empty when printed as they are."""
        return {}

    # ---- the respondent's form (templates/web/respondent/kinds/<name>.html)

    @property
    def widget(self) -> str:
        """The form partial that renders a question of this kind."""
        return f"web/respondent/kinds/{self.name}.html"

    def specials(self, question: Question) -> list[str]:
        """The special answers the form offers."""
        offered = ((DONT_KNOW, question.allow_dont_know), (NOT_APPLICABLE, question.allow_not_applicable))
        return [special for special, ok in offered if ok]

    def entered_from_stored(self, question: Question, value: Any, comment: str | None) -> Entered:
        """What the form shows for a stored answer (None: unanswered)."""
        entered = Entered(comment=comment or "")
        if value is None:
            return entered
        if value in (DONT_KNOW, NOT_APPLICABLE):
            if self.control == "radios":
                entered.value = str(value)
            else:
                entered.special = str(value)
        else:
            self.show(value, entered)
        return entered

    def show(self, value: Any, entered: Entered) -> None:
        """Put a stored (not special) answer into the form's text."""
        entered.value = str(value)

    def entered_from_form(self, question: Question, form: FormFields) -> Entered:
        """What a post holds for this question."""

        def text(name: str) -> str:
            found = form.get(name) or ()
            return found[0] if found else ""

        return Entered(
            value=text(f"answer-{question.id}"),
            items=list(form.get(f"answer-{question.id}") or ()) if self.control == "boxes" else [],
            none=text(f"none-{question.id}") == NONE_TICKED,
            special=text(f"special-{question.id}"),
            comment=text(f"comment-{question.id}"),
        )

    def parse_entered(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        """The answer the form means (None: no answer; KEEP: leave the stored one), or raise ValueError
        with a message for the person. Range and option checks are left to validation, so the web and
        the API refuse the same things."""
        if entered.special and self.control != "radios":
            return entered.special
        return self.parse(question, questionnaire, entered)

    @abstractmethod
    def parse(self, question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
        """`parse_entered` once a special answer is ruled out."""

    def typed_input(self, question: Question, described: Mapping[str, Any]) -> TypedInput:
        return TypedInput()

    def entry(self, question: Question) -> str | None:
        """A variant of the widget for this question (the outcome kind's raw ratings); None for none."""
        return None
