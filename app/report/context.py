"""The report's template context: display values built from a `ReportSource`, plain data only (JSON-able).

It starts from `results_view`, so the report prints the same numbers as the results page,
and adds what only a printed report has: the cover, the narrative, one page per dimension
with its questions and comments, the method and the answers appendix.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from app.presentation import charts
from app.presentation.results import date, number, results_view
from app.questionnaire.kinds import kind_of
from app.questionnaire.models import Question, Questionnaire
from app.report.narrative import summary_paragraphs
from app.report.source import DEFAULT_ACCENT, Comment, ReportSource
from app.scoring.result import AssessmentResult, QuestionResult

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
# The logo is fetched by this name from the renderer's own fetcher, never from anywhere else.
LOGO_URL = "logo"
SHOWN_STRENGTHS = 3
SHOWN_PRIORITIES = 5
# A dimension page quotes this many comments; the answers appendix has all of them.
COMMENTS_PER_DIMENSION = 2
# The appendix quotes this many comments per question; all of them are in the CSV and Excel exports.
COMMENTS_PER_QUESTION = 25
# Names on the cover and in headers are cut here; the full text is on the contents page.
HEADER_TEXT_MAX = 80


def shorten(text: str, limit: int = HEADER_TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def tint(colour: str, share: float) -> str:
    """`colour` mixed with white: `share` 0 is white, 1 the colour itself (light panels in the accent)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mixed = (round(255 - (255 - c) * share) for c in (red, green, blue))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def build_context(source: ReportSource) -> dict[str, Any]:
    """Everything the report templates print, as display-ready values."""
    questionnaire, result = source.questionnaire, source.result
    view = results_view(questionnaire, result, previous=source.previous, benchmark=source.benchmark)
    accent = source.branding.accent_color.lower()
    if not HEX_COLOUR.match(accent):  # stored values are checked; this keeps the stylesheet safe regardless
        accent = DEFAULT_ACCENT
    # Ordered by the numbers themselves, joined by id, never by the text printed (rounded) from them.
    scores = {d.id: d.score for d in result.dimensions}
    scored = [d for d in view["dimensions"] if d["level"] is not None and scores[d["id"]] is not None]
    by_score = sorted(scored, key=lambda d: scores[d["id"]] or 0.0, reverse=True)
    strongest = by_score[:SHOWN_STRENGTHS]
    weakest = list(reversed(by_score[-SHOWN_STRENGTHS:])) if len(by_score) > SHOWN_STRENGTHS else []
    priority = {r.id: r.priority for r in result.recommendations}
    priorities = sorted(view["recommendations"], key=lambda r: -priority[r["id"]])[:SHOWN_PRIORITIES]
    questions = {q.id: q for q in questionnaire.questions}
    results_by_question = {q.id: q for q in result.questions}
    comments_by_question: dict[str, list[Comment]] = defaultdict(list)
    for comment in source.comments:
        if comment.question_id in questions:
            comments_by_question[comment.question_id].append(comment)
    labels = _group_labels(questionnaire)
    actions = {r["id"]: r for r in view["recommendations"]}
    for rec in view["recommendations"]:
        rec["depends_on_titles"] = [actions[d]["title"] if d in actions else d for d in rec["depends_on"]]
    return {
        "brand": {
            "name": source.branding.name,
            "header_name": shorten(source.branding.name),
            "accent": accent,
            "accent_light": tint(accent, 0.12),
            "accent_mid": tint(accent, 0.45),
            "logo_url": LOGO_URL if source.branding.logo is not None else None,
        },
        "cover": {
            "organization": source.organization,
            "header_organization": shorten(source.organization),
            "assessment": source.assessment_title,
            "header_assessment": shorten(source.assessment_title),
            "questionnaire": questionnaire.title,
            "status": source.assessment_status,
            "date": date(source.assessment_date) if source.assessment_date else None,
            "generated": date(source.generated_on),
            "invited": source.invited,
            "submitted": source.submitted,
        },
        "view": view,
        "summary": {
            "strongest": strongest,
            "weakest": weakest,
            "priorities": priorities,
            "narrative": summary_paragraphs(source.organization, view, strongest, weakest),
        },
        "dimension_pages": [
            _dimension_page(dim, questionnaire, result, results_by_question, comments_by_question, view, labels)
            for dim in view["dimensions"]
        ],
        "roadmap": [
            {"label": horizon["label"], "actions": [actions[e["id"]] for e in horizon["entries"] if e["id"] in actions]}
            for horizon in view["roadmap"]
        ],
        "method": _method(source, view),
        "appendix": _appendix(questionnaire, result, results_by_question, comments_by_question, labels),
        "anonymous": source.anonymous,
    }


