"""Results of assessments: the scoring core run on stored answers, comparisons, trends and peer benchmarks."""

from __future__ import annotations

import threading
from typing import Any

from cachetools import LRUCache
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from app.db.tables import Answer, Assessment, AssessmentStatus, Organization, Respondent
from app.presentation.results import Previous
from app.scoring.answers import Respondent as ScoredRespondent
from app.scoring.benchmark import MIN_PEERS, Benchmark, filter_available, place_among_peers
from app.scoring.comparison import Comparison, TrendPoint, compare_results, trend
from app.scoring.engine import score_assessment
from app.scoring.result import AssessmentResult
from app.services import assessments, organizations, privacy
from app.services.accounts import Principal

_CACHE_SIZE = 256
# cachetools caches are not thread-safe; sync routes run in a thread pool.
_cache: LRUCache[tuple[Any, ...], AssessmentResult] = LRUCache(maxsize=_CACHE_SIZE)
_lock = threading.Lock()


def _respondents(session: Session, assessment: Assessment, include_in_progress: bool) -> list[ScoredRespondent]:
    query = select(Respondent).where(Respondent.assessment_id == assessment.id)
    if not include_in_progress:
        query = query.where(col(Respondent.submitted_at).is_not(None))
    people = {r.id: r for r in session.exec(query).all()}
    answers: dict[str, dict[str, Any]] = {rid: {} for rid in people}
    if people:
        rows = session.exec(
            select(Answer.respondent_id, Answer.question_id, Answer.value).where(col(Answer.respondent_id).in_(people))
        ).all()
        for respondent_id, question_id, value in rows:
            answers[respondent_id][question_id] = value
    return [
        ScoredRespondent(rid, p.role, p.function, answers[rid], submitted=p.submitted_at is not None)
        for rid, p in people.items()
    ]


def _fingerprint(session: Session, assessment: Assessment, include_in_progress: bool) -> tuple[Any, ...]:
    """What the result depends on: a submit, and any saved answer of the people it scores (without
    answers in progress, those of submitted people only, so autosaves do not force a rescoring)."""
    scored: list[Any] = [Respondent.assessment_id == assessment.id]
    if not include_in_progress:
        scored.append(col(Respondent.submitted_at).is_not(None))
    answers = session.exec(
        select(func.count(), func.max(Answer.updated_at))
        .select_from(Answer)
        .join(Respondent, col(Respondent.id) == col(Answer.respondent_id))
        .where(*scored)
    ).one()
    submitted = session.exec(
        select(func.count(), func.max(Respondent.submitted_at)).where(
            Respondent.assessment_id == assessment.id, col(Respondent.submitted_at).is_not(None)
        )
    ).one()
    return (
        assessment.id,
        assessment.questionnaire_hash,
        assessment.target_level,
        privacy.effective_min_group_size(assessment),
        assessment.anonymity,
        include_in_progress,
        tuple(answers),
        tuple(submitted),
    )


def result_of(session: Session, assessment: Assessment, include_in_progress: bool = False) -> AssessmentResult:
    """Score the assessment's answers (submitted ones unless asked otherwise); cached until an answer changes."""
    key = _fingerprint(session, assessment, include_in_progress)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    result = score_assessment(
        assessments.questionnaire_of(assessment),
        _respondents(session, assessment, include_in_progress),
        target_level=assessment.target_level,
        min_group_size=privacy.effective_min_group_size(assessment),
        anonymous=privacy.is_anonymous(assessment),
    )
    with _lock:
        _cache[key] = result
    return result


def results(
    session: Session, principal: Principal, assessment_id: str, include_in_progress: bool = False
) -> AssessmentResult:
    return result_of(session, assessments.get(session, principal, assessment_id), include_in_progress)


def compare(session: Session, principal: Principal, assessment_id: str, other_id: str) -> Comparison:
    current = assessments.get(session, principal, assessment_id)
    other = assessments.get(session, principal, other_id)
    return compare_results(result_of(session, current), result_of(session, other))


