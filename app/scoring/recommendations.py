"""Choosing, ranking and scheduling recommendations for a result.

A recommendation is chosen when its dimension's level is in its range, or when enough
respondents' answers meet its trigger. Priority = level gap to the target x dimension
weight x impact / effort (low/medium/high = 1/2/3). The list is then ordered so that
every chosen dependency comes first, and a recommendation never lands in an earlier
roadmap horizon than what it depends on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from app.questionnaire.models import Questionnaire, Recommendation
from app.scoring.result import RecommendationResult, Roadmap

HORIZONS = (30, 90, 365)


def select_recommendations(
    questionnaire: Questionnaire,
    dimension_levels: Mapping[str, int | None],
    trigger_shares: Mapping[str, float],
    target_level: int,
) -> list[RecommendationResult]:
    """The recommendations that apply, ranked, dependencies first, with roadmap horizons set."""
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    chosen: list[RecommendationResult] = []
    for rec in questionnaire.recommendations:
        level = dimension_levels.get(rec.dimension)
        share = trigger_shares.get(rec.id)
        if rec.levels is not None:
            if level is None or not rec.levels.min <= level <= rec.levels.max:
                continue
            reason: Literal["level", "trigger"] = "level"
        else:
            if share is None or share < questionnaire.rubric.trigger_share:
                continue
            reason = "trigger"
        # An unscored dimension counts as level 1: the trigger says there is work to do there.
        gap = max(0, target_level - (level if level is not None else 1))
        chosen.append(_result(rec, reason, share, level, gap, weights[rec.dimension]))
    return schedule(chosen)


def _result(
    rec: Recommendation,
    reason: Literal["level", "trigger"],
    share: float | None,
    level: int | None,
    gap: int,
    weight: float,
) -> RecommendationResult:
    return RecommendationResult(
        id=rec.id,
        title=rec.title,
        dimension=rec.dimension,
        action=rec.action,
        effort=rec.effort.value,
        impact=rec.impact.value,
        horizon=rec.horizon,
        roadmap_horizon=rec.horizon,
        owner=rec.owner,
        kpis=list(rec.kpis),
        benefits=list(rec.benefits),
        depends_on=list(rec.depends_on),
        reason=reason,
        trigger_share=share if reason == "trigger" else None,
        dimension_level=level,
        gap=gap,
        priority=priority(gap, weight, rec.impact.weight, rec.effort.weight),
    )


def priority(gap: int, dimension_weight: float, impact: int, effort: int) -> float:
    return gap * dimension_weight * impact / effort


def schedule(chosen: Sequence[RecommendationResult]) -> list[RecommendationResult]:
    """Rank by priority (then shorter horizon, then id) and order so dependencies come first.

    Dependencies that were not chosen (their dimension is already past that level) are
    treated as done. Each step takes the best-ranked recommendation whose chosen
    dependencies are all placed, so ranking decides wherever dependencies allow.
    """
    ranked = sorted(chosen, key=lambda r: (-r.priority, r.horizon, r.id))
    ids = {r.id for r in ranked}
    placed: dict[str, RecommendationResult] = {}
    ordered: list[RecommendationResult] = []
    remaining = list(ranked)
    while remaining:
        # Falling back to the first is unreachable for a loaded questionnaire (cycles are refused).
        ready = next(
            (k for k, rec in enumerate(remaining) if all(dep in placed for dep in rec.depends_on if dep in ids)), 0
        )
        rec = remaining.pop(ready)
        waits_for = [placed[dep].roadmap_horizon for dep in rec.depends_on if dep in placed]
        scheduled = rec.model_copy(update={"roadmap_horizon": max([rec.horizon, *waits_for])})
        placed[rec.id] = scheduled
        ordered.append(scheduled)
    return ordered


def roadmap(recommendations: Sequence[RecommendationResult]) -> Roadmap:
    """Recommendations that close a gap (priority above 0), by roadmap horizon, in ranked order."""
    by_horizon: dict[int, list[str]] = {h: [] for h in HORIZONS}
    for rec in recommendations:
        if rec.priority > 0:
            by_horizon[rec.roadmap_horizon].append(rec.id)
    return Roadmap(days_30=by_horizon[30], days_90=by_horizon[90], days_365=by_horizon[365])
