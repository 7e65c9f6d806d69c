"""The printed report read back: every section, the result's numbers, branding, fonts, hostile text, refused URLs."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from app.presentation.results import number
from app.report.context import build_context
from app.report.pdf import BASE_URL, LOGO_FULL_URL, ReportFetcher, html_to_pdf, render_pdf
from app.report.render import render_html
from app.report.source import Comment, ReportBranding, ReportSource
from tests.report.conftest import flagship_source, pdf_text

SECTIONS = (
    "Contents",
    "Executive summary",
    "The five maturity levels",
    "Profile across the dimensions",
    "By role and function",
    "Perception and silo gaps",
    "Outcome metrics",
    "Change since the previous assessment",
    "Peer benchmark",
    "Roadmap",
    "Method",
    "Answers appendix",
)


@pytest.fixture(scope="module")
def printed(flagship: ReportSource) -> tuple[PdfReader, str, list[str]]:
    reader, text = pdf_text(render_pdf(build_context(flagship)))
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    return reader, text, pages


def test_every_section_and_dimension_is_in_the_report(
    flagship: ReportSource, printed: tuple[PdfReader, str, list[str]]
) -> None:
    reader, text, _ = printed
    for heading in SECTIONS:
        assert heading in text, heading
    for position, dimension in enumerate(flagship.questionnaire.dimensions, start=1):
        assert f"{position}. {dimension.title}" in text, dimension.title
    # Cover, contents, summary, levels, profile, one page per dimension (11), groups, gaps,
    # outcomes, trend and benchmark, roadmap, method, appendix: at least 20 pages.
    assert len(reader.pages) >= 20


def test_the_numbers_are_the_results(flagship: ReportSource, printed: tuple[PdfReader, str, list[str]]) -> None:
    _, text, pages = printed
    overall = flagship.result.overall
    assert overall.index is not None and overall.band is not None
    assert (
        f"Index {number(overall.index)} of 100 (95% band {number(overall.band.low)}–{number(overall.band.high)})"
        in text
    )
    assert f"Level {overall.level} · {overall.level_name}" in text
    for position, dimension in enumerate(flagship.result.dimensions, start=1):
        # The dimension's own page: its heading, then its score "NN of 100" and level.
        heading = f"{position}. {dimension.title} {number(dimension.score)}"
        page = next(p for p in pages if heading in p and "of 100" in p.split(heading, 1)[1][:12])
        assert f"level {dimension.level}, {dimension.level_name}" in page
        assert "Roles:" in page and "Functions:" in page  # the breakdown by group
    respondents = flagship.result.respondents
    assert f"Respondents: {respondents} submitted of {flagship.invited} invited" in text
    assert flagship.result.questionnaire.hash in text.replace(" ", "")


def test_running_headers_branding_and_page_numbers(printed: tuple[PdfReader, str, list[str]]) -> None:
    reader, _, pages = printed
    total = len(reader.pages)
    assert "Acme Advisory" in pages[0]  # the cover
    assert pages[0].count("Page ") == 0  # no running header or footer on the cover
    for index in (1, total // 2, total - 1):
        assert "Acme Advisory" in pages[index]
        assert "Northwind Outfitters · Customer-centricity 2026" in pages[index]
        assert f"Page {index + 1} of {total}" in pages[index]


def test_contents_give_each_section_its_page(printed: tuple[PdfReader, str, list[str]]) -> None:
    _, _, pages = printed
    contents = pages[1]
    for section in ("Executive summary", "Roadmap", "Answers appendix"):
        # The first page after the contents with the heading (running text writes these in lower case).
        first = next(i for i, page in enumerate(pages) if i > 1 and section in page) + 1
        # "Roadmap . . . . . 31": the dotted leader ends in that page's number.
        assert contents.split(section, 1)[1].lstrip(" .").startswith(f"{first} "), section


def test_fonts_are_embedded(printed: tuple[PdfReader, str, list[str]]) -> None:
    reader, _, _ = printed
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            fonts[font["/BaseFont"]] = described["/FontDescriptor"].get_object()
    assert fonts, "the report uses fonts"
    for name, descriptor in fonts.items():
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name


# ---- hostile text

HOSTILE_NAME = '<script>alert("x")</script><b>Bold</b> & Co'
LONG_NAME = "Ø" * 500
EMOJI = "Happy customers 😀🚀"
RIGHT_TO_LEFT = "שירות לקוחות مرحبا"


def test_hostile_text_is_printed_as_text_and_readable() -> None:
    source = flagship_source(
        6,
        organization=HOSTILE_NAME,
        assessment_title=LONG_NAME,
        branding=ReportBranding(name=EMOJI + " " + RIGHT_TO_LEFT, accent_color="#0b5d3b"),
        comments=(
            Comment("strategy-customer-strategy", "R001", "executive", "sales", "<img src=x onerror=alert(1)> 😀"),
            Comment("strategy-customer-strategy", "R002", "frontline", "sales", "תוכנית " + "x" * 400),
        ),
    )
    context = build_context(source)
    html = render_html(context)
    assert "<script>" not in html and "<b>Bold</b>" not in html
    assert "&lt;script&gt;" in html
    reader, text = pdf_text(html_to_pdf(html))
    assert '<script>alert("x")</script><b>Bold</b> & Co' in text  # shown literally, never interpreted
    assert EMOJI.split()[0] in text and "שירות" in text
    assert text.count("Ø") >= 500  # the long name wraps onto lines instead of being cut off the page
    assert "<img src=x onerror=alert(1)> 😀" in text and "<img src=x" not in html
    assert text.replace(" ", "").count("x" * 400) >= 1  # a 400-character word in a comment, whole
    # The running header prints names through CSS escapes; the text still reads right there.
    assert "Happy customers" in " ".join((reader.pages[2].extract_text() or "").split())


def test_css_string_escapes_everything_that_could_end_a_css_string() -> None:
    from app.report.render import css_string

    assert css_string('a"b;}') == "a\\22 b\\3b \\7d "
    assert css_string("</style><script>") == "\\3c \\2f style\\3e \\3c script\\3e "
    assert css_string("Ø 1") == "\\d8  1"


def test_an_invalid_accent_colour_falls_back_to_the_default() -> None:
    context = build_context(flagship_source(3, branding=ReportBranding(accent_color="red;} body{x")))
    assert context["brand"]["accent"] == "#1f5f8b"
    assert "body{x" not in render_html(context)


# ---- the URL fetcher


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    """A web server on loopback that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_nothing_outside_the_report_is_fetched_or_embedded(local_server: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = local_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    html = f"""<html><head>
      <link rel="attachment" href="file://{secret}">
      <link rel="stylesheet" href="{url}/style.css">
      </head><body>
      <p>Report</p>
      <a rel="attachment" href="file://{secret}">attached</a>
      <a rel="attachment" href="file:///etc/passwd">passwd</a>
      <img src="{url}/pixel.png"><img src="file:///etc/hostname"><img src="data:image/png;base64,iVBORw0KGgo=">
      <object data="{url}/object"></object>
    </body></html>"""
    fetcher = ReportFetcher()
    pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    assert hits == []  # no request reached the network
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.attachments == {}
    assert b"TOP-SECRET-CONTENT" not in pdf and b"root:" not in pdf
    refused = set(fetcher.refused)
    assert f"file://{secret}" in refused and "file:///etc/passwd" in refused
    assert f"{url}/style.css" in refused and f"{url}/pixel.png" in refused
    # The same holds through the report's own entry point.
    assert b"TOP-SECRET-CONTENT" not in html_to_pdf(html)


def _png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_logo_is_the_one_thing_served() -> None:
    logo = _png("#123456")
    fetcher = ReportFetcher(logo, "image/png")
    assert fetcher.fetch(LOGO_FULL_URL).read() == logo
    with pytest.raises(Exception, match="loads nothing"):
        fetcher.fetch(BASE_URL + "other")
    # A logo of a type that is not allowed is not served either.
    with pytest.raises(Exception, match="loads nothing"):
        ReportFetcher(b"<svg/>", "image/svg+xml").fetch(LOGO_FULL_URL)


def test_the_cover_shows_the_logo() -> None:
    logo = _png("#123456")
    with_logo = flagship_source(3, branding=ReportBranding(name="Acme", logo=logo, logo_mime="image/png"))
    without = replace(with_logo, branding=ReportBranding(name="Acme"))

    def images_on_cover(source: ReportSource) -> int:
        pdf = render_pdf(build_context(source), source.branding.logo, source.branding.logo_mime)
        cover = PdfReader(io.BytesIO(pdf)).pages[0]
        return len(cover.images)

    assert images_on_cover(with_logo) == 1
    assert images_on_cover(without) == 0