def _group_labels(questionnaire: Questionnaire) -> dict[str, str]:
    return {r.id: r.label.split(" (")[0] for r in questionnaire.roles} | {
        f.id: f.label.split(" (")[0] for f in questionnaire.functions
    }


def _comment(comment: Comment, questions: dict[str, Question], labels: dict[str, str]) -> dict[str, str]:
    return {
        "author": comment.author,
        "group": " · ".join(labels.get(g, g) for g in (comment.role, comment.function) if g),
        "text": comment.text,
        "question": questions[comment.question_id].text if comment.question_id in questions else comment.question_id,
    }


def _mean(outcome: QuestionResult | None) -> float | None:
    return outcome.stats.mean if outcome and outcome.scored else None


def _question_line(question: Question, outcome: QuestionResult | None) -> dict[str, Any]:
    mean = _mean(outcome)
    return {
        "id": question.id,
        "text": question.text,
        "kind": _type_name(question),
        "scored": outcome.scored if outcome else False,
        "mean": number(mean),
        "bar": charts.bar_width(mean),
        "heat": charts.heat_class(mean),
        "n": outcome.stats.n if outcome else 0,
        "dont_know": outcome.dont_know if outcome else 0,
        "note": None,
    }


def _dimension_page(
    dim: dict[str, Any],
    questionnaire: Questionnaire,
    result: AssessmentResult,
    results_by_question: dict[str, QuestionResult],
    comments_by_question: dict[str, list[Comment]],
    view: dict[str, Any],
    labels: dict[str, str],
) -> dict[str, Any]:
    questions = {q.id: q for q in questionnaire.questions}
    own = [q for q in questionnaire.questions if q.dimension == dim["id"]]
    means = {q.id: _mean(results_by_question.get(q.id)) for q in own}
    lines = [_question_line(q, results_by_question.get(q.id)) for q in own]
    with_mean = [line for line in lines if means[line["id"]] is not None]
    scored = sorted(with_mean, key=lambda line: means[line["id"]] or 0.0)
    # The practices that pull the dimension down or hold it up: what a reader acts on first.
    if len(scored) >= 2:
        scored[0]["note"] = "weakest"
        scored[-1]["note"] = "strongest"
    dimension_result = next(d for d in result.dimensions if d.id == dim["id"])

    def groups(breakdowns: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "label": labels.get(g.group, g.group),
                "suppressed": g.suppressed or dim["id"] in g.hidden,
                "n": g.n,
                "score": None if g.dimensions.get(dim["id"]) is None else number(g.dimensions.get(dim["id"])),
            }
            for g in breakdowns
        ]

    comments = [_comment(c, questions, labels) for q in own for c in comments_by_question.get(q.id, [])]
    min_size = result.breakdowns.min_group_size
    return {
        **dim,
        "roles_line": _groups_line(groups(result.breakdowns.by_role), min_size),
        "functions_line": _groups_line(groups(result.breakdowns.by_function), min_size),
        "questions": lines,
        "comments": comments[:COMMENTS_PER_DIMENSION],
        "more_comments": max(0, len(comments) - COMMENTS_PER_DIMENSION),
        "recommendations": [r for r in view["recommendations"] if r["dimension_id"] == dim["id"]],
        "answered": dimension_result.stats.n,
    }


def _groups_line(groups: list[dict[str, Any]], min_group_size: int) -> str:
    """A dimension's scores by group as one line of text, in the questionnaire's order (the same on
    every page), the groups too small to show named at the end. A line rather than a bar per group:
    the heatmaps chapter draws them all, and a bar per group doubled a dimension page's print time."""
    if not groups:
        return "nobody answered."
    shown = " · ".join(
        f"{g['label']} {g['score']} (n={g['n']})" for g in groups if not g["suppressed"] and g["score"] is not None
    )
    hidden = ", ".join(g["label"] for g in groups if g["suppressed"])
    if hidden:
        people = "person" if min_group_size == 1 else "people"
        hidden = f"not shown (fewer than {min_group_size} {people}, or computable from the figures shown): {hidden}"
    return "; ".join(part for part in (shown, hidden) if part) + "."


