"""How fast the scoring core is on the flagship questionnaire, and how it grows with respondents.

Baseline: a bare loop that reads every answer of every respondent once and adds up a
number for it, the least work any scoring must do. The ratio says what the real
scoring (conditions, weights, statistics, breakdowns, gaps, recommendations) costs on top.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from app.questionnaire.library import find_questionnaire
from app.questionnaire.models import Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import Respondent, visibility
from app.scoring.engine import score_assessment


def synthetic_respondents(questionnaire: Questionnaire, count: int, seed: int = 7) -> list[Respondent]:
    """Plausible complete answers: every visible question answered, some 'don't know'."""
    rng = random.Random(seed)
    roles = [r.id for r in questionnaire.roles]
    functions = [f.id for f in questionnaire.functions]
    people = []
    for i in range(count):
        answers: dict[str, object] = {}
        for question in questionnaire.questions:
            if not visibility(questionnaire, answers)[question.id]:
                continue
            spec = accepted_answers(question, questionnaire)
            kind = spec["kind"]
            if "dont_know" in spec["special"] and rng.random() < 0.05:
                answers[question.id] = "dont_know"
            elif kind in ("level", "choice"):
                answers[question.id] = rng.choice(spec["values"])["value"]
            elif kind == "checklist":
                answers[question.id] = [v["value"] for v in spec["values"] if rng.random() < 0.5]
            elif kind == "number":
                answers[question.id] = rng.randint(0, 12)
            elif kind == "text":
                answers[question.id] = "More people on the phones at lunchtime."
            elif spec.get("accepts") in ("both", "ratings"):
                answers[question.id] = [rng.randint(spec["rating_min"], spec["rating_max"]) for _ in range(20)]
            else:
                answers[question.id] = float(rng.randint(0, 100))
        people.append(Respondent(f"r{i:05d}", rng.choice(roles), rng.choice(functions), answers))
    return people


def _best_of(runs: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def _baseline(people: list[Respondent]) -> float:
    total = 0.0
    for person in people:
        for value in person.answers.values():
            total += 1.0 if isinstance(value, int | float) else 0.5
    return total


def run() -> list[str]:
    questionnaire = find_questionnaire("customer-centricity")
    lines = ["scoring (flagship questionnaire, best of 3 runs)"]
    timings: dict[int, float] = {}
    for count in (250, 500, 1000, 2000):
        people = synthetic_respondents(questionnaire, count)
        timings[count] = _best_of(3, lambda people=people: score_assessment(questionnaire, people, min_group_size=3))
        baseline = _best_of(3, lambda people=people: _baseline(people))
        lines.append(
            f"  {count:>5} respondents: {timings[count] * 1000:8.1f} ms  "
            f"= {timings[count] / baseline:6.1f}x the bare answer loop"
        )
    lines.append(f"  1,000 respondents: {timings[1000]:.3f} s (goal: under 0.5 s)")
    lines.append(
        f"  growth 1,000 -> 2,000: x{timings[2000] / timings[1000]:.2f}, "
        f"250 -> 1,000: x{timings[1000] / timings[250]:.2f} (linear: x2.00 and x4.00)"
    )
    return lines
