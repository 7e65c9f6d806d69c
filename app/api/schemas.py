"""Request and response bodies of the API. Request bodies are separate models from the tables
(a `table=True` model skips validation); responses expose no secret and no internal field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from app.db.tables import EMAIL_MAX, NAME_MAX, Anonymity, ApiKeyScope, AssessmentStatus
from app.services.responses import Progress
from app.text import MULTILINE, ONE_LINE, CleanLine

T = TypeVar("T")


_TIME_ZONE_NEEDED = "give a date and time with a time zone, e.g. 2026-12-01T09:00:00Z"
# What the documented "format: date-time" means (RFC 3339): date, T, time with seconds, offset.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339_text(value: Any) -> Any:
    """Only what the schema documents: pydantic alone also takes numbers and numeric text as Unix times."""
    if value is None or isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.fullmatch(value)):
        return value
    raise ValueError(_TIME_ZONE_NEEDED)


# The dates an assessment can have, API and pages alike: far enough inside datetime's years 1-9999
# that no time-zone offset or added day runs past them.
EARLIEST_DATE = date(1970, 1, 1)
LATEST_DATE = date(2999, 12, 31)
DATE_RANGE = f"a date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
# As moments: from the first day's start to the last day's end (where a form's last day closes).
EARLIEST_MOMENT = datetime.combine(EARLIEST_DATE, time(0), tzinfo=UTC)
LATEST_MOMENT = datetime.combine(LATEST_DATE + timedelta(days=1), time(0), tzinfo=UTC)
MOMENT_RANGE = f"a date and time from {EARLIEST_MOMENT:%Y-%m-%dT%H:%M:%SZ} to {LATEST_MOMENT:%Y-%m-%dT%H:%M:%SZ}"


def date_in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return value
    if value.tzinfo is None:
        raise ValueError(_TIME_ZONE_NEEDED)
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is past the last year a datetime holds
        in_utc = None
    if in_utc is None or not EARLIEST_MOMENT <= in_utc <= LATEST_MOMENT:
        raise ValueError(f"give {MOMENT_RANGE}")
    return value


AwareDatetime = Annotated[datetime | None, BeforeValidator(_rfc3339_text), AfterValidator(_aware)]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX), ONE_LINE]
ShortText = Annotated[str | None, Field(default=None, max_length=100), ONE_LINE]
Comment = Annotated[str | None, Field(max_length=2000), MULTILINE]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _not_null_in_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The documented schema of an update says what `_no_nulls` enforces: the fields that may be left
    out but not set to null accept no null (their Python type has None only to tell "left out")."""
    properties = schema.get("properties", {})
    for name in getattr(model, "_not_null", ()):
        field = properties.get(name)
        if not field or "anyOf" not in field:
            continue
        kept = [variant for variant in field["anyOf"] if variant != {"type": "null"}]
        del field["anyOf"]
        if len(kept) == 1:
            field.update(kept[0])
        else:
            field["anyOf"] = kept
        if field.get("default", ...) is None:
            del field["default"]


