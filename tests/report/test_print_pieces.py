"""Report pieces printed as few boxes: score bars and their lengths, and one-line answer summaries."""

from __future__ import annotations

import re
from dataclasses import replace

from app.report.context import build_context
from app.report.render import bar_length_rules, render_html, score_column
from tests.report.conftest import flagship_source


def test_a_bar_track_is_the_part_of_the_0_to_100_scale_above_the_score() -> None:
    rules = bar_length_rules(
        '<div class="bar wide heat-3 f-46">46</div>'
        '<div class="bar half heat-5 f-100">100</div>'
        '<div class="bar question heat-1 f-0">0</div>'
    )
    # wide: the track is 42% of the 176 mm A4 content width = 73.92 mm; a score of 46 leaves
    # 54% of it unfilled: 73.92 * 0.54 = 39.9168 -> 39.92 mm.
    assert ".bar.wide.f-46 { border-right-width: 39.92mm; }" in rules
    # a full score leaves no track.
    assert ".bar.half.f-100 { border-right-width: 0.00mm; }" in rules
    # question: 19% of 176 mm = 33.44 mm, all of it unfilled at 0.
    assert ".bar.question.f-0 { border-right-width: 33.44mm; }" in rules
    # the screen version fills the same share with a gradient.
    assert "linear-gradient(to right, transparent 46%, #eceff4 46%)" in rules
    # scores that no bar shows get no rule.
    assert "f-47" not in rules and ".bar.wide.f-100" not in rules


def test_every_bar_in_a_report_gets_its_length() -> None:
    html = render_html(build_context(flagship_source()))
    bars = set(re.findall(r'class="bar (wide|half|question) [\w-]+ f-(\d+)"', html))
    assert len(bars) > 20  # profile, summary, groups and questions
    for size, score in bars:
        assert f".bar.{size}.f-{score} {{ border-right-width:" in html
    assert "/* bar lengths */" not in html


def test_scores_are_padded_to_three_digits_with_figure_spaces() -> None:
    assert score_column(46) == "\u200746"
    assert score_column("100") == "100"
    assert score_column("–") == "\u2007\u2007–"


def test_an_appendix_answer_line_lists_counts_shares_and_the_unscored_answers() -> None:
    from app.report.context import _answers_line

    answers = [
        {"label": "Disagree", "count": 3, "share": "10"},
        {"label": "Agree", "count": 27, "share": "90"},
    ]
    assert _answers_line(answers, 2, 1) == "Disagree: 3 (10%) · Agree: 27 (90%) · Don't know: 2 · Not applicable: 1"
    # a share that cannot be computed is left out, and a question nobody answered says so
    assert _answers_line([{"label": "Yes", "count": 0, "share": "–"}], 0, 0) == "Yes: 0"
    assert _answers_line([], 0, 0) == "No answers."


def test_a_dimension_page_lists_group_scores_in_order_and_names_the_hidden_groups() -> None:
    from app.report.context import _groups_line

    groups = [
        {"label": "Executive", "suppressed": True, "n": 2, "score": None},
        {"label": "Frontline employee", "suppressed": False, "n": 14, "score": "47"},
        {"label": "Senior manager", "suppressed": False, "n": 5, "score": "46"},
        {"label": "HR", "suppressed": True, "n": 1, "score": None},
    ]
    assert _groups_line(groups, 3) == (
        "Frontline employee 47 (n=14) · Senior manager 46 (n=5); "
        "not shown (fewer than 3 people, or computable from the figures shown): Executive, HR."
    )
    assert _groups_line(groups[1:2], 3) == "Frontline employee 47 (n=14)."
    assert _groups_line(groups[:1], 3) == (
        "not shown (fewer than 3 people, or computable from the figures shown): Executive."
    )
    assert _groups_line([], 3) == "nobody answered."


def test_each_dimension_page_lists_its_own_actions_even_when_two_dimensions_share_a_title() -> None:
    source = flagship_source()
    first, second = source.questionnaire.dimensions[:2]
    # The same title on two dimensions (a consultant's questionnaire may do this): actions still join by id.
    renamed = [
        d.model_copy(update={"title": first.title}) if d.id == second.id else d for d in source.questionnaire.dimensions
    ]
    twin_titles = replace(source, questionnaire=source.questionnaire.model_copy(update={"dimensions": renamed}))
    pages = {page["id"]: page for page in build_context(twin_titles)["dimension_pages"]}
    expected = {
        dimension.id: sorted(r.id for r in source.result.recommendations if r.dimension == dimension.id)
        for dimension in (first, second)
    }
    assert expected[first.id] and expected[second.id], "the fixture needs actions on both dimensions"
    for dimension_id, action_ids in expected.items():
        assert sorted(r["id"] for r in pages[dimension_id]["recommendations"]) == action_ids
