"""Report fixtures: a scored flagship assessment as a report source, and its PDF read back as text."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfReader

from app.report.source import ReportBranding, ReportSource
from bench.report import report_source

GENERATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def flagship_source(respondents: int = 24, **changes: Any) -> ReportSource:
    """The bench's flagship report source with six quoted comments and a brand of its own."""
    source = report_source(respondents)
    people = source.comments[:6]
    comments = tuple(
        replace(c, question_id="voice-recent-change", text=f"Comment number {i} on calls")
        for i, c in enumerate(people, start=1)
    )
    changed = {
        "assessment_date": GENERATED,
        "generated_on": GENERATED,
        "invited": respondents + 4,
        "comments": comments,
        "branding": ReportBranding(name="Acme Advisory", accent_color="#7a1f5c"),
    }
    return replace(source, **{**changed, **changes})


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    """The PDF and all its text, whitespace collapsed (line breaks fall anywhere in a paragraph)."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return reader, " ".join(text.split())


@pytest.fixture(scope="session")
def flagship() -> ReportSource:
    return flagship_source()
