"""A report's identity, by which a stored print is found: all it prints and the logo's bytes, not its day."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.report.printer import ReportBranding, ReportSource, prepare
from tests.logos import png
from tests.report.conftest import GENERATED


def _key(source: ReportSource) -> str:
    return prepare(source).key


def test_the_day_of_printing_is_not_part_of_the_identity(flagship: ReportSource) -> None:
    later = replace(flagship, generated_on=GENERATED + timedelta(days=3))
    assert prepare(later).context["cover"]["generated"] != prepare(flagship).context["cover"]["generated"]
    assert _key(later) == _key(flagship)


def test_what_the_report_prints_and_its_logo_are(flagship: ReportSource) -> None:
    brand = {"name": "Acme Advisory", "accent_color": "#7a1f5c", "logo_mime": "image/png"}
    keys = {
        _key(flagship),
        _key(replace(flagship, organization="Initrode")),
        _key(replace(flagship, assessment_date=GENERATED + timedelta(days=1))),
        _key(replace(flagship, submitted=flagship.submitted - 1)),
        _key(replace(flagship, branding=replace(flagship.branding, accent_color="#123456"))),
        _key(replace(flagship, branding=ReportBranding(**brand, logo=png()))),
        _key(replace(flagship, branding=ReportBranding(**brand, logo=png(color="teal")))),
    }
    assert len(keys) == 7
