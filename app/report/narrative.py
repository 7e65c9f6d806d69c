"""The executive summary's prose, written from the result by rules, so every sentence traces to a number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Below this many respondents a summary says the picture is thin, whatever the confidence rating says.
FEW_RESPONDENTS = 5


def _names(titles: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def summary_paragraphs(
    organization: str, view: dict[str, Any], strongest: list[dict[str, Any]], weakest: list[dict[str, Any]]
) -> list[str]:
    """Three to five short paragraphs: where the organization stands, what holds it back, what to do first.

    `view` is `results_view` output; `strongest` and `weakest` are its dimension entries.
    """
    overall = view["overall"]
    respondents = view["respondents"]
    if respondents == 0 or overall["level"] is None:
        return [
            f"No submitted answers from {organization} could be scored yet, so this report cannot place the "
            "organization on the maturity scale. It shows the method and the questionnaire; send the links "
            "to respondents and render it again once answers are in."
        ]
    paragraphs = []
    band = overall["band"]
    band_text = f" (95% band {band[0]} to {band[1]})" if band else ""
    paragraphs.append(
        f"Based on {respondents} respondent{'s' if respondents != 1 else ''}, {organization} scores "
        f"{overall['index']} out of 100{band_text} and stands at level {overall['level']}, "
        f"{overall['level_name']}. The target set for this assessment is level {overall['target_level']}, "
        f"{overall['target_level_name']}."
    )
    if overall["gates"]:
        gate = overall["gates"][0]
        paragraphs.append(
            f"The index alone would place it at level {overall['threshold_level']}, but the level is held at "
            f"{gate['capped_at']} ({gate['level_name']}): {gate['explanation']}"
        )
    if strongest and weakest:
        strong = _names([f"{d['title']} ({d['score']})" for d in strongest])
        weak = _names([f"{d['title']} ({d['score']})" for d in weakest])
        paragraphs.append(
            f"The strongest practices are in {strong}. The weakest are {weak}; these hold the overall level "
            "down, and the recommended actions start there."
        )
    flagged_perception = [g for g in view["gaps"]["perception"] if g["flagged"]]
    flagged_silo = [g for g in view["gaps"]["silo"] if g["flagged"]]
    if flagged_perception or flagged_silo:
        parts = []
        if flagged_perception:
            gap = flagged_perception[0]
            parts.append(
                f"leaders and front-line staff see {gap['dimension']} differently (leaders {gap['leaders']}, "
                f"front line {gap['frontline']})"
            )
        if flagged_silo:
            silo = flagged_silo[0]
            parts.append(
                f"{silo['dimension']} varies widely between functions ({silo['highest_function']} "
                f"{silo['highest']}, {silo['lowest_function']} {silo['lowest']})"
            )
        more = len(flagged_perception) + len(flagged_silo) - len(parts)
        tail = f"; {more} more gap{'s are' if more != 1 else ' is'} listed in the gaps section" if more > 0 else ""
        paragraphs.append("Views are not shared across the organization: " + "; ".join(parts) + tail + ".")
    confidence = view["confidence"]
    if confidence["rating"] != "high" or respondents < FEW_RESPONDENTS:
        reasons = "; ".join(confidence["reasons"]) if confidence["reasons"] else "few respondents"
        paragraphs.append(f"Read these figures with care: confidence in them is {confidence['rating']} ({reasons}).")
    return paragraphs
