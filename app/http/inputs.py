"""Request bodies the JSON API and the web forms both check: one model per input, so a form and an
API call are held to the same limits. They are separate models from the tables (a `table=True`
model skips validation)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, model_validator

from app.db.tables import EMAIL_MAX, NAME_MAX, Anonymity, ApiKeyScope
from app.text import MULTILINE, ONE_LINE

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


class InputModel(BaseModel):
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


class PartialUpdate(InputModel):
    """A partial update: fields left out stay as they are; these may not be set to null."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_not_null_in_schema)
    _not_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_nulls(self) -> PartialUpdate:
        for name in self._not_null:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"'{name}' cannot be null")
        return self


class OrganizationCreate(InputModel):
    name: Name
    industry: ShortText = None
    size_band: Annotated[str | None, Field(default=None, max_length=40), ONE_LINE] = None
    region: ShortText = None


class AssessmentCreate(InputModel):
    organization_id: Annotated[str, Field(max_length=36), ONE_LINE]
    questionnaire_id: Annotated[str, Field(max_length=80, examples=["customer-centricity"]), ONE_LINE]
    title: Annotated[str | None, Field(default=None, max_length=NAME_MAX), ONE_LINE] = None
    target_level: int | None = Field(default=None, ge=1, le=5, description="Default: the questionnaire's.")
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    anonymity: Anonymity = Anonymity.ANONYMOUS
    min_group_size: int = Field(default=3, ge=1, le=100, description="Breakdowns hide smaller groups.")
    show_personal_result: bool = False


class AssessmentUpdate(PartialUpdate):
    _not_null = ("title", "target_level", "anonymity", "min_group_size", "show_personal_result")
    title: Name | None = None
    target_level: int | None = Field(default=None, ge=1, le=5)
    opens_at: AwareDatetime = None
    closes_at: AwareDatetime = None
    anonymity: Anonymity | None = None
    min_group_size: int | None = Field(default=None, ge=1, le=100)
    show_personal_result: bool | None = None


class InviteeIn(InputModel):
    role: Annotated[str, Field(max_length=80), ONE_LINE]
    function: Annotated[str, Field(max_length=80), ONE_LINE]
    name: Annotated[str | None, Field(default=None, max_length=NAME_MAX), ONE_LINE] = None
    email: Annotated[EmailStr | None, Field(default=None, max_length=EMAIL_MAX)] = None


class ApiKeyCreate(InputModel):
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
