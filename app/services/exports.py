"""Exports of an assessment for analysis elsewhere: the raw answers and the result, as CSV, XLSX and JSON.

`load` reads what an export needs; the builders (`to_csv`, `to_xlsx`, the `document`
itself for JSON) only format it, so every format shows the same respondents, the same
pseudonyms and the same result as `GET /assessments/{id}/results`.

Two protections apply to every format or every spreadsheet:
* anonymity: when the assessment is anonymous, `app.services.privacy.per_respondent` decides what
  a row may say (submitted respondents only, under random pseudonyms, in pseudonym order, with no
  name, email or submission time, and role and function only for large enough groups), so rows of
  one person can be read together without saying who it is; below the minimum group size of
  submitted respondents the export carries progress only;
* formula injection: a spreadsheet treats a cell starting with = + - @ (or a tab or carriage
  return, which some programs skip before looking) as a formula, so a respondent's comment
  could run one on the consultant's machine. Every text cell of the CSV and XLSX starting
  with one of those gets a leading single quote, and is then shown as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.db.tables import Anonymity, Answer, Assessment, AssessmentStatus, Respondent, utc_now
from app.questionnaire.models import DONT_KNOW, NOT_APPLICABLE, Questionnaire
from app.scoring.answers import scorer_for
from app.scoring.result import AssessmentResult
from app.services import privacy, responses, results
from app.services.accounts import Principal
from app.text import repaired, repaired_deep

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "respondent",
    "name",
    "email",
    "role",
    "function",
    "submitted_at",
    "question_id",
    "dimension",
    "question",
    "answer",
    "score",
    "comment",
)
FILENAME_STEM_MAX = 60

Cell = str | int | float | bool | None


# ---- the export document (also the JSON export, as is)


class ExportAnswer(BaseModel):
    question_id: str
    value: Any = Field(description='The stored answer, "dont_know" and "not_applicable" included.')
    score: float | None = Field(description="0-100 for a scored answer; null for unscored questions and specials.")
    comment: str | None


class ExportRespondent(BaseModel):
    id: str = Field(description="The respondent id, or a random pseudonym (R482913) when the assessment is anonymous.")
    name: str | None = Field(description="Null when the assessment is anonymous.")
    email: str | None = Field(description="Null when the assessment is anonymous.")
    role: str | None = Field(
        description="Null in an anonymous assessment when the group is too small: " + privacy.GROUP_BLANKED_REASON
    )
    function: str | None = Field(description="Null as `role` is.")
    status: Literal["invited", "in_progress", "submitted"]
    submitted_at: datetime | None = Field(description="Null when the assessment is anonymous.")
    answers: list[ExportAnswer]


class ExportAssessment(BaseModel):
    id: str
    title: str
    organization_id: str
    organization_name: str
    status: AssessmentStatus
    anonymity: Anonymity
    target_level: int
    min_group_size: int
    opens_at: datetime | None
    closes_at: datetime | None
    closed_at: datetime | None
    created_at: datetime


class ExportQuestionnaire(BaseModel):
    id: str
    version: str
    hash: str
    title: str


class ExportProgress(BaseModel):
    invited: int
    submitted: int


class AssessmentExport(BaseModel):
    """An assessment's raw answers and its result (the same as `GET /assessments/{id}/results`)."""

    exported_at: datetime
    assessment: ExportAssessment
    questionnaire: ExportQuestionnaire
    progress: ExportProgress
    withheld: bool = Field(description="True when answers and result are left out: " + privacy.WITHHELD_REASON)
    privacy_notes: list[str] = Field(description="What this export leaves out to keep respondents anonymous, and why.")
    respondents: list[ExportRespondent] = Field(
        description="Named assessment: every respondent, in the order they were created, with their saved answers "
        "(also those not yet submitted; the result counts submitted answers only). Anonymous assessment: the "
        "submitted respondents only, in pseudonym order."
    )
    result: AssessmentResult | None = Field(description="Null when `withheld`.")


@dataclass(frozen=True)
class ExportData:
    """The document and the questionnaire it was made with (the spreadsheets show question texts)."""

    document: AssessmentExport
    questionnaire: Questionnaire