def previous_run(session: Session, principal: Principal, assessment: Assessment) -> Assessment | None:
    """The organization's most recent other assessment that ran (open or closed) and was created earlier."""
    return session.exec(
        select(Assessment)
        .options(assessments.without_snapshot())
        .where(
            Assessment.workspace_id == principal.workspace_id,
            Assessment.organization_id == assessment.organization_id,
            Assessment.id != assessment.id,
            col(Assessment.status).in_([AssessmentStatus.OPEN, AssessmentStatus.CLOSED]),
            col(Assessment.created_at) < assessment.created_at,
        )
        .order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())
        .limit(1)
    ).first()


def previous_of(session: Session, principal: Principal, assessment: Assessment) -> Previous | None:
    """The previous run (see `previous_run`) and how this assessment compares with it, as pages print it."""
    earlier = previous_run(session, principal, assessment)
    if earlier is None:
        return None
    return Previous(
        title=earlier.title,
        status=earlier.status.value,
        date=earlier.closed_at or earlier.created_at,
        comparison=compare(session, principal, assessment.id, earlier.id),
    )


class TrendEntry(BaseModel):
    assessment_id: str
    title: str
    status: str
    point: TrendPoint


def organization_trend(session: Session, principal: Principal, organization_id: str) -> list[TrendEntry]:
    """The organization's open and closed assessments, oldest first, each compared with the one before."""
    organization = organizations.get(session, principal, organization_id)
    runs = session.exec(
        select(Assessment)
        .options(assessments.without_snapshot())
        .where(
            Assessment.workspace_id == principal.workspace_id,
            Assessment.organization_id == organization.id,
            col(Assessment.status).in_([AssessmentStatus.OPEN, AssessmentStatus.CLOSED]),
        )
        .order_by(col(Assessment.created_at), col(Assessment.id))
    ).all()
    points = trend([(run.title, result_of(session, run)) for run in runs])
    return [
        TrendEntry(assessment_id=run.id, title=run.title, status=run.status.value, point=point)
        for run, point in zip(runs, points, strict=True)
    ]


def benchmark(
    session: Session,
    principal: Principal,
    assessment_id: str,
    industry: str | None = None,
    size_band: str | None = None,
) -> Benchmark:
    """Where this assessment stands among the workspace's other organizations (their latest closed
    assessment of the same questionnaire). Nothing is shown below MIN_PEERS peers, or where comparing
    this filter with another would single out fewer peers than that (`benchmark.filter_available`)."""
    assessment = assessments.get(session, principal, assessment_id)
    rows = session.exec(
        select(Assessment, Organization.industry, Organization.size_band)
        .options(assessments.without_snapshot())
        .join(Organization, col(Organization.id) == col(Assessment.organization_id))
        .where(
            Assessment.workspace_id == principal.workspace_id,
            Assessment.questionnaire_id == assessment.questionnaire_id,
            Assessment.status == AssessmentStatus.CLOSED,
            Assessment.organization_id != assessment.organization_id,
        )
        .order_by(col(Assessment.closed_at).desc(), col(Assessment.id))
    ).all()
    latest: dict[str, tuple[Assessment, str | None, str | None]] = {}
    for peer, peer_industry, peer_size in rows:
        latest.setdefault(peer.organization_id, (peer, peer_industry, peer_size))
    chosen = [
        peer
        for peer, peer_industry, peer_size in latest.values()
        if (industry is None or peer_industry == industry) and (size_band is None or peer_size == size_band)
    ]
    base: dict[str, Any] = {
        "questionnaire_id": assessment.questionnaire_id,
        "peers": len(chosen),
        "min_peers": MIN_PEERS,
        "industry": industry,
        "size_band": size_band,
    }
    if len(chosen) < MIN_PEERS or not filter_available([(i, s) for _, i, s in latest.values()], industry, size_band):
        message = (
            f"{len(chosen)} peer organization(s); at least {MIN_PEERS} are needed to keep each anonymous"
            if len(chosen) < MIN_PEERS
            else f"this filter would set apart fewer than {MIN_PEERS} peer organizations from another one; "
            "choose a wider filter"
        )
        return Benchmark(**base, available=False, message=message, index_percentile=None, dimensions=[])
    own = result_of(session, assessment)
    index_percentile, dimensions = place_among_peers(own, [result_of(session, peer) for peer in chosen])
    return Benchmark(**base, available=True, message=None, index_percentile=index_percentile, dimensions=dimensions)
