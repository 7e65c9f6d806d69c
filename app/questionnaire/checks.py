"""Cross-reference checks on a parsed questionnaire, each problem tied to a path in the file.

Pydantic checks the shape of each value; these checks need the whole questionnaire:
ids that must be unique, references that must exist, conditions that may only look
back, thresholds that must tile 0-100, recommendation dependencies without cycles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from app.questionnaire.concepts import ConceptRegistry
from app.questionnaire.kinds import kind_of, type_fields
from app.questionnaire.kinds.base import Problem, unique
from app.questionnaire.models import LEVEL_NUMBERS, Condition, Question, Questionnaire
from app.questionnaire.yaml_source import Path


def check_questionnaire(q: Questionnaire, concepts: ConceptRegistry) -> list[Problem]:
    problems: list[Problem] = []
    problems += unique(q.levels, "levels", key="level")
    if sorted(lv.level for lv in q.levels) != list(LEVEL_NUMBERS):
        problems.append((("levels",), "the levels must be numbered 1 to 5, once each"))
    problems += unique(q.roles, "roles")
    problems += unique(q.functions, "functions")
    problems += unique(q.dimensions, "dimensions")
    problems += unique(q.scales, "scales")
    problems += unique(q.questions, "questions")
    problems += unique(q.recommendations, "recommendations")
    for i, scale in enumerate(q.scales):
        problems += unique(scale.options, ("scales", i, "options"), key="value")
    problems += list(_check_questions(q, concepts))
    problems += list(_check_rubric(q))
    problems += list(_check_recommendations(q, concepts))
    return problems


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _check_questions(q: Questionnaire, concepts: ConceptRegistry) -> Iterator[Problem]:
    dimension_ids = {d.id for d in q.dimensions}
    scale_ids = {s.id for s in q.scales}
    position, by_id = _first_occurrences(q.questions)
    for i, question in enumerate(q.questions):
        here: Path = ("questions", i)
        if question.dimension is None:
            if kind_of(question.type).scored:
                yield (
                    (*here, "dimension"),
                    f"{_article(question.type.value)} {question.type.value} question is scored and needs a dimension",
                )
        elif question.dimension not in dimension_ids:
            yield (
                (*here, "dimension"),
                f"unknown dimension '{question.dimension}' (known: {', '.join(sorted(dimension_ids))})",
            )
        yield from _check_type_fields(question, here, scale_ids)
        for j, concept in enumerate(question.covers):
            yield from _check_concept(question, concept, (*here, "covers", j), concepts)
        for k, item in enumerate(question.items or []):
            for j, concept in enumerate(item.covers):
                yield from _check_concept(question, concept, (*here, "items", k, "covers", j), concepts)
        if question.condition is not None:
            yield from _check_condition(question.condition, (*here, "condition"), i, position, by_id, q)


def _first_occurrences(questions: Sequence[Question]) -> tuple[dict[str, int], dict[str, Question]]:
    """Position and question by id, keeping the first of duplicates (reported once, on their own)."""
    position: dict[str, int] = {}
    by_id: dict[str, Question] = {}
    for i, question in enumerate(questions):
        position.setdefault(question.id, i)
        by_id.setdefault(question.id, question)
    return position, by_id


def _check_concept(question: Question, concept: str, path: Path, concepts: ConceptRegistry) -> Iterator[Problem]:
    if kind_of(question.type).outcome:
        if concept not in concepts.outcomes:
            hint = " (practices are covered by scored questions)" if concept in concepts.practices else ""
            yield path, f"unknown outcome concept '{concept}'{hint}"
    elif concept not in concepts.practices:
        hint = " (outcomes are covered by outcome questions only)" if concept in concepts.outcomes else ""
        yield path, f"unknown practice concept '{concept}'{hint}"


def _check_type_fields(question: Question, here: Path, scale_ids: set[str]) -> Iterator[Problem]:
    kind = kind_of(question.type)
    takes = kind.fields_of(question.type)
    type_name = question.type.value
    some_take = type_fields()
    # In the order a Question declares its fields: the order the problems come in.
    for name in Question.model_fields:
        if name in some_take and name in question.model_fields_set and name not in takes:
            yield (*here, name), f"'{name}' does not apply to {_article(type_name)} {type_name} question"
    yield from kind.check(question, here, scale_ids)
    if question.min_value is not None and question.max_value is not None and question.min_value >= question.max_value:
        yield (*here, "max_value"), "max_value must be greater than min_value"


def _check_condition(
    condition: Condition,
    path: Path,
    index: int,
    position: dict[str, int],
    by_id: dict[str, Question],
    q: Questionnaire,
) -> Iterator[Problem]:
    if condition.question is not None:
        target = condition.question
        if target not in position:
            yield (*path, "question"), f"condition refers to unknown question '{target}'"
            return
        if position[target] >= index:
            yield (
                (*path, "question"),
                (
                    f"condition refers to '{target}', which does not come before this question; "
                    "a condition may only look at earlier answers"
                ),
            )
            return
        referenced = by_id[target]
        allowed = allowed_values(referenced, q)
        numeric = kind_of(referenced.type).numeric
        if (condition.min is not None or condition.max is not None) and not numeric:
            yield path, f"min/max test a number, but '{target}' is a {referenced.type.value} question; use 'in'"
        if (condition.in_ is not None or condition.not_in is not None) and allowed is None:
            yield path, f"in/not_in test a choice, but '{target}' is a {referenced.type.value} question"
        for test in ("in_", "not_in"):
            values = getattr(condition, test)
            if values is not None and allowed is not None:
                for j, value in enumerate(values):
                    if value not in allowed:
                        name = "in" if test == "in_" else test
                        choices = ", ".join(json.dumps(a) for a in allowed)
                        yield (
                            (*path, name, j),
                            f"{json.dumps(value)} is not an answer of question '{target}' (allowed: {choices})",
                        )
        return
    nested = condition.all if condition.all is not None else condition.any
    name = "all" if condition.all is not None else "any"
    for j, inner in enumerate(nested or []):
        yield from _check_condition(inner, (*path, name, j), index, position, by_id, q)


def allowed_values(question: Question, q: Questionnaire) -> list[str | int] | None:
    """The values a choice question accepts, or None when it takes free values."""
    return kind_of(question.type).allowed_values(question, q)


def _check_rubric(q: Questionnaire) -> Iterator[Problem]:
    thresholds = q.rubric.thresholds
    base: Path = ("rubric", "thresholds")
    yield from unique(thresholds, base, key="level")
    ordered = sorted(enumerate(thresholds), key=lambda pair: pair[1].level)
    if [t.level for _, t in ordered] != list(LEVEL_NUMBERS):
        yield base, "thresholds must give each level 1 to 5 once"
        return
    expected_min = 0.0
    for i, threshold in ordered:
        if threshold.min != expected_min:
            what = (
                "start at 0"
                if threshold.level == 1
                else f"start where level {threshold.level - 1} ends ({expected_min:g})"
            )
            yield (
                (*base, i, "min"),
                (
                    f"thresholds must cover 0-100 without gaps or overlaps: level {threshold.level} must {what}, "
                    f"not at {threshold.min:g}"
                ),
            )
        if threshold.max <= threshold.min:
            yield (
                (*base, i, "max"),
                f"level {threshold.level}: max {threshold.max:g} must be above min {threshold.min:g}",
            )
        expected_min = threshold.max
    last_index, last = ordered[-1]
    if last.max != 100:
        yield (*base, last_index, "max"), f"thresholds must cover 0-100: level 5 must end at 100, not {last.max:g}"
    dimension_ids = {d.id for d in q.dimensions}
    for i, rule in enumerate(q.rubric.gating):
        for j, dim in enumerate(rule.dimensions or []):
            if dim not in dimension_ids:
                yield ("rubric", "gating", i, "dimensions", j), f"unknown dimension '{dim}'"


def _check_recommendations(q: Questionnaire, concepts: ConceptRegistry) -> Iterator[Problem]:
    dimension_ids = {d.id for d in q.dimensions}
    rec_ids = {r.id for r in q.recommendations}
    position, by_id = _first_occurrences(q.questions)
    after_all = len(q.questions)
    for i, rec in enumerate(q.recommendations):
        here: Path = ("recommendations", i)
        if rec.dimension not in dimension_ids:
            yield (*here, "dimension"), f"unknown dimension '{rec.dimension}'"
        if rec.levels is not None and rec.levels.min > rec.levels.max:
            yield (*here, "levels"), f"levels.min {rec.levels.min} is above levels.max {rec.levels.max}"
        if rec.trigger is not None:
            yield from _check_condition(rec.trigger, (*here, "trigger"), after_all, position, by_id, q)
        for j, benefit in enumerate(rec.benefits):
            if benefit not in concepts.benefits:
                yield (*here, "benefits", j), f"unknown benefit '{benefit}'"
        for j, dep in enumerate(rec.depends_on):
            if dep not in rec_ids:
                yield (*here, "depends_on", j), f"depends on unknown recommendation '{dep}'"
            elif dep == rec.id:
                yield (*here, "depends_on", j), "a recommendation cannot depend on itself"
    yield from _dependency_cycles(q)


def _dependency_cycles(q: Questionnaire) -> Iterator[Problem]:
    graph = {r.id: [d for d in r.depends_on if d != r.id] for r in q.recommendations}
    index = {r.id: i for i, r in enumerate(q.recommendations)}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    reported: set[frozenset[str]] = set()

    def visit(node: str, trail: list[str]) -> Iterable[Problem]:
        state[node] = 1
        trail.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    yield ("recommendations", index[nxt], "depends_on"), "depends_on cycle: " + " -> ".join(cycle)
            elif state.get(nxt) is None and nxt in graph:
                yield from visit(nxt, trail)
        trail.pop()
        state[node] = 2

    for rec_id in graph:
        if rec_id not in state:
            yield from visit(rec_id, [])
