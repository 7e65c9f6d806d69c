"""Results of assessments: the scoring core run on stored answers, comparisons, trends and peer benchmarks,
and the readout: one assessment's result with all that is shown beside it, gathered once.

`readout` is what the results page, the report and the exports read: the assessment, its
organization and respondents are looked up once, the result's fingerprint computed once and the
result scored once (cached as long as the fingerprint holds); the previous run and the peer
benchmark are placed against that same result.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from app.db.tables import Answer, Assessment, AssessmentStatus, Organization, Respondent
from app.questionnaire.models import Questionnaire
from app.scoring.answers import Respondent as ScoredRespondent
from app.scoring.benchmark import Benchmark, PeerRun, benchmark_among
from app.scoring.comparison import Comparison, Previous, TrendPoint, compare_results, trend
from app.scoring.engine import score_assessment
from app.scoring.result import AssessmentResult
from app.services import assessments, organizations, privacy
from app.services.accounts import Principal

_CACHE_SIZE = 256
# cachetools caches are not thread-safe; sync routes run in a thread pool.
_cache: LRUCache[tuple[Any, ...], AssessmentResult] = LRUCache(maxsize=_CACHE_SIZE)
_lock = threading.Lock()


def _respondents(
    session: Session, assessment: Assessment, include_in_progress: bool, people: Sequence[Respondent] | None
) -> list[ScoredRespondent]:
    """The people the result scores with their answers; `people`, when the caller has the assessment's
    respondents already, saves reading them again."""
    if people is None:
        # In creation order, as the callers' `people` are: the result is the same whichever way it was read.
        query = (
            select(Respondent)
            .where(Respondent.assessment_id == assessment.id)
            .order_by(col(Respondent.created_at), col(Respondent.id))
        )
        if not include_in_progress:
            query = query.where(col(Respondent.submitted_at).is_not(None))
        people = session.exec(query).all()
    scored = {r.id: r for r in people if include_in_progress or r.submitted_at is not None}
    answers: dict[str, dict[str, Any]] = {rid: {} for rid in scored}
    if scored:
        rows = session.exec(
            select(Answer.respondent_id, Answer.question_id, Answer.value).where(col(Answer.respondent_id).in_(scored))
        ).all()
        for respondent_id, question_id, value in rows:
            answers[respondent_id][question_id] = value
    return [
        ScoredRespondent(rid, p.role, p.function, answers[rid], submitted=p.submitted_at is not None)
        for rid, p in scored.items()
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


def result_of(
    session: Session,
    assessment: Assessment,
    include_in_progress: bool = False,
    people: Sequence[Respondent] | None = None,
) -> AssessmentResult:
    """Score the assessment's answers (submitted ones unless asked otherwise); cached until an answer changes.
    `people`: all the assessment's respondents, when the caller has read them already."""
    key = _fingerprint(session, assessment, include_in_progress)
    with _lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
    result = score_assessment(
        assessments.questionnaire_of(assessment),
        _respondents(session, assessment, include_in_progress, people),
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
    """The result alone (the API's results route): the assessment read once, the result as cached."""
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


def previous_of(
    session: Session, principal: Principal, assessment: Assessment, result: AssessmentResult | None = None
) -> Previous | None:
    """The previous run (see `previous_run`) and how this assessment (whose `result` the caller may
    have already) compares with it."""
    earlier = previous_run(session, principal, assessment)
    if earlier is None:
        return None
    current = result if result is not None else result_of(session, assessment)
    return Previous(
        title=earlier.title,
        status=earlier.status.value,
        date=earlier.closed_at or earlier.created_at,
        comparison=compare_results(current, result_of(session, earlier)),
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
    """Where this assessment stands among the workspace's other organizations (see `benchmark_of`)."""
    return benchmark_of(
        session, principal, assessments.get(session, principal, assessment_id), None, industry, size_band
    )


def benchmark_of(
    session: Session,
    principal: Principal,
    assessment: Assessment,
    result: AssessmentResult | None,
    industry: str | None = None,
    size_band: str | None = None,
) -> Benchmark:
    """Where `assessment` (whose `result` the caller may have already) stands among the workspace's other
    organizations: their latest closed assessment of the same questionnaire, by the rules of
    `app.scoring.benchmark.benchmark_among` (nothing is shown for too few peers or a filter that
    would single some out)."""
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
    runs = [PeerRun(peer, peer.organization_id, peer_industry, peer_size) for peer, peer_industry, peer_size in rows]
    return benchmark_among(
        assessment.questionnaire_id,
        runs,
        industry,
        size_band,
        own=lambda: result if result is not None else result_of(session, assessment),
        result_of=lambda peer: result_of(session, peer),
    )


@dataclass(frozen=True)
class Readout:
    """One assessment's result and what is shown beside it, gathered once for the results page, the
    report and the exports. `people` are all its respondents in creation order (what per-respondent
    outputs pass through `privacy.per_respondent`); `result` holds the privacy-checked breakdowns."""

    assessment: Assessment
    organization: Organization
    questionnaire: Questionnaire
    result: AssessmentResult
    people: tuple[Respondent, ...]
    previous: Previous | None
    benchmark: Benchmark | None

    @property
    def invited(self) -> int:
        return len(self.people)

    @property
    def submitted(self) -> int:
        return sum(1 for p in self.people if p.submitted_at is not None)


def readout(
    session: Session,
    principal: Principal,
    assessment_id: str,
    *,
    include_in_progress: bool = False,
    surroundings: bool = True,
) -> Readout:
    """The readout of the assessment; another workspace's is not found. `surroundings`: also the
    previous run and the peer benchmark (both only once anyone was scored), placed against the
    same result."""
    assessment = assessments.get(session, principal, assessment_id)
    organization = organizations.get(session, principal, assessment.organization_id)
    people = tuple(
        session.exec(
            select(Respondent)
            .where(Respondent.assessment_id == assessment.id)
            .order_by(col(Respondent.created_at), col(Respondent.id))
        ).all()
    )
    result = result_of(session, assessment, include_in_progress, people)
    # The previous run and the peers are compared with the submitted answers' result, as before.
    submitted_result = None if include_in_progress else result
    shown = surroundings and result.respondents > 0
    return Readout(
        assessment=assessment,
        organization=organization,
        questionnaire=assessments.questionnaire_of(assessment),
        result=result,
        people=people,
        previous=previous_of(session, principal, assessment, submitted_result) if surroundings else None,
        benchmark=benchmark_of(session, principal, assessment, submitted_result) if shown else None,
    )
