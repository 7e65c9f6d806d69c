"""Stored reports: printed once, kept in the database by content, served by every instance; a close prints ahead."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from app import reporting as reports
from app.db.engine import get_engine
from app.db.session import read_session, session_scope
from app.db.tables import ReportRender
from app.report import printer
from app.report.pool import Rendition
from app.report.render import NONCE_PLACEHOLDER
from app.settings import get_settings
from tests.api.conftest import Tenant, pulse_answers
from tests.report.conftest import pdf_text

RESPONDENTS = 4  # pulse, anonymous, groups of three at least: enough for a report


@pytest.fixture(autouse=True, scope="module")
def _stop_render_workers() -> Iterator[None]:
    yield
    reports.shutdown()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The contexts of the reports the render workers were given, in order (the renders still run)."""
    real = printer.renderer().submit
    given: list[dict[str, Any]] = []

    def counted(context: dict[str, Any], *args: Any) -> Future[Rendition]:
        given.append(context)
        return real(context, *args)

    monkeypatch.setattr(printer.renderer(), "submit", counted)
    return given


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch, app_database: str) -> Iterator[None]:
    """Background renders on (the test fixtures turn them off); joined before the database goes."""
    monkeypatch.setenv("CENTRICITY_REPORT_BACKGROUND_RENDERS", "true")
    get_settings.cache_clear()
    yield
    reports.wait_for_background_renders()


def _assessment(tenant: Tenant, respondents: int = RESPONDENTS, name: str = "Initech") -> str:
    assessment = tenant.open_assessment("pulse", name=name)
    answers = pulse_answers(tenant.client, tenant, level=3)
    for _ in range(respondents):
        tenant.respond(assessment["id"], "executive", "sales", answers)
    return str(assessment["id"])


def _stored_rows(assessment_id: str) -> list[ReportRender]:
    with read_session() as session:
        return list(session.exec(select(ReportRender).where(ReportRender.assessment_id == assessment_id)).all())


def _as_a_fresh_instance() -> None:
    """Forget the prints this process keeps in memory and its connections, as another instance or a restart would."""
    printer.forget_all()
    get_engine().dispose()
    get_engine.cache_clear()


