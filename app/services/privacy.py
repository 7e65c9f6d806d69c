"""The identity rules of anonymous assessments, in one place: settings that only become stricter,
pseudonyms, what a per-respondent output may carry, coarse times, and webhook payloads.

Built on the pure rules of `app.scoring.privacy`. Exports, the report, the webhooks, the
respondents listing and the pages ask this module; none of them decides on its own.

What a name or email given with an invitation to an anonymous assessment means: it is used to send
and track the invitation (the respondents listing shows it, with progress and coarse dates), and it
never appears beside an answer, a score, a comment or a pseudonym.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlmodel import Session, col, exists, select

from app.db.tables import (
    PSEUDONYM_FIRST,
    PSEUDONYM_LAST,
    Anonymity,
    Answer,
    Assessment,
    Respondent,
    new_pseudonym,
)
from app.scoring import privacy as rules
from app.services.errors import Conflict, InvalidInput

PRIVACY_FIELDS = ("anonymity", "min_group_size")
# Why a role or function cell of an anonymous export is empty; the exports' descriptions quote it.
GROUP_BLANKED_REASON = (
    "In an anonymous assessment a respondent's role and function are given only where at least the "
    "minimum group size of submitted respondents share what is shown (the role, the function, or the "
    "role and function together); otherwise they are left empty, since a small group names its members."
)
WITHHELD_REASON = (
    "Fewer respondents have submitted than the assessment's minimum group size: until they have, an "
    "anonymous assessment's exports carry progress only, no answers, scores or comments."
)


class PrivacySettings(Protocol):
    """What the rules read of an assessment (an Assessment row, or anything with these two fields)."""

    @property
    def anonymity(self) -> Anonymity: ...
    @property
    def min_group_size(self) -> int: ...


def is_anonymous(assessment: PrivacySettings) -> bool:
    return assessment.anonymity is Anonymity.ANONYMOUS


def effective_min_group_size(assessment: PrivacySettings) -> int:
    """The group size every output applies (never below 3 when anonymous, whatever was stored before)."""
    return rules.effective_min_group_size(anonymous=is_anonymous(assessment), min_group_size=assessment.min_group_size)


def results_withheld(assessment: PrivacySettings, submitted: int) -> bool:
    return rules.results_withheld(
        anonymous=is_anonymous(assessment), submitted=submitted, min_group_size=effective_min_group_size(assessment)
    )


# ---- settings


def check_settings(anonymity: Anonymity, min_group_size: int) -> None:
    """Refuse (422) an anonymous assessment whose groups could be smaller than three people."""
    if Anonymity(anonymity) is Anonymity.ANONYMOUS and min_group_size < rules.MIN_ANONYMOUS_GROUP_SIZE:
        message = (
            f"an anonymous assessment needs a minimum group size of at least {rules.MIN_ANONYMOUS_GROUP_SIZE}: "
            "in a smaller group one member's own answer gives away the others'"
        )
        raise InvalidInput(message, [{"field": "min_group_size", "message": message}])


def has_answers(session: Session, assessment_id: str) -> bool:
    """Whether anyone has answered: any stored answer (in progress too) or any submission."""
    of_assessment = Respondent.assessment_id == assessment_id
    answered = exists().where(col(Answer.respondent_id) == col(Respondent.id))
    query = select(Respondent.id).where(of_assessment, answered | col(Respondent.submitted_at).is_not(None))
    return session.exec(query.limit(1)).first() is not None


def check_change(session: Session, assessment: Assessment, changes: Mapping[str, Any]) -> None:
    """Refuse a change of the privacy settings that is invalid (422) or, once anyone has answered,
    makes them less strict (409): anonymous stays anonymous, the group size only grows."""
    if not any(field in changes for field in PRIVACY_FIELDS):
        return
    anonymity = changes.get("anonymity", assessment.anonymity)
    min_group_size = changes.get("min_group_size", assessment.min_group_size)
    check_settings(anonymity, min_group_size)
    loosened = rules.loosened_settings(
        was_anonymous=is_anonymous(assessment),
        was_min_group_size=assessment.min_group_size,
        anonymous=Anonymity(anonymity) is Anonymity.ANONYMOUS,
        min_group_size=min_group_size,
    )
    if loosened and has_answers(session, assessment.id):
        what = []
        if "anonymity" in loosened:
            what.append("an anonymous assessment cannot become named")
        if "min_group_size" in loosened:
            what.append(f"the minimum group size cannot go below {assessment.min_group_size}")
        raise Conflict(
            f"people have already answered under these privacy settings, so they can only become stricter: "
            f"{'; '.join(what)}",
            [{"field": field, "message": "may only become stricter once people have answered"} for field in loosened],
        )


# ---- pseudonyms


def assign_pseudonyms(session: Session, assessment_id: str, people: Sequence[Respondent]) -> None:
    """Give each new respondent a random pseudonym not yet used in the assessment.

    The assessment's row is locked first (PostgreSQL; SQLite has one writer at a time), so two
    invitations at the same time cannot draw the same one."""
    session.exec(select(Assessment.id).where(Assessment.id == assessment_id).with_for_update()).first()
    used = set(session.exec(select(Respondent.pseudonym).where(Respondent.assessment_id == assessment_id)).all())
    if len(used) + len(people) > PSEUDONYM_LAST - PSEUDONYM_FIRST + 1:
        raise Conflict("this assessment has as many respondents as it can hold")
    for person in people:
        pseudonym = new_pseudonym()
        while pseudonym in used:
            pseudonym = new_pseudonym()
        used.add(pseudonym)
        person.pseudonym = pseudonym


# ---- what outputs may show


def coarse_time(assessment: PrivacySettings, moment: datetime | None) -> datetime | None:
    """A time shown beside a person: to the day (00:00 UTC) in an anonymous assessment, as is otherwise."""
    if moment is None or not is_anonymous(assessment):
        return moment
    return datetime.combine(moment.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)


def progress_shown(assessment: PrivacySettings, respondent: Respondent) -> bool:
    """Whether the respondents listing may show this person's progress (answers counted): not once they
    submitted an anonymous assessment, as the count would single out their row in the exports."""
    return not (is_anonymous(assessment) and respondent.submitted_at is not None)


@dataclass(frozen=True)
class Shown:
    """One respondent as a per-respondent output may show them."""

    respondent: Respondent
    label: str  # the pseudonym when anonymous, else the respondent's id
    name: str | None
    email: str | None
    role: str | None  # None: left out, the group is too small (see GROUP_BLANKED_REASON)
    function: str | None
    submitted_at: datetime | None


def per_respondent(assessment: PrivacySettings, people: Sequence[Respondent]) -> list[Shown]:
    """The respondents a per-respondent output (an export) lists, and what it may say of each.

    Named: everyone, in creation order, as stored. Anonymous: only submitted respondents (what the
    respondents listing says of the others, their progress, would join them to their rows), ordered
    by pseudonym (random), with no name, email or submission time, and role and function only for
    groups of at least the minimum group size (`disclosed_groups`)."""
    if not is_anonymous(assessment):
        return [Shown(p, p.id, p.name, p.email, p.role, p.function, p.submitted_at) for p in people]
    submitted = sorted((p for p in people if p.submitted_at is not None), key=lambda p: p.pseudonym)
    groups = rules.disclosed_groups([(p.role, p.function) for p in submitted], effective_min_group_size(assessment))
    return [
        Shown(p, p.pseudonym, None, None, role, function, None)
        for p, (role, function) in zip(submitted, groups, strict=True)
    ]


@dataclass(frozen=True)
class Attribution:
    """How a quoted comment is signed."""

    author: str  # empty: no per-person label
    role: str | None
    function: str | None


def comment_attributions(assessment: PrivacySettings, people: Sequence[Respondent]) -> dict[str, Attribution]:
    """How the report signs each submitted respondent's comments, by respondent id.

    Anonymous: no per-person label at all (a pseudonym would let a reader gather one person's comments
    across questions, which in a small group names them), and the role and function that
    `per_respondent` would show. Named: the name (or pseudonym), role and function."""
    if not is_anonymous(assessment):
        return {p.id: Attribution(p.name or p.pseudonym, p.role, p.function) for p in people}
    return {s.respondent.id: Attribution("", s.role, s.function) for s in per_respondent(assessment, people)}


class SubmittedBy(PrivacySettings, Protocol):
    """What the `response.submitted` payload reads: the respondent's link (`responses.Link`)."""

    @property
    def respondent_id(self) -> str: ...
    @property
    def assessment_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def function(self) -> str: ...


def submitted_payload(link: SubmittedBy, submitted_at: datetime) -> dict[str, Any]:
    """The `response.submitted` webhook body. Anonymous: the assessment and the day only, nothing that
    joins the event to a person (respondent id, role, function, exact time)."""
    if is_anonymous(link):
        submitted_on: date = submitted_at.astimezone(UTC).date()
        return {"assessment_id": link.assessment_id, "anonymous": True, "submitted_on": submitted_on.isoformat()}
    return {
        "assessment_id": link.assessment_id,
        "respondent_id": link.respondent_id,
        "role": link.role,
        "function": link.function,
        "submitted_at": submitted_at,
    }
