"""The response model of `GET /questionnaires/{id}`: a questionnaire normalized, each question with the
answer shape of its kind, so the OpenAPI spec says which value to send for which question.

The answer shapes are the kinds' own (`Kind.shapes`), joined in one union told apart by the
kind's `shape_tag`: a new kind's answers appear in the spec without a change here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BaseModel, Discriminator, Field, Tag

from app.questionnaire.kinds import all_kinds, kind_named
from app.questionnaire.models import Perspective, QuestionType


def _shape_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("kind")
        return kind_named(kind).shape_tag(value) if isinstance(kind, str) and kind in _KIND_NAMES else None
    return type(value).__name__


_KIND_NAMES = frozenset(kind.name for kind in all_kinds())
if TYPE_CHECKING:
    AcceptedAnswers = BaseModel
else:
    # Built from the registry at import, so the type checker cannot follow it: it sees a model.
    _SHAPES = tuple(Annotated[shape, Tag(shape.__name__)] for kind in all_kinds() for shape in kind.shapes)
    AcceptedAnswers = Annotated[Union[_SHAPES], Discriminator(_shape_tag)]  # noqa: UP007 (a union from a tuple)


class LevelPublic(BaseModel):
    level: int
    name: str
    description: str


class RolePublic(BaseModel):
    id: str
    label: str
    perspective: Perspective


class FunctionPublic(BaseModel):
    id: str
    label: str


class DimensionPublic(BaseModel):
    id: str
    title: str
    weight: float
    questions: list[str] = Field(description="The ids of the dimension's questions, in order.")


class QuestionPublic(BaseModel):
    id: str
    dimension: str | None
    type: QuestionType
    text: str
    required: bool
    scored: bool = Field(description="Whether the answer counts toward the maturity index.")
    weight: float
    condition: dict[str, Any] | None = Field(description="When the question is shown, as the file gives it.")
    answers: AcceptedAnswers = Field(description="The answer the question takes; `kind` says which shape.")


class QuestionnaireDetail(BaseModel):
    """A questionnaire normalized: every question with its dimension, type and the answers it accepts."""

    id: str
    version: str
    hash: str
    title: str
    locale: str
    levels: list[LevelPublic]
    roles: list[RolePublic]
    functions: list[FunctionPublic]
    dimensions: list[DimensionPublic]
    questions: list[QuestionPublic]
