"""The database tables (SQLModel `table=True` models): what is stored, with its keys and constraints.

These classes are storage only. They are never request bodies (a `table=True` model skips
validation), and Alembic owns the schema they describe: change a class, then generate a
migration with `alembic revision --autogenerate` and review it.

Conventions:
* ids are UUID4 strings made in Python, so a record has its id before it is flushed and ids
  never reveal how many records exist;
* every timestamp is timezone-aware UTC (`AwareDateTime`) and named `..._at`;
* every record belongs to one workspace; tables that hold both a workspace and a parent
  reference the parent through `(workspace_id, parent_id)`, so a row can never point at
  another workspace's record, whatever a service does;
* deleting a record deletes what it owns (ON DELETE CASCADE); whether a delete is allowed
  at all is the service's decision;
* string lengths are the `*_MAX` constants below, which input models reuse so that a value
  too long is a 422 naming the field, not a database error.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

# Constraint names are part of the schema: migrations drop and alter constraints by name,
# so they must be the same on SQLite and PostgreSQL and predictable from the model.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata = SQLModel.metadata

ID_LENGTH = 36
NAME_MAX = 200
SLUG_MAX = 80
EMAIL_MAX = 320
URL_MAX = 2048
SHA256_HEX_LENGTH = 64
API_KEY_PREFIX_LENGTH = 8
QUESTIONNAIRE_ID_MAX = 80  # the questionnaire model's Slug
QUESTIONNAIRE_VERSION_MAX = 40
ACTION_MAX = 64
IDEMPOTENCY_KEY_MAX = 255


def new_id() -> str:
    return str(uuid.uuid4())


PSEUDONYM_MAX = 16
# R100000-R999999: drawn at random, so a pseudonym says nothing of when its respondent was invited.
PSEUDONYM_FIRST, PSEUDONYM_LAST = 100_000, 999_999


def new_pseudonym() -> str:
    """A random pseudonym; the privacy service draws one not yet used in the assessment."""
    return f"R{PSEUDONYM_FIRST + secrets.randbelow(PSEUDONYM_LAST - PSEUDONYM_FIRST + 1)}"


def utc_now() -> datetime:
    return datetime.now(UTC)


class AwareDateTime(sa.TypeDecorator[datetime]):
    """A UTC timestamp that is timezone-aware in Python on every database.

    SQLite has no time zone type and hands back naive values; PostgreSQL hands back the
    session's zone. Both come back here as UTC. A naive value is refused rather than
    guessed: it is a bug at the call site.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC times (app.db.tables.utc_now)")
        value = value.astimezone(UTC)
        # SQLite stores text: one zone for every row keeps text order equal to time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# JSONB on PostgreSQL: binary, comparable (DISTINCT, equality), and indexable if ever needed.
JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _enum_type(enum: type[StrEnum], name: str) -> sa.Enum:
    # A VARCHAR with a CHECK constraint rather than a PostgreSQL ENUM type: adding a value
    # later is an ordinary migration on both databases. Values (not member names) are stored.
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class UserRole(StrEnum):
    OWNER = "owner"
    CONSULTANT = "consultant"
    VIEWER = "viewer"


class ApiKeyScope(StrEnum):
    """What an API key may do: `read` the GET routes, `write` the other routes that are not `admin`,
    `admin` manage the workspace (API keys, webhooks, branding)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


ALL_API_KEY_SCOPES = frozenset(ApiKeyScope)
API_KEY_SCOPES_MAX = 100


def api_key_scopes_text(scopes: frozenset[ApiKeyScope]) -> str:
    """How a key's scopes are stored: space-separated in a fixed order (as OAuth writes them)."""
    return " ".join(scope.value for scope in ApiKeyScope if scope in scopes)


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Anonymity(StrEnum):
    ANONYMOUS = "anonymous"
    NAMED = "named"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _workspace_fk() -> Any:
    return Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True, max_length=ID_LENGTH)


