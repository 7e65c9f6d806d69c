"""The respondent's form as the pages show it: the pages of a questionnaire, what the form holds for
each question (the kind's codec), and the view of each question the page template renders.

Everything that depends on a question's type is its kind's (`app.questionnaire.kinds`): how a
stored answer shows in the form, how posted fields read back, the widget partial
(`templates/web/respondent/kinds/<kind>.html`). The codec reads the post as a plain mapping
of field name to values, so nothing here needs a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.questionnaire.kinds import kind_named, kind_of
from app.questionnaire.kinds.base import KEEP, Entered, FormFields
from app.questionnaire.kinds.text import TEXT_MAX_LENGTH
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.services.errors import NotFound
from app.services.responses import COMMENT_MAX

__all__ = ["KEEP", "Entered"]

OUTCOMES_TITLE = "Results your organization tracks"
OUTCOMES_DESCRIPTION = (
    "A few figures about customers and employees, as your organization reports them. "
    "They are shown next to the result and do not change the score. Leave out any you do not know."
)
SPECIAL_LABELS = {DONT_KNOW: "Don't know", NOT_APPLICABLE: "Not applicable"}


# ---- pages of the questionnaire


@dataclass(frozen=True)
class Page:
    number: int
    dimension: str | None
    title: str
    description: str | None
    questions: list[Question]


def pages_of(questionnaire: Questionnaire) -> list[Page]:
    """One page per dimension, then the questions without one. Every question is on one page
    whatever the answers, so page numbers stay put while conditions show and hide questions."""
    pages: list[Page] = []
    for dimension in questionnaire.dimensions:
        questions = [q for q in questionnaire.questions if q.dimension == dimension.id]
        if questions:
            pages.append(Page(len(pages) + 1, dimension.id, dimension.title, dimension.description, questions))
    unplaced = [q for q in questionnaire.questions if q.dimension is None]
    if unplaced:
        pages.append(Page(len(pages) + 1, None, OUTCOMES_TITLE, OUTCOMES_DESCRIPTION, unplaced))
    return pages


def page_of(pages: list[Page], number: int) -> Page:
    if not 1 <= number <= len(pages):
        raise NotFound("there is no such page")
    return pages[number - 1]


def resume_page(pages: list[Page], missing: list[str]) -> int | None:
    """The first page with a required question still open; None when everything required is answered."""
    for page in pages:
        if any(q.id in missing for q in page.questions):
            return page.number
    return None


# ---- one question: what the form holds, what it means (the kind's codec)


def entered_from_stored(question: Question, value: Any, comment: str | None) -> Entered:
    return kind_of(question.type).entered_from_stored(question, value, comment)


def entered_from_form(question: Question, form: FormFields) -> Entered:
    return kind_of(question.type).entered_from_form(question, form)


def parse_entered(question: Question, questionnaire: Questionnaire, entered: Entered) -> Any:
    """The answer the form means (None: no answer; KEEP: leave the stored one), or raise ValueError
    with a message for the person. Range and option checks are left to the service, so the web and
    the API refuse the same things."""
    return kind_of(question.type).parse_entered(question, questionnaire, entered)


# ---- how a question is shown


@dataclass(frozen=True)
class Choice:
    """One radio button or checkbox."""

    id: str
    value: str
    json: str  # the value as the API takes it, for the autosave script
    label: str
    description: str | None
    checked: bool
    special: bool = False


@dataclass
class QuestionView:
    id: str
    kind: str  # the kind's name, as the API's `answers.kind` has it
    text: str
    help: str | None
    required: bool
    choices: list[Choice]
    specials: list[Choice]  # a separate radio group, for answers that are not radios
    none_checked: bool
    typed: str
    input_label: str
    unit: str | None
    min: float | None
    max: float | None
    max_length: int
    comment_prompt: str | None
    comment: str
    comment_max: int
    error: str | None
    note: str | None
    entry: str | None = None  # a variant of the kind's widget: "ratings" for an outcome given as raw ratings

    @property
    def widget(self) -> str:
        """The partial the page includes for this question."""
        return kind_named(self.kind).widget


def question_view(
    question: Question, questionnaire: Questionnaire, entered: Entered, error: str | None
) -> QuestionView:
    kind = kind_of(question.type)
    spec = accepted_answers(question, questionnaire)
    qid = question.id
    choices: list[Choice] = []
    specials: list[Choice] = []
    offered = kind.specials(question)
    if kind.control in ("radios", "boxes"):
        # One option per accepted value: radios (one is the answer) or boxes (any of them ticked).
        radios = kind.control == "radios"
        for i, option in enumerate(spec["values"]):
            value = str(option["value"])
            choices.append(
                Choice(
                    id=f"answer-{qid}-{i}",
                    value=value,
                    json=json.dumps(option["value"]),
                    label=str(option["label"]),
                    description=option.get("description") if radios else None,
                    checked=entered.value == value if radios else value in entered.items,
                )
            )
    if kind.control == "radios":
        for special in offered:
            choices.append(
                Choice(
                    id=f"answer-{qid}-{special}",
                    value=special,
                    json=json.dumps(special),
                    label=SPECIAL_LABELS[special],
                    description=None,
                    checked=entered.value == special,
                    special=True,
                )
            )
    elif offered:
        specials.append(
            Choice(f"special-{qid}-answer", "", '""', "My answer is above", None, entered.special not in offered)
        )
        for special in offered:
            specials.append(
                Choice(
                    f"special-{qid}-{special}",
                    special,
                    json.dumps(special),
                    SPECIAL_LABELS[special],
                    None,
                    entered.special == special,
                    special=True,
                )
            )
    typed = kind.typed_input(question, spec)
    note = None
    if entered.kept_ratings:
        note = f"Already answered with {entered.kept_ratings} customer ratings. Leave the box empty to keep them."
    return QuestionView(
        id=qid,
        kind=kind.name,
        text=question.text,
        help=question.help,
        required=question.required,
        choices=choices,
        specials=specials,
        none_checked=entered.none,
        typed=entered.value if kind.control != "radios" else "",
        input_label=typed.label,
        unit=typed.unit,
        min=typed.min,
        max=typed.max,
        max_length=TEXT_MAX_LENGTH,
        comment_prompt=question.comment,
        comment=entered.comment,
        comment_max=COMMENT_MAX,
        error=error,
        note=note,
        entry=kind.entry(question),
    )


def sentence(message: str) -> str:
    """A service message ("150 is above the maximum 100") as a sentence for the page."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:] + ("" if message.endswith(".") else ".")
