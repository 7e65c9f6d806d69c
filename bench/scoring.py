"""How fast the scoring core is on the flagship questionnaire, and how it grows with respondents.

Baseline: a bare loop that reads every answer of every respondent once and adds up a
number for it, the least work any scoring must do. The ratio says what the real
scoring (conditions, weights, statistics, breakdowns, gaps, recommendations) costs on top.
The engine is also timed against the straightforward evaluation it replaced
(tests/unit/reference_engine.py), which gives the same result one answer at a time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from app.questionnaire.library import find_questionnaire
from app.questionnaire.models import Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import Respondent, condition_holds
from app.scoring.engine import score_assessment

SIZES = (250, 1000, 2000, 10_000, 100_000)
GOAL_100K_SECONDS = 10.0


def synthetic_respondents(questionnaire: Questionnaire, count: int, seed: int = 7) -> list[Respondent]:
    """Plausible complete answers: every visible question answered, some 'don't know'.

    The questionnaire is described once and each draw takes one `random()`, so that 100,000
    respondents take seconds, not minutes."""
    rng = random.Random(seed)
    draw = rng.random
    roles = [r.id for r in questionnaire.roles]
    functions = [f.id for f in questionnaire.functions]
    plans = []
    for question in questionnaire.questions:
        spec = accepted_answers(question, questionnaire)
        values = [v["value"] for v in spec.get("values", [])]
        plans.append((question.id, question.condition, spec, "dont_know" in spec["special"], values))
    people = []
    for i in range(count):
        answers: dict[str, object] = {}
        visible: dict[str, bool] = {}
        for qid, condition, spec, dont_know, values in plans:
            # Conditions look only at earlier questions: answering in order makes visibility final.
            shown = visible[qid] = condition is None or condition_holds(condition, answers, visible)
            if not shown:
                continue
            kind = spec["kind"]
            if dont_know and draw() < 0.05:
                answers[qid] = "dont_know"
            elif kind in ("level", "choice"):
                answers[qid] = values[int(draw() * len(values))]
            elif kind == "checklist":
                answers[qid] = [v for v in values if draw() < 0.5]
            elif kind == "number":
                answers[qid] = int(draw() * 13)
            elif kind == "text":
                answers[qid] = "More people on the phones at lunchtime."
            elif spec.get("accepts") in ("both", "ratings"):
                low, span = spec["rating_min"], spec["rating_max"] - spec["rating_min"] + 1
                answers[qid] = [low + int(draw() * span) for _ in range(20)]
            else:
                answers[qid] = float(int(draw() * 101))
        role, function = roles[int(draw() * len(roles))], functions[int(draw() * len(functions))]
        people.append(Respondent(f"r{i:06d}", role, function, answers))
    return people


def _best_of(runs: int, work: Callable[[], object]) -> float:
    return _best_times(runs, work)[0]


def _best_times(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """The shortest elapsed and the shortest CPU time of `runs` runs: on a shared machine the CPU
    time says what the work costs, the elapsed time what a user waits."""
    elapsed = cpu = float("inf")
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        elapsed, cpu = min(elapsed, time.perf_counter() - start), min(cpu, time.process_time() - start_cpu)
    return elapsed, cpu


def _baseline(people: list[Respondent]) -> float:
    total = 0.0
    for person in people:
        for value in person.answers.values():
            total += 1.0 if isinstance(value, int | float) else 0.5
    return total


def run() -> list[str]:
    from tests.unit.reference_engine import score_assessment as reference_score

    questionnaire = find_questionnaire("customer-centricity")
    start = time.perf_counter()
    everyone = synthetic_respondents(questionnaire, max(SIZES))
    generated = time.perf_counter() - start
    lines = [f"scoring (flagship questionnaire; best of 3 runs, of 2 at 100,000; {generated:.1f} s to generate)"]
    timings: dict[int, float] = {}
    cpu: dict[int, float] = {}
    for count in SIZES:
        people = everyone[:count]
        runs = 2 if count >= 100_000 else 3
        timings[count], cpu[count] = _best_times(
            runs, lambda people=people: score_assessment(questionnaire, people, min_group_size=3)
        )
        baseline = _best_of(runs, lambda people=people: _baseline(people))
        lines.append(
            f"  {count:>7,} respondents: {timings[count]:8.3f} s ({cpu[count]:.3f} s of CPU)  "
            f"= {timings[count] / baseline:6.1f}x the bare answer loop"
        )
    # Against the reference: CPU times, the two interleaved, so that other work on the machine
    # weighs on both alike.
    reference_count = 10_000
    sample = everyone[:reference_count]
    ours = theirs = float("inf")
    for _ in range(2):
        ours = min(ours, _best_times(1, lambda: score_assessment(questionnaire, sample, min_group_size=3))[1])
        theirs = min(theirs, _best_times(1, lambda: reference_score(questionnaire, sample, min_group_size=3))[1])
    lines.append(
        f"  {reference_count:,} respondents, CPU time: {ours:.3f} s against {theirs:.3f} s for the "
        f"straightforward evaluation = x{theirs / ours:.2f} faster (goal: about x3)"
    )
    lines.append(f"  1,000 respondents: {timings[1000]:.3f} s (goal: under 0.5 s)")
    # Judged on CPU time: the elapsed time on these shared 2-core machines is up to twice as long
    # whenever other work runs, which says nothing about the scoring.
    verdict = "met" if cpu[100_000] <= GOAL_100K_SECONDS else "not met"
    lines.append(
        f"  100,000 respondents: {cpu[100_000]:.2f} s of CPU, {timings[100_000]:.2f} s elapsed "
        f"(goal: at most {GOAL_100K_SECONDS:.0f} s: {verdict})"
    )
    growth = (cpu[100_000] / cpu[10_000], cpu[2000] / cpu[1000], cpu[1000] / cpu[250])
    lines.append(
        "  growth in CPU time 10,000 -> 100,000: x{:.2f}, 1,000 -> 2,000: x{:.2f}, 250 -> 1,000: x{:.2f} "
        "(linear: x10.00, x2.00 and x4.00)".format(*growth)
    )
    return lines
