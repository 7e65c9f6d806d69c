"""The results page: every section, the numbers of the API's /results, small groups hidden, workspaces apart."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.presentation import results as presentation
from app.services import demo
from app.web.templating import environment
from tests.api.conftest import Tenant, pulse_answers
from tests.web.conftest import Account

RESULTS_PATH = "/assessments/{assessment_id}/results"


def text_of(page: str) -> str:
    """The page's text as a reader sees it: tags gone, entities decoded, whitespace collapsed."""
    inline_gone = re.sub(r"</?(?:strong|span|a|abbr|em)\b[^>]*>", "", page)
    without_tags = re.sub(r"<[^>]+>", " ", inline_gone)
    return re.sub(r"\s+", " ", html.unescape(without_tags))


def shown(value: float | None) -> str:
    """How the page prints a score (what the test compares with the API's unrounded numbers)."""
    return "–" if value is None else presentation.number(value)


# ---- the demo: every section filled in


def test_every_section_shows_the_numbers_of_the_api(
    client: TestClient, demo_site: tuple[demo.DemoInfo, Tenant]
) -> None:
    info, api = demo_site
    assert info.results_path is not None
    response = client.get(info.results_path)
    assert response.status_code == 200, response.text
    page = response.text
    text = text_of(page)
    result = api.get(f"/assessments/{info.current_assessment_id}/results").json()
    overall = result["overall"]

    for heading in (
        "Overall maturity",
        "Dimensions",
        "Dimension by dimension",
        "Scores by role and by function",
        "Perception and silo gaps",
        "Outcome metrics — not part of the maturity score",
        "Compared with the previous assessment",
        "Peer benchmark",
        "Recommendations, most important first",
        "Roadmap",
    ):
        assert f">{heading}</h2>" in page, heading

    band = overall["band"]
    assert f"{shown(overall['index'])} (95% band {shown(band['low'])}–{shown(band['high'])})" in text
    assert f"{overall['level']} · {overall['level_name']}" in text
    assert f"Confidence {result['confidence']['rating']}" in text
    assert f"{result['respondents']} submitted responses counted" in text
    assert "4 more invited respondents have not submitted yet" in text

    # the radar draws every dimension and describes them in text
    assert page.count('<svg class="radar"') == 1 and 'role="img"' in page
    desc = re.search(r'<desc id="radar-desc">(.*?)</desc>', page, re.S)
    assert desc is not None
    for dim in result["dimensions"]:
        assert f"{html.escape(dim['title'])} {shown(dim['score'])}" in desc.group(1)
        card = re.search(rf'<article[^>]*id="dim-{dim["id"]}".*?</article>', page, re.S)
        assert card is not None, dim["id"]
        card_text = text_of(card.group(0))
        assert f"{shown(dim['score'])} level {dim['level']} · {dim['level_name']}" in card_text
        assert f"Respondents {dim['stats']['n']}" in card_text
        assert f"Spread (SD) {presentation.number(dim['stats']['sd'], 1)}" in card_text
        assert f"Don’t know {dim['dont_know']}" in card_text
        assert "What this level looks like" in card_text

    flagged_perception = [g for g in result["gaps"]["perception"] if g["flagged"]]
    flagged_silo = [g for g in result["gaps"]["silo"] if g["flagged"]]
    assert flagged_perception and flagged_silo, "the demo should show both kinds of gap"
    assert page.count('class="flagged"') == len(flagged_perception) + len(flagged_silo)

    nps = next(o for o in result["outcomes"] if o["metric"] == "nps")
    assert "Net Promoter Score" in text and f"{shown(nps['value'])}" in text
    assert f"{shown(nps['ci_low'])}–{shown(nps['ci_high'])}" in text

    comparison = api.get(f"/assessments/{info.current_assessment_id}/compare/{info.previous_assessment_id}").json()
    assert (
        f"Index {shown(comparison['index_previous'])} → {shown(comparison['index_current'])} "
        f"({presentation.signed(comparison['index_delta'])})" in text
    )

    benchmark = api.get(f"/assessments/{info.current_assessment_id}/benchmark").json()
    assert benchmark["available"]
    assert f"{shown(benchmark['index_percentile'])}th percentile" in text

    for rec in result["recommendations"]:
        assert f'id="rec-{rec["id"]}"' in page
        assert rec["title"] in text
    for rec_id in result["roadmap"]["days_30"] + result["roadmap"]["days_90"] + result["roadmap"]["days_365"]:
        assert f'href="#rec-{rec_id}"' in page


