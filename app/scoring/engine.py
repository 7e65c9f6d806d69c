"""Scoring an assessment: a questionnaire and respondents' answers in, an `AssessmentResult` out.

Pure: no I/O, no clock, no randomness; the same inputs give the same result in any
respondent order. How each number is made:

* question score: 0-100 from the answer (see `answers.scorer_for`);
* a respondent's dimension score: weighted mean of their answered scored questions in it;
  "don't know" and "not applicable" are counted but left out of the mean, hidden
  questions (condition false) are not counted at all;
* dimension score: mean of the respondents' dimension scores, so each person counts once;
* index: weighted mean of the dimension scores (dimension weights);
* level: from the rubric thresholds, then held down by the gating rules;
* band: 95% t-interval of the respondents' own indices around the index;
* disclosure (`app.scoring.privacy`): a figure is shown only when it describes at least the
  minimum group size of people and no smaller group can be computed from it together with
  the other figures shown; an anonymous assessment shows no figure at all until that many
  people have submitted. Hidden dimensions are left out of the index.

Speed (100,000 respondents in seconds): a questionnaire is compiled once into a plan (scorers,
conditions, fingerprints, content hash); answers are read a question at a time, each
distinct answer scored once and counted by atom, and every statistic is exact from counts
(`app.scoring.statistics`), so the figures are the floats a one-by-one evaluation gives.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import operator
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from app.questionnaire.kinds import kind_of
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire
from app.scoring.answers import (
    SPECIAL_ANSWERS,
    AnswerError,
    ConditionTest,
    Respondent,
    Scorer,
    compiled_condition,
    scorer_for,
    visibility,
)
from app.scoring.outcomes import outcome_result
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
    Overall,
    PerceptionGap,
    QuestionnaireRef,
    QuestionResult,
    SiloGap,
)
from app.scoring.statistics import mean, sample_sd, summarize, summarize_counts, t_critical_95, weighted_mean

# Scores are compared with thresholds after rounding away float noise, so that
# (25 + 75 + 20) / 3 style sums land on the level a person computing by hand expects.
_LEVEL_PRECISION = 9


@dataclass
class _Tally:
    """What the respondents gave one question, counted as they are read."""

    visible: int = 0  # respondents the question was shown to
    answered: int = 0  # of those, with an answer (a real one, "don't know" or "not applicable")
    score_counts: dict[float, int] = field(default_factory=dict)  # each score given, and how many times
    dont_know: int = 0
    not_applicable: int = 0
    distribution: Counter[str] = field(default_factory=Counter)
    outcome_answers: list[object] = field(default_factory=list)
    answered_by: Counter[Atom] = field(default_factory=Counter)  # people with a real answer, by atom


@dataclass(frozen=True, slots=True)
class _QuestionPlan:
    """What scoring needs of one question, looked up once."""

    conditioned: bool
    scorer: Scorer | None
    dimension: str | None
    weight: float
    is_outcome: bool


@dataclass(frozen=True)
class _Plan:
    """A questionnaire compiled once for scoring: the tables every respondent is looked up in."""

    questions: dict[str, _QuestionPlan]
    # The conditioned questions in questionnaire order, and a visibility map with every other one shown.
    conditioned: tuple[tuple[str, ConditionTest], ...]
    always_shown: dict[str, bool]
    # True when a condition looks at a question that does not come before its own (refused on load):
    # then visibility is computed question by question, as `answers.visibility` does.
    forward_references: bool
    triggers: tuple[tuple[str, ConditionTest, tuple[str, ...]], ...]
    dimension_weights: dict[str, float]
    content_hash: str
    fingerprints: dict[str, str]


# Plans of the questionnaires scored lately, by identity (a Questionnaire is frozen); the entry keeps
# the questionnaire alive, so its id cannot be reused while the plan is cached.
_PLANS: dict[int, tuple[Questionnaire, _Plan]] = {}
_PLANS_KEPT = 16
_PLANS_LOCK = threading.Lock()


def _plan_for(questionnaire: Questionnaire) -> _Plan:
    with _PLANS_LOCK:
        cached = _PLANS.get(id(questionnaire))
    if cached is not None and cached[0] is questionnaire:
        return cached[1]
    plan = _compile(questionnaire)
    with _PLANS_LOCK:
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.pop(next(iter(_PLANS)))
        _PLANS[id(questionnaire)] = (questionnaire, plan)
    return plan


def _compile(questionnaire: Questionnaire) -> _Plan:
    questions = {}
    for question in questionnaire.questions:
        questions[question.id] = _QuestionPlan(
            conditioned=question.condition is not None,
            scorer=scorer_for(question, questionnaire),
            dimension=question.dimension,
            weight=question.weight,
            is_outcome=kind_of(question.type).outcome,
        )
    position = {q.id: i for i, q in enumerate(questionnaire.questions)}
    forward = any(
        position.get(target, len(position)) >= i
        for i, q in enumerate(questionnaire.questions)
        if q.condition is not None
        for target in q.condition.referenced_questions()
    )
    return _Plan(
        questions=questions,
        conditioned=tuple(
            (q.id, compiled_condition(q.condition)) for q in questionnaire.questions if q.condition is not None
        ),
        always_shown={q.id: True for q in questionnaire.questions if q.condition is None},
        forward_references=forward,
        triggers=tuple(
            (rec.id, compiled_condition(rec.trigger), tuple(rec.trigger.referenced_questions()))
            for rec in questionnaire.recommendations
            if rec.trigger is not None
        ),
        dimension_weights={d.id: d.weight for d in questionnaire.dimensions},
        content_hash=questionnaire.content_hash(),
        fingerprints={q.id: question_fingerprint(q) for q in questionnaire.questions},
    )


@dataclass
class _DimensionScores:
    """Respondents' own scores for one dimension, split by atom: every group figure is a union of atoms."""

    by_atom: dict[Atom, list[float]] = field(default_factory=dict)

    def values(self, atoms: Iterable[Atom] | None = None) -> list[float]:
        chosen = self.by_atom if atoms is None else [a for a in atoms if a in self.by_atom]
        return [score for atom in chosen for score in self.by_atom[atom]]

    def counts(self) -> Counter[Atom]:
        return Counter({atom: len(scores) for atom, scores in self.by_atom.items()})


