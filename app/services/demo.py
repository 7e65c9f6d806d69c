"""The demo workspace: a realistic client with an earlier and a current assessment, and peers to benchmark against.

Everything goes through the same services as the API and the pages, so every demo answer
is validated like a real one. Answers come from a seeded random generator: every run
builds the same organization with the same scores. The whole demo is written in one
transaction, so an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from app.db.tables import Assessment, Organization, Workspace, utc_now
from app.questionnaire.kinds import kind_of
from app.questionnaire.models import Question, Questionnaire
from app.questionnaire.normalized import accepted_answers
from app.scoring.answers import visibility
from app.services import accounts, assessments, organizations, responses
from app.services.accounts import Principal
from app.services.responses import Invitee

WORKSPACE = "Demo Consulting"
EMAIL = "demo@centricity.example"
# Documented in the README: the demo is for trying the app locally, never for real data.
PASSWORD = "demo-password-2026"
QUESTIONNAIRE = "customer-centricity"
ORGANIZATION = "Northwind Outfitters"
SEED = 2026

# Typical maturity (on the 1-5 level scale) of each dimension at Northwind today.
CURRENT_LEVELS = {
    "strategy": 3.1,
    "leadership": 3.2,
    "insight": 2.7,
    "voice": 2.4,
    "experience": 2.9,
    "collaboration": 2.3,
    "people": 2.7,
    "culture": 3.1,
    "measures": 2.1,
    "relationships": 2.6,
    "improvement": 2.5,
}
# A year earlier, before the improvement programme.
PREVIOUS_SHIFT = -0.55
# Leaders see strategy, leadership and culture more brightly than the front line does.
LEADER_OPTIMISM = {"strategy": 0.6, "leadership": 0.7, "culture": 0.6}
FRONTLINE_PESSIMISM = {"strategy": -0.4, "leadership": -0.5, "culture": -0.4, "people": -0.3}
# Operations works apart from the rest: the silo shows in these dimensions.
WEAK_FUNCTION = "operations"
WEAK_FUNCTION_SHIFT = {"collaboration": -1.2, "experience": -0.9, "relationships": -0.9}

# (role, function, count): 40 people now; the earlier round had fewer.
CURRENT_PEOPLE: list[tuple[str, str, int]] = [
    ("executive", "leadership", 3),
    ("senior-manager", "marketing", 1),
    ("senior-manager", "sales", 1),
    ("senior-manager", "service", 1),
    ("senior-manager", "operations", 1),
    ("senior-manager", "it", 1),
    ("manager", "marketing", 2),
    ("manager", "sales", 2),
    ("manager", "service", 2),
    ("manager", "operations", 2),
    ("manager", "product", 1),
    ("frontline", "sales", 4),
    ("frontline", "service", 6),
    ("frontline", "operations", 4),
    ("specialist", "marketing", 2),
    ("specialist", "product", 2),
    ("specialist", "it", 2),
    ("specialist", "hr", 1),
    ("specialist", "finance", 2),
]
IN_PROGRESS = 4  # of the current round's people: started, not yet submitted
PREVIOUS_PEOPLE: list[tuple[str, str, int]] = [
    ("executive", "leadership", 3),
    ("senior-manager", "sales", 1),
    ("senior-manager", "service", 1),
    ("senior-manager", "operations", 1),
    ("manager", "marketing", 2),
    ("manager", "sales", 2),
    ("manager", "service", 2),
    ("manager", "operations", 2),
    ("frontline", "sales", 3),
    ("frontline", "service", 5),
    ("frontline", "operations", 3),
    ("specialist", "marketing", 1),
    ("specialist", "product", 1),
    ("specialist", "it", 2),
    ("specialist", "finance", 1),
]

# Peer organizations: (name, industry, size band, region, offset from Northwind's current levels).
PEERS: list[tuple[str, str, str, str, float]] = [
    ("Contoso Home", "retail", "250-999", "EU", -0.6),
    ("Fabrikam Sports", "retail", "1000-4999", "EU", 0.4),
    ("Tailspin Travel Goods", "retail", "50-249", "EU", -0.2),
    ("Wide World Apparel", "retail", "250-999", "UK", 0.9),
    ("Litware Garden", "retail", "250-999", "EU", -1.0),
]
PEER_PEOPLE: list[tuple[str, str, int]] = [
    ("executive", "leadership", 2),
    ("manager", "sales", 2),
    ("manager", "service", 2),
    ("frontline", "service", 3),
    ("specialist", "it", 1),
]

COMMENTS = {
    "strategy": [
        "The customer plan is in the 2025 strategy deck, section 3.",
        "We talk about customers at the offsite, but the budget rounds are about cost.",
    ],
    "leadership": [
        "Our CEO spent a day in the Leeds store in March; the returns desk queue was the follow-up.",
        "Leaders mostly see customer figures in the monthly report.",
    ],
    "insight": ["Last research: the 2025 loyalty-member survey, used to redesign the membership tiers."],
    "voice": [
        "We changed the returns window to 60 days after many complaints.",
        "Feedback is collected, but nobody tells customers what we did with it.",
    ],
    "experience": ["Online checkout and in-store returns are mapped; store pickup is not."],
    "collaboration": [
        "Click-and-collect orders get lost between the web team and the warehouse.",
        "Operations hears about campaigns after they start.",
    ],
    "people": ["Store staff can refund up to 50 euros without asking a manager."],
    "culture": ["The 'customer hero' award at the quarterly meeting."],
    "measures": ["NPS and complaint volume are on the management report."],
    "relationships": ["We called our top 200 loyalty members when the delivery partner changed."],
    "improvement": ["Fixed the recurring size-chart errors by changing the supplier data feed."],
}
TEXT_ANSWERS = {
    "voice-recent-change": [
        "Longer returns window; announced in the newsletter and on receipts.",
        "Clearer delivery tracking messages after complaints about missed parcels.",
    ],
    "people-blocker": [
        "Refunds above the limit need a manager who is often not on the floor.",
        "The stock system does not show what other stores have.",
        "Waiting for IT to change anything in the web shop.",
    ],
    "improvement-one-change": [
        "One customer record shared by stores, web shop and service.",
        "Let the service team fix delivery problems without a ticket to operations.",
    ],
}


@dataclass(frozen=True)
class DemoInfo:
    created: bool  # False when the demo workspace already existed and nothing was changed
    workspace: str
    email: str
    password: str
    organization_id: str | None
    current_assessment_id: str | None
    previous_assessment_id: str | None

    @property
    def results_path(self) -> str | None:
        return f"/assessments/{self.current_assessment_id}/results" if self.current_assessment_id else None


@dataclass(frozen=True)
class Profile:
    """How one respondent tends to answer: a level (1-5, unrounded) per dimension."""

    role: str
    function: str
    levels: dict[str, float]


def create_demo(session: Session) -> DemoInfo:
    """Create the demo workspace, user and organizations; if the workspace exists, change nothing."""
    existing = session.exec(select(Workspace).where(Workspace.name == WORKSPACE)).first()
    if existing is not None:
        return _existing(session, existing)
    workspace = accounts.get_or_create_workspace(session, WORKSPACE)
    accounts.create_user(session, workspace, EMAIL, PASSWORD)
    principal = Principal(workspace.id, "demo")
    rng = random.Random(SEED)
    now = utc_now()

    for name, industry, size_band, region, offset in PEERS:
        peer = organizations.create(
            session, principal, {"name": name, "industry": industry, "size_band": size_band, "region": region}
        )
        levels = {d: v + offset for d, v in CURRENT_LEVELS.items()}
        _closed_round(session, principal, rng, peer.id, levels, PEER_PEOPLE, now - timedelta(days=rng.randint(40, 200)))

    northwind = organizations.create(
        session,
        principal,
        {"name": ORGANIZATION, "industry": "retail", "size_band": "250-999", "region": "EU"},
    )
    earlier = {d: v + PREVIOUS_SHIFT for d, v in CURRENT_LEVELS.items()}
    previous = _closed_round(
        session,
        principal,
        rng,
        northwind.id,
        earlier,
        PREVIOUS_PEOPLE,
        now - timedelta(days=380),
        title=f"{ORGANIZATION} — 2025",
    )
    current = assessments.create(
        session,
        principal,
        {"organization_id": northwind.id, "questionnaire_id": QUESTIONNAIRE, "title": f"{ORGANIZATION} — {now.year}"},
    )
    assessments.open_assessment(session, principal, current.id)
    current.created_at = current.opens_at = now - timedelta(days=14)
    _answer_round(session, principal, rng, current, CURRENT_LEVELS, CURRENT_PEOPLE, in_progress=IN_PROGRESS)
    session.flush()
    return DemoInfo(True, WORKSPACE, EMAIL, PASSWORD, northwind.id, current.id, previous.id)


def _existing(session: Session, workspace: Workspace) -> DemoInfo:
    organization = session.exec(
        select(Organization).where(Organization.workspace_id == workspace.id, Organization.name == ORGANIZATION)
    ).first()
    runs: Sequence[Assessment] = []
    if organization is not None:
        runs = session.exec(
            select(Assessment)
            .options(assessments.without_snapshot())
            .where(Assessment.organization_id == organization.id)
            .order_by(col(Assessment.created_at).desc())
        ).all()
    return DemoInfo(
        False,
        WORKSPACE,
        EMAIL,
        PASSWORD,
        organization.id if organization else None,
        runs[0].id if runs else None,
        runs[1].id if len(runs) > 1 else None,
    )


def _closed_round(
    session: Session,
    principal: Principal,
    rng: random.Random,
    organization_id: str,
    levels: dict[str, float],
    people: list[tuple[str, str, int]],
    when: datetime,
    title: str | None = None,
) -> Assessment:
    """An assessment that ran around `when` and is closed, with everyone's answers submitted."""
    fields: dict[str, Any] = {"organization_id": organization_id, "questionnaire_id": QUESTIONNAIRE}
    if title:
        fields["title"] = title
    assessment = assessments.create(session, principal, fields)
    assessments.open_assessment(session, principal, assessment.id)
    _answer_round(session, principal, rng, assessment, levels, people, in_progress=0)
    assessments.close_assessment(session, principal, assessment.id)
    # Dated back so the pages show a realistic history; the dates are display data only.
    assessment.created_at = assessment.opens_at = when
    assessment.closed_at = assessment.closes_at = assessment.updated_at = when + timedelta(days=21)
    return assessment


