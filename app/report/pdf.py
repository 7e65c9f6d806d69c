"""Printing the report's HTML to PDF with WeasyPrint, with a URL fetcher that loads nothing from outside.

WeasyPrint's default URL fetcher reads local files (a `file:` link with `rel="attachment"`
embeds /etc/passwd into the PDF) and follows network URLs. `ReportFetcher` serves the one
resource a report may load, the workspace's logo already in memory, and refuses everything
else. The stylesheet is inlined and fonts come from the system, so nothing else is needed.
Only render workers import this module (WeasyPrint is large); the web process does not.
"""

from __future__ import annotations

import logging
from typing import Any

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from app.report.context import LOGO_URL
from app.report.render import ALLOWED_LOGO_TYPES, render_html

# Relative URLs in the report resolve against this base; `.invalid` never resolves on any network.
BASE_URL = "https://report.centricity.invalid/"
LOGO_FULL_URL = BASE_URL + LOGO_URL

logger = logging.getLogger(__name__)


class ReportFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """Serves the logo at LOGO_FULL_URL and refuses every other URL (and remembers which, for tests)."""

    def __init__(self, logo: bytes | None = None, logo_mime: str | None = None) -> None:
        super().__init__(allowed_protocols=())
        self._logo = logo if logo_mime in ALLOWED_LOGO_TYPES else None
        self._logo_mime = logo_mime
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url == LOGO_FULL_URL and self._logo is not None:
            return URLFetcherResponse(url, body=self._logo, headers={"Content-Type": self._logo_mime})
        self.refused.append(url)
        logger.warning("report renderer refused to fetch %.200s", url)
        raise URLFetchingError(f"the report renderer loads nothing from {url[:200]}")


def html_to_pdf(html: str, logo: bytes | None = None, logo_mime: str | None = None) -> bytes:
    """A PDF of `html`; the only resource it may load is the logo given here."""
    return bytes(HTML(string=html, base_url=BASE_URL, url_fetcher=ReportFetcher(logo, logo_mime)).write_pdf())


def render_pdf(context: dict[str, Any], logo: bytes | None = None, logo_mime: str | None = None) -> bytes:
    """Context to PDF in one call: what a render worker runs."""
    return html_to_pdf(render_html(context), logo, logo_mime)
