"""Recommendation reports of assessments: gathering what a report shows, and printing each version once for all.

`source_of` reads everything a report prints (result, previous run, peer benchmark, comments,
branding) in one short read. A printed report (PDF and HTML twin) is stored in the database by
its identity, the hash of all it prints (`app.report.printer`), so every app instance and every
restart serves it without rendering again; an assessment keeps its few newest prints.
`render_and_store` prints an assessment's current report when it is not stored yet: the close of
an assessment runs it in the background (`render_when_committed`), so the first download is quick.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

from sqlalchemy import and_, delete, event, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from app.db.session import engine_of, read_session, session_scope
from app.db.tables import Anonymity, Answer, Assessment, ReportRender, Respondent, new_id, utc_now
from app.observability.metrics import record_report_rendered
from app.questionnaire.kinds import kind_of
from app.report import printer
from app.report.printer import DEFAULT_ACCENT, Comment, Prepared, Printed, ReportBranding, ReportSource
from app.services import assessments, branding, organizations, privacy, responses, results
from app.services.accounts import Principal
from app.services.errors import Conflict, NotFound, Unavailable
from app.settings import get_settings

logger = logging.getLogger(__name__)

# An assessment keeps its current print and the newest others (a render of older content that
# finishes last must not delete the current one); older prints are deleted as new ones are stored.
PRINTS_KEPT_PER_ASSESSMENT = 3
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


def _comments(session: Session, assessment: Assessment) -> tuple[Comment, ...]:
    """Comments and open answers of submitted respondents, signed as the privacy service says.

    Anonymous: no per-person label, so comments cannot be gathered into one person's; within a
    question they are in the order of their text, not of the people who wrote them."""
    people = session.exec(
        select(Respondent)
        .where(Respondent.assessment_id == assessment.id)
        .order_by(col(Respondent.created_at), col(Respondent.id))
    ).all()
    submitted = [p for p in people if p.submitted_at is not None]
    if not submitted or privacy.results_withheld(assessment, len(submitted)):
        return ()
    signed = privacy.comment_attributions(assessment, submitted)
    questionnaire = assessments.questionnaire_of(assessment)
    open_questions = {q.id for q in questionnaire.questions if kind_of(q.type).free_text}
    order = {q.id: i for i, q in enumerate(questionnaire.questions)}
    # Only the answers that carry text, as plain rows: loading every answer of every respondent
    # as ORM objects took ~0.15 s of the request's process per report (200 respondents).
    carries_text = or_(
        and_(col(Answer.comment).is_not(None), col(Answer.comment) != ""),
        col(Answer.question_id).in_(open_questions),
    )
    rows = session.exec(
        select(Answer.respondent_id, Answer.question_id, Answer.value, Answer.comment)
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .where(Respondent.assessment_id == assessment.id, col(Respondent.submitted_at).is_not(None), carries_text)
    ).all()
    found: list[tuple[int, str, str, str, privacy.Attribution]] = []
    for respondent_id, question_id, value, comment in rows:
        texts = []
        if question_id in open_questions and isinstance(value, str) and value.strip():
            texts.append(value.strip())
        if comment and comment.strip():
            texts.append(comment.strip())
        position = order.get(question_id, len(order))
        who = signed[respondent_id]
        found.extend((position, who.author, text, question_id, who) for text in texts)
    found.sort(key=lambda item: (item[0], item[1], item[2]))
    return tuple(
        Comment(question_id, who.author, who.role or "", who.function or "", text)
        for _, _, text, question_id, who in found
    )


def source_of(session: Session, principal: Principal, assessment_id: str, now: datetime | None = None) -> ReportSource:
    """Everything the assessment's report shows; another workspace's assessment is not found."""
    assessment = assessments.get(session, principal, assessment_id)
    organization = organizations.get(session, principal, assessment.organization_id)
    result = results.result_of(session, assessment)
    if result.disclosure.withheld:
        raise Conflict(f"there is no report yet. {result.disclosure.message}")
    invited, submitted = responses.counts(session, [assessment.id])[assessment.id]
    previous = results.previous_of(session, principal, assessment)
    brand = branding.of(session, principal)
    return ReportSource(
        questionnaire=assessments.questionnaire_of(assessment),
        result=result,
        organization=organization.name,
        assessment_title=assessment.title,
        assessment_status=assessment.status.value,
        assessment_date=assessment.closed_at or assessment.created_at,
        generated_on=now or utc_now(),
        anonymous=assessment.anonymity is Anonymity.ANONYMOUS,
        invited=invited,
        submitted=submitted,
        comments=_comments(session, assessment),
        previous=previous,
        benchmark=results.benchmark(session, principal, assessment.id) if result.respondents else None,
        branding=ReportBranding(
            name=brand.name or organization.name,
            accent_color=brand.accent_color or DEFAULT_ACCENT,
            logo=brand.logo,
            logo_mime=brand.logo_mime,
        ),
    )


def _stored(session: Session, workspace_id: str, key: str) -> Printed | None:
    row = session.exec(
        select(ReportRender.pdf, ReportRender.html).where(
            ReportRender.workspace_id == workspace_id, ReportRender.content_hash == key
        )
    ).first()
    return Printed(key, row[0], row[1]) if row is not None else None


def _store(workspace_id: str, assessment_id: str, printed: Printed) -> None:
    """One short write transaction, after the render: the print (the same print stored meanwhile by
    another instance is no error), and the assessment's older prints pruned."""
    try:
        with session_scope() as session:
            dialect = postgresql if engine_of(session).dialect.name == "postgresql" else sqlite
            insert = dialect.insert(ReportRender).values(
                id=new_id(),
                workspace_id=workspace_id,
                assessment_id=assessment_id,
                content_hash=printed.key,
                pdf=printed.pdf,
                html=printed.html,
                created_at=utc_now(),
            )
            session.execute(insert.on_conflict_do_nothing(index_elements=["workspace_id", "content_hash"]))
            others = (
                col(ReportRender.workspace_id) == workspace_id,
                col(ReportRender.assessment_id) == assessment_id,
                col(ReportRender.content_hash) != printed.key,
            )
            newest_others = (
                select(ReportRender.id)
                .where(*others)
                .order_by(col(ReportRender.created_at).desc())
                .limit(PRINTS_KEPT_PER_ASSESSMENT - 1)
            )
            session.execute(delete(ReportRender).where(*others, col(ReportRender.id).not_in(newest_others)))
    except IntegrityError:  # the assessment was deleted while its report rendered: nothing to keep
        logger.info("the report of assessment %s was not stored: the assessment is gone", assessment_id)


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


_TO_RENDER = "centricity_reports_to_render"


def render_when_committed(session: Session, principal: Principal, assessment_id: str) -> None:
    """Start the background render of the assessment's report once `session` commits, so it reads
    what the transaction wrote (a close: the status and the closing date the report prints); a
    rollback starts nothing."""
    session.info.setdefault(_TO_RENDER, set()).add((principal.workspace_id, assessment_id))


@event.listens_for(Session, "after_commit")
def _render_committed(session: Session) -> None:
    for workspace_id, assessment_id in session.info.pop(_TO_RENDER, ()):
        render_in_background(workspace_id, assessment_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # after a commit they were started above; after a rollback, dropped
        session.info.pop(_TO_RENDER, None)


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
