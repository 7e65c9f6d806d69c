"""The answer scales every questionnaire has without defining them, and option lookup."""

from __future__ import annotations

from app.questionnaire.models import Question, Questionnaire, Scale, ScaleOption


def _scale(scale_id: str, title: str, options: list[tuple[str, str]]) -> Scale:
    return Scale(id=scale_id, title=title, options=[ScaleOption(value=v, label=label) for v, label in options])


BUILTIN_SCALES: dict[str, Scale] = {
    "agreement": _scale(
        "agreement",
        "Agreement",
        [
            ("strongly_disagree", "Strongly disagree"),
            ("disagree", "Disagree"),
            ("neutral", "Neither agree nor disagree"),
            ("agree", "Agree"),
            ("strongly_agree", "Strongly agree"),
        ],
    ),
    "frequency": _scale(
        "frequency",
        "Frequency",
        [
            ("never", "Never"),
            ("rarely", "Once a year or less"),
            ("sometimes", "A few times a year"),
            ("often", "Monthly"),
            ("always", "Weekly or more"),
        ],
    ),
    "yes_partly_no": _scale(
        "yes_partly_no",
        "Yes / partly / no",
        [("no", "No"), ("partly", "Partly"), ("yes", "Yes")],
    ),
}
BUILTIN_SCALE_IDS = frozenset(BUILTIN_SCALES)


def options_of(question: Question, questionnaire: Questionnaire) -> list[ScaleOption]:
    """The options of a choice question: inline, from a named scale, or the type's built-in scale."""
    if question.options is not None:
        return question.options
    # A type named like a built-in scale (agreement, frequency, yes_partly_no) defaults to that scale.
    scale_id = question.scale or (question.type.value if question.type.value in BUILTIN_SCALES else None)
    if scale_id is None:
        return []
    for scale in questionnaire.scales:
        if scale.id == scale_id:
            return scale.options
    return BUILTIN_SCALES[scale_id].options if scale_id in BUILTIN_SCALES else []


def option_scores(options: list[ScaleOption]) -> dict[str | int, float]:
    """Score of each option: its own `score`, else spread evenly from 0 (first) to 100 (last)."""
    last = len(options) - 1
    return {
        option.value: option.score if option.score is not None else (100.0 * i / last if last else 100.0)
        for i, option in enumerate(options)
    }
