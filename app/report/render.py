"""Turning a report context into its HTML document (Jinja2, autoescaped); `app.report.pdf` prints that HTML."""

from __future__ import annotations

import base64
import re
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from app.settings import PROJECT_ROOT
from app.text import printable

TEMPLATES_DIR = PROJECT_ROOT / "templates"
ALLOWED_LOGO_TYPES = ("image/png", "image/jpeg")


def css_string(text: object) -> Markup:
    """`text` as the inside of a CSS string: every character but letters, digits and spaces as a
    CSS escape, so a name cannot end the string or the rule (and holds nothing HTML would read)."""
    escaped = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in str(text))
    return Markup(escaped)


# The 0-100 track of each bar size in millimetres on A4, from report.css: the content is 176 mm
# wide, a column 48.5% of it, and a bar takes the share of its box after its left margin.
A4_CONTENT_MM = 176.0
COLUMN_MM = 0.485 * A4_CONTENT_MM
TRACK_MM = {
    "wide": 0.42 * A4_CONTENT_MM,
    "half": 0.42 * COLUMN_MM,
    "question": 0.19 * A4_CONTENT_MM,
}
BAR_LENGTHS_MARK = "/* bar lengths */"
_BAR_CLASSES = re.compile(r'class="bar (' + "|".join(TRACK_MM) + r') [\w-]+ f-(\d{1,3})"')
# A stored HTML report carries this as its style nonce; each response puts its own in its place.
NONCE_PLACEHOLDER = "centricity-style-nonce"
FIGURE_SPACE = "\u2007"  # as wide as a digit, so right-padded scores line up in tabular figures
SCORE_COLUMN = 3  # "100"


def score_column(value: object) -> str:
    """A score padded on the left to three digits' width, so the scores printed before the bars
    (placed from the left by an indent) line up on their last digit."""
    return str(value).rjust(SCORE_COLUMN, FIGURE_SPACE)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its extension (report.css is included too)
        finalize=printable,  # no stored text can make the report fail, whatever an older version let in
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    env.filters["score_column"] = score_column
    return env


def render_html(context: dict[str, Any], *, style_nonce: str | None = None, logo_url: str | None = None) -> str:
    """The report as an HTML document. `logo_url` overrides where the cover's logo is loaded from
    (a data: URL for browsers); by default it is the name the PDF fetcher serves."""
    brand = context["brand"]
    if logo_url is not None and brand["logo_url"] is not None:
        context = {**context, "brand": {**brand, "logo_url": logo_url}}
    html = environment().get_template("report/report.html").render(**context, style_nonce=style_nonce)
    return html.replace(BAR_LENGTHS_MARK, bar_length_rules(html), 1)


def with_nonce(html: str, nonce: str) -> str:
    """A stored HTML report with `nonce` as its stylesheet's nonce (the one `<style>` the template writes;
    text from people is escaped, so it holds no `<style` that could be taken for it)."""
    return html.replace(f'<style nonce="{NONCE_PLACEHOLDER}">', f'<style nonce="{nonce}">', 1)


def bar_length_rules(html: str) -> str:
    """The CSS giving each score bar in `html` its length: a rule for each size and score shown
    rather than all 404 of them, since WeasyPrint parses every rule of every report (~60 ms for
    all). Print draws the unfilled track as a right border; screens get a gradient."""
    used = sorted({(size, int(score)) for size, score in _BAR_CLASSES.findall(html)})
    rules = ["@media print {"]
    rules += [
        f".bar.{size}.f-{score} {{ border-right-width: {TRACK_MM[size] * (100 - score) / 100:.2f}mm; }}"
        for size, score in used
    ]
    rules += ["}", "@media screen {", ".bar { border-right-width: 0; }"]
    rules += [
        f".bar.f-{score} {{ background-image: linear-gradient(to right, transparent {score}%, #eceff4 {score}%); }}"
        for score in sorted({score for _, score in used})
    ]
    rules.append("}")
    return "\n".join(rules)


def logo_data_url(logo: bytes | None, mime: str | None) -> str | None:
    if logo is None or mime not in ALLOWED_LOGO_TYPES:
        return None
    return f"data:{mime};base64,{base64.b64encode(logo).decode('ascii')}"