def test_a_report_stored_by_one_instance_is_served_by_another_without_rendering(
    tenant: Tenant, renders: list[dict[str, Any]]
) -> None:
    assessment_id = _assessment(tenant)
    first = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert first.status_code == 200 and len(renders) == 1
    (row,) = _stored_rows(assessment_id)
    assert row.pdf == first.content and row.workspace_id == tenant.workspace_id

    _as_a_fresh_instance()
    again = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert again.status_code == 200 and again.content == first.content
    # The HTML twin was printed with it: served from storage too, with this response's own nonce.
    page = tenant.get(f"/assessments/{assessment_id}/report.html")
    nonce = page.headers["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'<style nonce="{nonce}">' in page.text and "Initech" in page.text
    assert len(renders) == 1


def test_closing_an_assessment_stores_its_report_in_the_background(
    tenant: Tenant, background: None, renders: list[dict[str, Any]]
) -> None:
    assessment_id = _assessment(tenant)
    assert _stored_rows(assessment_id) == []
    assert tenant.post(f"/assessments/{assessment_id}/close").status_code == 200
    reports.wait_for_background_renders()
    (row,) = _stored_rows(assessment_id)
    assert [context["cover"]["status"] for context in renders] == ["closed"]
    _, printed = pdf_text(row.pdf)
    assert "Initech" in printed

    _as_a_fresh_instance()
    download = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert download.status_code == 200 and download.content == row.pdf
    assert len(renders) == 1


def test_a_close_that_is_refused_starts_no_render(
    tenant: Tenant, background: None, renders: list[dict[str, Any]]
) -> None:
    assessment = tenant.assessment(tenant.organization("Initech")["id"], "pulse")  # a draft: cannot be closed
    assert tenant.post(f"/assessments/{assessment['id']}/close").status_code == 409
    reports.wait_for_background_renders()
    assert renders == [] and _stored_rows(assessment["id"]) == []


def test_a_background_render_holds_no_write_transaction_while_it_renders(
    tenant: Tenant, app_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment_id = _assessment(tenant)
    real = printer.renderer().submit
    written: list[str] = []

    def render_while_writing(context: dict[str, Any], *args: Any) -> Future[Rendition]:
        # Another writer during the render: on SQLite it would wait on (and fail for) a write lock held.
        with session_scope() as session:
            session.execute(text("UPDATE workspaces SET brand_name = brand_name"))
        written.append(context["cover"]["organization"])
        return real(context, *args)

    monkeypatch.setattr(printer.renderer(), "submit", render_while_writing)
    assert reports.render_and_store(tenant.workspace_id, assessment_id) is True
    assert written == ["Initech"] and len(_stored_rows(assessment_id)) == 1
    # Stored already: the job has nothing to do.
    assert reports.render_and_store(tenant.workspace_id, assessment_id) is True
    assert written == ["Initech"]


def test_changed_content_is_a_new_render_and_old_ones_are_pruned(
    tenant: Tenant, renders: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    assessment_id = _assessment(tenant)
    first = tenant.get(f"/assessments/{assessment_id}/report.pdf").content
    # The renders after the first are stand-ins (fast); each carries the brand it was printed for.
    monkeypatch.setattr(printer.renderer(), "submit", lambda context, *args: _printed_stand_in(renders, context))
    names = [f"Advisory {number}" for number in range(1, reports.PRINTS_KEPT_PER_ASSESSMENT + 2)]
    for name in names:
        assert tenant.patch("/branding", {"name": name}).status_code == 200
        assert tenant.get(f"/assessments/{assessment_id}/report.pdf").content == f"%PDF {name}".encode()
    assert [context["brand"]["name"] for context in renders[1:]] == names
    kept = _stored_rows(assessment_id)
    assert len(kept) == reports.PRINTS_KEPT_PER_ASSESSMENT
    assert f"%PDF {names[-1]}".encode() in {row.pdf for row in kept}
    assert first not in {row.pdf for row in kept}  # the oldest went first


def _printed_stand_in(renders: list[dict[str, Any]], context: dict[str, Any]) -> Future[Rendition]:
    renders.append(context)
    done: Future[Rendition] = Future()
    name = context["brand"]["name"]
    done.set_result((f"%PDF {name}".encode(), f'<html><style nonce="{NONCE_PLACEHOLDER}"></style>{name}</html>'))
    return done


def test_another_workspace_gets_no_stored_report(
    tenant: Tenant, other_tenant: Tenant, renders: list[dict[str, Any]]
) -> None:
    assessment_id = _assessment(tenant)
    assert tenant.get(f"/assessments/{assessment_id}/report.pdf").status_code == 200
    (row,) = _stored_rows(assessment_id)
    for path in ("report.pdf", "report.html"):
        response = other_tenant.get(f"/assessments/{assessment_id}/{path}")
        assert response.status_code == 404 and response.content != row.pdf
    # Nor does the same content hash find it from another workspace.
    with read_session() as session:
        assert reports._stored(session, other_tenant.workspace_id, row.content_hash) is None
        assert reports._stored(session, tenant.workspace_id, row.content_hash) is not None
    assert len(renders) == 1


def test_a_withheld_result_renders_nothing(tenant: Tenant, background: None, renders: list[dict[str, Any]]) -> None:
    assessment_id = _assessment(tenant, respondents=2)  # anonymous, fewer than three submitted
    assert tenant.post(f"/assessments/{assessment_id}/close").status_code == 200
    reports.wait_for_background_renders()
    assert reports.render_and_store(tenant.workspace_id, assessment_id) is False
    assert tenant.get(f"/assessments/{assessment_id}/report.pdf").status_code == 409
    assert tenant.get(f"/assessments/{assessment_id}/report.html").status_code == 409
    reports.wait_for_background_renders()
    assert renders == [] and _stored_rows(assessment_id) == []


def test_an_html_download_with_nothing_stored_answers_now_and_prints_in_the_background(
    tenant: Tenant, background: None, renders: list[dict[str, Any]]
) -> None:
    assessment_id = _assessment(tenant)
    page = tenant.get(f"/assessments/{assessment_id}/report.html")
    assert page.status_code == 200 and "Initech" in page.text
    reports.wait_for_background_renders()
    (row,) = _stored_rows(assessment_id)
    assert len(renders) == 1
    download = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert download.content == row.pdf and len(renders) == 1


def test_the_same_print_stored_twice_is_one_row(tenant: Tenant) -> None:
    assessment_id = _assessment(tenant)
    printed = printer.Printed("0" * 64, b"%PDF stand-in", "<html></html>")
    reports._store(tenant.workspace_id, assessment_id, printed)
    reports._store(tenant.workspace_id, assessment_id, printed)  # as a second instance would, meanwhile
    rows = _stored_rows(assessment_id)
    assert [(row.content_hash, row.pdf) for row in rows] == [("0" * 64, b"%PDF stand-in")]


def test_deleting_an_assessment_deletes_its_stored_reports(tenant: Tenant) -> None:
    assessment_id = _assessment(tenant)
    reports._store(tenant.workspace_id, assessment_id, printer.Printed("1" * 64, b"%PDF", "<html></html>"))
    with session_scope() as session:
        session.execute(text("DELETE FROM assessments WHERE id = :id"), {"id": assessment_id})
    with read_session() as session:
        assert session.exec(select(ReportRender).where(col(ReportRender.assessment_id) == assessment_id)).all() == []


def test_a_print_that_cannot_be_stored_is_still_downloaded(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    assessment_id = _assessment(tenant)
    renders: list[dict[str, Any]] = []
    monkeypatch.setattr(printer.renderer(), "submit", lambda context, *args: _printed_stand_in(renders, context))

    def locked(*args: Any) -> None:
        raise OperationalError("INSERT INTO report_renders ...", {}, Exception("database is locked"))

    monkeypatch.setattr(reports, "_store", locked)
    download = tenant.get(f"/assessments/{assessment_id}/report.pdf")
    assert download.status_code == 200 and download.content == b"%PDF Acme Consulting"
    assert _stored_rows(assessment_id) == []
