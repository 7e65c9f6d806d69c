"""The scoring core as it was before it was optimized (engine.py at fdd477f): a straightforward
evaluation, one respondent and one question at a time, kept only as the reference the fast
engine is checked against (tests/unit/test_engine_equivalence.py), with the conditions as they
were evaluated then. Only the t quantile is shared with the app, since the old table was
replaced on purpose; answer scores and the disclosure rules are the app's own.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from app.questionnaire.kinds import kind_of
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Condition, Question, Questionnaire, QuestionType
from app.scoring.answers import SPECIAL_ANSWERS, AnswerError, AnswerValue, Respondent, scorer_for
from app.scoring.privacy import Atom, Cell, disclosed_cells, results_withheld
from app.scoring.recommendations import roadmap, select_recommendations
from app.scoring.result import (
    AssessmentResult,
    Band,
    Breakdowns,
    Confidence,
    DimensionResult,
    Disclosure,
    Gaps,
    GateApplied,
    GroupBreakdown,
    GroupStats,
    OutcomeResult,
    Overall,
    PerceptionGap,
    QuestionnaireRef,
    QuestionResult,
    Reported,
    SiloGap,
)
from app.scoring.statistics import nps_interval, t_critical_95, wilson_interval


def condition_holds(condition: Condition, answers: Mapping[str, AnswerValue], visible: Mapping[str, bool]) -> bool:
    """Whether earlier answers meet a condition. An unanswered, hidden or 'don't know' answer meets no test
    except `answered: false`."""
    if condition.all is not None:
        return all(condition_holds(c, answers, visible) for c in condition.all)
    if condition.any is not None:
        return any(condition_holds(c, answers, visible) for c in condition.any)
    assert condition.question is not None
    value = answers.get(condition.question) if visible.get(condition.question, False) else None
    has_value = value is not None and value not in SPECIAL_ANSWERS
    if condition.answered is not None:
        return has_value == condition.answered
    if not has_value:
        return False
    if condition.in_ is not None:
        return _matches(value, condition.in_)
    if condition.not_in is not None:
        return not _matches(value, condition.not_in)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    if condition.min is not None and value < condition.min:
        return False
    return not (condition.max is not None and value > condition.max)


def _matches(value: AnswerValue, wanted: Sequence[str | int]) -> bool:
    if isinstance(value, list):  # a checklist: any ticked item listed
        return any(item in wanted for item in value)
    return value in wanted


def visibility(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> dict[str, bool]:
    """For each question, whether its condition shows it, given these answers (in questionnaire order)."""
    visible: dict[str, bool] = {}
    for question in questionnaire.questions:
        visible[question.id] = question.condition is None or condition_holds(question.condition, answers, visible)
    return visible


_condition_holds = condition_holds


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float:
    return math.fsum(v * w for v, w in pairs) / math.fsum(w for _, w in pairs)


def sample_sd(values: Sequence[float]) -> float | None:
    return statistics.stdev(values) if len(values) >= 2 else None


def consensus(values: Sequence[float]) -> float:
    return 100.0 * (1.0 - statistics.pstdev(values) / 50.0) if len(values) >= 2 else 100.0


def mean_interval(values: Sequence[float]) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    centre = mean(values)
    half = t_critical_95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return centre - half, centre + half


def nps_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """NPS = % promoters (9-10) minus % detractors (0-6); passives (7-8) count in the denominator."""
    n = len(ratings)
    promoters = sum(1 for r in ratings if r >= 9)
    detractors = sum(1 for r in ratings if r <= 6)
    detail = {
        "promoters_pct": 100.0 * promoters / n,
        "passives_pct": 100.0 * (n - promoters - detractors) / n,
        "detractors_pct": 100.0 * detractors / n,
    }
    return 100.0 * (promoters - detractors) / n, detail, nps_interval(promoters, detractors, n)


def csat_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float]]:
    """CSAT = % of ratings that are 4 or 5 on a 1-5 scale, with a Wilson interval."""
    n = len(ratings)
    satisfied = sum(1 for r in ratings if r >= 4)
    low, high = wilson_interval(satisfied, n)
    return 100.0 * satisfied / n, {"satisfied_pct": 100.0 * satisfied / n}, (100 * low, 100 * high)


def ces_from_ratings(ratings: Sequence[int]) -> tuple[float, dict[str, float], tuple[float, float] | None]:
    """CES = mean of 1-7 ratings (7 = easiest); also the % agreeing it was easy (5-7)."""
    values = [float(r) for r in ratings]
    easy = sum(1 for r in ratings if r >= 5)
    return mean(values), {"agree_pct": 100.0 * easy / len(ratings)}, mean_interval(values)


_FROM_RATINGS = {
    QuestionType.NPS: nps_from_ratings,
    QuestionType.CSAT: csat_from_ratings,
    QuestionType.CES: ces_from_ratings,
}


def outcome_result(question: Question, answers: Sequence[object]) -> OutcomeResult:
    """Pool every respondent's raw ratings into one metric; reported figures are summarised apart.

    When ratings exist they give the value (a computed figure beats a remembered one);
    otherwise the median of the reported figures does, so one outlier cannot move it.
    """
    ratings = [r for answer in answers if isinstance(answer, list) for r in answer]
    figures = [float(a) for a in answers if isinstance(a, int | float) and not isinstance(a, bool)]
    reported = (
        Reported(n=len(figures), median=statistics.median(figures), low=min(figures), high=max(figures))
        if figures
        else None
    )
    base = {
        "question_id": question.id,
        "metric": question.type.value,
        "covers": list(question.covers),
        "text": question.text,
        "unit": "%" if question.type is QuestionType.PERCENT else question.unit,
        "reported": reported,
    }
    if ratings and question.type in _FROM_RATINGS:
        value, detail, interval = _FROM_RATINGS[question.type](ratings)
        return OutcomeResult(
            **base,
            source="ratings",
            value=value,
            n=len(ratings),
            ci_low=interval[0] if interval else None,
            ci_high=interval[1] if interval else None,
            detail=detail,
        )
    if reported is not None:
        return OutcomeResult(
            **base, source="reported", value=reported.median, n=reported.n, ci_low=None, ci_high=None, detail={}
        )
    return OutcomeResult(**base, source="none", value=None, n=0, ci_low=None, ci_high=None, detail={})


# Scores are compared with thresholds after rounding away float noise, so that
# (25 + 75 + 20) / 3 style sums land on the level a person computing by hand expects.
_LEVEL_PRECISION = 9


@dataclass
class _Scored:
    """One respondent's scores, as the aggregation needs them."""

    respondent: Respondent
    dimension_scores: dict[str, float] = field(default_factory=dict)
    index: float | None = None

    @property
    def atom(self) -> Atom:
        return (self.respondent.role, self.respondent.function, self.respondent.submitted)


