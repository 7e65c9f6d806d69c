"""Recommendation reports of assessments, their database side: what a report shows, read once, and the
prints stored by identity so every app instance and every restart serves them without rendering again.

`report_readout` gathers everything a report prints (the results readout, comments, branding) in
one short read. Printing is not this module's business: `app.reporting` turns the readout into a
report source, prints it with `app.report` and stores the print here (`stored_print`,
`store_print`); an assessment keeps its few newest prints. A close of an assessment asks for a
background render once its transaction commits (`render_when_committed`), through the hook
`app.reporting` sets (`set_background_renderer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, delete, event, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from app.db.session import engine_of, session_scope
from app.db.tables import Answer, ReportRender, Respondent, new_id, utc_now
from app.questionnaire.kinds import kind_of
from app.services import branding, privacy, results
from app.services.accounts import Principal
from app.services.branding import Branding
from app.services.errors import Conflict
from app.services.results import Readout

logger = logging.getLogger(__name__)

# An assessment keeps its current print and the newest others (a render of older content that
# finishes last must not delete the current one); older prints are deleted as new ones are stored.
PRINTS_KEPT_PER_ASSESSMENT = 3


@dataclass(frozen=True)
class Quote:
    """A respondent's own words as the report may sign them (`privacy.comment_attributions`)."""

    question_id: str
    author: str  # empty when the assessment is anonymous (no per-person label)
    role: str  # empty where the group is too small to name
    function: str
    text: str


@dataclass(frozen=True)
class ReportReadout:
    """Everything one report of an assessment prints, read once."""

    readout: Readout
    quotes: tuple[Quote, ...]
    branding: Branding


def _quotes(session: Session, readout: Readout) -> tuple[Quote, ...]:
    """Comments and open answers of submitted respondents, signed as the privacy service says.

    Anonymous: no per-person label, so comments cannot be gathered into one person's; within a
    question they are in the order of their text, not of the people who wrote them."""
    assessment = readout.assessment
    submitted = [p for p in readout.people if p.submitted_at is not None]
    if not submitted or privacy.results_withheld(assessment, len(submitted)):
        return ()
    signed = privacy.comment_attributions(assessment, submitted)
    questionnaire = readout.questionnaire
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
        Quote(question_id, who.author, who.role or "", who.function or "", text)
        for _, _, text, question_id, who in found
    )


def report_readout(session: Session, principal: Principal, assessment_id: str) -> ReportReadout:
    """Everything the assessment's report shows; another workspace's assessment is not found, and an
    assessment whose result is withheld (too few submitted) has no report yet (409)."""
    readout = results.readout(session, principal, assessment_id)
    if readout.result.disclosure.withheld:
        raise Conflict(f"there is no report yet. {readout.result.disclosure.message}")
    return ReportReadout(readout, _quotes(session, readout), branding.of(session, principal))


# ---- stored prints


def stored_print(session: Session, workspace_id: str, key: str) -> tuple[bytes, str] | None:
    """The stored PDF and HTML of report `key` in the workspace, if any instance stored it."""
    row = session.exec(
        select(ReportRender.pdf, ReportRender.html).where(
            ReportRender.workspace_id == workspace_id, ReportRender.content_hash == key
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def store_print(workspace_id: str, assessment_id: str, key: str, pdf: bytes, html: str) -> None:
    """One short write transaction, after the render: the print (the same print stored meanwhile by
    another instance is no error), and the assessment's older prints pruned."""
    try:
        with session_scope() as session:
            dialect = postgresql if engine_of(session).dialect.name == "postgresql" else sqlite
            insert = dialect.insert(ReportRender).values(
                id=new_id(),
                workspace_id=workspace_id,
                assessment_id=assessment_id,
                content_hash=key,
                pdf=pdf,
                html=html,
                created_at=utc_now(),
            )
            session.execute(insert.on_conflict_do_nothing(index_elements=["workspace_id", "content_hash"]))
            others = (
                col(ReportRender.workspace_id) == workspace_id,
                col(ReportRender.assessment_id) == assessment_id,
                col(ReportRender.content_hash) != key,
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


# ---- renders once a close commits

_TO_RENDER = "centricity_reports_to_render"
# Starts the background render of (workspace, assessment); set by `app.reporting`, which prints. Unset
# (a process that does not print, such as a migration), a commit starts nothing and the download renders.
_background_renderer: Callable[[str, str], object] | None = None


def set_background_renderer(start: Callable[[str, str], object] | None) -> None:
    global _background_renderer
    _background_renderer = start


def render_when_committed(session: Session, principal: Principal, assessment_id: str) -> None:
    """Start the background render of the assessment's report once `session` commits, so it reads
    what the transaction wrote (a close: the status and the closing date the report prints); a
    rollback starts nothing."""
    session.info.setdefault(_TO_RENDER, set()).add((principal.workspace_id, assessment_id))


@event.listens_for(Session, "after_commit")
def _render_committed(session: Session) -> None:
    start = _background_renderer
    for workspace_id, assessment_id in session.info.pop(_TO_RENDER, ()):
        if start is not None:
            start(workspace_id, assessment_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # after a commit they were started above; after a rollback, dropped
        session.info.pop(_TO_RENDER, None)