def _status(respondent: Respondent) -> Literal["invited", "in_progress", "submitted"]:
    if respondent.submitted_at is not None:
        return "submitted"
    return "in_progress" if respondent.started_at is not None else "invited"


def build_document(
    assessment: Assessment,
    organization_name: str,
    questionnaire: Questionnaire,
    people: Sequence[Respondent],
    answers: Mapping[str, Mapping[str, Answer]],
    result: AssessmentResult,
    exported_at: datetime,
) -> ExportData:
    """The export of `assessment` from its rows (`people` in creation order); what each row may say of
    its respondent is the privacy service's decision."""
    scorers = {q.id: scorer_for(q, questionnaire) for q in questionnaire.questions}
    submitted = sum(1 for p in people if p.submitted_at is not None)
    withheld = privacy.results_withheld(assessment, submitted)
    notes = []
    if privacy.is_anonymous(assessment):
        notes.append(
            "Anonymous assessment: submitted respondents only, under random pseudonyms, with no name, email "
            "or submission time."
        )
        notes.append(privacy.GROUP_BLANKED_REASON)
    if withheld:
        notes.append(privacy.WITHHELD_REASON)
    exported: list[ExportRespondent] = []
    for shown in [] if withheld else privacy.per_respondent(assessment, people):
        stored = answers.get(shown.respondent.id, {})
        rows = []
        # Questionnaire order, so every respondent's answers read in the same sequence.
        for question in questionnaire.questions:
            answer = stored.get(question.id)
            if answer is None:
                continue
            scorer = scorers[question.id]
            special = answer.value in (DONT_KNOW, NOT_APPLICABLE)
            score = scorer(answer.value) if scorer is not None and not special else None
            rows.append(ExportAnswer(question_id=question.id, value=answer.value, score=score, comment=answer.comment))
        exported.append(
            ExportRespondent(
                id=shown.label,
                name=shown.name,
                email=shown.email,
                role=shown.role,
                function=shown.function,
                status=_status(shown.respondent),
                submitted_at=shown.submitted_at,
                answers=rows,
            )
        )
    document = AssessmentExport(
        exported_at=exported_at,
        assessment=ExportAssessment(
            id=assessment.id,
            title=assessment.title,
            organization_id=assessment.organization_id,
            organization_name=organization_name,
            status=assessment.status,
            anonymity=assessment.anonymity,
            target_level=assessment.target_level,
            min_group_size=privacy.effective_min_group_size(assessment),
            opens_at=assessment.opens_at,
            closes_at=assessment.closes_at,
            closed_at=assessment.closed_at,
            created_at=assessment.created_at,
        ),
        questionnaire=ExportQuestionnaire(
            id=assessment.questionnaire_id,
            version=assessment.questionnaire_version,
            hash=assessment.questionnaire_hash,
            title=questionnaire.title,
        ),
        progress=ExportProgress(invited=len(people), submitted=submitted),
        withheld=withheld,
        privacy_notes=notes,
        respondents=exported,
        result=None if withheld else result,
    )
    return ExportData(document, questionnaire)


def load(session: Session, principal: Principal, assessment_id: str) -> ExportData:
    """Everything an export of the assessment shows; another workspace's assessment is not found.
    The results readout reads the assessment, its organization and respondents once, and its result
    is the one the results page shows."""
    readout = results.readout(session, principal, assessment_id, surroundings=False)
    people = readout.people
    stored = responses.answers_of(session, [p.id for p in people])
    return build_document(
        readout.assessment,
        readout.organization.name,
        readout.questionnaire,
        people,
        stored,
        readout.result,
        utc_now(),
    )


# ---- cells