@dataclass
class _Tally:
    scores: list[float] = field(default_factory=list)
    dont_know: int = 0
    not_applicable: int = 0
    unanswered: int = 0
    hidden: int = 0
    distribution: Counter[str] = field(default_factory=Counter)
    outcome_answers: list[object] = field(default_factory=list)
    answered_by: Counter[Atom] = field(default_factory=Counter)  # people with a real answer, by atom


def level_for(score: float, questionnaire: Questionnaire) -> int:
    value = round(score, _LEVEL_PRECISION)
    for threshold in sorted(questionnaire.rubric.thresholds, key=lambda t: t.level):
        if threshold.min <= value < threshold.max:
            return threshold.level
    return 5 if value >= 100 else 1


def question_fingerprint(question: Question) -> str:
    canonical = json.dumps(question.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def score_assessment(
    questionnaire: Questionnaire,
    respondents: Sequence[Respondent],
    target_level: int | None = None,
    min_group_size: int = 1,
    anonymous: bool = False,
) -> AssessmentResult:
    """Score validated answers. Answers are expected to have passed `answers.validate_answer`;
    an answer for an unknown question raises `AnswerError`.

    Respondents marked `submitted=False` are counted too (a result "with answers in
    progress"); figures that would differ from the submitted-only result by fewer than
    `min_group_size` people are hidden, as every other small group is."""
    target = target_level or questionnaire.rubric.default_target_level
    known = {q.id for q in questionnaire.questions}
    for respondent in respondents:
        for qid in respondent.answers:
            if qid not in known:
                raise AnswerError(qid, "no such question in this questionnaire", respondent.id)
    unsubmitted = sum(1 for r in respondents if not r.submitted and r.answers)
    in_progress: Literal["not_requested", "included", "left_out"] = "not_requested"
    if any(not r.submitted for r in respondents):
        in_progress = "left_out" if 0 < unsubmitted < min_group_size else "included"
    if in_progress == "left_out":
        respondents = [r for r in respondents if r.submitted]
    submitted = sum(1 for r in respondents if r.submitted and r.answers)
    withheld = results_withheld(anonymous=anonymous, submitted=submitted, min_group_size=min_group_size)
    two_views = in_progress == "included" and unsubmitted > 0
    # Sorting by id makes the result independent of the order respondents arrive in.
    ordered = sorted(respondents, key=lambda r: r.id)
    scorers = {q.id: scorer_for(q, questionnaire) for q in questionnaire.questions}
    weights = {q.id: q.weight for q in questionnaire.questions}
    dimension_weights = {d.id: d.weight for d in questionnaire.dimensions}
    tallies = {q.id: _Tally() for q in questionnaire.questions}
    scored: list[_Scored] = []
    visibilities: list[tuple[Mapping[str, object], dict[str, bool]]] = []
    visible_required = answered_required = scored_answers = dont_know = not_applicable = 0
    for respondent in ordered:
        visible = visibility(questionnaire, respondent.answers)
        visibilities.append((respondent.answers, visible))
        sums: dict[str, list[tuple[float, float]]] = defaultdict(list)
        for question in questionnaire.questions:
            tally = tallies[question.id]
            if not visible[question.id]:
                tally.hidden += 1
                continue
            answer = respondent.answers.get(question.id)
            if question.required:
                visible_required += 1
                answered_required += answer is not None
            if answer is None:
                tally.unanswered += 1
                continue
            scorer = scorers[question.id]
            if answer in (DONT_KNOW, NOT_APPLICABLE):
                if answer == DONT_KNOW:
                    tally.dont_know += 1
                else:
                    tally.not_applicable += 1
                if scorer is not None:
                    scored_answers += 1
                    dont_know += answer == DONT_KNOW
                    not_applicable += answer == NOT_APPLICABLE
                continue
            _count_distribution(tally.distribution, answer)
            tally.answered_by[(respondent.role, respondent.function, respondent.submitted)] += 1
            if scorer is None:
                if kind_of(question.type).outcome:
                    tally.outcome_answers.append(answer)
                continue
            score = scorer(answer)
            scored_answers += 1
            tally.scores.append(score)
            assert question.dimension is not None  # scored questions always have one (checked on load)
            sums[question.dimension].append((score, weights[question.id]))
        person = _Scored(respondent, {dim: weighted_mean(pairs) for dim, pairs in sums.items()})
        if person.dimension_scores:
            person.index = weighted_mean([(s, dimension_weights[d]) for d, s in person.dimension_scores.items()])
        scored.append(person)

    plans: dict[tuple[object, ...], set[str]] = {}

    def disclose(counts: Mapping[Atom, int], cells: Callable[[Mapping[Atom, int]], list[Cell]]) -> set[str]:
        # Columns answered by the same people share a plan; planning is the costly part.
        key = (cells, tuple(sorted(((a, n) for a, n in counts.items() if n), key=repr)))
        if key not in plans:
            plans[key] = plan(counts, cells)
        return plans[key]

    def plan(counts: Mapping[Atom, int], cells: Callable[[Mapping[Atom, int]], list[Cell]]) -> set[str]:
        if withheld:
            return set()
        if not two_views:
            return disclosed_cells(counts, cells(counts), min_group_size)
        # The submitted-only result is public too: what this one adds must stand on its own.
        alone = {atom: n for atom, n in counts.items() if atom[2]}
        shown_alone = disclosed_cells(alone, cells(alone), min_group_size)
        seeds = [cell.atoms for cell in cells(alone) if cell.key in shown_alone]
        return disclosed_cells(counts, cells(counts), min_group_size, published=seeds)

    dimension_cells = _dimension_cells(questionnaire)
    shown = {
        d.id: disclose(Counter(p.atom for p in scored if d.id in p.dimension_scores), dimension_cells)
        for d in questionnaire.dimensions
    }
    shown_questions = {q.id for q in questionnaire.questions if "all" in disclose(tallies[q.id].answered_by, _whole)}
    dimensions = _dimension_results(questionnaire, scored, tallies, shown)
    dimension_scores = {d.id: d.score for d in dimensions if d.score is not None}
    index = (
        weighted_mean([(s, dimension_weights[d]) for d, s in dimension_scores.items()]) if dimension_scores else None
    )
    dimension_levels = {d.id: d.level for d in dimensions}
    participants = [p for p in scored if p.respondent.answers]
    shares = {
        rec_id: share
        for rec_id, (share, eligible) in _trigger_shares(questionnaire, ordered, visibilities).items()
        if "all" in disclose(eligible, _whole)
    }
    recommendations = select_recommendations(questionnaire, dimension_levels, shares, target)
    questions = [_question_result(q, tallies[q.id], q.id in shown_questions) for q in questionnaire.questions]
    breakdowns = _breakdowns(questionnaire, scored, shown, min_group_size, withheld)
    hidden_cells = (
        sum(d.suppressed for d in dimensions)
        + sum(q.suppressed for q in questions)
        + sum(len(g.hidden) for g in [*breakdowns.by_role, *breakdowns.by_function])
    )
    return AssessmentResult(
        questionnaire=QuestionnaireRef(
            id=questionnaire.id, version=questionnaire.version, hash=questionnaire.content_hash()
        ),
        respondents=len(participants),
        overall=_overall(questionnaire, index, dimension_levels, scored, target),
        confidence=_confidence(
            questionnaire,
            len(participants),
            visible_required,
            answered_required,
            scored_answers,
            dont_know,
            not_applicable,
        ),
        dimensions=dimensions,
        questions=questions,
        breakdowns=breakdowns,
        gaps=_gaps(questionnaire, scored, shown),
        outcomes=[
            outcome_result(q, [] if withheld else tallies[q.id].outcome_answers)
            for q in questionnaire.questions
            if kind_of(q.type).outcome
        ],
        recommendations=recommendations,
        roadmap=roadmap(recommendations),
        disclosure=Disclosure(
            min_group_size=min_group_size,
            withheld=withheld,
            in_progress=in_progress,
            hidden_cells=hidden_cells,
            message=_disclosure_message(min_group_size, withheld, in_progress, hidden_cells),
        ),
    )


def _disclosure_message(
    min_group_size: int, withheld: bool, in_progress: Literal["not_requested", "included", "left_out"], hidden: int
) -> str | None:
    people = f"{min_group_size} {'person' if min_group_size == 1 else 'people'}"
    if withheld:
        return (
            f"Fewer than {people} have submitted: no score is shown until {min_group_size} have, "
            "so that no one's answers can be told apart."
        )
    parts = []
    if in_progress == "left_out":
        parts.append(f"Unsubmitted answers are left out: fewer than {people} have them.")
    if hidden:
        figures = "figure is" if hidden == 1 else "figures are"
        parts.append(
            f"{hidden} {figures} hidden because they describe fewer than {people}, "
            "or would let such a group be worked out from the figures shown."
        )
    return " ".join(parts) or None


def _whole(counts: Mapping[Atom, int]) -> list[Cell]:
    """A figure over everyone counted (a question's distribution, a trigger's share)."""
    return [Cell("all", frozenset(atom for atom, n in counts.items() if n > 0))]


def _dimension_cells(questionnaire: Questionnaire) -> Callable[[Mapping[Atom, int]], list[Cell]]:
    """The figures a dimension's scores can be published as, most worth showing first: everyone,
    leaders and front line (the perception gap), then each role and each function, larger first."""
    perspective = {r.id: r.perspective.value for r in questionnaire.roles}
    orders = ([r.id for r in questionnaire.roles], [f.id for f in questionnaire.functions])

    def cells(counts: Mapping[Atom, int]) -> list[Cell]:
        atoms = [atom for atom, n in counts.items() if n > 0]
        out = [Cell("all", frozenset(atoms))]
        for side in ("leader", "frontline"):
            members = frozenset(a for a in atoms if perspective.get(a[0] or "") == side)
            if members:
                out.append(Cell(f"side:{side}", members))
        for position, kind in enumerate(("role", "function")):
            groups: dict[str, set[Atom]] = defaultdict(set)
            for atom in atoms:
                name = atom[position]
                if isinstance(name, str):
                    groups[name].add(atom)
            ranked = sorted(groups, key=lambda g: _larger_first(g, groups[g], counts, orders[position]))
            out.extend(Cell(f"{kind}:{name}", frozenset(groups[name])) for name in ranked)
        return out

    return cells


def _count_distribution(distribution: Counter[str], answer: object) -> None:
    if isinstance(answer, list):
        if all(isinstance(item, str) for item in answer):  # checklist items, not outcome ratings
            distribution.update(answer)
    elif not isinstance(answer, float):
        distribution[str(answer)] += 1


def _stats(values: Sequence[float]) -> GroupStats:
    if not values:
        return GroupStats(n=0, mean=None, median=None, sd=None, consensus=None)
    return GroupStats(
        n=len(values),
        mean=mean(values),
        median=statistics.median(values),
        sd=sample_sd(values),
        consensus=consensus(values),
    )


def _larger_first(
    name: str, atoms: Iterable[Atom], counts: Mapping[Atom, int], order: Sequence[str]
) -> tuple[int, int, str]:
    return (-sum(counts[a] for a in atoms), order.index(name) if name in order else len(order), name)


def _question_result(question: Question, tally: _Tally, shown: bool) -> QuestionResult:
    is_scored = kind_of(question.type).scored
    answered = len(tally.outcome_answers) if kind_of(question.type).outcome else sum(tally.distribution.values())
    suppressed = not shown and bool(tally.answered_by)
    if suppressed:
        stats = _stats([])
    elif is_scored:
        stats = _stats(tally.scores)
    else:
        stats = GroupStats(n=answered, mean=None, median=None, sd=None, consensus=None)
    return QuestionResult(
        id=question.id,
        dimension=question.dimension,
        type=question.type.value,
        scored=is_scored,
        fingerprint=question_fingerprint(question),
        stats=stats,
        dont_know=tally.dont_know,
        not_applicable=tally.not_applicable,
        unanswered=tally.unanswered,
        hidden=tally.hidden,
        distribution=dict(sorted(tally.distribution.items()))
        if question.type.value != "text" and not suppressed
        else {},
        suppressed=suppressed,
    )


def _dimension_results(
    questionnaire: Questionnaire,
    scored: Sequence[_Scored],
    tallies: Mapping[str, _Tally],
    shown: Mapping[str, set[str]],
) -> list[DimensionResult]:
    results = []
    for dimension in questionnaire.dimensions:
        values = [p.dimension_scores[dimension.id] for p in scored if dimension.id in p.dimension_scores]
        question_ids = [q.id for q in questionnaire.questions if q.dimension == dimension.id]
        suppressed = bool(values) and "all" not in shown[dimension.id]
        stats = _stats([] if suppressed else values)
        level = level_for(stats.mean, questionnaire) if stats.mean is not None else None
        results.append(
            DimensionResult(
                id=dimension.id,
                title=dimension.title,
                weight=dimension.weight,
                score=stats.mean,
                level=level,
                level_name=questionnaire.level_name(level) if level else None,
                stats=stats,
                dont_know=sum(tallies[q].dont_know for q in question_ids),
                not_applicable=sum(tallies[q].not_applicable for q in question_ids),
                question_ids=question_ids,
                suppressed=suppressed,
            )
        )
    return results


def _overall(
    questionnaire: Questionnaire,
    index: float | None,
    dimension_levels: Mapping[str, int | None],
    scored: Sequence[_Scored],
    target: int,
) -> Overall:
    if index is None:
        return Overall(
            index=None, level=None, level_name=None, threshold_level=None, band=None, gates=[], target_level=target
        )
    threshold_level = level_for(index, questionnaire)
    gates = list(_gates(questionnaire, threshold_level, dimension_levels))
    level = min([threshold_level, *(g.capped_at for g in gates)])
    indices = [p.index for p in scored if p.index is not None]
    band = None
    if len(indices) >= 2:
        half = t_critical_95(len(indices) - 1) * statistics.stdev(indices) / len(indices) ** 0.5
        band = Band(low=max(0.0, index - half), high=min(100.0, index + half))
    return Overall(
        index=index,
        level=level,
        level_name=questionnaire.level_name(level),
        threshold_level=threshold_level,
        band=band,
        gates=[g for g in gates if g.capped_at < threshold_level],
        target_level=target,
    )


def _gates(
    questionnaire: Questionnaire, threshold_level: int, dimension_levels: Mapping[str, int | None]
) -> Iterable[GateApplied]:
    levels = {d: lv for d, lv in dimension_levels.items() if lv is not None}
    titles = {d.id: d.title for d in questionnaire.dimensions}
    for rule in questionnaire.rubric.gating:
        if rule.rule == "max_above_weakest" and levels:
            assert rule.levels is not None
            weakest = min(levels, key=lambda d: (levels[d], d))
            cap = levels[weakest] + rule.levels
            yield GateApplied(
                rule=rule.rule,
                capped_at=cap,
                explanation=rule.reason
                or f"The overall level can be at most {rule.levels} above the weakest dimension "
                f"({titles[weakest]}, level {levels[weakest]}).",
            )
        elif rule.rule == "minimum_dimension_level":
            assert rule.for_level is not None and rule.min_level is not None
            names = rule.dimensions or [d.id for d in questionnaire.dimensions]
            short = [d for d in names if d in levels and levels[d] < rule.min_level]
            if short:
                listed = ", ".join(f"{titles[d]} (level {levels[d]})" for d in short)
                yield GateApplied(
                    rule=rule.rule,
                    capped_at=rule.for_level - 1,
                    explanation=(rule.reason + " " if rule.reason else "")
                    + f"Level {rule.for_level} needs these dimensions at level {rule.min_level} or above: {listed}.",
                )


def _confidence(
    questionnaire: Questionnaire,
    respondents: int,
    visible_required: int,
    answered_required: int,
    scored_answers: int,
    dont_know: int,
    not_applicable: int,
) -> Confidence:
    rules = questionnaire.rubric.confidence
    completion = answered_required / visible_required if visible_required else 0.0
    dk_share = dont_know / scored_answers if scored_answers else 0.0
    na_share = not_applicable / scored_answers if scored_answers else 0.0
    reasons = []
    if respondents < rules.high_min_respondents:
        reasons.append(f"{respondents} respondent(s); {rules.high_min_respondents} or more give high confidence")
    if completion < rules.high_min_completion:
        reasons.append(f"{completion:.0%} of required questions answered")
    if dk_share > rules.high_max_dont_know:
        reasons.append(f"{dk_share:.0%} of answers were 'don't know'")
    rating: Literal["high", "medium", "low"]
    if not reasons:
        rating = "high"
    elif (
        respondents >= rules.medium_min_respondents
        and completion >= rules.medium_min_completion
        and dk_share <= rules.medium_max_dont_know
    ):
        rating = "medium"
    else:
        rating = "low"
    return Confidence(
        rating=rating,
        respondents=respondents,
        completion=completion,
        dont_know_share=dk_share,
        not_applicable_share=na_share,
        reasons=reasons,
    )


def _breakdowns(
    questionnaire: Questionnaire,
    scored: Sequence[_Scored],
    shown: Mapping[str, set[str]],
    min_group_size: int,
    withheld: bool,
) -> Breakdowns:
    """Scores by role and by function; a group's score for a dimension is shown only where
    `shown` (the disclosure plan) allows it, and its index only when none of its scores is hidden."""
    dimension_ids = [d.id for d in questionnaire.dimensions]
    weights = {d.id: d.weight for d in questionnaire.dimensions}

    def breakdown(kind: Literal["role", "function"], order: Sequence[str]) -> list[GroupBreakdown]:
        if withheld:
            return []
        groups: dict[str, list[_Scored]] = defaultdict(list)
        for person in scored:
            value = getattr(person.respondent, kind)
            if value is not None and person.dimension_scores:
                groups[value].append(person)
        rows = []
        for name in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
            members = groups[name]
            means: dict[str, float | None] = {}
            hidden: list[str] = []
            for dim in dimension_ids:
                values = [p.dimension_scores[dim] for p in members if dim in p.dimension_scores]
                visible = bool(values) and f"{kind}:{name}" in shown[dim]
                if values and not visible:
                    hidden.append(dim)
                means[dim] = mean(values) if visible else None
            present = [(score, weights[d]) for d, score in means.items() if score is not None]
            if not present:
                rows.append(
                    GroupBreakdown(group=name, suppressed=True, n=None, index=None, dimensions={}, hidden=hidden)
                )
                continue
            rows.append(
                GroupBreakdown(
                    group=name,
                    suppressed=False,
                    n=len(members),
                    # An index over the shown dimensions only would mix in the hidden ones' absence;
                    # one over all of them would let the hidden scores be worked out.
                    index=None if hidden else weighted_mean(present),
                    dimensions=means,
                    hidden=hidden,
                )
            )
        return rows

    return Breakdowns(
        min_group_size=min_group_size,
        by_role=breakdown("role", [r.id for r in questionnaire.roles]),
        by_function=breakdown("function", [f.id for f in questionnaire.functions]),
    )


def _gaps(questionnaire: Questionnaire, scored: Sequence[_Scored], shown: Mapping[str, set[str]]) -> Gaps:
    """Perception gaps (leaders against front line) and silo gaps (between functions), built
    only from group scores the disclosure plan shows."""
    thresholds = questionnaire.rubric.gaps
    perspective = {r.id: r.perspective.value for r in questionnaire.roles}
    perception: list[PerceptionGap] = []
    silo: list[SiloGap] = []
    for dimension in questionnaire.dimensions:
        dim = dimension.id
        sides: dict[str, list[float]] = defaultdict(list)
        functions: dict[str, list[float]] = defaultdict(list)
        for person in scored:
            if dim not in person.dimension_scores:
                continue
            score = person.dimension_scores[dim]
            side = perspective.get(person.respondent.role or "")
            if side in ("leader", "frontline"):
                sides[side].append(score)
            if person.respondent.function is not None:
                functions[person.respondent.function].append(score)
        if {"side:leader", "side:frontline"} <= shown[dim]:
            leaders, frontline = mean(sides["leader"]), mean(sides["frontline"])
            gap = leaders - frontline
            perception.append(
                PerceptionGap(
                    dimension=dim,
                    leaders=leaders,
                    frontline=frontline,
                    gap=gap,
                    flagged=round(abs(gap), _LEVEL_PRECISION) >= thresholds.perception,
                )
            )
        means = {f: mean(v) for f, v in functions.items() if f"function:{f}" in shown[dim]}
        if len(means) >= 2:
            high = max(means, key=lambda f: (means[f], f))
            low = min(means, key=lambda f: (means[f], f))
            spread = means[high] - means[low]
            silo.append(
                SiloGap(
                    dimension=dim,
                    highest_function=high,
                    highest=means[high],
                    lowest_function=low,
                    lowest=means[low],
                    spread=spread,
                    flagged=round(spread, _LEVEL_PRECISION) >= thresholds.silo,
                )
            )
    return Gaps(
        perception_threshold=thresholds.perception, silo_threshold=thresholds.silo, perception=perception, silo=silo
    )


def _trigger_shares(
    questionnaire: Questionnaire,
    respondents: Sequence[Respondent],
    visibilities: Sequence[tuple[Mapping[str, object], dict[str, bool]]],
) -> dict[str, tuple[float, Counter[Atom]]]:
    """For each triggered recommendation, the share of respondents able to meet its trigger who do,
    and who those respondents are (by atom, for the disclosure plan).

    A respondent counts when every question the trigger looks at is visible to them and
    has a real answer; the share is over those respondents only.
    """
    shares: dict[str, tuple[float, Counter[Atom]]] = {}
    for rec in questionnaire.recommendations:
        if rec.trigger is None:
            continue
        looked_at = rec.trigger.referenced_questions()
        eligible: Counter[Atom] = Counter()
        met = 0
        for respondent, (answers, visible) in zip(respondents, visibilities, strict=True):
            if not all(visible.get(q) and answers.get(q) not in (None, DONT_KNOW, NOT_APPLICABLE) for q in looked_at):
                continue
            eligible[(respondent.role, respondent.function, respondent.submitted)] += 1
            met += _condition_holds(rec.trigger, answers, visible)
        if eligible:
            shares[rec.id] = (met / sum(eligible.values()), eligible)
    return shares
