"""A respondent answers the full questionnaire in real headless Chromium: on a phone, with and without JavaScript.

The server is a real `centricity serve`; the browser taps labels and buttons as a person would.
What the pages saved is read back through the respondent JSON API, so a page that only looks
right cannot pass. Every page visited is audited for accessibility and screenshotted.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE, Contexts, LiveServer, Shots, audit, expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.browser

QUESTIONNAIRE = "customer-centricity"
# The option chosen for each radio question, counted from the first: the third option is level 3 on
# level questions and a middle-to-high choice elsewhere, which opens every follow-up question of the
# questionnaire (its conditions ask for level 3 or more, "yes"/"partly", anything but "never").
OPTION = 2
NUMBER = 5  # within the bounds of every number and outcome figure of the questionnaire
TEXT = "We changed the returns policy after customer interviews."
COMMENT = "The customer strategy is page 3 of the 2026 business plan."
HALFWAY = 7  # of 12 pages
MAX_PAGE_POSTS = 30  # 12 pages and a few follow-ups; a loop that never leaves a page must fail, not hang
SAVE_BUTTON = re.compile(r"^Save and (continue|review)$")


def invite_one(server: LiveServer, label: str, **assessment: Any) -> str:
    tenant = server.tenant("Respondent tests")
    opened = tenant.open_assessment(QUESTIONNAIRE, name=f"Globex {label}", **assessment)
    return tenant.invite(opened["id"], ("manager", "sales"))[0]


def page_number(page: Page) -> int | None:
    found = re.search(r"/page/(\d+)", page.url)
    return int(found.group(1)) if found else None


# ---- answering a page as a person would


def choose(question: Locator, index: int, *, touch: bool) -> Locator:
    """Choose the index-th real option (not "don't know") of a radio question by its label; returns the radio."""
    radio = question.locator(".choice:not(.special)").get_by_role("radio").nth(index)
    label = question.locator(f'label[for="{radio.get_attribute("id")}"]')
    if touch:
        label.tap()
    else:
        label.click()
    expect(radio).to_be_checked()
    return radio


def radio_value(radio: Locator) -> Any:
    """The answer a radio stands for, as the API stores it (the autosave script's data-json)."""
    return json.loads(radio.get_attribute("data-json") or "null")


def answer_page(page: Page, recorded: dict[str, Any], *, touch: bool, comment: bool = False) -> None:
    """Answer every visible question on the page that has no answer yet; record what was chosen."""
    questions = page.locator("fieldset.question:visible")
    for i in range(questions.count()):
        question = questions.nth(i)
        qid = question.get_attribute("data-question") or ""
        kind = question.get_attribute("data-kind")
        if kind in ("level", "choice"):
            radios = question.locator(".choice:not(.special)").get_by_role("radio")
            if question.locator("input[type=radio]:checked").count() == 0:
                recorded[qid] = radio_value(choose(question, min(OPTION, radios.count() - 1), touch=touch))
        elif kind == "checklist":
            boxes = question.get_by_role("checkbox")
            if question.locator("input[type=checkbox]:checked").count() == 0:
                boxes.first.check()
                recorded[qid] = [boxes.first.get_attribute("value")]
        elif kind in ("number", "outcome"):
            box = question.get_by_role("spinbutton")
            if not box.input_value():
                box.fill(str(NUMBER))
                recorded[qid] = NUMBER
        elif kind == "text":
            box = question.get_by_label("Your answer")
            if not box.input_value():
                box.fill(TEXT)
                recorded[qid] = TEXT
        else:
            raise AssertionError(f"a question kind this test does not know: {kind}")
        if comment and question.locator("textarea[id^=comment-]").count():
            question.locator("textarea[id^=comment-]").fill(COMMENT)
            comment = False


def save_and_continue(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=SAVE_BUTTON).click()


def walk_pages(page: Page, recorded: dict[str, Any], shots: Shots, *, touch: bool, stop_at: int | None = None) -> None:
    """From the current question page, answer and save page after page until the review page
    (or until page `stop_at` is reached); a follow-up that an answer opens brings the same page back."""
    for _ in range(MAX_PAGE_POSTS):
        number = page_number(page)
        if number is None or number == stop_at:
            return
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        audit(page)
        grew = "more=1" in page.url
        answer_page(page, recorded, touch=touch, comment=number == 1)
        shots.take(page, f"page {number}{' follow-up' if grew else ''} answered")
        save_and_continue(page)
    raise AssertionError(f"still on the question pages after {MAX_PAGE_POSTS} posts: {page.url}")


def autosaved(page: Page) -> Any:
    """A context manager that waits for the autosave PUT that the next action triggers."""
    return page.expect_response(lambda r: r.request.method == "PUT" and r.url.endswith("/answers"))


def assert_saved(server: LiveServer, token: str, recorded: dict[str, Any]) -> dict[str, Any]:
    view = server.respond_view(token)
    stored = view["answers"]
    wrong = {qid: (value, stored.get(qid)) for qid, value in recorded.items() if stored.get(qid) != value}
    assert not wrong, f"answers given in the browser and what the API has (given, stored): {wrong}"
    return view


# ---- the tests


def test_phone_with_javascript_leave_halfway_resume_elsewhere_and_submit(
    live_server: LiveServer, contexts: Contexts, shots: Shots
) -> None:
    shots.prefix = "respondent-phone-js"
    token = invite_one(live_server, "phone js", show_personal_result=True)
    recorded: dict[str, Any] = {}

    # First device: the welcome page, then the first half of the questionnaire.
    page = contexts.page(**PHONE)
    page.goto(f"/r/{token}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    audit(page)
    shots.take(page, "welcome")
    with page.expect_navigation():
        page.get_by_role("link", name="Start").tap()
    walk_pages(page, recorded, shots, touch=True, stop_at=HALFWAY)
    assert page_number(page) == HALFWAY

    # On the halfway page two answers are given and saved by the script alone, then the page is closed.
    status = page.locator("#autosave-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")
    questions = page.locator("fieldset.question:visible")
    half: dict[str, Any] = {}
    for i in range(2):
        question = questions.nth(i)
        with autosaved(page) as response:
            radio = choose(question, OPTION, touch=True)
        assert response.value.ok, response.value.text()
        expect(status).to_have_text("Saved")
        half[question.get_attribute("data-question") or ""] = radio_value(radio)
    recorded.update(half)
    shots.take(page, f"page {HALFWAY} autosaved")
    page.context.close()

    # Another device: the same link opens at the first page with an open question, answers in place.
    page = contexts.page(**PHONE)
    page.goto(f"/r/{token}")
    expect(page.get_by_text(re.compile(r"You have answered \d+ of \d+ required questions"))).to_be_visible()
    audit(page)
    shots.take(page, "welcome back")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue where you stopped").tap()
    assert page_number(page) == HALFWAY, page.url
    questions = page.locator("fieldset.question:visible")
    for i, (qid, value) in enumerate(half.items()):
        assert questions.nth(i).get_attribute("data-question") == qid
        checked = questions.nth(i).locator("input[type=radio]:checked")
        expect(checked).to_have_count(1)
        assert radio_value(checked) == value
    expect(questions.nth(2).locator(".choices input:checked")).to_have_count(0)
    shots.take(page, f"page {HALFWAY} resumed")

    # Autosave: a changed answer survives a reload without any button being pressed.
    first = questions.nth(0)
    with autosaved(page) as response:
        changed = choose(first, 0, touch=True)
    assert response.value.ok, response.value.text()
    expect(page.locator("#autosave-status")).to_have_text("Saved")
    recorded[first.get_attribute("data-question") or ""] = radio_value(changed)
    page.reload()
    expect(page.locator(f"#{changed.get_attribute('id')}")).to_be_checked()

    walk_pages(page, recorded, shots, touch=True)
    assert page.url.endswith(f"/r/{token}/review"), page.url
    expect(page.get_by_text("Every required question has an answer")).to_be_visible()
    audit(page)
    shots.take(page, "review")
    with page.expect_navigation():
        page.get_by_role("button", name="Submit my answers").tap()
    expect(page.get_by_role("heading", level=1, name="Thank you!")).to_be_visible()
    expect(page.get_by_role("heading", name="Your view, in short")).to_be_visible()
    audit(page)
    shots.take(page, "thanks")

    view = assert_saved(live_server, token, recorded)
    assert view["status"] == "submitted"
    assert view["missing_required"] == []
    assert COMMENT in view["comments"].values()
    assert len(recorded) >= 60, f"only {len(recorded)} questions were answered"  # 68 with every follow-up


def test_phone_without_javascript_pages_finish_later_and_submit(
    live_server: LiveServer, contexts: Contexts, shots: Shots
) -> None:
    shots.prefix = "respondent-phone-no-js"
    token = invite_one(live_server, "phone no js")
    recorded: dict[str, Any] = {}
    context = contexts.new(**PHONE, java_script_enabled=False)
    puts: list[str] = []
    context.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    page = context.new_page()

    page.goto(f"/r/{token}")
    audit(page)
    shots.take(page, "welcome")
    with page.expect_navigation():
        page.get_by_role("link", name="Start").tap()
    # Pages 1-3 by plain form posts; page 3 has a follow-up that the post opens on the same page.
    walk_pages(page, recorded, shots, touch=True, stop_at=4)
    assert "insight-why-chose-used" in recorded, "the follow-up question on page 3 was not shown"

    answer_page(page, recorded, touch=True)
    shots.take(page, "page 4 answered")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and finish later").tap()
    expect(page.get_by_role("status")).to_contain_text("Your answers are saved")
    audit(page)
    shots.take(page, "saved for later")
    with page.expect_navigation():
        page.get_by_role("link", name="Continue where you stopped").tap()
    assert page_number(page) == 5, page.url

    # The review page lists what is still open, with links to it.
    page.goto(f"/r/{token}/review")
    expect(page.get_by_role("heading", name="Still to answer")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Page 5: "))).to_be_visible()
    audit(page)
    shots.take(page, "review with open questions")

    # The rest is answered elsewhere (through the API, to keep the test short), then submitted here.
    _complete_through_api(live_server, token)
    page.reload()
    expect(page.get_by_text("Every required question has an answer")).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit my answers").tap()
    expect(page.get_by_role("heading", level=1, name="Thank you!")).to_be_visible()
    audit(page)
    shots.take(page, "thanks")

    view = assert_saved(live_server, token, recorded)
    assert view["status"] == "submitted"
    assert not puts, f"without JavaScript nothing should autosave, yet: {puts}"


def _complete_through_api(server: LiveServer, token: str) -> None:
    """Answer every open required question through the respondent API (what opens follow-ups, too)."""
    for _ in range(5):
        view = server.respond_view(token)
        if not view["missing_required"]:
            return
        open_questions = [q for s in view["sections"] for q in s["questions"] if q["id"] in view["missing_required"]]
        answers = {q["id"]: _api_answer(q["answers"]) for q in open_questions}
        response = server.http.put(f"/api/v1/respond/{token}/answers", json={"answers": answers})
        assert response.status_code == 200, response.text
    raise AssertionError("required questions stayed open after five rounds of answers")


def _api_answer(spec: dict[str, Any]) -> Any:
    kind = spec["kind"]
    if kind in ("level", "choice"):
        return spec["values"][min(OPTION, len(spec["values"]) - 1)]["value"]
    if kind == "checklist":
        return [spec["values"][0]["value"]]
    if kind == "number":
        return NUMBER
    if kind == "text":
        return TEXT
    raise AssertionError(f"a required question of a kind this test does not answer: {kind}")


def test_respondent_form_works_with_the_keyboard_alone(
    live_server: LiveServer, contexts: Contexts, shots: Shots
) -> None:
    shots.prefix = "respondent-keyboard"
    token = invite_one(live_server, "keyboard")
    page = contexts.page(**DESKTOP)
    page.goto(f"/r/{token}/page/1")
    first_radio = page.locator("fieldset.question").first.get_by_role("radio").first

    # Tab to the first radio: the skip link and the brand link come first, nothing traps the focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    expect(first_radio).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "the focused radio shows no focus outline"
    shots.take(page, "first radio focused")
    with autosaved(page):
        page.keyboard.press("Space")
    expect(first_radio).to_be_checked()
    qid = (first_radio.get_attribute("name") or "").removeprefix("answer-")
    chosen = radio_value(first_radio)

    # Tab on through the form to the main button; Enter saves the page and opens the next one.
    button = page.get_by_role("button", name="Save and continue")
    for _ in range(150):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Save and continue":
            break
    expect(button).to_be_focused()
    shots.take(page, "save button focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page_number(page) == 2, page.url
    assert live_server.respond_view(token)["answers"][qid] == chosen