def neutralize(text: str) -> str:
    """`text` made safe for a spreadsheet cell: a leading single quote when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def cell(value: Any) -> Cell:
    """A value as a spreadsheet cell: numbers stay numbers, everything else becomes neutralized text
    (repaired, so a value stored before the input checks cannot break the file)."""
    if value is None or isinstance(value, bool | int | float):
        return value  # a number is never a formula, and "-5" must stay the number -5
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, str):
        return neutralize(repaired(value))
    return neutralize(repaired(json.dumps(value, ensure_ascii=False)))


def to_json(data: ExportData) -> Any:
    """The export as JSON data, every text repaired (see `cell`)."""
    return repaired_deep(data.document.model_dump(mode="json"))


def answer_rows(data: ExportData) -> Iterator[list[Cell]]:
    """One row per respondent and answered question, in the columns of `CSV_COLUMNS`."""
    questions = {q.id: q for q in data.questionnaire.questions}
    for person in data.document.respondents:
        for answer in person.answers:
            question = questions[answer.question_id]
            yield [
                cell(person.id),
                cell(person.name),
                cell(person.email),
                cell(person.role),
                cell(person.function),
                cell(person.submitted_at),
                cell(answer.question_id),
                cell(question.dimension),
                cell(question.text.strip()),
                cell(answer.value),
                answer.score,
                cell(answer.comment),
            ]


def to_csv(data: ExportData) -> bytes:
    """The answers as CSV, UTF-8 with a byte order mark so that Excel reads accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in answer_rows(data):
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


# ---- XLSX


def _xlsx_value(value: Cell) -> Cell:
    # The XML of the file cannot hold most control characters: openpyxl refuses them.
    return ILLEGAL_CHARACTERS_RE.sub("", repaired(value)) if isinstance(value, str) else value


def _sheet(workbook: Workbook, title: str, header: Sequence[str], rows: Iterator[Sequence[Cell]]) -> None:
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title)
    bold = Font(bold=True)
    heading = []
    for name in header:
        head = WriteOnlyCell(sheet, value=name)
        head.font = bold
        heading.append(head)
    sheet.append(heading)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])


def _summary_rows(document: AssessmentExport) -> Iterator[Sequence[Cell]]:
    pairs: list[tuple[str, Any]] = [
        ("Assessment", document.assessment.title),
        ("Assessment id", document.assessment.id),
        ("Organization", document.assessment.organization_name),
        ("Status", document.assessment.status.value),
        ("Anonymity", document.assessment.anonymity.value),
        ("Minimum group size", document.assessment.min_group_size),
        ("Respondents invited", document.progress.invited),
        ("Respondents submitted", document.progress.submitted),
    ]
    pairs.extend(("Privacy", note) for note in document.privacy_notes)
    result = document.result
    if result is None:
        pairs.append(("Exported at (UTC)", document.exported_at))
        for label, value in pairs:
            yield [cell(label), cell(value)]
        return
    overall = result.overall
    confidence = result.confidence
    pairs += [
        ("Questionnaire id", result.questionnaire.id),
        ("Questionnaire version", result.questionnaire.version),
        ("Questionnaire hash", result.questionnaire.hash),
        ("Respondents in the result", result.respondents),
        ("Index (0-100)", overall.index),
        ("Level", overall.level),
        ("Level name", overall.level_name),
        ("Level from thresholds alone", overall.threshold_level),
        ("Band low", overall.band.low if overall.band else None),
        ("Band high", overall.band.high if overall.band else None),
        ("Target level", overall.target_level),
        ("Gates applied", "; ".join(g.explanation for g in overall.gates) or None),
        ("Confidence", confidence.rating),
        ("Completion", confidence.completion),
        ("Don't know share", confidence.dont_know_share),
        ("Not applicable share", confidence.not_applicable_share),
        ("Confidence reasons", "; ".join(confidence.reasons) or None),
        ("Exported at (UTC)", document.exported_at),
    ]
    for label, value in pairs:
        yield [cell(label), cell(value)]


def _dimension_rows(result: AssessmentResult | None) -> Iterator[Sequence[Cell]]:
    for d in result.dimensions if result else []:
        yield [
            cell(d.id),
            cell(d.title),
            d.weight,
            d.score,
            d.level,
            cell(d.level_name),
            d.stats.n,
            d.stats.mean,
            d.stats.median,
            d.stats.sd,
            d.stats.consensus,
            d.dont_know,
            d.not_applicable,
            cell(", ".join(d.question_ids)),
        ]