@dataclass
class _Scored:
    """Everyone's scores, as the aggregation needs them."""

    dimensions: dict[str, _DimensionScores]
    indices: list[float]  # each respondent's own index, for the band
    people_by_atom: Counter[Atom]  # respondents with at least one dimension score


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
    compiled = _plan_for(questionnaire)
    known = compiled.questions.keys()
    for respondent in respondents:
        if not known >= respondent.answers.keys():
            qid = next(qid for qid in respondent.answers if qid not in known)
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
    tallies = {q.id: _Tally() for q in questionnaire.questions}
    scored, shares = _read_answers(questionnaire, compiled, ordered, tallies)
    counts = _answer_counts(questionnaire, tallies, len(ordered))

    plans: dict[tuple[object, ...], set[str]] = {}

    def disclose(counts: Mapping[Atom, int], cells: Callable[[Mapping[Atom, int]], list[Cell]]) -> set[str]:
        # Columns answered by the same people share a plan; planning is the costly part.
        if cells is _whole:
            # A single figure over everyone: the plan compares counts only with the minimum group
            # size (an atom, a sum of atoms), so counts above it can stand at it, and columns
            # answered by nearly the same people share a plan too.
            cap = max(min_group_size, 1)
            counts = {atom: min(n, cap) for atom, n in counts.items()}
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
    shown = {d.id: disclose(scored.dimensions[d.id].counts(), dimension_cells) for d in questionnaire.dimensions}
    shown_questions = {q.id for q in questionnaire.questions if "all" in disclose(tallies[q.id].answered_by, _whole)}
    dimensions = _dimension_results(questionnaire, scored, tallies, shown)
    dimension_weights = compiled.dimension_weights
    dimension_scores = {d.id: d.score for d in dimensions if d.score is not None}
    index = (
        weighted_mean([(s, dimension_weights[d]) for d, s in dimension_scores.items()]) if dimension_scores else None
    )
    dimension_levels = {d.id: d.level for d in dimensions}
    participants = sum(1 for r in ordered if r.answers)
    shown_shares = {
        rec_id: share for rec_id, (share, eligible) in shares.items() if "all" in disclose(eligible, _whole)
    }
    recommendations = select_recommendations(questionnaire, dimension_levels, shown_shares, target)
    questions = [
        _question_result(q, tallies[q.id], len(ordered), q.id in shown_questions, compiled.fingerprints[q.id])
        for q in questionnaire.questions
    ]
    breakdowns = _breakdowns(questionnaire, scored, shown, min_group_size, withheld)
    hidden_cells = (
        sum(d.suppressed for d in dimensions)
        + sum(q.suppressed for q in questions)
        + sum(len(g.hidden) for g in [*breakdowns.by_role, *breakdowns.by_function])
    )
    return AssessmentResult(
        questionnaire=QuestionnaireRef(id=questionnaire.id, version=questionnaire.version, hash=compiled.content_hash),
        respondents=participants,
        overall=_overall(questionnaire, index, dimension_levels, scored, target),
        confidence=_confidence(questionnaire, participants, counts),
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


_EXACT_TYPES = frozenset({str, int, float, bool, list, type(None)})
_NUMBER_TYPES = frozenset({int, float, bool})


def _keys(column: list[Any]) -> tuple[list[Any], bool]:
    """Hashable stand-ins for a column of answers (None where there is none), and whether each
    stand-in is the answer itself (a checklist list as a tuple). 1, 1.0 and True are equal keys
    but not the same answer: a column mixing such types keys every answer with its type too."""
    kinds = set(map(type, column))
    plain = kinds <= _EXACT_TYPES and len(kinds & _NUMBER_TYPES) <= 1
    if plain:
        return ([tuple(a) if type(a) is list else a for a in column] if list in kinds else column), True
    return [None if a is None else (type(a), tuple(a) if type(a) is list else a) for a in column], False


def _answer_of(key: Any, plain: bool) -> Any:
    if not plain:
        kind, key = key
        return list(key) if kind is list else key
    return list(key) if type(key) is tuple else key


def _read_answers(
    questionnaire: Questionnaire, compiled: _Plan, ordered: Sequence[Respondent], tallies: Mapping[str, _Tally]
) -> tuple[_Scored, dict[str, tuple[float, Counter[Atom]]]]:
    """Every answer read once, a question (a column) at a time: the tallies of each question, each
    respondent's dimension scores and index, and the trigger shares.

    A question's figures (distribution, scores, who answered) depend only on how many people
    of each atom gave each distinct answer, so a column is counted in one go and each distinct
    answer scored once. A respondent's dimension score is fsum(score x weight) / fsum(weight)
    over their answers in it (`weighted_mean`), summed across columns with 0 where they gave
    no score: fsum is exact, so the zeros change nothing."""
    answer_maps = [r.answers for r in ordered]
    atoms = [(r.role, r.function, r.submitted) for r in ordered]
    # Counting by a small int per atom hashes far faster than by the atom's tuple.
    numbering: dict[Atom, int] = {}
    atom_ids = [numbering.setdefault(atom, len(numbering)) for atom in atoms]
    distinct_atoms = list(numbering)
    count = len(ordered)
    if compiled.forward_references:
        visibilities = [visibility(questionnaire, answers) for answers in answer_maps]
    elif compiled.conditioned:
        visibilities = []
        for answers in answer_maps:
            visible = dict(compiled.always_shown)
            for qid, holds in compiled.conditioned:
                visible[qid] = holds(answers, visible)
            visibilities.append(visible)
    else:
        visibilities = [compiled.always_shown] * count
    products: dict[str, list[list[float]]] = {d.id: [] for d in questionnaire.dimensions}
    weights: dict[str, list[list[float]]] = {d.id: [] for d in questionnaire.dimensions}
    looked_at = {q for _, _, questions in compiled.triggers for q in questions}
    shown_answers: dict[str, list[Any]] = {}  # the answers triggers look at, None where hidden
    for (qid, qp), column in zip(
        compiled.questions.items(), _columns(list(compiled.questions), answer_maps), strict=True
    ):
        tally = tallies[qid]
        if qp.conditioned:
            column = [a if v[qid] else None for a, v in zip(column, visibilities, strict=True)]
            tally.visible = sum(1 for v in visibilities if v[qid])
        else:
            tally.visible = count
        if qid in looked_at:
            shown_answers[qid] = column
        if qp.is_outcome:
            tally.outcome_answers = [a for a in column if a is not None and not _is_special(a)]
        if qp.scorer is None and any(type(a) is list for a in column):
            for atom, answer in zip(atoms, column, strict=True):  # customer ratings: each list one of a kind
                if answer is not None:
                    _tally_one(tally, answer, atom)
            continue
        keys, plain = _keys(column)
        product_of: dict[Any, float] = {}
        weight_of: dict[Any, float] = {}
        for (atom_id, key), times in Counter(zip(atom_ids, keys, strict=True)).items():
            if key is None:
                continue
            atom = distinct_atoms[atom_id]
            answer = _answer_of(key, plain)
            tally.answered += times
            if _is_special(answer):
                if answer == DONT_KNOW:
                    tally.dont_know += times
                else:
                    tally.not_applicable += times
                continue
            _count_distribution(tally.distribution, answer, times)
            tally.answered_by[atom] += times
            if qp.scorer is not None:
                score = qp.scorer(answer)
                tally.score_counts[score] = tally.score_counts.get(score, 0) + times
                product_of[key], weight_of[key] = score * qp.weight, qp.weight
        if qp.scorer is not None:
            assert qp.dimension is not None  # scored questions always have one (checked on load)
            products[qp.dimension].append(list(map(product_of.get, keys, itertools.repeat(0.0, count))))
            weights[qp.dimension].append(list(map(weight_of.get, keys, itertools.repeat(0.0, count))))
    dimensions = {d.id: _DimensionScores() for d in questionnaire.dimensions}
    index_products: list[list[float]] = []
    index_weights: list[list[float]] = []
    for dimension in questionnaire.dimensions:
        if not products[dimension.id]:
            continue
        sums = [math.fsum(row) for row in zip(*products[dimension.id], strict=True)]
        totals = [math.fsum(row) for row in zip(*weights[dimension.id], strict=True)]
        scores = [p / w if w else None for p, w in zip(sums, totals, strict=True)]
        grouped: list[list[float]] = [[] for _ in distinct_atoms]
        for atom_id, own in zip(atom_ids, scores, strict=True):
            if own is not None:
                grouped[atom_id].append(own)
        dimensions[dimension.id].by_atom = {distinct_atoms[i]: found for i, found in enumerate(grouped) if found}
        weight = dimension.weight
        index_products.append([0.0 if own is None else own * weight for own in scores])
        index_weights.append([0.0 if own is None else weight for own in scores])
    indices: list[float] = []
    people_by_atom: Counter[Atom] = Counter()
    if index_products:
        for atom, p, w in zip(
            atoms,
            (math.fsum(row) for row in zip(*index_products, strict=True)),
            (math.fsum(row) for row in zip(*index_weights, strict=True)),
            strict=True,
        ):
            if w:
                indices.append(p / w)
                people_by_atom[atom] += 1
    return _Scored(dimensions, indices, people_by_atom), _trigger_shares(
        compiled, answer_maps, atoms, visibilities, shown_answers
    )


def _columns(question_ids: list[str], answer_maps: Sequence[Mapping[str, object]]) -> list[list[Any]]:
    """Each question's answers, one per respondent (None where there is none). Every respondent's
    answers become one row in questionnaire order, and the rows are turned into columns: two passes
    in C instead of a lookup per question and respondent."""
    if not answer_maps or len(question_ids) < 2:
        return [[a.get(qid) for a in answer_maps] for qid in question_ids]
    blank = dict.fromkeys(question_ids)
    row_of = operator.itemgetter(*question_ids)
    return [list(column) for column in zip(*(row_of({**blank, **a}) for a in answer_maps), strict=True)]


def _is_special(answer: object) -> bool:
    return isinstance(answer, str) and answer in SPECIAL_ANSWERS


def _tally_one(tally: _Tally, answer: object, atom: Atom) -> None:
    tally.answered += 1
    if _is_special(answer):
        if answer == DONT_KNOW:
            tally.dont_know += 1
        else:
            tally.not_applicable += 1
        return
    _count_distribution(tally.distribution, answer)
    tally.answered_by[atom] += 1


def _trigger_shares(
    compiled: _Plan,
    answer_maps: Sequence[Mapping[str, object]],
    atoms: Sequence[Atom],
    visibilities: Sequence[Mapping[str, bool]],
    shown_answers: Mapping[str, list[Any]],
) -> dict[str, tuple[float, Counter[Atom]]]:
    """For each triggered recommendation, the share of respondents able to meet its trigger who do,
    and who those respondents are (by atom, for the disclosure plan).

    A respondent counts when every question the trigger looks at is visible to them and
    has a real answer; the share is over those respondents only. Whether a trigger holds
    depends only on the answers it looks at, so it is evaluated once per distinct combination.
    """
    shares: dict[str, tuple[float, Counter[Atom]]] = {}
    not_real = (None, DONT_KNOW, NOT_APPLICABLE)
    for rec_id, trigger, looked_at in compiled.triggers:
        if any(q not in shown_answers for q in looked_at):
            continue  # a question that does not exist is never answered
        columns = [shown_answers[q] for q in looked_at]
        keys = [_keys(column)[0] for column in columns]
        eligible: Counter[Atom] = Counter()
        met = 0
        holds: dict[tuple[Any, ...], bool] = {}
        for i, (values, combination) in enumerate(
            zip(zip(*columns, strict=True), zip(*keys, strict=True), strict=True)
            if columns
            else (((), ()) for _ in atoms)
        ):
            if any(value in not_real for value in values):
                continue
            eligible[atoms[i]] += 1
            found = holds.get(combination)
            if found is None:
                found = holds[combination] = trigger(answer_maps[i], visibilities[i])
            met += found
        if eligible:
            shares[rec_id] = (met / sum(eligible.values()), eligible)
    return shares


@dataclass(frozen=True)
class _AnswerCounts:
    visible_required: int
    answered_required: int
    scored_answers: int
    dont_know: int
    not_applicable: int


def _answer_counts(questionnaire: Questionnaire, tallies: Mapping[str, _Tally], respondents: int) -> _AnswerCounts:
    """The confidence counts, from the tallies: unconditioned questions are shown to everyone."""
    visible_required = answered_required = scored_answers = dont_know = not_applicable = 0
    for question in questionnaire.questions:
        tally = tallies[question.id]
        if question.required:
            visible_required += tally.visible
            answered_required += tally.answered
        if kind_of(question.type).scored:
            scored_answers += tally.answered
            dont_know += tally.dont_know
            not_applicable += tally.not_applicable
    return _AnswerCounts(visible_required, answered_required, scored_answers, dont_know, not_applicable)


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


def _count_distribution(distribution: Counter[str], answer: object, times: int = 1) -> None:
    if isinstance(answer, list):
        if all(isinstance(item, str) for item in answer):  # checklist items, not outcome ratings
            for item in answer:
                distribution[item] += times
    elif not isinstance(answer, float):
        distribution[str(answer)] += times


def _stats(values: Sequence[float] | Mapping[float, int]) -> GroupStats:
    """The figures of a group of scores, given as a list or as counts (score -> how many times)."""
    summary = summarize_counts(values) if isinstance(values, Mapping) else summarize(values)
    return GroupStats(n=summary.n, mean=summary.mean, median=summary.median, sd=summary.sd, consensus=summary.consensus)


def _larger_first(
    name: str, atoms: Iterable[Atom], counts: Mapping[Atom, int], order: Sequence[str]
) -> tuple[int, int, str]:
    return (-sum(counts[a] for a in atoms), order.index(name) if name in order else len(order), name)


def _question_result(
    question: Question, tally: _Tally, respondents: int, shown: bool, fingerprint: str
) -> QuestionResult:
    is_scored = kind_of(question.type).scored
    answered = len(tally.outcome_answers) if kind_of(question.type).outcome else sum(tally.distribution.values())
    suppressed = not shown and bool(tally.answered_by)
    if suppressed:
        stats = _stats([])
    elif is_scored:
        stats = _stats(tally.score_counts)
    else:
        stats = GroupStats(n=answered, mean=None, median=None, sd=None, consensus=None)
    return QuestionResult(
        id=question.id,
        dimension=question.dimension,
        type=question.type.value,
        scored=is_scored,
        fingerprint=fingerprint,
        stats=stats,
        dont_know=tally.dont_know,
        not_applicable=tally.not_applicable,
        unanswered=tally.visible - tally.answered,
        hidden=respondents - tally.visible,
        distribution=dict(sorted(tally.distribution.items()))
        if question.type.value != "text" and not suppressed
        else {},
        suppressed=suppressed,
    )


def _dimension_results(
    questionnaire: Questionnaire,
    scored: _Scored,
    tallies: Mapping[str, _Tally],
    shown: Mapping[str, set[str]],
) -> list[DimensionResult]:
    results = []
    for dimension in questionnaire.dimensions:
        values = scored.dimensions[dimension.id].values()
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
    scored: _Scored,
    target: int,
) -> Overall:
    if index is None:
        return Overall(
            index=None, level=None, level_name=None, threshold_level=None, band=None, gates=[], target_level=target
        )
    threshold_level = level_for(index, questionnaire)
    gates = list(_gates(questionnaire, threshold_level, dimension_levels))
    level = min([threshold_level, *(g.capped_at for g in gates)])
    indices = scored.indices
    band = None
    if len(indices) >= 2:
        sd = sample_sd(indices)
        assert sd is not None
        half = t_critical_95(len(indices) - 1) * sd / len(indices) ** 0.5
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