def _answer_round(
    session: Session,
    principal: Principal,
    rng: random.Random,
    assessment: Assessment,
    levels: dict[str, float],
    people: list[tuple[str, str, int]],
    in_progress: int,
) -> None:
    questionnaire = assessments.questionnaire_of(assessment)
    perspective = {r.id: r.perspective.value for r in questionnaire.roles}
    profiles = [
        _profile(rng, role, function, levels, perspective[role])
        for role, function, count in people
        for _ in range(count)
    ]
    rng.shuffle(profiles)
    reporter = next(i for i, p in enumerate(profiles) if p.role in ("executive", "senior-manager"))
    for i, profile in enumerate(profiles):
        answers, comments = _answers(rng, questionnaire, profile, reports_outcomes=i == reporter or rng.random() < 0.2)
        person = Invitee(profile.role, profile.function)
        if i < len(profiles) - in_progress:
            responses.push_response(session, principal, assessment.id, person, answers, comments)
            continue
        # Someone halfway through: the first part of the questionnaire saved, nothing submitted.
        ((_respondent, token),) = responses.invite(session, principal, assessment.id, [person])
        context = responses.by_token(session.connection(), token)
        cut = questionnaire.questions[len(questionnaire.questions) // 2].id
        order = [q.id for q in questionnaire.questions]
        partial = {q: v for q, v in answers.items() if order.index(q) < order.index(cut)}
        responses.save_answers(session, context, partial, {q: c for q, c in comments.items() if q in partial})


def _profile(rng: random.Random, role: str, function: str, levels: dict[str, float], perspective: str) -> Profile:
    personal = rng.gauss(0, 0.3)  # some people rate everything a little higher or lower
    result = {}
    for dimension, level in levels.items():
        value = level + personal
        if perspective == "leader":
            value += LEADER_OPTIMISM.get(dimension, 0.0)
        elif perspective == "frontline":
            value += FRONTLINE_PESSIMISM.get(dimension, 0.0)
        if function == WEAK_FUNCTION:
            value += WEAK_FUNCTION_SHIFT.get(dimension, 0.0)
        result[dimension] = value
    return Profile(role, function, result)


def _answers(
    rng: random.Random, questionnaire: Questionnaire, profile: Profile, reports_outcomes: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers in questionnaire order, skipping what earlier answers hide, as a respondent would."""
    answers: dict[str, Any] = {}
    comments: dict[str, str] = {}
    for question in questionnaire.questions:
        if not visibility(questionnaire, answers)[question.id]:
            continue
        value = _answer(rng, questionnaire, question, profile, reports_outcomes)
        if value is None:
            continue
        answers[question.id] = value
        pool = COMMENTS.get(question.dimension or "")
        if question.comment and pool and value != "dont_know" and rng.random() < 0.12:
            comments[question.id] = rng.choice(pool)
    return answers, comments


def _answer(
    rng: random.Random, questionnaire: Questionnaire, question: Question, profile: Profile, reports_outcomes: bool
) -> Any:
    spec = accepted_answers(question, questionnaire)
    if kind_of(question.type).outcome:
        return _outcome(rng, question, reports_outcomes)
    if kind_of(question.type).free_text:
        pool = TEXT_ANSWERS.get(question.id)
        return rng.choice(pool) if pool and rng.random() < 0.3 else None
    if "dont_know" in spec["special"] and rng.random() < 0.04:
        return "dont_know"
    level = profile.levels.get(question.dimension or "", 3.0) + rng.gauss(0, 0.55)
    target = max(0.0, min(100.0, (level - 1) * 25))  # the 0-100 score this person would give
    kind = spec["kind"]
    if kind == "level":
        return max(1, min(5, round(level)))
    if kind == "choice":
        return min(spec["values"], key=lambda v: abs(v["score"] - target))["value"]
    if kind == "checklist":
        return [v["value"] for v in spec["values"] if rng.random() < target / 100]
    if kind == "number":
        band = min(question.bands or [], key=lambda b: abs(b.score - target))
        high = band.max if band.max is not None else band.min + 10
        value = rng.uniform(band.min, high - 0.01)
        top = question.max_value
        return round(min(value, top) if top is not None else value)
    return None


def _outcome(rng: random.Random, question: Question, reports: bool) -> Any:
    """Customer ratings for NPS (as if exported from the survey tool), reported figures for the rest."""
    if not reports:
        return None
    metric = question.type.value  # the demo's figures are per metric, like its retention figures per question
    if metric == "nps":
        weights = [1, 1, 1, 2, 2, 4, 6, 10, 16, 14, 12]  # ratings 0-10: a moderately positive base
        return rng.choices(range(11), weights=weights, k=120)
    if metric == "csat":
        return round(rng.uniform(74, 82), 1)
    if question.id == "outcome-retention":
        return round(rng.uniform(61, 67), 1)
    if question.id == "outcome-employee-retention":
        return round(rng.uniform(78, 86), 1)
    return None
