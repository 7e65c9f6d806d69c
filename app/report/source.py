"""What a report is made from: plain data gathered by a service or read from an answers file, never ORM rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from app.questionnaire.models import Questionnaire
from app.scoring.benchmark import Benchmark
from app.scoring.comparison import Previous
from app.scoring.result import AssessmentResult

# The report is printed in the product's own colours unless a workspace sets its own.
DEFAULT_ACCENT = "#1f5f8b"
DEFAULT_BRAND = "Centricity"


@dataclass(frozen=True)
class ReportBranding:
    """Whose report it is: the name and colour on every page and the logo on the cover."""

    name: str = DEFAULT_BRAND
    accent_color: str = DEFAULT_ACCENT
    logo: bytes | None = None
    logo_mime: str | None = None

    @property
    def logo_digest(self) -> str | None:
        return hashlib.sha256(self.logo).hexdigest() if self.logo is not None else None


@dataclass(frozen=True)
class Comment:
    """A respondent's own words: a text answer, or the comment left beside an answer."""

    question_id: str
    author: str  # empty when the assessment is anonymous (no per-person label), else the respondent's name or id
    role: str  # empty where the group is too small to name (app.scoring.privacy.disclosed_groups)
    function: str
    text: str


@dataclass(frozen=True)
class ReportSource:
    """Everything one report shows; the context builder turns it into display values."""

    questionnaire: Questionnaire
    result: AssessmentResult
    organization: str
    assessment_title: str
    assessment_status: str
    assessment_date: datetime | None  # closed, else created; None for an answers file
    generated_on: datetime
    anonymous: bool
    invited: int
    submitted: int
    comments: tuple[Comment, ...] = ()
    previous: Previous | None = None
    benchmark: Benchmark | None = None
    branding: ReportBranding = field(default_factory=ReportBranding)
