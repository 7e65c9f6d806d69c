"""Typed models of a questionnaire file: what a consultant may write in YAML, and nothing else.

Every model forbids unknown fields so that a typo in a file is reported instead of
silently ignored. Cross-references (a question's dimension, a condition's question,
a recommendation's dependencies...) are checked by `app.questionnaire.checks`, which
knows where each value sits in the file.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Slug = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        max_length=80,
        description="Lower-case id: letters, digits, '-' and '_'.",
    ),
]
LevelNumber = Annotated[int, Field(ge=1, le=5)]
Score = Annotated[float, Field(ge=0, le=100)]
OptionValue = Annotated[str | int, Field(description="The value stored when this option is chosen.")]

LEVEL_NUMBERS = (1, 2, 3, 4, 5)
DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# What each type takes, checks and scores is its kind's (`app.questionnaire.kinds`): a new type is
# a member here and a kind that lists it. (The docstring is the JSON Schema's description.)
class QuestionType(StrEnum):
    """What kind of answer a question takes, and so how it is scored."""

    MATURITY = "maturity"
    FREQUENCY = "frequency"
    AGREEMENT = "agreement"
    YES_PARTLY_NO = "yes_partly_no"
    CHECKLIST = "checklist"
    NUMBER = "number"
    TEXT = "text"
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    PERCENT = "percent"
    MONEY = "money"


class Effort(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def weight(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


Impact = Effort


class Perspective(StrEnum):
    """Which side of a perception gap a role stands on."""

    LEADER = "leader"
    FRONTLINE = "frontline"
    OTHER = "other"


class MaturityLevel(_Strict):
    level: LevelNumber
    name: str = Field(min_length=1, max_length=60)
    description: str = Field(min_length=1)


class LevelDescriptions(_Strict):
    """A concrete description of each of the five levels, for a dimension or a question."""

    level_1: str = Field(alias="1", min_length=1)
    level_2: str = Field(alias="2", min_length=1)
    level_3: str = Field(alias="3", min_length=1)
    level_4: str = Field(alias="4", min_length=1)
    level_5: str = Field(alias="5", min_length=1)

    def describe(self, level: int) -> str:
        return str(getattr(self, f"level_{level}"))


class Role(_Strict):
    id: Slug
    label: str = Field(min_length=1)
    perspective: Perspective = Perspective.OTHER


class Function(_Strict):
    id: Slug
    label: str = Field(min_length=1)


class Dimension(_Strict):
    id: Slug
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0, le=10)
    levels: LevelDescriptions


class ScaleOption(_Strict):
    value: OptionValue
    label: str = Field(min_length=1)
    score: Score | None = Field(
        default=None,
        description="0-100. Omitted: options are spread evenly from 0 (first) to 100 (last).",
    )


class Scale(_Strict):
    id: Slug
    title: str | None = None
    options: list[ScaleOption] = Field(min_length=2)


class ChecklistItem(_Strict):
    id: Slug
    label: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)
    covers: list[str] = Field(default_factory=list)


class Band(_Strict):
    """A range of a number answer and the score it earns; `max` is exclusive, omitted on the last band."""

    min: float
    max: float | None = None
    score: Score
    label: str = Field(min_length=1)


class Condition(_Strict):
    """Show a question only when earlier answers satisfy this.

    Exactly one form: `question` with one test (`in`, `not_in`, `min`, `max`, `answered`),
    or `all` / `any` of nested conditions.
    """

    question: str | None = None
    in_: list[OptionValue] | None = Field(default=None, alias="in")
    not_in: list[OptionValue] | None = None
    min: float | None = None
    max: float | None = None
    answered: bool | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        tests = [t for t in ("in_", "not_in", "min", "max", "answered") if getattr(self, t) is not None]
        nested = [n for n in ("all", "any") if getattr(self, n) is not None]
        if self.question is not None:
            if nested:
                raise ValueError("a condition has either 'question' or 'all'/'any', not both")
            if not tests:
                raise ValueError("a condition on a question needs a test: in, not_in, min, max or answered")
            if len(tests) > 1 and set(tests) != {"min", "max"}:
                names = ", ".join("in" if t == "in_" else t for t in tests)
                raise ValueError(f"a condition takes one test (or min with max), not {names}; use 'all' to combine")
        elif len(nested) != 1:
            raise ValueError("a condition needs 'question' with a test, or exactly one of 'all' / 'any'")
        elif tests:
            raise ValueError("'all' / 'any' conditions take no test of their own")
        return self

    def referenced_questions(self) -> list[str]:
        if self.question is not None:
            return [self.question]
        return [q for c in (self.all or self.any or []) for q in c.referenced_questions()]


class Question(_Strict):
    id: Slug
    dimension: Slug | None = Field(
        default=None, description="Required for scored questions; outcome and text questions may stand alone."
    )
    type: QuestionType
    text: str = Field(min_length=1)
    help: str | None = None
    weight: float = Field(default=1.0, gt=0, le=10)
    required: bool = True
    covers: list[str] = Field(default_factory=list, description="Concept ids this question measures.")
    condition: Condition | None = None
    allow_dont_know: bool = True
    allow_not_applicable: bool = False
    comment: str | None = Field(
        default=None, description="Prompt for an optional comment or evidence field; omitted: no field."
    )
    scale: Slug | None = Field(default=None, description="Id of a reusable scale (frequency, agreement).")
    options: list[ScaleOption] | None = Field(default=None, description="Inline options instead of a scale.")
    levels: LevelDescriptions | None = Field(default=None, description="Maturity questions: each level, concretely.")
    items: list[ChecklistItem] | None = Field(default=None, description="Checklist questions: the practices.")
    bands: list[Band] | None = Field(default=None, description="Number questions: score bands.")
    unit: str | None = Field(default=None, description="Number and money questions: the unit or currency.")
    min_value: float | None = Field(default=None, description="Number, percent, money: lowest allowed answer.")
    max_value: float | None = Field(default=None, description="Number, percent, money: highest allowed answer.")
    accepts: Literal["reported", "ratings", "both"] = Field(
        default="both",
        description="NPS, CSAT, CES: a reported figure, raw customer ratings, or either.",
    )


class Threshold(_Strict):
    level: LevelNumber
    min: Score
    max: Score


class GatingRule(_Strict):
    """A rule that can hold the overall level below what the index alone would give.

    `max_above_weakest`: the overall level is at most `levels` above the weakest dimension.
    `minimum_dimension_level`: reaching overall level `for_level` needs every listed
    dimension (all when `dimensions` is omitted) at `min_level` or above.
    """

    rule: Literal["max_above_weakest", "minimum_dimension_level"]
    levels: int | None = Field(default=None, ge=0, le=4)
    for_level: LevelNumber | None = None
    min_level: LevelNumber | None = None
    dimensions: list[Slug] | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _fields_for_rule(self) -> GatingRule:
        if self.rule == "max_above_weakest":
            if self.levels is None:
                raise ValueError("rule 'max_above_weakest' needs 'levels'")
            if self.for_level is not None or self.min_level is not None or self.dimensions is not None:
                raise ValueError("rule 'max_above_weakest' takes only 'levels' (and 'reason')")
        else:
            if self.for_level is None or self.min_level is None:
                raise ValueError("rule 'minimum_dimension_level' needs 'for_level' and 'min_level'")
            if self.levels is not None:
                raise ValueError("rule 'minimum_dimension_level' takes no 'levels'")
        return self


class GapThresholds(_Strict):
    perception: float = Field(default=15.0, gt=0, le=100, description="Leader minus front-line points flagged.")
    silo: float = Field(default=20.0, gt=0, le=100, description="Spread between functions flagged.")


class ConfidenceRules(_Strict):
    """When a result counts as high or medium confidence; anything less is low."""

    high_min_respondents: int = Field(default=10, ge=1)
    high_min_completion: float = Field(default=0.9, ge=0, le=1)
    high_max_dont_know: float = Field(default=0.1, ge=0, le=1)
    medium_min_respondents: int = Field(default=3, ge=1)
    medium_min_completion: float = Field(default=0.7, ge=0, le=1)
    medium_max_dont_know: float = Field(default=0.25, ge=0, le=1)


class Rubric(_Strict):
    thresholds: list[Threshold] = Field(min_length=5, max_length=5)
    gating: list[GatingRule] = Field(default_factory=list)
    gaps: GapThresholds = GapThresholds()
    confidence: ConfidenceRules = ConfidenceRules()
    default_target_level: LevelNumber = 4
    trigger_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Share of respondents whose answers must meet a recommendation's trigger for it to fire.",
    )


class LevelRange(_Strict):
    min: LevelNumber
    max: LevelNumber


class Recommendation(_Strict):
    id: Slug
    title: str = Field(min_length=1)
    dimension: Slug
    levels: LevelRange | None = Field(default=None, description="Applies when the dimension's level is in range.")
    trigger: Condition | None = Field(default=None, description="Applies when answers meet this condition.")
    action: str = Field(min_length=1, description="What to do, concretely.")
    effort: Effort
    impact: Impact
    horizon: Literal[30, 90, 365]
    owner: str = Field(min_length=1, description="The function that owns the action.")
    kpis: list[str] = Field(min_length=1)
    benefits: list[str] = Field(min_length=1)
    depends_on: list[Slug] = Field(default_factory=list)

    @model_validator(mode="after")
    def _levels_or_trigger(self) -> Recommendation:
        if (self.levels is None) == (self.trigger is None):
            raise ValueError("a recommendation needs exactly one of 'levels' or 'trigger'")
        return self


class Questionnaire(_Strict):
    id: Slug
    version: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    locale: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    estimated_minutes: int | None = Field(default=None, ge=1, le=240)
    levels: list[MaturityLevel] = Field(min_length=5, max_length=5)
    roles: list[Role] = Field(min_length=1)
    functions: list[Function] = Field(min_length=1)
    dimensions: list[Dimension] = Field(min_length=1)
    scales: list[Scale] = Field(default_factory=list)
    questions: list[Question] = Field(min_length=1)
    rubric: Rubric
    recommendations: list[Recommendation] = Field(default_factory=list)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON form: two files that load the same have the same hash."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def level_name(self, level: int) -> str:
        return next(lv.name for lv in self.levels if lv.level == level)
