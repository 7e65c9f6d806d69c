"""A report source from an answers file alone (no database): `centricity report --answers FILE`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from app.presentation.results import pseudonym
from app.questionnaire.models import Questionnaire, QuestionType
from app.report.source import Comment, ReportBranding, ReportSource
from app.scoring.answers import Respondent
from app.scoring.engine import score_assessment


def offline_source(
    questionnaire: Questionnaire,
    respondents: Sequence[Respondent],
    *,
    organization: str,
    title: str,
    brand: str,
    named: bool = False,
    target_level: int | None = None,
    min_group_size: int = 3,
    now: datetime | None = None,
) -> ReportSource:
    """Score the respondents and describe the report: every respondent counts as invited and submitted,
    open answers are quoted under pseudonyms unless `named`."""
    result = score_assessment(questionnaire, respondents, target_level=target_level, min_group_size=min_group_size)
    open_questions = [q.id for q in questionnaire.questions if q.type is QuestionType.TEXT]
    comments = tuple(
        Comment(
            question_id,
            person.id if named else pseudonym(position),
            person.role or "",
            person.function or "",
            person.answers[question_id].strip(),
        )
        for question_id in open_questions
        for position, person in enumerate(respondents, start=1)
        if isinstance(person.answers.get(question_id), str) and person.answers[question_id].strip()
    )
    return ReportSource(
        questionnaire=questionnaire,
        result=result,
        organization=organization,
        assessment_title=title,
        assessment_status="answers file",
        assessment_date=None,
        generated_on=now or datetime.now(UTC),
        anonymous=not named,
        invited=len(respondents),
        submitted=len(respondents),
        comments=comments,
        branding=ReportBranding(name=brand),
    )
