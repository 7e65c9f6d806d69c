"""Results as people read them: rounded numbers, labels and chart geometry, from a result and its questionnaire.

The results page and the PDF report both lay out `results_view`, so a number printed in
one is the number printed in the other. Nothing here touches the database or the web:
callers gather the result, the previous run and the benchmark and pass them in.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import cache
from typing import Any

from app.presentation import charts
from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.library import default_concepts
from app.questionnaire.models import Questionnaire
from app.scoring.benchmark import Benchmark
from app.scoring.comparison import Previous
from app.scoring.result import AssessmentResult, GroupBreakdown, OutcomeResult, RecommendationResult

METRIC_NAMES = {
    "nps": "Net Promoter Score",
    "csat": "Customer satisfaction (CSAT)",
    "ces": "Customer Effort Score",
}
HORIZONS = ((30, "days_30", "Next 30 days"), (90, "days_90", "Next 90 days"), (365, "days_365", "Within a year"))


@cache
def _concepts() -> ConceptRegistry:
    return default_concepts()


def number(value: float | None, digits: int = 0) -> str:
    """A score or figure as the page prints it; a missing one as a dash."""
    if value is None:
        return "–"
    if round(value, digits) == 0:  # no "-0": a value that rounds to zero prints without a sign
        value = 0.0
    return f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 0) -> str:
    """A change with its sign as printed: +5, −3 (a true minus sign), 0."""
    if value is None:
        return "–"
    text = number(abs(value), digits)
    if round(value, digits) == 0:
        return text
    return f"+{text}" if value > 0 else f"−{text}"


def _short(label: str) -> str:
    """'Frontline employee (serves customers directly)' -> 'Frontline employee': column headers stay narrow."""
    return label.split(" (")[0]


def date(moment: datetime | None) -> str:
    return moment.strftime("%d %b %Y") if moment else "–"


def results_view(
    questionnaire: Questionnaire,
    result: AssessmentResult,
    previous: Previous | None = None,
    benchmark: Benchmark | None = None,
) -> dict[str, Any]:
    """Everything the results page shows, as display-ready values."""
    titles = {d.id: d.title for d in questionnaire.dimensions}
    bounds = charts.level_bounds([(t.level, t.min) for t in questionnaire.rubric.thresholds])
    overall = result.overall
    view: dict[str, Any] = {
        "respondents": result.respondents,
        "overall": {
            "index": number(overall.index),
            "band": (number(overall.band.low), number(overall.band.high)) if overall.band else None,
            "level": overall.level,
            "level_name": overall.level_name,
            "threshold_level": overall.threshold_level,
            "threshold_level_name": questionnaire.level_name(overall.threshold_level)
            if overall.threshold_level
            else None,
            "target_level": overall.target_level,
            "target_level_name": questionnaire.level_name(overall.target_level),
            "gates": [
                {
                    "rule": g.rule,
                    "capped_at": g.capped_at,
                    "level_name": questionnaire.level_name(g.capped_at),
                    "explanation": g.explanation,
                }
                for g in overall.gates
            ],
        },
        "confidence": {
            "rating": result.confidence.rating,
            "reasons": result.confidence.reasons,
            "completion": number(100 * result.confidence.completion),
            "dont_know": number(100 * result.confidence.dont_know_share),
        },
        "levels": [{"level": lv.level, "name": lv.name, "description": lv.description} for lv in questionnaire.levels],
    }
    view["dimensions"] = _dimensions(questionnaire, result, bounds)
    comparable_previous = None
    if previous is not None:
        deltas = previous.comparison.dimensions
        if all(d.comparable and d.previous is not None for d in deltas):
            comparable_previous = [d.previous for d in deltas]
    scored = [(d.title, d.score) for d in result.dimensions]
    view["radar"] = charts.radar(scored, comparable_previous) if len(scored) >= 3 else None
    view["radar_has_previous"] = comparable_previous is not None
    view["heatmaps"] = [
        _heatmap("role", "Role", questionnaire, result.breakdowns.by_role, result, bounds),
        _heatmap("function", "Function", questionnaire, result.breakdowns.by_function, result, bounds),
    ]
    view["min_group_size"] = result.breakdowns.min_group_size
    view["disclosure"] = {"withheld": result.disclosure.withheld, "message": result.disclosure.message}
    view["gaps"] = _gaps(questionnaire, result, titles)
    outcomes = [_outcome(o) for o in result.outcomes]
    # Two questions can measure one concept (engagement score and employee retention); their
    # shared concept title would not tell them apart, so those are named by their question.
    names = Counter(o["name"] for o in outcomes)
    for shown_outcome in outcomes:
        if names[shown_outcome["name"]] > 1:
            shown_outcome["name"] = shown_outcome["question"]
    view["outcomes"] = outcomes
    view["comparison"] = _comparison(previous) if previous else None
    view["benchmark"] = _benchmark(benchmark, titles) if benchmark else None
    view["recommendations"] = [_recommendation(r, titles, questionnaire) for r in result.recommendations]
    by_id = {r.id: r.title for r in result.recommendations}
    view["roadmap"] = [
        {
            "days": days,
            "label": label,
            "entries": [{"id": i, "title": by_id.get(i, i)} for i in getattr(result.roadmap, key)],
        }
        for days, key, label in HORIZONS
    ]
    return view


def _dimensions(
    questionnaire: Questionnaire, result: AssessmentResult, bounds: tuple[float, ...]
) -> list[dict[str, Any]]:
    defined = {d.id: d for d in questionnaire.dimensions}
    shown = []
    for dim in result.dimensions:
        levels = defined[dim.id].levels
        level = dim.level
        shown.append(
            {
                "id": dim.id,
                "title": dim.title,
                "description": defined[dim.id].description,
                "weight": f"{dim.weight:g}",
                "score": number(dim.score),
                "suppressed": dim.suppressed,
                "bar": charts.bar_width(dim.score),
                "heat": charts.heat_class(dim.score, bounds),
                "level": level,
                "level_name": dim.level_name,
                "this_level": levels.describe(level) if level else None,
                "next_level": levels.describe(level + 1) if level and level < 5 else None,
                "next_level_name": questionnaire.level_name(level + 1) if level and level < 5 else None,
                "sd": number(dim.stats.sd, 1),
                "consensus": number(dim.stats.consensus),
                "n": dim.stats.n,
                "dont_know": dim.dont_know,
                "not_applicable": dim.not_applicable,
            }
        )
    return shown


def _heatmap(
    kind: str,
    heading: str,
    questionnaire: Questionnaire,
    groups: list[GroupBreakdown],
    result: AssessmentResult,
    bounds: tuple[float, ...],
) -> dict[str, Any]:
    labels = {r.id: r.label for r in questionnaire.roles} | {f.id: f.label for f in questionnaire.functions}
    columns = [
        {
            "label": _short(labels.get(g.group, g.group)),
            "full_label": labels.get(g.group, g.group),
            "suppressed": g.suppressed,
            "n": g.n,
            "index": None if g.index is None else number(g.index),
            "index_heat": charts.heat_class(g.index, bounds),
        }
        for g in groups
    ]
    rows = [
        {
            "title": dim.title,
            "cells": [
                {
                    "value": None if g.dimensions.get(dim.id) is None else number(g.dimensions.get(dim.id)),
                    "hidden": g.suppressed or dim.id in g.hidden,
                    "heat": charts.heat_class(g.dimensions.get(dim.id), bounds),
                }
                for g in groups
            ],
        }
        for dim in result.dimensions
    ]
    return {"kind": kind, "heading": heading, "columns": columns, "rows": rows}


def _gaps(questionnaire: Questionnaire, result: AssessmentResult, titles: dict[str, str]) -> dict[str, Any]:
    functions = {f.id: f.label for f in questionnaire.functions}
    gaps = result.gaps
    return {
        "perception_threshold": number(gaps.perception_threshold),
        "silo_threshold": number(gaps.silo_threshold),
        "perception": [
            {
                "dimension": titles.get(g.dimension, g.dimension),
                "leaders": number(g.leaders),
                "frontline": number(g.frontline),
                "gap": signed(g.gap),
                "flagged": g.flagged,
            }
            for g in gaps.perception
        ],
        "silo": [
            {
                "dimension": titles.get(g.dimension, g.dimension),
                "highest_function": functions.get(g.highest_function, g.highest_function),
                "highest": number(g.highest),
                "lowest_function": functions.get(g.lowest_function, g.lowest_function),
                "lowest": number(g.lowest),
                "spread": number(g.spread),
                "flagged": g.flagged,
            }
            for g in gaps.silo
        ],
    }


def _outcome(outcome: OutcomeResult) -> dict[str, Any]:
    concepts = _concepts()
    name = METRIC_NAMES.get(outcome.metric)
    if name is None and outcome.covers:
        try:
            name = concepts.title(outcome.covers[0])
        except KeyError:
            name = None
    unit = outcome.unit or ("%" if outcome.metric == "csat" else "")
    suffix = "%" if unit == "%" else (f" {unit}" if unit else "")
    digits = 1 if outcome.metric in ("ces",) else 0
    shown: dict[str, Any] = {
        "name": name or outcome.text,
        "question": outcome.text,
        "source": outcome.source,
        "value": None if outcome.value is None else number(outcome.value, digits) + suffix,
        "n": outcome.n,
        "ci": None,
        "range": None,
        "detail": [],
    }
    if outcome.ci_low is not None and outcome.ci_high is not None:
        shown["ci"] = f"{number(outcome.ci_low, digits)}–{number(outcome.ci_high, digits)}{suffix}"
    if outcome.reported is not None:
        shown["range"] = f"{number(outcome.reported.low, 1)}–{number(outcome.reported.high, 1)}{suffix}"
    names = {"promoters_pct": "promoters", "passives_pct": "passives", "detractors_pct": "detractors"}
    shown["detail"] = [f"{number(v)}% {names.get(k, k.removesuffix('_pct'))}" for k, v in outcome.detail.items()]
    return shown


def _comparison(previous: Previous) -> dict[str, Any]:
    comparison = previous.comparison
    return {
        "title": previous.title,
        "status": previous.status,
        "date": date(previous.date),
        "same_method": comparison.same_method,
        "method_changes": comparison.method_changes,
        "index_previous": number(comparison.index_previous),
        "index_current": number(comparison.index_current),
        "index_delta": signed(comparison.index_delta),
        "index_comparable": comparison.index_comparable,
        "level_previous": comparison.level_previous,
        "level_current": comparison.level_current,
        "dimensions": [
            {
                "title": d.title,
                "previous": number(d.previous),
                "current": number(d.current),
                "delta": signed(d.delta),
                "direction": "none"
                if d.delta is None
                else ("up" if d.delta > 0 else "down" if d.delta < 0 else "flat"),
                "comparable": d.comparable,
            }
            for d in comparison.dimensions
        ],
    }


def _benchmark(benchmark: Benchmark, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "available": benchmark.available,
        "message": benchmark.message,
        "peers": benchmark.peers,
        "min_peers": benchmark.min_peers,
        "index_percentile": number(benchmark.index_percentile),
        "dimensions": [
            {
                "title": titles.get(d.id, d.id),
                "score": number(d.score),
                "peer_median": number(d.peer_median),
                "percentile": number(d.percentile),
            }
            for d in benchmark.dimensions
        ],
    }


def _recommendation(rec: RecommendationResult, titles: dict[str, str], questionnaire: Questionnaire) -> dict[str, Any]:
    concepts = _concepts()
    if rec.reason == "trigger":
        share = number(100 * rec.trigger_share) if rec.trigger_share is not None else "–"
        why = f"Triggered by the answers: {share}% of respondents answered in the way this action addresses."
    else:
        level_name = questionnaire.level_name(rec.dimension_level) if rec.dimension_level else "–"
        why = f"The dimension is at level {rec.dimension_level} ({level_name}), {rec.gap} level(s) below the target."
    benefits = []
    for benefit in rec.benefits:
        try:
            benefits.append(concepts.title(benefit))
        except KeyError:  # a benefit the registry does not know is still shown, by its id
            benefits.append(benefit)
    return {
        "id": rec.id,
        "title": rec.title,
        "dimension": titles.get(rec.dimension, rec.dimension),
        "dimension_id": rec.dimension,  # what joins it to its dimension: titles need not be unique
        "action": rec.action,
        "why": why,
        "reason": rec.reason,
        "effort": rec.effort,
        "impact": rec.impact,
        "horizon": rec.horizon,
        "roadmap_horizon": rec.roadmap_horizon,
        "owner": rec.owner,
        "kpis": rec.kpis,
        "benefits": benefits,
        "depends_on": rec.depends_on,
        "priority": number(rec.priority, 1),
    }