def _created_at() -> Any:
    return Field(default_factory=utc_now, sa_type=AwareDateTime, nullable=False)


def _updated_at() -> Any:
    return Field(default_factory=utc_now, sa_type=AwareDateTime, nullable=False, sa_column_kwargs={"onupdate": utc_now})


def _optional_at() -> Any:
    return Field(default=None, sa_type=AwareDateTime, nullable=True)


class Workspace(SQLModel, table=True):
    """A consultancy, or a company assessing itself; owns every other record, and its report branding."""

    __tablename__ = "workspaces"
    __table_args__ = (sa.CheckConstraint("(logo IS NULL) = (logo_mime IS NULL)", name="logo_has_mime"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    name: str = Field(unique=True, max_length=NAME_MAX)
    slug: str = Field(unique=True, max_length=SLUG_MAX)
    created_at: datetime = _created_at()
    brand_name: str | None = Field(default=None, max_length=NAME_MAX)
    accent_color: str | None = Field(default=None, max_length=7)  # "#rrggbb"
    logo: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    logo_mime: str | None = Field(default=None, max_length=100)


class User(SQLModel, table=True):
    """A person who signs in to a workspace (consultant side); respondents are not users."""

    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("workspace_id", "email"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    email: str = Field(max_length=EMAIL_MAX)  # stored lower-cased by the service
    password_hash: str = Field(max_length=255)  # argon2id, PHC string format
    role: UserRole = Field(default=UserRole.CONSULTANT, sa_type=_enum_type(UserRole, "role"))
    created_at: datetime = _created_at()
    last_login_at: datetime | None = _optional_at()


class ApiKey(SQLModel, table=True):
    """A named key for other tools; only its SHA-256 is stored, the key itself is shown once."""

    __tablename__ = "api_keys"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    name: str = Field(max_length=NAME_MAX)
    prefix: str = Field(max_length=API_KEY_PREFIX_LENGTH)  # lets a person tell keys apart in a list
    key_hash: str = Field(unique=True, max_length=SHA256_HEX_LENGTH)
    # Keys made before scopes existed have every scope, so the scripts using them keep working.
    scopes: str = Field(
        default=api_key_scopes_text(ALL_API_KEY_SCOPES),
        max_length=API_KEY_SCOPES_MAX,
        sa_column_kwargs={"server_default": api_key_scopes_text(ALL_API_KEY_SCOPES)},
    )
    created_at: datetime = _created_at()
    last_used_at: datetime | None = _optional_at()
    revoked_at: datetime | None = _optional_at()

    @property
    def scope_set(self) -> frozenset[ApiKeyScope]:
        return frozenset(ApiKeyScope(value) for value in self.scopes.split())


class Organization(SQLModel, table=True):
    """A client organization whose customer-centricity is assessed."""

    __tablename__ = "organizations"
    __table_args__ = (
        sa.UniqueConstraint("workspace_id", "name"),
        # The target of the workspace-scoped foreign keys of assessments.
        sa.UniqueConstraint("workspace_id", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    name: str = Field(max_length=NAME_MAX)
    industry: str | None = Field(default=None, max_length=100)
    size_band: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=100)
    created_at: datetime = _created_at()
    updated_at: datetime = _updated_at()


class Assessment(SQLModel, table=True):
    """One run of a questionnaire for one organization, pinned to the questionnaire as it was at creation."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "organization_id"],
            ["organizations.workspace_id", "organizations.id"],
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("workspace_id", "id"),
        sa.CheckConstraint("target_level BETWEEN 1 AND 5", name="target_level"),
        sa.CheckConstraint("min_group_size >= 1", name="min_group_size"),
        sa.Index(None, "workspace_id", "status"),
        sa.Index(None, "workspace_id", "questionnaire_id"),  # benchmark: peers on the same questionnaire
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE", max_length=ID_LENGTH)
    organization_id: str = Field(index=True, max_length=ID_LENGTH)
    title: str = Field(max_length=NAME_MAX)
    questionnaire_id: str = Field(max_length=QUESTIONNAIRE_ID_MAX)
    questionnaire_version: str = Field(max_length=QUESTIONNAIRE_VERSION_MAX)
    questionnaire_hash: str = Field(max_length=SHA256_HEX_LENGTH)  # Questionnaire.content_hash()
    # The full questionnaire model dump: scoring and forms read this, never the YAML file,
    # so editing the file later never changes an assessment that exists.
    questionnaire_snapshot: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    target_level: int
    status: AssessmentStatus = Field(default=AssessmentStatus.DRAFT, sa_type=_enum_type(AssessmentStatus, "status"))
    opens_at: datetime | None = _optional_at()
    closes_at: datetime | None = _optional_at()
    anonymity: Anonymity = Field(default=Anonymity.ANONYMOUS, sa_type=_enum_type(Anonymity, "anonymity"))
    min_group_size: int = 3
    show_personal_result: bool = False
    created_at: datetime = _created_at()
    updated_at: datetime = _updated_at()
    closed_at: datetime | None = _optional_at()


class Respondent(SQLModel, table=True):
    """One person answering an assessment, reached by a secret link whose token is stored hashed."""

    __tablename__ = "respondents"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "assessment_id"],
            ["assessments.workspace_id", "assessments.id"],
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("assessment_id", "pseudonym"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    assessment_id: str = Field(index=True, max_length=ID_LENGTH)
    # What anonymous outputs call this person (exports); random, fixed at creation, unique per assessment.
    pseudonym: str = Field(default_factory=new_pseudonym, max_length=PSEUDONYM_MAX)
    role: str = Field(max_length=SLUG_MAX)  # a role id of the assessment's questionnaire
    function: str = Field(max_length=SLUG_MAX)  # a function id of the assessment's questionnaire
    name: str | None = Field(default=None, max_length=NAME_MAX)
    email: str | None = Field(default=None, max_length=EMAIL_MAX)
    token_hash: str = Field(unique=True, max_length=SHA256_HEX_LENGTH)
    created_at: datetime = _created_at()
    started_at: datetime | None = _optional_at()
    submitted_at: datetime | None = _optional_at()
    last_seen_at: datetime | None = _optional_at()


class Answer(SQLModel, table=True):
    """A respondent's current answer to one question; saving again replaces it (one row per question)."""

    __tablename__ = "answers"
    # Its index (respondent_id first) also serves "all answers of a respondent".
    __table_args__ = (sa.UniqueConstraint("respondent_id", "question_id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    respondent_id: str = Field(foreign_key="respondents.id", ondelete="CASCADE", max_length=ID_LENGTH)
    question_id: str = Field(max_length=SLUG_MAX)
    # The normalized answer from app.scoring.answers.validate_answer, "dont_know" and
    # "not_applicable" included.
    value: Any = Field(sa_type=JSONType, nullable=False)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    updated_at: datetime = _updated_at()


class IdempotencyRecord(SQLModel, table=True):
    """The stored outcome of a request sent with an `Idempotency-Key`, replayed when the client retries.

    `response_status` is empty while the first request is still being processed.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    # Whose key it is: "workspace:<id>" or "respondent:<id>"; the same key from two
    # clients is two different requests.
    scope: str = Field(max_length=100)
    key: str = Field(max_length=IDEMPOTENCY_KEY_MAX)
    method: str = Field(max_length=10)
    path: str = Field(max_length=URL_MAX)
    request_hash: str = Field(max_length=SHA256_HEX_LENGTH)  # a retry with another body is refused
    response_status: int | None = None
    response_body: Any | None = Field(default=None, sa_type=JSONType, nullable=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=AwareDateTime, nullable=False, index=True)


class AuditEvent(SQLModel, table=True):
    """Who changed what and when, in a workspace; written in the same transaction as the change."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index(None, "workspace_id", "at"),
        sa.Index(None, "entity", "entity_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE", max_length=ID_LENGTH)
    actor: str = Field(max_length=100)  # "user:<id>", "api_key:<id>", "respondent:<id>", "cli"
    action: str = Field(max_length=ACTION_MAX)  # e.g. "assessment.opened"
    entity: str = Field(max_length=40)
    entity_id: str | None = Field(default=None, max_length=ID_LENGTH)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType, nullable=False)
    at: datetime = _created_at()


class Webhook(SQLModel, table=True):
    """A URL of the workspace's that receives HMAC-signed events."""

    __tablename__ = "webhooks"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    url: str = Field(max_length=URL_MAX)
    secret: str = Field(max_length=128, repr=False)  # kept in clear: it signs every delivery
    events: list[str] = Field(default_factory=list, sa_type=JSONType, nullable=False)
    active: bool = True
    created_at: datetime = _created_at()


class WebhookDelivery(SQLModel, table=True):
    """One event sent (or to be sent) to a webhook, with its retries: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.Index(None, "status", "next_attempt_at"),  # the sender's queue: what is due now
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    webhook_id: str = Field(foreign_key="webhooks.id", ondelete="CASCADE", index=True, max_length=ID_LENGTH)
    event: str = Field(max_length=ACTION_MAX)
    payload: dict[str, Any] = Field(sa_type=JSONType, nullable=False)
    status: DeliveryStatus = Field(default=DeliveryStatus.PENDING, sa_type=_enum_type(DeliveryStatus, "status"))
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    next_attempt_at: datetime | None = _optional_at()
    created_at: datetime = _created_at()
    delivered_at: datetime | None = _optional_at()


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, only its SHA-256 is stored.

    A new row at every login (a fresh session id) and deleting it at logout makes the old
    cookie worthless, whatever a browser keeps.
    """

    __tablename__ = "web_sessions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    token_hash: str = Field(unique=True, max_length=SHA256_HEX_LENGTH)
    user_id: str = Field(foreign_key="users.id", ondelete="CASCADE", index=True, max_length=ID_LENGTH)
    workspace_id: str = _workspace_fk()
    csrf_token: str = Field(max_length=64, repr=False)
    created_at: datetime = _created_at()
    last_seen_at: datetime = _created_at()
    expires_at: datetime = Field(sa_type=AwareDateTime, nullable=False)


class LoginAttempt(SQLModel, table=True):
    """A failed sign-in, counted per email and per client address to slow down password guessing.

    Kept in the database so that the limit holds across worker processes and instances.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index(None, "subject", "at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    subject: str = Field(max_length=EMAIL_MAX + 6)  # "email:<address>" or "ip:<address>"
    at: datetime = _created_at()


class ReportRender(SQLModel, table=True):
    """A rendered report, stored so that every app instance and every restart serves it without rendering again.

    `content_hash` is the report's identity (everything it prints, the logo's bytes included), so a
    row is current exactly while the assessment's report would print the same; the report service
    prunes older rows of an assessment. `html` is the browser twin, its style nonce a placeholder
    that each response replaces with its own.
    """

    __tablename__ = "report_renders"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["workspace_id", "assessment_id"],
            ["assessments.workspace_id", "assessments.id"],
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("workspace_id", "content_hash"),
        sa.Index(None, "assessment_id", "created_at"),  # pruning: an assessment's renders, newest first
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE", max_length=ID_LENGTH)
    assessment_id: str = Field(max_length=ID_LENGTH)
    content_hash: str = Field(max_length=SHA256_HEX_LENGTH)
    pdf: bytes = Field(sa_type=sa.LargeBinary, nullable=False)
    html: str = Field(sa_type=sa.Text, nullable=False)
    created_at: datetime = _created_at()