class _Update(_In):
    """A partial update: fields left out stay as they are; these may not be set to null."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_not_null_in_schema)
    _not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_nulls(self) -> _Update:
        for name in self._not_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be null")
        return self


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


# ---- questionnaires


class QuestionnaireSummary(BaseModel):
    id: str
    version: str
    title: str
    description: str
    locale: str
    estimated_minutes: int | None
    dimensions: int
    questions: int
    hash: str


# ---- organizations


class OrganizationCreate(_In):
    name: Name
    industry: ShortText = None
    size_band: Annotated[str | None, Field(default=None, max_length=40), ONE_LINE] = None
    region: ShortText = None


class OrganizationUpdate(_Update):
    _not_null = ("name",)
    name: Name | None = None
    industry: ShortText = None
    size_band: Annotated[str | None, Field(default=None, max_length=40), ONE_LINE] = None
    region: ShortText = None


class OrganizationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    industry: str | None
    size_band: str | None
    region: str | None
    created_at: datetime
    updated_at: datetime


# ---- assessments


class AssessmentCreate(_In):
    organization_id: Annotated[str, Field(max_length=36), ONE_LINE]
    questionnaire_id: Annotated[str, Field(max_length=80, examples=["customer-centricity"]), ONE_LINE]
    title: Annotated[str | None, Field(default=None, max_length=NAME_MAX), ONE_LINE] = None
    target_level: int | None = Field(default=None, ge=1, le=5, description="Default: the questionnaire's.")
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    anonymity: Anonymity = Anonymity.ANONYMOUS
    min_group_size: int = Field(default=3, ge=1, le=100, description="Breakdowns hide smaller groups.")
    show_personal_result: bool = False


class AssessmentUpdate(_Update):
    _not_null = ("title", "target_level", "anonymity", "min_group_size", "show_personal_result")
    title: Name | None = None
    target_level: int | None = Field(default=None, ge=1, le=5)
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    anonymity: Anonymity | None = None
    min_group_size: int | None = Field(default=None, ge=1, le=100)
    show_personal_result: bool | None = None


class AssessmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organization_id: str
    title: str
    questionnaire_id: str
    questionnaire_version: str
    questionnaire_hash: str
    target_level: int
    status: AssessmentStatus
    opens_at: datetime | None
    closes_at: datetime | None
    anonymity: Anonymity
    min_group_size: int
    show_personal_result: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


# ---- respondents


class InviteeIn(_In):
    role: Annotated[str, Field(max_length=80), ONE_LINE]
    function: Annotated[str, Field(max_length=80), ONE_LINE]
    name: Annotated[str | None, Field(default=None, max_length=NAME_MAX), ONE_LINE] = None
    email: Annotated[EmailStr | None, Field(default=None, max_length=EMAIL_MAX)] = None


class InviteRequest(_In):
    respondents: list[InviteeIn] = Field(min_length=1, max_length=1000)


class InvitedRespondent(BaseModel):
    id: str
    role: str
    function: str
    name: str | None
    email: str | None
    link: str = Field(description="The respondent's personal link; shown only in this response.")
    api_link: str = Field(description="The same link for the respondent API.")


class ProgressPublic(BaseModel):
    answered: int
    required: int
    required_answered: int
    share: float

    @classmethod
    def of(cls, progress: Progress) -> ProgressPublic:
        return cls(
            answered=progress.answered,
            required=progress.required,
            required_answered=progress.required_answered,
            share=progress.share,
        )


class RespondentPublic(BaseModel):
    id: str
    role: str
    function: str
    name: str | None
    email: str | None
    created_at: datetime = Field(description="In an anonymous assessment, the day only (00:00 UTC); so are the others.")
    started_at: datetime | None
    submitted_at: datetime | None
    status: Literal["invited", "in_progress", "submitted"]
    progress: ProgressPublic | None = Field(
        description="Null for a submitted respondent of an anonymous assessment: the count of answers would "
        "single out their row in the exports."
    )


AnswerValue = Annotated[
    Any,
    Field(
        description="A level 1-5, an option value, a list of checklist items, a number, text, a list of ratings, "
        '"dont_know", "not_applicable", or null to clear.'
    ),
]


class AnswersIn(_In):
    answers: dict[CleanLine, AnswerValue] = Field(default_factory=dict, max_length=500)
    comments: dict[CleanLine, Comment] = Field(default_factory=dict, max_length=500)


class ResponsePush(_In):
    role: Annotated[str, Field(max_length=80), ONE_LINE]
    function: Annotated[str, Field(max_length=80), ONE_LINE]
    name: Annotated[str | None, Field(default=None, max_length=NAME_MAX), ONE_LINE] = None
    email: Annotated[EmailStr | None, Field(default=None, max_length=EMAIL_MAX)] = None
    answers: dict[CleanLine, AnswerValue] = Field(max_length=500)
    comments: dict[CleanLine, Comment] = Field(default_factory=dict, max_length=500)


class PushedResponse(BaseModel):
    respondent_id: str
    submitted_at: datetime


class SavedAnswers(BaseModel):
    saved: int
    progress: ProgressPublic
    missing_required: list[str]


class RespondQuestion(BaseModel):
    id: str
    dimension: str | None
    type: str
    text: str
    help: str | None
    required: bool
    comment_prompt: str | None
    answers: dict[str, Any]


class RespondSection(BaseModel):
    id: str | None
    title: str
    description: str | None
    questions: list[RespondQuestion]


class RespondView(BaseModel):
    """What a respondent sees: the questions their answers so far make visible, and those answers."""

    assessment_title: str
    questionnaire: dict[str, str]
    status: Literal["open", "not_open", "closed", "submitted"]
    role: str
    function: str
    sections: list[RespondSection]
    answers: dict[str, Any]
    comments: dict[str, str]
    progress: ProgressPublic
    missing_required: list[str]


class SubmittedPublic(BaseModel):
    submitted_at: datetime


# ---- API keys


class ApiKeyCreate(_In):
    name: Name
    scopes: list[ApiKeyScope] | None = Field(
        default=None,
        min_length=1,
        description=(
            "What the new key may do: `read` (GET routes), `write` (the other routes but key, webhook and "
            "branding management), `admin` (managing keys, webhooks, branding). Left out: the scopes of the "
            "key that asks. A key cannot grant a scope it does not have (403)."
        ),
    )


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    prefix: str
    scopes: list[ApiKeyScope] = Field(description="What the key may do: `read`, `write`, `admin`.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_stored_scopes(cls, scopes: Any) -> Any:
        # Stored as one space-separated string (see ApiKey.scopes).
        return scopes.split() if isinstance(scopes, str) else scopes


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself, shown only in this response.")


# ---- report branding


class BrandingUpdate(_In):
    """Fields left out stay as they are; null clears a setting."""

    name: Annotated[
        str | None,
        Field(
            default=None,
            min_length=1,
            max_length=NAME_MAX,
            description="Shown on the report cover and running header; null uses the workspace's name.",
            examples=["Acme Consulting"],
        ),
        ONE_LINE,
    ] = None
    accent_color: Annotated[
        str | None,
        Field(
            default=None,
            max_length=20,
            description='"#rrggbb"; dark enough to read as text on white (contrast at least 3:1). '
            "Null uses the report's default colour.",
            examples=["#1f5fbf"],
        ),
        ONE_LINE,
    ] = None


class BrandingPublic(BaseModel):
    name: str = Field(
        description="The name the report shows: the brand name, or the workspace's name when none is set."
    )
    uses_workspace_name: bool = Field(description="True when no brand name is set and `name` is the workspace's name.")
    accent_color: str | None = Field(description='"#rrggbb" in lower case; null for the default colour.')
    has_logo: bool
    logo_url: str | None = Field(description="Where the logo is downloaded (with the API key); null without a logo.")
    logo_type: str | None = Field(description="image/png or image/jpeg; null without a logo.")
    logo_sha256: str | None = Field(description="SHA-256 of the logo file: changes exactly when the logo does.")
