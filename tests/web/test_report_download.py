"""The report from the results page: the demo's full report (trend and benchmark included), its pages as PNGs.

The PNGs go to artifacts/report/ (named in the README) for people to look at; pdftoppm comes
from Debian's poppler-utils, which `make test` installs.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app import reporting as reports
from app.db.session import read_session
from app.db.tables import ReportRender
from app.presentation.results import number
from app.report import printer
from app.services import demo
from app.settings import PROJECT_ROOT, get_settings
from tests.api.conftest import Tenant, pulse_answers
from tests.report.conftest import pdf_text
from tests.web.conftest import form_token

PAGES_DIR = PROJECT_ROOT / "artifacts" / "report"


@pytest.fixture(autouse=True, scope="module")
def _stop_render_workers() -> object:
    yield
    reports.shutdown()


def test_the_demo_report_has_trend_and_benchmark_and_matches_the_api(
    client: TestClient, demo_site: tuple[demo.DemoInfo, Tenant], app_database: str
) -> None:
    info, api = demo_site
    assessment_id = info.current_assessment_id
    page = client.get(f"/assessments/{assessment_id}/results").text
    assert f'href="/assessments/{assessment_id}/report.pdf"' in page
    response = client.get(f"/assessments/{assessment_id}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader, text = pdf_text(response.content)

    result = api.get(f"/assessments/{assessment_id}/results").json()
    assert f"Index {number(result['overall']['index'])} of 100" in text
    benchmark = api.get(f"/assessments/{assessment_id}/benchmark").json()
    assert benchmark["available"]
    assert f"Against {benchmark['peers']} other organizations" in text
    assert f"{number(benchmark['index_percentile'])}th percentile" in text
    for dimension in result["dimensions"]:
        assert f"{dimension['title']} {number(dimension['score'])}" in text
    assert "Compared with “" in text  # the previous (2025) assessment
    assert "first assessment" not in text
    assert len(reader.pages) >= 15

    if app_database.startswith("sqlite") and shutil.which("pdftoppm"):
        PAGES_DIR.mkdir(parents=True, exist_ok=True)
        for old in PAGES_DIR.glob("demo-report-*.png"):
            old.unlink()
        pdf = PAGES_DIR / "demo-report.pdf"
        pdf.write_bytes(response.content)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(PAGES_DIR / "demo-report")], check=True)
        pngs = sorted(PAGES_DIR.glob("demo-report-*.png"))
        assert len(pngs) == len(reader.pages)


def test_the_html_report_from_the_results_page(client: TestClient, demo_site: tuple[demo.DemoInfo, Tenant]) -> None:
    info, _ = demo_site
    response = client.get(f"/assessments/{info.current_assessment_id}/report.html")
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "Northwind Outfitters" in response.text


def test_signed_out_or_another_workspace_gets_no_report(client: TestClient, other_tenant: Tenant) -> None:
    theirs = other_tenant.open_assessment("pulse", name="Initech")
    path = f"/assessments/{theirs['id']}/report.pdf"
    signed_out = client.get(path, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == f"/login?next={path}"


def test_another_workspaces_report_is_not_found(
    client: TestClient, demo_site: tuple[demo.DemoInfo, Tenant], other_tenant: Tenant
) -> None:
    theirs = other_tenant.open_assessment("pulse", name="Initech")
    for suffix in ("report.pdf", "report.html"):
        response = client.get(f"/assessments/{theirs['id']}/{suffix}")
        assert response.status_code == 404
        assert "Initech" not in response.text


def test_the_readme_names_the_folder_of_report_pages() -> None:
    assert "artifacts/report/" in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_closing_on_the_page_prints_the_report_ahead(
    signed_in: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRICITY_REPORT_BACKGROUND_RENDERS", "true")
    get_settings.cache_clear()
    assessment_id = tenant.open_assessment("pulse", name="Initech")["id"]
    answers = pulse_answers(signed_in, tenant)
    for _ in range(4):
        tenant.respond(assessment_id, "executive", "sales", answers)
    page = f"/assessments/{assessment_id}"
    token = form_token(signed_in.get(f"{page}/close").text)
    closed = signed_in.post(f"{page}/close", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert closed.status_code == 303
    reports.wait_for_background_renders()
    with read_session() as session:
        stored = session.exec(select(ReportRender.pdf).where(ReportRender.assessment_id == assessment_id)).all()
    assert len(stored) == 1
    printer.forget_all()
    download = signed_in.get(f"{page}/report.pdf")
    assert download.status_code == 200 and download.content == stored[0]
