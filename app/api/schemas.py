"""Request and response bodies of the API. Request bodies are separate models from the tables
(a `table=True` model skips validation); responses expose no secret and no internal field."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
)

from app.api.questionnaire_schemas import AcceptedAnswers
from app.db.tables import EMAIL_MAX, NAME_MAX, Anonymity, ApiKeyScope, AssessmentStatus
from app.http.inputs import (
    Comment,
    InputModel,
    InviteeIn,
    Name,
    PartialUpdate,
    ShortText,
)
from app.services.responses import Progress
from app.text import ONE_LINE, CleanLine

T = TypeVar("T")


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


class OrganizationUpdate(PartialUpdate):
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


class InviteRequest(InputModel):
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


class AnswersIn(InputModel):
    answers: dict[CleanLine, AnswerValue] = Field(default_factory=dict, max_length=500)
    comments: dict[CleanLine, Comment] = Field(default_factory=dict, max_length=500)


class ResponsePush(InputModel):
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
    answers: AcceptedAnswers = Field(description="The answer the question takes; `kind` says which shape.")


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


class BrandingUpdate(InputModel):
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
