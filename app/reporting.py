"""The report composed: a service's report readout made into a report source, printed by `app.report`,
stored by the report service, with its metrics; a print of each version once for all.

The services gather and store (`app.services.reports`); `app.report` prints plain data; this module
joins the two, so neither imports the other. A printed report (PDF and HTML twin) is stored by its
identity, the hash of all it prints (`app.report.printer`). `render_and_store` prints an
assessment's current report when it is not stored yet: the close of an assessment runs it in the
background (the service's `render_when_committed`, whose hook `app.main` installs as `render_in_background`), so the
first download is quick.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.db.session import read_session
from app.db.tables import Anonymity, utc_now
from app.observability.metrics import record_report_rendered
from app.report import printer
from app.report.printer import DEFAULT_ACCENT, Comment, Prepared, Printed, ReportBranding, ReportSource
from app.services import reports
from app.services.accounts import Principal
from app.services.errors import Conflict, NotFound, Unavailable
from app.services.reports import PRINTS_KEPT_PER_ASSESSMENT, ReportReadout
from app.settings import get_settings

__all__ = [
    "BACKGROUND_ACTOR",
    "BACKGROUND_RENDERS_MAX",
    "PRINTS_KEPT_PER_ASSESSMENT",
    "filename",
    "html_of",
    "printed_of",
    "render_and_store",
    "render_in_background",
    "shutdown",
    "source_of",
    "wait_for_background_renders",
]

logger = logging.getLogger(__name__)

# Who reads the assessment for a background render, in the audit trail's terms (it writes no audit event).
BACKGROUND_ACTOR = "report-renderer"
# Background renders at once in this process beyond which a close starts none (the download renders).
BACKGROUND_RENDERS_MAX = 8
# How long shutdown waits for each background render to end once the workers are stopped.
SHUTDOWN_WAIT_SECONDS = 10.0


def shutdown() -> None:
    """Stop the render workers, if any started (a render in the background fails and ends with them)."""
    printer.shutdown()
    wait_for_background_renders(timeout=SHUTDOWN_WAIT_SECONDS)


def source_from(gathered: ReportReadout, now: datetime | None = None) -> ReportSource:
    """The report source of a report readout: plain data, as `app.report` prints it."""
    readout, brand = gathered.readout, gathered.branding
    assessment, organization = readout.assessment, readout.organization
    return ReportSource(
        questionnaire=readout.questionnaire,
        result=readout.result,
        organization=organization.name,
        assessment_title=assessment.title,
        assessment_status=assessment.status.value,
        assessment_date=assessment.closed_at or assessment.created_at,
        generated_on=now or utc_now(),
        anonymous=assessment.anonymity is Anonymity.ANONYMOUS,
        invited=readout.invited,
        submitted=readout.submitted,
        comments=tuple(Comment(q.question_id, q.author, q.role, q.function, q.text) for q in gathered.quotes),
        previous=readout.previous,
        benchmark=readout.benchmark,
        branding=ReportBranding(
            name=brand.name or organization.name,
            accent_color=brand.accent_color or DEFAULT_ACCENT,
            logo=brand.logo,
            logo_mime=brand.logo_mime,
        ),
    )


def source_of(session: Session, principal: Principal, assessment_id: str, now: datetime | None = None) -> ReportSource:
    """Everything the assessment's report shows; another workspace's assessment is not found."""
    return source_from(reports.report_readout(session, principal, assessment_id), now)


def _stored(session: Session, workspace_id: str, key: str) -> Printed | None:
    stored = reports.stored_print(session, workspace_id, key)
    return Printed(key, stored[0], stored[1]) if stored is not None else None


def _store(workspace_id: str, assessment_id: str, printed: Printed) -> None:
    reports.store_print(workspace_id, assessment_id, printed.key, printed.pdf, printed.html)


def _current(workspace_id: str, key: str) -> Printed | None:
    """The print of report `key`: at hand in this process, or stored by any instance."""
    printed = printer.remembered(workspace_id, key)
    if printed is not None:
        record_report_rendered("cached")
        return printed
    with read_session() as session:
        printed = _stored(session, workspace_id, key)
    if printed is not None:
        record_report_rendered("stored")
        printer.remember(workspace_id, printed)
    return printed


def _prepared_and_current(workspace_id: str, source: ReportSource) -> tuple[Prepared, Printed | None]:
    """The report ready to print, and its current print if there is one: one trip off the event loop
    (the context and its hash take ~5 ms of CPU; on it, other requests would wait)."""
    prepared = printer.prepare(source)
    return prepared, _current(workspace_id, prepared.key)


def render_and_store(workspace_id: str, assessment_id: str) -> bool:
    """Print the assessment's current report and store it, unless it is stored already: the job a close
    starts. Rendering holds no transaction; the store is one short one after it. False when there is
    no report to print: the assessment is gone, or its result is withheld (too few submitted)."""
    principal = Principal(workspace_id, BACKGROUND_ACTOR)
    try:
        with read_session() as session:
            source = source_of(session, principal, assessment_id)
            prepared = printer.prepare(source)
            if _stored(session, workspace_id, prepared.key) is not None:
                return True
    except (NotFound, Conflict):
        return False
    printed = printer.print_blocking(workspace_id, prepared, record_report_rendered)
    _store(workspace_id, assessment_id, printed)
    return True


# Background renders of this process by (workspace, assessment): one per assessment at a time.
_background: dict[tuple[str, str], threading.Thread] = {}
_background_lock = threading.Lock()


def render_in_background(workspace_id: str, assessment_id: str) -> threading.Thread | None:
    """Run `render_and_store` in a thread of its own, with its own sessions; None when one for the
    assessment is under way already, when this process runs too many, or when they are turned off."""
    if not get_settings().report_background_renders:
        return None
    slot = (workspace_id, assessment_id)
    with _background_lock:
        if slot in _background or len(_background) >= BACKGROUND_RENDERS_MAX:
            return None
        thread = threading.Thread(target=_render_logged, args=slot, name=f"report-render-{assessment_id}", daemon=True)
        _background[slot] = thread
    thread.start()
    return thread


def _render_logged(workspace_id: str, assessment_id: str) -> None:
    try:
        render_and_store(workspace_id, assessment_id)
    except Exception:  # a background job has nobody to answer: it logs, and the next download renders
        logger.exception("background render of the report of assessment %s failed", assessment_id)
    finally:
        with _background_lock:
            _background.pop((workspace_id, assessment_id), None)


def wait_for_background_renders(timeout: float | None = None) -> None:
    """Join the background renders under way (tests, and shutdown)."""
    with _background_lock:
        threads = list(_background.values())
    for thread in threads:
        thread.join(timeout)


async def printed_of(principal: Principal, assessment_id: str, source: ReportSource) -> Printed:
    """The report of `source` printed: stored, or printed now and stored (the download waits for it)."""
    prepared, printed = await asyncio.to_thread(_prepared_and_current, principal.workspace_id, source)
    if printed is not None:
        return printed
    try:
        printed = await printer.print_async(principal.workspace_id, prepared, record_report_rendered)
    except printer.RenderTimeout as exc:
        raise Unavailable("the report took too long to render and was stopped; try again in a minute") from exc
    except printer.RenderFailed as exc:
        raise Unavailable("the report could not be rendered; try again, and tell us if it keeps failing") from exc
    try:
        await asyncio.to_thread(_store, principal.workspace_id, assessment_id, printed)
    except SQLAlchemyError:  # the database is locked or gone for now: the reader still gets the report
        logger.warning("the report of assessment %s was printed but not stored", assessment_id, exc_info=True)
    return printed


async def html_of(principal: Principal, assessment_id: str, source: ReportSource, nonce: str) -> str:
    """The report's HTML twin with `nonce` as its style nonce: stored, or rendered now (a browser does not
    wait for the PDF) with the print of both started in the background for the next download."""
    prepared, printed = await asyncio.to_thread(_prepared_and_current, principal.workspace_id, source)
    if printed is not None:
        return printed.html_with_nonce(nonce)
    render_in_background(principal.workspace_id, assessment_id)
    return await asyncio.to_thread(printer.html_now, prepared, nonce)


def filename(source: ReportSource, extension: str) -> str:
    """A download name: the organization and assessment, ASCII only."""
    stem = "-".join(
        "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in part.lower()).strip("-")
        for part in (source.organization, source.assessment_title)
    )
    stem = "-".join(filter(None, stem.split("-")))[:80] or "report"
    return f"{stem}-report.{extension}"
