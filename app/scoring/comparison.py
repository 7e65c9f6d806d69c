"""Comparing a result with an earlier one, so that progress is shown and a method change is never
mistaken for progress.

Dimensions and questions are matched by id. A question whose definition changed (text,
scale, levels, weight...) has a different fingerprint; a dimension whose questions or
weights changed is marked not comparable, and so is the index when any dimension is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from app.scoring.result import AssessmentResult, QuestionnaireRef


class DimensionDelta(BaseModel):
    id: str
    title: str
    current: float | None
    previous: float | None
    delta: float | None
    current_level: int | None
    previous_level: int | None
    comparable: bool = Field(description="False when the dimension's questions or weights changed in between.")


class Comparison(BaseModel):
    current: QuestionnaireRef
    previous: QuestionnaireRef
    same_method: bool = Field(description="Same questionnaire content: deltas are progress, not method change.")
    method_changes: list[str]
    index_current: float | None
    index_previous: float | None
    index_delta: float | None
    index_comparable: bool
    level_current: int | None
    level_previous: int | None
    dimensions: list[DimensionDelta]
    questions_added: list[str]
    questions_removed: list[str]
    questions_changed: list[str]


@dataclass(frozen=True)
class Previous:
    """The organization's previous run and how this one compares with it."""

    title: str
    status: str
    date: datetime | None  # when it closed, or else when it was created
    comparison: Comparison


def compare_results(current: AssessmentResult, previous: AssessmentResult) -> Comparison:
    changes: list[str] = []
    if current.questionnaire.id != previous.questionnaire.id:
        changes.append(
            f"Different questionnaires: {previous.questionnaire.id} then {current.questionnaire.id}; "
            "only dimensions with the same id and questions are compared."
        )
    elif current.questionnaire.version != previous.questionnaire.version:
        changes.append(
            f"Questionnaire version changed from {previous.questionnaire.version} to {current.questionnaire.version}."
        )
    elif current.questionnaire.hash != previous.questionnaire.hash:
        changes.append("The questionnaire's content changed without a new version number.")

    now = {q.id: q for q in current.questions}
    before = {q.id: q for q in previous.questions}
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(q for q in set(now) & set(before) if now[q].fingerprint != before[q].fingerprint)
    if added:
        changes.append(f"{len(added)} question(s) added: {', '.join(added)}.")
    if removed:
        changes.append(f"{len(removed)} question(s) removed: {', '.join(removed)}.")
    if changed:
        changes.append(f"{len(changed)} question(s) reworded or rescored: {', '.join(changed)}.")

    previous_dims = {d.id: d for d in previous.dimensions}
    deltas: list[DimensionDelta] = []
    for dim in current.dimensions:
        old = previous_dims.get(dim.id)
        comparable = (
            old is not None
            and old.weight == dim.weight
            and old.question_ids == dim.question_ids
            and all(q not in changed for q in dim.question_ids)
        )
        delta = dim.score - old.score if old is not None and old.score is not None and dim.score is not None else None
        deltas.append(
            DimensionDelta(
                id=dim.id,
                title=dim.title,
                current=dim.score,
                previous=old.score if old else None,
                delta=delta,
                current_level=dim.level,
                previous_level=old.level if old else None,
                comparable=comparable,
            )
        )
    dropped = sorted(set(previous_dims) - {d.id for d in current.dimensions})
    if dropped:
        changes.append(f"Dimension(s) no longer assessed: {', '.join(dropped)}.")
    index_now, index_before = current.overall.index, previous.overall.index
    return Comparison(
        current=current.questionnaire,
        previous=previous.questionnaire,
        same_method=not changes,
        method_changes=changes,
        index_current=index_now,
        index_previous=index_before,
        index_delta=index_now - index_before if index_now is not None and index_before is not None else None,
        index_comparable=not dropped and all(d.comparable for d in deltas),
        level_current=current.overall.level,
        level_previous=previous.overall.level,
        dimensions=deltas,
        questions_added=added,
        questions_removed=removed,
        questions_changed=changed,
    )


class TrendPoint(BaseModel):
    label: str
    index: float | None
    level: int | None
    dimensions: dict[str, float | None]
    change: Comparison | None = Field(description="Against the point before; None for the first.")


def trend(points: Sequence[tuple[str, AssessmentResult]]) -> list[TrendPoint]:
    """A series of results, oldest first, each compared with the one before it."""
    series: list[TrendPoint] = []
    for i, (label, result) in enumerate(points):
        series.append(
            TrendPoint(
                label=label,
                index=result.overall.index,
                level=result.overall.level,
                dimensions={d.id: d.score for d in result.dimensions},
                change=compare_results(result, points[i - 1][1]) if i else None,
            )
        )
    return series
