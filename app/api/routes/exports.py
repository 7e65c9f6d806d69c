"""Downloads of an assessment's raw answers and result: CSV, XLSX and JSON (any status, own workspace only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from app.api.deps import PrincipalDep
from app.http.checked_input import CheckedRoute
from app.http.sessions import ReadSessionDep
from app.services import exports
from app.services.exports import AssessmentExport

router = APIRouter(prefix="/assessments", tags=["exports"], route_class=CheckedRoute)

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download_headers(name: str) -> dict[str, str]:
    # Exports hold people's answers: no shared cache may keep a copy.
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _file_response(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": {media_type: binary}, "description": description}}


@router.get(
    "/{assessment_id}/export.csv",
    response_class=Response,
    responses=_file_response("text/csv", "One row per respondent and answered question (UTF-8 with BOM)."),
)
def export_csv(assessment_id: str, session: ReadSessionDep, principal: PrincipalDep) -> Response:
    """The raw answers as CSV, one row per respondent and question; pseudonymous when the assessment is anonymous."""
    data = exports.load(session, principal, assessment_id)
    return Response(exports.to_csv(data), media_type=CSV_TYPE, headers=_download_headers(exports.filename(data, "csv")))


@router.get(
    "/{assessment_id}/export.xlsx",
    response_class=Response,
    responses=_file_response(XLSX_TYPE, "Sheets Summary, Dimensions, Questions, Answers, Outcomes, Recommendations."),
)
def export_xlsx(assessment_id: str, session: ReadSessionDep, principal: PrincipalDep) -> Response:
    """The result and the raw answers as an Excel workbook, one sheet per part."""
    data = exports.load(session, principal, assessment_id)
    return Response(
        exports.to_xlsx(data), media_type=XLSX_TYPE, headers=_download_headers(exports.filename(data, "xlsx"))
    )


@router.get("/{assessment_id}/export.json", response_model=AssessmentExport)
def export_json(assessment_id: str, session: ReadSessionDep, principal: PrincipalDep) -> JSONResponse:
    """The assessment, its questionnaire reference, every respondent with their answers, and the result."""
    data = exports.load(session, principal, assessment_id)
    return JSONResponse(exports.to_json(data), headers=_download_headers(exports.filename(data, "json")))
