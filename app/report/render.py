"""Turning a report context into its HTML document (Jinja2, autoescaped); `app.report.pdf` prints that HTML."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from app.settings import PROJECT_ROOT

TEMPLATES_DIR = PROJECT_ROOT / "templates"
ALLOWED_LOGO_TYPES = ("image/png", "image/jpeg")


def css_string(text: object) -> Markup:
    """`text` as the inside of a CSS string: every character but letters, digits and spaces as a
    CSS escape, so a name cannot end the string or the rule (and holds nothing HTML would read)."""
    escaped = "".join(ch if ch.isascii() and (ch.isalnum() or ch == " ") else f"\\{ord(ch):x} " for ch in str(text))
    return Markup(escaped)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template, whatever its extension (report.css is included too)
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


def render_html(context: dict[str, Any], *, style_nonce: str | None = None, logo_url: str | None = None) -> str:
    """The report as an HTML document. `logo_url` overrides where the cover's logo is loaded from
    (a data: URL for browsers); by default it is the name the PDF fetcher serves."""
    brand = context["brand"]
    if logo_url is not None and brand["logo_url"] is not None:
        context = {**context, "brand": {**brand, "logo_url": logo_url}}
    return environment().get_template("report/report.html").render(**context, style_nonce=style_nonce)


def logo_data_url(logo: bytes | None, mime: str | None) -> str | None:
    if logo is None or mime not in ALLOWED_LOGO_TYPES:
        return None
    return f"data:{mime};base64,{base64.b64encode(logo).decode('ascii')}"