def _method(source: ReportSource, view: dict[str, Any]) -> dict[str, Any]:
    questionnaire, result = source.questionnaire, source.result
    rubric = questionnaire.rubric
    return {
        "questionnaire": {
            "id": result.questionnaire.id,
            "version": result.questionnaire.version,
            "hash": result.questionnaire.hash,
            "title": questionnaire.title,
            "questions": len(questionnaire.questions),
            "dimensions": len(questionnaire.dimensions),
        },
        "invited": source.invited,
        "submitted": source.submitted,
        "scored": result.respondents,
        "completion": view["confidence"]["completion"],
        "dont_know": view["confidence"]["dont_know"],
        "not_applicable": number(100 * result.confidence.not_applicable_share),
        "min_group_size": result.breakdowns.min_group_size,
        "target_level": result.overall.target_level,
        "thresholds": [
            {"level": t.level, "name": questionnaire.level_name(t.level), "min": number(t.min), "max": number(t.max)}
            for t in sorted(rubric.thresholds, key=lambda t: t.level)
        ],
        "perception_threshold": number(rubric.gaps.perception),
        "silo_threshold": number(rubric.gaps.silo),
        "dimension_rates": [
            {
                "title": d.title,
                "weight": f"{d.weight:g}",
                "n": d.stats.n,
                "dont_know": d.dont_know,
                "not_applicable": d.not_applicable,
                "questions": len(d.question_ids),
            }
            for d in result.dimensions
        ],
    }


def _type_name(question: Question) -> str:
    return kind_of(question.type).type_labels.get(question.type, question.type.value)


def _answer_labels(question: Question, questionnaire: Questionnaire) -> dict[str, str]:
    return kind_of(question.type).answer_labels(question, questionnaire)


def _appendix(
    questionnaire: Questionnaire,
    result: AssessmentResult,
    results_by_question: dict[str, QuestionResult],
    comments_by_question: dict[str, list[Comment]],
    labels: dict[str, str],
) -> list[dict[str, Any]]:
    questions = {q.id: q for q in questionnaire.questions}
    titles = {d.id: d.title for d in questionnaire.dimensions}
    sections: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for question in questionnaire.questions:
        outcome = results_by_question.get(question.id)
        answer_labels = _answer_labels(question, questionnaire)
        distribution = outcome.distribution if outcome else {}
        # Checklist counts are per item (several per respondent), so shares are of respondents who answered.
        answered = outcome.stats.n if outcome and outcome.scored else sum(distribution.values())
        ordered = (
            [key for key in answer_labels if key in distribution]
            if answer_labels
            else sorted(distribution, key=lambda k: float(k) if _is_number(k) else 0.0)
        )
        answers = [
            {
                "label": answer_labels.get(key, key),
                "count": distribution[key],
                "share": number(100 * distribution[key] / answered) if answered else "–",
            }
            for key in ordered
        ]
        sections[question.dimension].append(
            {
                "id": question.id,
                "text": question.text,
                "kind": _type_name(question),
                "summary": _answers_line(
                    answers, outcome.dont_know if outcome else 0, outcome.not_applicable if outcome else 0
                ),
                "comments": [
                    _comment(c, questions, labels)
                    for c in comments_by_question.get(question.id, [])[:COMMENTS_PER_QUESTION]
                ],
                "more_comments": max(0, len(comments_by_question.get(question.id, [])) - COMMENTS_PER_QUESTION),
            }
        )
    order = [d.id for d in questionnaire.dimensions] + [None]
    return [
        {"title": titles[key] if key else "Outcome metrics and other questions", "questions": sections[key]}
        for key in order
        if sections.get(key)
    ]


def _answers_line(answers: list[dict[str, Any]], dont_know: int, not_applicable: int) -> str:
    """How a question was answered as one line of text ("Agree: 12 (40%) · Don't know: 3"): one
    text run prints several times faster than a box per answer."""
    parts = [f"{a['label']}: {a['count']}" + ("" if a["share"] == "–" else f" ({a['share']}%)") for a in answers]
    if dont_know:
        parts.append(f"Don't know: {dont_know}")
    if not_applicable:
        parts.append(f"Not applicable: {not_applicable}")
    return " · ".join(parts) or "No answers."


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
