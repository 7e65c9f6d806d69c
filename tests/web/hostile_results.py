"""Hostile contexts for the results page and its chart macros (gathered by test_escaping.py).

The view is a real one, computed from scored answers, with every piece of text replaced by
hostile text, so every place the templates print text is exercised.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from app.presentation import charts
from app.presentation.results import Previous, results_view
from app.questionnaire.library import find_questionnaire
from app.scoring.benchmark import Benchmark, DimensionBenchmark
from app.scoring.comparison import compare_results
from app.scoring.engine import score_assessment
from app.web.templating import fragment
from bench.scoring import synthetic_respondents
from tests.web.test_escaping import HOSTILE

# Values the templates compare with, not print; kept so every branch is drawn.
_KEEP = {"reason", "source", "direction", "kind"}


def _hostile(value: Any, key: str | None = None) -> Any:
    if isinstance(value, str):
        return value if key in _KEEP else HOSTILE
    if isinstance(value, dict):
        return {k: _hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_hostile(v) for v in value)
    return value


def _hostile_radar(count: int) -> charts.Radar:
    chart = charts.radar([(HOSTILE, 50.0)] * count, reference=[40.0] * count)
    axes = tuple(
        replace(
            axis,
            lines=tuple(replace(line, text=HOSTILE) for line in axis.lines),
            number=replace(axis.number, text=HOSTILE),
        )
        for axis in chart.axes
    )
    return replace(chart, axes=axes)


def _view() -> dict[str, Any]:
    questionnaire = find_questionnaire("customer-centricity")
    result = score_assessment(questionnaire, synthetic_respondents(questionnaire, 12), min_group_size=3)
    comparison = compare_results(result, result)
    comparison.method_changes = [HOSTILE]
    benchmark = Benchmark(
        questionnaire_id=HOSTILE,
        peers=5,
        min_peers=5,
        available=True,
        message=HOSTILE,
        industry=None,
        size_band=None,
        index_percentile=50.0,
        dimensions=[
            DimensionBenchmark(id=d.id, score=d.score, percentile=50.0, peer_median=40.0) for d in result.dimensions
        ],
    )
    previous = Previous(title=HOSTILE, status=HOSTILE, date=None, comparison=comparison)
    view: dict[str, Any] = _hostile(results_view(questionnaire, result, previous=previous, benchmark=benchmark))
    view["radar"] = _hostile_radar(len(result.dimensions))
    view["overall"]["gates"] = [{"rule": HOSTILE, "capped_at": 2, "level_name": HOSTILE, "explanation": HOSTILE}]
    view["confidence"]["reasons"] = [HOSTILE]
    return view


def _unavailable_benchmark_view(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "benchmark": {**view["benchmark"], "available": False, "message": HOSTILE}, "comparison": None}


_VIEW = _view()
_ASSESSMENT = {
    "id": HOSTILE,
    "title": HOSTILE,
    "status": HOSTILE,
    "organization": HOSTILE,
    "questionnaire": HOSTILE,
    "created": HOSTILE,
    "invited": 3,
    "submitted": 2,
    "not_submitted": 1,
}
_VIEWER = SimpleNamespace(workspace_name=HOSTILE, email=HOSTILE, csrf_token=HOSTILE)

CONTEXTS: dict[str, dict[str, object]] = {
    # The page around its content, which is a template of its own (printed once per readout).
    "web/consultant/results.html": {
        "viewer": _VIEWER,
        "assessment": _ASSESSMENT,
        "content": fragment("web/consultant/_results_content.html", assessment=_ASSESSMENT, view=_VIEW),
    },
    "web/consultant/_results_content.html": {"assessment": _ASSESSMENT, "view": _VIEW},
    "web/consultant/_charts.html": {
        "sample": {"radar": _VIEW["radar"], "title": HOSTILE, "dimensions": _VIEW["dimensions"]},
    },
}

# Not gathered by test_escaping (one context per template there); checked in test_results_page.py
# on the page's content template.
VARIANTS: dict[str, dict[str, object]] = {
    "benchmark withheld, no previous assessment": {
        "assessment": _ASSESSMENT,
        "view": _unavailable_benchmark_view(_VIEW),
    },
    "no responses yet": {"assessment": _ASSESSMENT, "view": {**_VIEW, "respondents": 0}},
}
