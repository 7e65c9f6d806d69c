"""Browser test fixtures: a real `centricity serve` on a fresh SQLite file, Debian's Chromium driven by Playwright.

The tests skip (not fail) when Playwright for Python or the Chromium binary is missing, so a
machine without root, where `scripts/system-packages` could not install Chromium, still runs the
rest of the suite. Playwright is never asked to download a browser: it drives the system one
through its executable path. Screenshots of every page visited land in `artifacts/screenshots/`.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.engine import get_engine
from app.settings import get_settings
from tests.api.conftest import Tenant, make_tenant
from tests.live_server import free_port, serving

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
except ImportError:  # the suite still runs without it; the browser fixture skips every browser test
    sync_playwright = expect = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = Path(os.environ.get("CENTRICITY_CHROMIUM", "/usr/bin/chromium"))
# The flags that let Chromium run as root on a machine with no network but loopback: without the
# background-networking ones it keeps trying to reach Google's hosts and logs refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]

REQUEST_TIMEOUT = 30.0
# Playwright's own waits (clicks, navigations, expect): long enough for a loaded CI machine, short
# enough that a hung page fails the test in seconds rather than minutes.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1}


# ---- the server


@dataclass
class LiveServer:
    base_url: str
    http: httpx.Client  # for the JSON API, beside the browser

    def tenant(self, workspace: str) -> Tenant:
        """A workspace with an API key, made through the services (this process shares the database file)."""
        # Tenant only needs get/post/put on a client with the base URL; httpx.Client is one.
        return make_tenant(self.http, workspace)  # type: ignore[arg-type]

    def respond_view(self, token: str) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/respond/{token}")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def live_server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`centricity serve` on a free loopback port against a fresh SQLite file (it migrates it at start).

    Package-scoped: one server for every browser test. This process points its own settings at the
    same file, so tests set up workspaces and users through the services; both are restored after.
    It asks for the browser first only so that a machine without one skips without starting a server."""
    folder = tmp_path_factory.mktemp("browser")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        "DATABASE_URL": f"sqlite:///{folder / 'centricity.db'}",
        "CENTRICITY_ENVIRONMENT": "test",
        "CENTRICITY_WEBHOOK_SENDER": "false",
        # Invitation links are built from the base URL; they must point at this server.
        "CENTRICITY_BASE_URL": base_url,
    }
    patch = pytest.MonkeyPatch()
    for name, value in environment.items():
        patch.setenv(name, value)
    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        with serving(folder / "server.log", port), httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as http:
            yield LiveServer(base_url, http)
    finally:
        get_engine().dispose()
        get_engine.cache_clear()
        patch.undo()
        get_settings.cache_clear()


# ---- the browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright); browser tests skipped")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium, as root); browser tests skipped")
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield _launch(playwright)


def _launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=NAVIGATION_TIMEOUT_MS
    )


@dataclass
class Contexts:
    """Opens browser contexts on the live server, each with bounded waits and a log of console errors;
    every context is closed at teardown, and no test may leave a console error (a CSP refusal, a script error)."""

    browser: Browser
    base_url: str
    opened: list[BrowserContext] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def new(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.console_errors.append(f"page error: {error.error}"))
        self.opened.append(context)
        return context

    def page(self, **options: Any) -> Page:
        return self.new(**options).new_page()

    def _console(self, message: Any) -> None:
        source = message.location.get("url", "")
        if message.type == "error":
            where = message.page.url if message.page else "?"
            self.console_errors.append(f"console error on {where}: {message.text} ({source})")


@pytest.fixture
def contexts(browser: Browser, live_server: LiveServer) -> Iterator[Contexts]:
    opened = Contexts(browser, live_server.base_url)
    try:
        yield opened
    finally:
        for context in opened.opened:
            context.close()
    assert not opened.console_errors, "\n".join(opened.console_errors)


# ---- screenshots


@pytest.fixture(scope="package")
def screenshot_folder() -> Path:
    """artifacts/screenshots/, emptied once per run so that it shows this run's pages only."""
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@dataclass
class Shots:
    """Full-page screenshots named `<prefix>-<nn>-<what>.png`, numbered in the order they were taken;
    the prefix is the test's name unless the test gives a shorter one."""

    folder: Path
    prefix: str
    taken: list[Path] = field(default_factory=list)

    def take(self, page: Page, what: str) -> Path:
        name = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        path = self.folder / f"{self.prefix}-{len(self.taken) + 1:02d}-{name}.png"
        # Scrolled down, the respondent's sticky progress bar would be drawn over the middle of a full-page shot.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest, screenshot_folder: Path) -> Shots:
    prefix = request.node.name.removeprefix("test_").replace("_", "-")
    return Shots(screenshot_folder, prefix)


# ---- accessibility, checked in the browser

# Every visible form control and how it is named, by the rules the pages promise: a <label for>,
# a wrapping <label>, aria-label or aria-labelledby. Also the outline of visible headings.
_DOM_AUDIT = """
() => {
  const shown = (el) => {
    if (el.closest('[hidden]')) return false;
    const style = getComputedStyle(el);
    return style.display !== 'none' && style.visibility !== 'hidden' && el.getClientRects().length > 0;
  };
  const text = (el) => (el && el.textContent || '').trim();
  const unnamed = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !shown(el)) continue;
    const byFor = el.id && [...document.querySelectorAll('label')].some((l) => l.htmlFor === el.id && text(l));
    const wrapped = text(el.closest('label'));
    const ariaLabel = (el.getAttribute('aria-label') || '').trim();
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some((id) => text(document.getElementById(id)));
    if (!(byFor || wrapped || ariaLabel || labelledBy)) {
      unnamed.push(`<${el.tagName.toLowerCase()} id="${el.id}" name="${el.name}">`);
    }
  }
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(shown).map((h) => [Number(h.tagName[1]), text(h).slice(0, 60)]);
  return {unnamed, headings};
}
"""
# Roles of form controls, as Chromium's accessibility tree names them.
_CONTROL_ROLES = {"textbox", "searchbox", "spinbutton", "radio", "checkbox", "combobox", "listbox", "slider", "switch"}


def audit(page: Page) -> None:
    """Every visible control has an accessible name (by the markup, and as Chromium computes it), the page
    has exactly one h1 and no skipped heading level, and one banner, one main and one contentinfo landmark."""
    where = page.url
    found = page.evaluate(_DOM_AUDIT)
    assert not found["unnamed"], f"{where}: controls without a label: {found['unnamed']}"

    # The browser's own accessible-name computation, from the tree a screen reader reads.
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    nameless = [
        node.get("role", {}).get("value")
        for node in nodes
        if not node.get("ignored")
        and node.get("role", {}).get("value") in _CONTROL_ROLES
        and not str(node.get("name", {}).get("value", "")).strip()
    ]
    assert not nameless, f"{where}: controls with an empty accessible name in Chromium's tree: {nameless}"

    headings = found["headings"]
    levels = [level for level, _ in headings]
    assert levels.count(1) == 1, f"{where}: expected exactly one h1, found {headings}"
    assert levels[0] == 1, f"{where}: the first heading is not the h1: {headings}"
    for (before, _), (level, title) in itertools.pairwise(headings):
        assert level <= before + 1, f"{where}: heading '{title}' (h{level}) skips a level after h{before}: {headings}"

    for role in ("banner", "main", "contentinfo"):
        count = page.get_by_role(role).count()
        assert count == 1, f"{where}: expected one {role} landmark, found {count}"
