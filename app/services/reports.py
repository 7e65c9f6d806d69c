"""Recommendation reports of assessments: gathering what a report shows, and rendering each version once.

`source_of` reads everything a report prints (result, previous run, peer benchmark,
comments, branding) in one short read; `pdf_of` prints it in a render worker, keeping
the PDF in a cache keyed by the report's full content (result, branding, logo), so a
second download of the same report is not rendered again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from app.db.tables import Anonymity, Answer, Assessment, Respondent, utc_now
from app.observability.metrics import record_report_rendered
from app.questionnaire.models import QuestionType
from app.report.context import build_context
from app.report.pool import RenderFailed, RenderTimeout, ReportRenderer
from app.report.source import DEFAULT_ACCENT, Comment, ReportBranding, ReportSource
from app.services import assessments, branding, organizations, privacy, responses, results
from app.services.accounts import Principal
from app.services.errors import Conflict, Unavailable
from app.settings import get_settings

# Rendered PDFs kept per process; a full report is a few hundred kilobytes.
CACHE_MAX_BYTES = 64 * 1024 * 1024
_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()


_renderer: ReportRenderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> ReportRenderer:
    """This process's render workers (their processes start with the first report)."""
    global _renderer
    with _renderer_lock:
        if _renderer is None:
            settings = get_settings()
            _renderer = ReportRenderer(
                settings.report_workers, settings.report_timeout_seconds, settings.report_renders_per_worker
            )
        return _renderer


def shutdown() -> None:
    """Stop the render workers, if any started; a later report starts them again."""
    with _renderer_lock:
        if _renderer is not None:
            _renderer.close()


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
    open_questions = {q.id for q in questionnaire.questions if q.type is QuestionType.TEXT}
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


def cache_key(context: dict[str, Any], source: ReportSource) -> str:
    """The identity of a rendered report: its whole printed content and the logo's bytes."""
    canonical = json.dumps(context, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{canonical}|{source.branding.logo_digest}".encode()).hexdigest()


def _context_and_key(source: ReportSource) -> tuple[dict[str, Any], str]:
    context = build_context(source)
    return context, cache_key(context, source)


def cached(key: str) -> bytes | None:
    with _cache_lock:
        pdf = _cache.get(key)
        if pdf is not None:
            _cache.move_to_end(key)
        return pdf


def _store(key: str, pdf: bytes) -> None:
    global _cache_bytes
    with _cache_lock:
        if key not in _cache:
            _cache[key] = pdf
            _cache_bytes += len(pdf)
        while _cache_bytes > CACHE_MAX_BYTES and len(_cache) > 1:
            _, dropped = _cache.popitem(last=False)
            _cache_bytes -= len(dropped)


async def pdf_of(source: ReportSource) -> bytes:
    """The report as PDF, from the cache or rendered in a worker (never on the event loop)."""
    # Building the context and hashing it take ~20 ms of CPU: in a thread, so the event loop
    # goes on answering other requests meanwhile (on it, they raised /healthz's p99 by half).
    context, key = await asyncio.to_thread(_context_and_key, source)
    pdf = cached(key)
    if pdf is not None:
        record_report_rendered("cached")
        return pdf
    try:
        pdf = await renderer().render_async(context, source.branding.logo, source.branding.logo_mime)
    except RenderTimeout as exc:
        record_report_rendered("timeout")
        raise Unavailable("the report took too long to render and was stopped; try again in a minute") from exc
    except RenderFailed as exc:
        record_report_rendered("error")
        raise Unavailable("the report could not be rendered; try again, and tell us if it keeps failing") from exc
    record_report_rendered("ok")
    _store(key, pdf)
    return pdf


def filename(source: ReportSource, extension: str) -> str:
    """A download name: the organization and assessment, ASCII only."""
    stem = "-".join(
        "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in part.lower()).strip("-")
        for part in (source.organization, source.assessment_title)
    )
    stem = "-".join(filter(None, stem.split("-")))[:80] or "report"
    return f"{stem}-report.{extension}"
