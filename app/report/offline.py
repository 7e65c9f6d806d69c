"""A report source from an answers file alone (no database): `centricity report --answers FILE`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from app.questionnaire.kinds import kind_of
from app.questionnaire.models import Questionnaire
from app.report.source import Comment, ReportBranding, ReportSource
from app.scoring.answers import Respondent
from app.scoring.engine import score_assessment
from app.scoring.privacy import Disclosed, disclosed_groups


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
    """Score the respondents and describe the report: every respondent counts as invited and submitted.
    Open answers are quoted under the respondent's id when `named`, else with no per-person label and
    role and function only for groups of at least `min_group_size` (as in the service's reports)."""
    result = score_assessment(questionnaire, respondents, target_level=target_level, min_group_size=min_group_size)
    open_questions = [q.id for q in questionnaire.questions if kind_of(q.type).free_text]
    people = [(person.role or "", person.function or "") for person in respondents]
    groups: list[Disclosed] = list(people) if named else disclosed_groups(people, min_group_size)
    texts = [
        (question_id, person.answers[question_id].strip(), person, group)
        for question_id in open_questions
        for person, group in zip(respondents, groups, strict=True)
        if isinstance(person.answers.get(question_id), str) and person.answers[question_id].strip()
    ]
    if not named:  # the order of the people would join comments across questions: order by text
        texts.sort(key=lambda item: (open_questions.index(item[0]), item[1]))
    comments = tuple(
        Comment(question_id, person.id if named else "", role or "", function or "", text)
        for question_id, text, person, (role, function) in texts
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
