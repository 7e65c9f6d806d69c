"""Report fixtures: a scored flagship assessment as a report source, and its PDF read back as text."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from app.questionnaire.library import find_questionnaire
from app.report.source import Comment, ReportBranding, ReportSource
from app.scoring.engine import score_assessment
from bench.scoring import synthetic_respondents

GENERATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def flagship_source(respondents: int = 24, **changes: Any) -> ReportSource:
    questionnaire = find_questionnaire("customer-centricity")
    people = synthetic_respondents(questionnaire, respondents)
    result = score_assessment(questionnaire, people, min_group_size=3)
    comments = tuple(
        Comment("voice-recent-change", f"R{i:03d}", p.role or "", p.function or "", f"Comment number {i} on calls")
        for i, p in enumerate(people[:6], start=1)
    )
    source = ReportSource(
        questionnaire=questionnaire,
        result=result,
        organization="Northwind Outfitters",
        assessment_title="Customer-centricity 2026",
        assessment_status="closed",
        assessment_date=GENERATED,
        generated_on=GENERATED,
        anonymous=True,
        invited=respondents + 4,
        submitted=respondents,
        comments=comments,
        branding=ReportBranding(name="Acme Advisory", accent_color="#7a1f5c"),
    )
    return replace(source, **changes)


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    """The PDF and all its text, whitespace collapsed (line breaks fall anywhere in a paragraph)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return reader, " ".join(text.split())


@pytest.fixture(scope="session")
def flagship() -> ReportSource:
    return flagship_source()