def _question_rows(data: ExportData) -> Iterator[Sequence[Cell]]:
    texts = {q.id: q.text.strip() for q in data.questionnaire.questions}
    result = data.document.result
    for q in result.questions if result else []:
        yield [
            cell(q.id),
            cell(q.dimension),
            cell(q.type),
            cell(texts.get(q.id)),
            q.scored,
            q.stats.n,
            q.stats.mean,
            q.stats.median,
            q.stats.sd,
            q.stats.consensus,
            q.dont_know,
            q.not_applicable,
            q.unanswered,
            q.hidden,
            cell(q.distribution or None),
        ]


def _outcome_rows(result: AssessmentResult | None) -> Iterator[Sequence[Cell]]:
    for o in result.outcomes if result else []:
        reported = o.reported
        yield [
            cell(o.question_id),
            cell(o.metric),
            cell(o.text.strip()),
            cell(o.unit),
            cell(o.source),
            o.value,
            o.n,
            o.ci_low,
            o.ci_high,
            cell(o.detail or None),
            reported.n if reported else None,
            reported.median if reported else None,
            reported.low if reported else None,
            reported.high if reported else None,
        ]


def _recommendation_rows(result: AssessmentResult | None) -> Iterator[Sequence[Cell]]:
    for r in result.recommendations if result else []:
        yield [
            cell(r.id),
            cell(r.title),
            cell(r.dimension),
            r.priority,
            cell(r.reason),
            r.dimension_level,
            r.gap,
            r.trigger_share,
            cell(r.effort),
            cell(r.impact),
            r.horizon,
            r.roadmap_horizon,
            cell(r.owner),
            cell(r.action.strip()),
            cell("; ".join(r.kpis) or None),
            cell("; ".join(r.benefits) or None),
            cell(", ".join(r.depends_on) or None),
        ]


def to_xlsx(data: ExportData) -> bytes:
    """A workbook with the sheets Summary, Dimensions, Questions, Answers, Outcomes and Recommendations."""
    document = data.document
    result = document.result
    # Write-only: rows stream to the file instead of building every cell in memory first.
    workbook = Workbook(write_only=True)
    _sheet(workbook, "Summary", ("Field", "Value"), _summary_rows(document))
    _sheet(
        workbook,
        "Dimensions",
        (
            "dimension",
            "title",
            "weight",
            "score",
            "level",
            "level_name",
            "n",
            "mean",
            "median",
            "sd",
            "consensus",
            "dont_know",
            "not_applicable",
            "questions",
        ),
        _dimension_rows(result),
    )
    _sheet(
        workbook,
        "Questions",
        (
            "question_id",
            "dimension",
            "type",
            "question",
            "scored",
            "n",
            "mean",
            "median",
            "sd",
            "consensus",
            "dont_know",
            "not_applicable",
            "unanswered",
            "hidden",
            "distribution",
        ),
        _question_rows(data),
    )
    _sheet(workbook, "Answers", CSV_COLUMNS, answer_rows(data))
    _sheet(
        workbook,
        "Outcomes",
        (
            "question_id",
            "metric",
            "question",
            "unit",
            "source",
            "value",
            "n",
            "ci_low",
            "ci_high",
            "detail",
            "reported_n",
            "reported_median",
            "reported_low",
            "reported_high",
        ),
        _outcome_rows(result),
    )
    _sheet(
        workbook,
        "Recommendations",
        (
            "recommendation_id",
            "title",
            "dimension",
            "priority",
            "reason",
            "dimension_level",
            "gap",
            "trigger_share",
            "effort",
            "impact",
            "horizon_days",
            "roadmap_horizon_days",
            "owner",
            "action",
            "kpis",
            "benefits",
            "depends_on",
        ),
        _recommendation_rows(result),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- file names


def filename(data: ExportData, extension: str) -> str:
    """A download name safe in any header and file system: ASCII letters, digits and dashes only."""
    assessment = data.document.assessment
    ascii_title = unicodedata.normalize("NFKD", assessment.title).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:FILENAME_STEM_MAX].strip("-")
    return f"{stem or 'assessment'}-{assessment.id[:8]}.{extension}"
