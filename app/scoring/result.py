"""The result of scoring an assessment: plain data that the API, web pages and report render as is.

Scores are on 0-100 and unrounded; rounding is for display. Every result names the
questionnaire id, version and content hash it was computed with.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class QuestionnaireRef(BaseModel):
    id: str
    version: str
    hash: str


class Band(BaseModel):
    """The 95% interval of the index across respondents."""

    low: float
    high: float


class GateApplied(BaseModel):
    rule: str
    capped_at: int
    explanation: str


class Overall(BaseModel):
    index: float | None = Field(description="Weighted mean of the dimension scores, 0-100.")
    level: int | None = Field(description="Level after the rubric's gating rules.")
    level_name: str | None
    threshold_level: int | None = Field(description="Level from the index and thresholds alone.")
    band: Band | None
    gates: list[GateApplied]
    target_level: int


class Confidence(BaseModel):
    rating: Literal["high", "medium", "low"]
    respondents: int
    completion: float = Field(description="Share of visible required questions answered (incl. don't know / n.a.).")
    dont_know_share: float = Field(description="Share of scored answers that were 'don't know'.")
    not_applicable_share: float
    reasons: list[str]


class GroupStats(BaseModel):
    n: int
    mean: float | None
    median: float | None
    sd: float | None
    consensus: float | None


class QuestionResult(BaseModel):
    id: str
    dimension: str | None
    type: str
    scored: bool
    fingerprint: str = Field(description="Hash of the question's definition, to detect changed questions.")
    stats: GroupStats
    dont_know: int
    not_applicable: int
    unanswered: int
    hidden: int
    distribution: dict[str, int] = Field(description="How many respondents gave each answer (choices, levels, items).")
    suppressed: bool = Field(
        default=False,
        description="True when fewer than the minimum group size answered it (or showing it would let a "
        "smaller group be computed): stats and distribution are then empty.",
    )


class DimensionResult(BaseModel):
    id: str
    title: str
    weight: float
    score: float | None
    level: int | None
    level_name: str | None
    stats: GroupStats
    dont_know: int
    not_applicable: int
    question_ids: list[str]
    suppressed: bool = Field(
        default=False,
        description="True when fewer than the minimum group size scored it (or showing it would let a "
        "smaller group be computed): score, level and stats are then empty and the index leaves it out.",
    )


class GroupBreakdown(BaseModel):
    group: str
    suppressed: bool = Field(description="True when none of the group's scores can be shown.")
    n: int | None = Field(description="Members who scored at least one dimension; None when suppressed.")
    index: float | None = Field(description="None when any of the group's dimension scores is hidden.")
    dimensions: dict[str, float | None] = Field(description="None where the group has no score or it is hidden.")
    hidden: list[str] = Field(
        default_factory=list,
        description="Dimensions whose score for this group is hidden: fewer than the minimum group size "
        "scored it, or it could be computed from the other figures with the hidden ones.",
    )


class Breakdowns(BaseModel):
    min_group_size: int
    by_role: list[GroupBreakdown]
    by_function: list[GroupBreakdown]


class PerceptionGap(BaseModel):
    dimension: str
    leaders: float
    frontline: float
    gap: float = Field(description="Leaders minus front line, in points.")
    flagged: bool


class SiloGap(BaseModel):
    dimension: str
    highest_function: str
    highest: float
    lowest_function: str
    lowest: float
    spread: float
    flagged: bool


class Gaps(BaseModel):
    perception_threshold: float
    silo_threshold: float
    perception: list[PerceptionGap]
    silo: list[SiloGap]


class Reported(BaseModel):
    n: int
    median: float
    low: float
    high: float


class OutcomeResult(BaseModel):
    question_id: str
    metric: str
    covers: list[str]
    text: str
    unit: str | None
    source: Literal["ratings", "reported", "none"]
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    detail: dict[str, float] = Field(description="Shares behind the metric, e.g. promoters / detractors in %.")
    reported: Reported | None


class RecommendationResult(BaseModel):
    id: str
    title: str
    dimension: str
    action: str
    effort: str
    impact: str
    horizon: int = Field(description="Horizon in days as written in the questionnaire.")
    roadmap_horizon: int = Field(description="Horizon after waiting for dependencies.")
    owner: str
    kpis: list[str]
    benefits: list[str]
    depends_on: list[str]
    reason: Literal["level", "trigger"]
    trigger_share: float | None
    dimension_level: int | None
    gap: int = Field(description="Levels between the dimension's level and the target.")
    priority: float = Field(description="gap x dimension weight x impact / effort (low/medium/high = 1/2/3).")


class Roadmap(BaseModel):
    days_30: list[str]
    days_90: list[str]
    days_365: list[str]


class Disclosure(BaseModel):
    """What the result leaves out to keep small groups from being recognized, and why."""

    min_group_size: int = Field(description="No figure describes fewer people than this.")
    withheld: bool = Field(
        description="True for an anonymous assessment with fewer submitted respondents than the minimum "
        "group size: no score, distribution or comment is shown until enough people have submitted."
    )
    in_progress: Literal["not_requested", "included", "left_out"] = Field(
        description="Whether unsubmitted answers were counted: `left_out` when fewer people than the "
        "minimum group size have unsubmitted answers (their answers would show as the difference "
        "from the submitted-only result)."
    )
    hidden_cells: int = Field(description="Dimension and question figures, group cells included, left out.")
    message: str | None


class AssessmentResult(BaseModel):
    questionnaire: QuestionnaireRef
    respondents: int
    overall: Overall
    confidence: Confidence
    dimensions: list[DimensionResult]
    questions: list[QuestionResult]
    breakdowns: Breakdowns
    gaps: Gaps
    outcomes: list[OutcomeResult]
    recommendations: list[RecommendationResult]
    roadmap: Roadmap
    disclosure: Disclosure