def _confidence(questionnaire: Questionnaire, respondents: int, counts: _AnswerCounts) -> Confidence:
    rules = questionnaire.rubric.confidence
    visible_required, answered_required = counts.visible_required, counts.answered_required
    scored_answers, dont_know, not_applicable = counts.scored_answers, counts.dont_know, counts.not_applicable
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
    scored: _Scored,
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
        position = 0 if kind == "role" else 1
        groups: dict[str, list[Atom]] = defaultdict(list)
        for atom, people in scored.people_by_atom.items():
            value = atom[position]
            if isinstance(value, str) and people:
                groups[value].append(atom)
        rows = []
        for name in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
            members = groups[name]
            means: dict[str, float | None] = {}
            hidden: list[str] = []
            for dim in dimension_ids:
                values = scored.dimensions[dim].values(members)
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
                    n=sum(scored.people_by_atom[a] for a in members),
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


def _gaps(questionnaire: Questionnaire, scored: _Scored, shown: Mapping[str, set[str]]) -> Gaps:
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
        for atom, scores in scored.dimensions[dim].by_atom.items():
            side = perspective.get(atom[0] or "")
            if side in ("leader", "frontline"):
                sides[side].extend(scores)
            if atom[1] is not None:
                functions[atom[1]].extend(scores)
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