def test_the_page_obeys_the_content_security_policy(
    client: TestClient, demo_site: tuple[demo.DemoInfo, Tenant]
) -> None:
    info, _api = demo_site
    assert info.results_path is not None
    page = client.get(info.results_path).text
    assert " style=" not in page and "<style" not in page and "<script" not in page
    assert re.search(r"\son[a-z]+=", page) is None


# ---- a small assessment: hidden groups, empty results, access


@pytest.fixture
def small_assessment(client: TestClient, tenant: Tenant, signed_in: TestClient) -> dict[str, Any]:
    """A pulse assessment with a group of three sales people, a lone finance respondent and two in
    marketing: the finance and marketing respondents together (3) keep sales from giving either away."""
    assessment = tenant.open_assessment("pulse", min_group_size=3)
    for level, (role, function) in zip(
        (2, 3, 4, 5, 3, 4),
        [("manager", function) for function in ("sales", "sales", "sales", "finance", "marketing", "marketing")],
        strict=True,
    ):
        body = {"role": role, "function": function, "answers": pulse_answers(client, tenant, level)}
        assert tenant.post(f"/assessments/{assessment['id']}/responses", body).status_code == 201
    return assessment


def test_groups_below_the_minimum_size_are_hidden(
    signed_in: TestClient, tenant: Tenant, small_assessment: dict[str, Any]
) -> None:
    page = signed_in.get(RESULTS_PATH.format(assessment_id=small_assessment["id"])).text
    result = tenant.get(f"/assessments/{small_assessment['id']}/results").json()
    by_function = {g["group"]: g for g in result["breakdowns"]["by_function"]}
    assert by_function["finance"]["suppressed"] and not by_function["sales"]["suppressed"]

    function_map = re.search(r'<h3 id="heatmap-function">.*?</table>', page, re.S)
    assert function_map is not None
    table = function_map.group(0)
    header = [text_of(h).strip() for h in re.findall(r'<th scope="col">(.*?)</th>', table, re.S)]
    finance_column = header.index("Finance")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    counts = [text_of(c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[1], re.S)]
    assert counts[0] == "Respondents"
    assert counts[finance_column] == "hidden"
    assert counts[header.index("Sales")] == "3"
    for row in rows[2:]:
        cells = re.findall(r"<t[dh]([^>]*)>(.*?)</t[dh]>", row, re.S)
        css, content = cells[finance_column]
        assert "suppressed" in css and text_of(content).strip() == "–hidden"
    index_row = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[2], re.S)
    assert text_of(index_row[header.index("Sales")]).strip() == shown(by_function["sales"]["index"])


def test_an_assessment_without_submitted_answers_says_so(signed_in: TestClient, tenant: Tenant) -> None:
    assessment = tenant.open_assessment("pulse")
    tenant.invite(assessment["id"], ("manager", "sales"))
    response = signed_in.get(RESULTS_PATH.format(assessment_id=assessment["id"]))
    assert response.status_code == 200
    text = text_of(response.text)
    assert "No results yet" in text and "0 submitted responses counted" in text
    assert "1 more invited respondent has not submitted yet" in text


def test_another_workspaces_assessment_is_not_found(signed_in: TestClient, other_tenant: Tenant) -> None:
    theirs = other_tenant.open_assessment("pulse", name="Initech")
    response = signed_in.get(RESULTS_PATH.format(assessment_id=theirs["id"]))
    assert response.status_code == 404
    assert "Initech" not in response.text


def test_an_unknown_id_is_not_found(signed_in: TestClient) -> None:
    assert signed_in.get(RESULTS_PATH.format(assessment_id="no-such-id")).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, account: Account) -> None:
    path = RESULTS_PATH.format(assessment_id="anything")
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("variant", ["benchmark withheld, no previous assessment", "no responses yet"])
def test_hostile_text_is_escaped_in_every_state_of_the_page(variant: str, app_database: str) -> None:
    # Imported here: the hostile modules import test_escaping, which gathers them (import order matters).
    from tests.web import hostile_results

    context = hostile_results.VARIANTS[variant]
    page = environment.get_template("web/consultant/_results_content.html").render(**context)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
