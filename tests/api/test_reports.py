"""The report routes: the PDF's numbers equal the API's result, the HTML twin, caching, isolation, time limits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest

from app import reporting as reports
from app.presentation.results import number
from app.questionnaire.library import find_questionnaire
from app.report import printer
from app.report.pool import Rendition, ReportRenderer
from bench.scoring import synthetic_respondents
from tests.api.conftest import Tenant
from tests.report.conftest import pdf_text

RESPONDENTS = 8


@pytest.fixture(autouse=True, scope="module")
def _stop_render_workers() -> Iterator[None]:
    yield
    reports.shutdown()


def _flagship_assessment(tenant: Tenant, name: str = "Initech", **fields: Any) -> str:
    """An open flagship assessment with RESPONDENTS pushed, complete responses, some with comments."""
    assessment = tenant.open_assessment("customer-centricity", name=name, **fields)
    questionnaire = find_questionnaire("customer-centricity")
    for i, person in enumerate(synthetic_respondents(questionnaire, RESPONDENTS, seed=11)):
        body = {
            "role": person.role,
            "function": person.function,
            "name": f"Person {i}",
            "answers": dict(person.answers),
            "comments": {"strategy-customer-strategy": f"Our plan lives in the board pack, says person {i}"},
        }
        response = tenant.post(f"/assessments/{assessment['id']}/responses", body)
        assert response.status_code == 201, response.text
    return str(assessment["id"])


def test_the_pdf_prints_the_results_of_the_api(tenant: Tenant) -> None:
    assessment_id = _flagship_assessment(tenant)
    result = tenant.get(f"/assessments/{assessment_id}/results").json()
    response = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    assert 'attachment; filename="initech-' in response.headers["content-disposition"]
    _, text = pdf_text(response.content)
    overall = result["overall"]
    assert f"Index {number(overall['index'])} of 100" in text
    assert f"Level {overall['level']} · {overall['level_name']}" in text
    for dimension in result["dimensions"]:
        assert f"{dimension['title']} {number(dimension['score'])}" in text, dimension["title"]
    # Anonymous by default: comments carry no name and no per-person label.
    assert "Our plan lives in the board pack, says person 3" in text
    assert "Person 3" not in text and not re.search(r"\bR\d{3,}\b", text)
    assert f"Respondents: {RESPONDENTS} submitted of {RESPONDENTS} invited" in text


def test_named_assessments_print_names(tenant: Tenant) -> None:
    assessment_id = _flagship_assessment(tenant, anonymity="named")
    response = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert response.status_code == 200, response.text
    _, text = pdf_text(response.content)
    assert "Person 3" in text


def test_the_same_report_is_rendered_once(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    assessment_id = _flagship_assessment(tenant)
    first = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert first.status_code == 200

    renders: list[dict[str, Any]] = []

    def counted_render(context: dict[str, Any], *args: object) -> Future[Rendition]:
        renders.append(context)
        done: Future[Rendition] = Future()
        done.set_result((b"%PDF-1.7 stand-in", "<html>stand-in</html>"))
        return done

    monkeypatch.setattr(printer.renderer(), "submit", counted_render)
    again = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert again.status_code == 200 and again.content == first.content
    assert renders == []
    # New branding makes a new report: rendered once, then cached in turn.
    assert tenant.patch("/branding", {"name": "Acme Advisory"}).status_code == 200
    assert tenant.get(f"/assessments/{assessment_id}/report.pdf").content == b"%PDF-1.7 stand-in"
    assert tenant.get(f"/assessments/{assessment_id}/report.pdf").content == b"%PDF-1.7 stand-in"
    assert [context["brand"]["name"] for context in renders] == ["Acme Advisory"]


def test_the_html_twin_has_the_same_content_and_its_own_policy(tenant: Tenant) -> None:
    assessment_id = _flagship_assessment(tenant)
    response = tenant.get(f"/assessments/{assessment_id}/report.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'nonce-")
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in response.text
    assert "Executive summary" in response.text and "Answers appendix" in response.text
    assert "Initech" in response.text


def test_another_workspace_gets_404_and_no_report(tenant: Tenant, other_tenant: Tenant) -> None:
    assessment_id = _flagship_assessment(tenant)
    for path in ("report.pdf", "report.html"):
        response = other_tenant.get(f"/assessments/{assessment_id}/{path}")
        assert response.status_code == 404
        assert response.json()["error"] == "NotFound"
        assert tenant.get(f"/assessments/no-such-id/{path}").status_code == 404
    assert tenant.client.get(f"/api/v1/assessments/{assessment_id}/report.pdf").status_code == 401


def test_a_render_over_its_time_limit_fails_cleanly_and_the_next_works(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment_id = _flagship_assessment(tenant, name="Slowpoke Industries")  # a report not in the cache
    hasty = ReportRenderer(workers=1, timeout_seconds=0.05, max_renders_per_worker=10)
    monkeypatch.setattr(printer, "renderer", lambda: hasty)
    try:
        response = tenant.get(f"/assessments/{assessment_id}/report.pdf")
        assert response.status_code == 503
        assert "took too long" in response.json()["detail"]["message"]
        # The killed worker is replaced: with time enough, the same renderer prints the report.
        hasty.timeout_seconds = 120
        assert tenant.get(f"/assessments/{assessment_id}/report.pdf").status_code == 200
    finally:
        hasty.close()
