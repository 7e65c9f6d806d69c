"""A consultant runs an assessment in real headless Chromium: sign in, create, invite, open, read the results.

The user is made through the services; everything after that goes through the pages, except the
responses themselves, which are pushed through the API with a key of the same workspace (a
respondent's pages have their own browser tests). Every page visited is audited and screenshotted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import DESKTOP, Contexts, LiveServer, Shots, audit, expect
from tests.web.conftest import PASSWORD, make_account

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

QUESTIONNAIRE = "customer-centricity"
WORKSPACE = "Browser Consulting"
EMAIL = "casey@browser-consulting.example"
ORGANIZATION = "Northwind Retail"
TITLE = "Customer-centricity baseline"
PEOPLE = "manager, sales, Dana Reyes, dana@example.com\nfrontline, Customer service, Sam Lee\nexecutive, leadership"


def _answers(questions: list[dict[str, Any]], option: int) -> dict[str, Any]:
    """A complete response: the option-th choice everywhere (2 or more opens every follow-up), two outcome figures."""
    answers: dict[str, Any] = {}
    for question in questions:
        spec = question["answers"]
        kind = spec["kind"]
        if kind in ("level", "choice"):
            answers[question["id"]] = spec["values"][min(option, len(spec["values"]) - 1)]["value"]
        elif kind == "checklist":
            answers[question["id"]] = [v["value"] for v in spec["values"][:option]]
        elif kind == "number":
            answers[question["id"]] = int(spec["min"] or 0) + 2 * option
    answers["outcome-nps"] = 10 * option
    answers["outcome-retention"] = 70 + 5 * option
    return answers


def _click_through(page: Page, name: str | re.Pattern[str], role: str = "button") -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()  # type: ignore[arg-type]


def _check(page: Page, shots: Shots, what: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page)
    shots.take(page, what)


def test_consultant_signs_in_creates_invites_and_reads_results(
    live_server: LiveServer, contexts: Contexts, shots: Shots
) -> None:
    # Signed out, an existing page sends the browser to sign in; a page that is not there is a 404.
    probe = live_server.http.get("/organizations/new", follow_redirects=False)
    if probe.status_code == 404:
        pytest.skip("consultant pages not available: /organizations/new answers 404")
    shots.prefix = "consultant"
    make_account(EMAIL, WORKSPACE)
    tenant = live_server.tenant(WORKSPACE)
    page = contexts.page(**DESKTOP)

    page.goto("/login")
    _check(page, shots, "sign in")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    _click_through(page, "Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    _check(page, shots, "dashboard empty")

    # A new organization, through its form.
    _click_through(page, "New organization", role="link")
    _check(page, shots, "new organization")
    page.get_by_label("Name").fill(ORGANIZATION)
    page.get_by_label("Industry").fill("Retail")
    page.get_by_label("Size (employees)").select_option(index=2)
    page.get_by_label("Region").fill("Nordics")
    _click_through(page, "Create organization")
    expect(page.get_by_role("link", name=ORGANIZATION, exact=True)).to_be_visible()
    _check(page, shots, "dashboard with organization")

    # A new assessment of that organization.
    _click_through(page, f"New assessment for {ORGANIZATION}", role="link")
    _check(page, shots, "new assessment")
    page.get_by_role("radio", name=re.compile(rf"{QUESTIONNAIRE} version")).check()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Target level").select_option("4")
    page.get_by_role("radio", name=re.compile(r"^Named")).check()
    page.get_by_label("Smallest group shown").fill("1")
    _click_through(page, "Create assessment")
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft")
    _check(page, shots, "assessment draft")
    assessment_path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]
    assessment_id = assessment_path.rsplit("/", 1)[1]

    # Invite three people through the paste form; their links are shown once.
    page.get_by_label("One person per line").fill(PEOPLE)
    _click_through(page, "Create links")
    expect(page.get_by_role("heading", level=1)).to_have_text("3 new invitation links")
    links = [text.strip() for text in page.locator("code.link-text").all_inner_texts()]
    assert len(links) == 3 and all(link.startswith(f"{live_server.base_url}/r/") for link in links), links
    _check(page, shots, "invitation links")

    _click_through(page, "Back to the assessment", role="link")
    _click_through(page, "Open for answers")
    expect(page.get_by_role("heading", level=1)).to_contain_text("open")
    expect(page.get_by_role("table")).to_contain_text("Dana Reyes")
    _check(page, shots, "assessment open")

    # An invitation link works in a browser that is not signed in.
    respondent = contexts.page(**DESKTOP)
    respondent.goto(links[0])
    expect(respondent.get_by_role("heading", level=1)).to_have_text(TITLE)

    # Two complete responses pushed with the workspace's API key; one invited person answers through their link.
    questions = tenant.get(f"/questionnaires/{QUESTIONNAIRE}").json()["questions"]
    for role, function, option in [("senior-manager", "marketing", 2), ("frontline", "service", 3)]:
        pushed = tenant.post(
            f"/assessments/{assessment_id}/responses",
            {"role": role, "function": function, "answers": _answers(questions, option)},
        )
        assert pushed.status_code == 201, pushed.text
    token = links[0].rsplit("/", 1)[1]
    saved = live_server.http.put(f"/api/v1/respond/{token}/answers", json={"answers": _answers(questions, 2)})
    assert saved.status_code == 200, saved.text
    assert live_server.http.post(f"/api/v1/respond/{token}/submit").status_code == 200

    page.reload()
    expect(page.get_by_text(re.compile(r"3\s+of\s+5\s+respondents submitted"))).to_be_visible()
    _check(page, shots, "assessment with responses")

    _click_through(page, "Results", role="link")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {TITLE}")
    overall = page.locator("#overall")
    expect(overall.get_by_role("heading", name="Overall maturity")).to_be_visible()
    expect(overall.get_by_text("Level", exact=True)).to_be_visible()
    expect(page.get_by_test_id("overall-index")).to_have_text(re.compile(r"^\d+"))
    radar = page.locator("svg.radar")
    expect(radar).to_be_visible()
    expect(radar).to_have_attribute("role", "img")
    assert (radar.get_attribute("aria-label") or radar.locator("title").first.text_content() or "").strip()
    recommendations = page.locator("#recommendations")
    expect(recommendations.get_by_role("heading", name=re.compile(r"^Recommendations"))).to_be_visible()
    # Target level 4 and answers around level 3-4: there is something to recommend.
    expect(recommendations.locator("li.recommendation").first).to_be_visible()
    _check(page, shots, "results")
