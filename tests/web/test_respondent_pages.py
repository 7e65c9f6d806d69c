"""The respondent's pages from the invitation link: welcome, answering by form post, conditions,
review, submit, thank-you with a personal result, CSRF, and closed or unknown links."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Tenant, pulse_answers
from tests.web.conftest import form_token


def _link(tenant: Tenant, questionnaire: str = "pulse", **fields: Any) -> tuple[str, str]:
    """An open assessment and one invited respondent: (assessment id, link token)."""
    assessment = tenant.open_assessment(questionnaire, **fields)
    (token,) = tenant.invite(assessment["id"], ("manager", "sales"))
    return assessment["id"], token


def _shown(html: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', html)


def _post_page(
    client: TestClient, token: str, number: int, answers: dict[str, Any], action: str = "next", **extra: Any
) -> Any:
    """Post a page as a browser would: every question shown on it, with `answers` filled in."""
    page = client.get(f"/r/{token}/page/{number}")
    assert page.status_code == 200, page.text
    data: dict[str, Any] = {"csrf_token": form_token(page.text), "shown": _shown(page.text), "action": action}
    data.update({f"answer-{qid}": value for qid, value in answers.items()})
    data.update(extra)
    return client.post(f"/r/{token}/page/{number}", data=data, follow_redirects=False)


def _saved(client: TestClient, token: str) -> dict[str, Any]:
    view = client.get(f"/api/v1/respond/{token}")
    assert view.status_code == 200
    return view.json()  # type: ignore[no-any-return]


def _page_of(client: TestClient, token: str, question_id: str) -> int:
    """The page number a question is on (pages follow the questionnaire's dimensions)."""
    for number in range(1, 20):
        if f'name="shown" value="{question_id}"' in client.get(f"/r/{token}/page/{number}").text:
            return number
    raise AssertionError(f"{question_id} is on no page")


def test_welcome_page_says_what_it_is_and_who_sees_the_answers(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, title="Globex spring check", min_group_size=4)
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.text
    assert "<h1" in html and html.count("<h1") == 1
    assert "Globex spring check" in html and "about 8 minutes" in html
    assert "anonymous" in html and "smaller than 4" in html
    assert f'href="/r/{token}/page/1"' in html and ">Start<" in html
    assert "Manager or team leader, Sales" in html

    _, named = _link(tenant, anonymity="named", name="Initech")
    assert "can see your individual answers" in client.get(f"/r/{named}").text


def test_answering_a_page_by_form_post_saves_and_moves_on(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    page = client.get(f"/r/{token}/page/1")
    html = page.text
    assert "Page 1 of 12" in html and "0 of 11 required questions answered" in html
    assert '<progress id="progress-bar"' in html
    assert 'type="radio"' in html and "<legend>" in html and "Don&#39;t know" in html
    assert re.search(r'<script src="[^"]*/static/js/autosave\.js" defer></script>', html)
    assert "<script>" not in html and "style=" not in html  # nothing inline: the CSP allows neither
    assert f'data-token="{token}"' in html
    (question,) = _shown(html)

    response = _post_page(client, token, 1, {question: "3"})
    assert response.status_code == 303 and response.headers["location"] == f"/r/{token}/page/2"
    saved = _saved(client, token)
    assert saved["answers"] == {question: 3} and saved["progress"]["required_answered"] == 1
    assert "1 of 11 required questions answered" in client.get(f"/r/{token}/page/2").text

    back = _post_page(client, token, 2, {}, action="back")
    assert back.status_code == 303 and back.headers["location"] == f"/r/{token}/page/1"


def test_leave_and_resume_shows_the_saved_answers(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    first = _shown(client.get(f"/r/{token}/page/1").text)[0]
    _post_page(client, token, 1, {first: "4"})
    second = _shown(client.get(f"/r/{token}/page/2").text)[0]
    later = _post_page(client, token, 2, {second: "dont_know"}, action="later")
    assert later.status_code == 303 and later.headers["location"] == f"/r/{token}?saved=1"

    # the same link, later, on another device: a client with no cookies
    other = TestClient(client.app)
    welcome = other.get(f"/r/{token}?saved=1").text
    assert "Your answers are saved" in welcome and "Continue where you stopped" in welcome
    assert f'href="/r/{token}/page/3"' in welcome
    page1 = other.get(f"/r/{token}/page/1").text
    assert re.search(rf'id="answer-{first}-3" name="answer-{first}" value="4"[^>]* checked', page1)
    page2 = other.get(f"/r/{token}/page/2").text
    assert re.search(rf'name="answer-{second}" value="dont_know"[^>]* checked', page2)


def test_a_refused_answer_re_renders_with_the_message_and_saves_nothing(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, "customer-centricity")
    last = _page_of(client, token, "outcome-retention")
    response = _post_page(client, token, last, {"outcome-clv": "5000", "outcome-retention": "150"})
    assert response.status_code == 422
    html = response.text
    assert "Nothing on this page was saved yet" in html
    assert 'id="error-outcome-retention" role="alert"' in html and "above the maximum 100" in html
    assert re.search(r'id="q-outcome-retention"[^>]*aria-describedby="[^"]*error-outcome-retention', html)
    # what the person typed is still there, the good answer and the refused one
    assert 'name="answer-outcome-clv" value="5000"' in html
    assert 'name="answer-outcome-retention" value="150"' in html
    assert _saved(client, token)["answers"] == {}

    typo = _post_page(client, token, last, {"outcome-clv": "lots"})
    assert typo.status_code == 422 and "Please enter a number" in typo.text
    assert _saved(client, token)["answers"] == {}


def test_a_comment_and_a_checklist_are_saved(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, "customer-centricity")
    number = _page_of(client, token, "m4-ask-why-chose")
    html = client.get(f"/r/{token}/page/{number}").text
    checklist = re.search(r'data-question="([^"]+)" data-kind="checklist"', html)
    assert checklist
    data = {"none-" + checklist.group(1): "none"}
    response = _post_page(client, token, number, {}, **data)
    assert response.status_code == 303
    assert _saved(client, token)["answers"] == {checklist.group(1): []}
    assert re.search(
        rf'name="none-{checklist.group(1)}" value="none" data-none checked',
        client.get(f"/r/{token}/page/{number}").text,
    )

    strategy = client.get(f"/r/{token}/page/1").text
    commented = re.search(r'name="comment-([^"]+)"', strategy)
    assert commented and "(optional)" in strategy
    qid = commented.group(1)
    _post_page(client, token, 1, {qid: "2"}, **{f"comment-{qid}": "Only in the annual plan"})
    saved = _saved(client, token)
    assert saved["answers"][qid] == 2 and saved["comments"][qid] == "Only in the annual plan"


def test_a_condition_reveals_the_follow_up_after_saving(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, "customer-centricity")
    number = _page_of(client, token, "m4-ask-why-chose")
    assert "insight-why-chose-used" not in _shown(client.get(f"/r/{token}/page/{number}").text)
    html = client.get(f"/r/{token}/page/{number}").text
    often = re.findall(r'name="answer-m4-ask-why-chose" value="([^"]+)"', html)[2]

    response = _post_page(client, token, number, {"m4-ask-why-chose": often})
    # the page grew: the person stays on it to answer the follow-up
    assert response.status_code == 303
    assert response.headers["location"] == f"/r/{token}/page/{number}?more=1#q-insight-why-chose-used"
    grown = client.get(response.headers["location"]).text
    assert "insight-why-chose-used" in _shown(grown) and "follow-up question" in grown

    # answering "never" hides the follow-up again, and its answer goes with it
    _post_page(client, token, number, {"m4-ask-why-chose": often, "insight-why-chose-used": "3"})
    assert _saved(client, token)["answers"]["insight-why-chose-used"] == 3
    _post_page(client, token, number, {"m4-ask-why-chose": "never", "insight-why-chose-used": "3"})
    saved = _saved(client, token)["answers"]
    assert saved["m4-ask-why-chose"] == "never" and "insight-why-chose-used" not in saved


def test_review_lists_the_unanswered_required_questions_with_links(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    first = _shown(client.get(f"/r/{token}/page/1").text)[0]
    _post_page(client, token, 1, {first: "3"})
    review = client.get(f"/r/{token}/review")
    assert review.status_code == 200
    html = review.text
    assert "10 required questions need an answer" in html
    second = _shown(client.get(f"/r/{token}/page/2").text)[0]
    assert f'href="/r/{token}/page/2#q-{second}"' in html
    assert f"#q-{first}" not in html
    assert "Submit my answers" not in html


def test_submit_then_thanks_and_a_second_submit_is_safe(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    assert client.put(f"/api/v1/respond/{token}/answers", json={"answers": pulse_answers(client, tenant)}).is_success
    review = client.get(f"/r/{token}/review").text
    assert "Submit my answers" in review
    csrf = form_token(review)
    first = client.post(f"/r/{token}/submit", data={"csrf_token": csrf}, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/r/{token}/thanks"
    thanks = client.get(f"/r/{token}/thanks")
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    assert "Your view" not in thanks.text  # not enabled for this assessment
    assert _saved(client, token)["status"] == "submitted"

    again = client.post(f"/r/{token}/submit", data={"csrf_token": csrf})
    assert again.status_code == 200 and "Thank you" in again.text
    # the pages now lead to the thank-you page; the welcome page says it is done
    assert client.get(f"/r/{token}/page/1", follow_redirects=False).headers["location"] == f"/r/{token}/thanks"
    assert "already handed in" in client.get(f"/r/{token}").text
    late = _post_form(client, token, "/page/1", csrf)
    assert late.status_code == 303 and late.headers["location"] == f"/r/{token}/thanks"


def _post_form(client: TestClient, token: str, path: str, csrf: str | None) -> Any:
    data = {"csrf_token": csrf} if csrf is not None else {}
    return client.post(f"/r/{token}{path}", data=data, follow_redirects=False)


def test_submitting_with_questions_open_shows_the_review_again(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    csrf = form_token(client.get(f"/r/{token}/page/1").text)
    response = _post_form(client, token, "/submit", csrf)
    assert response.status_code == 422 and "could not be handed in yet" in response.text
    assert _saved(client, token)["status"] == "open"


def test_personal_result_shows_only_when_the_assessment_allows_it(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant, show_personal_result=True)
    client.put(f"/api/v1/respond/{token}/answers", json={"answers": pulse_answers(client, tenant, level=3)})
    csrf = form_token(client.get(f"/r/{token}/review").text)
    _post_form(client, token, "/submit", csrf)
    html = client.get(f"/r/{token}/thanks").text
    assert "Your view, in short" in html and "not the organization's result" in html
    assert "level 3, Established" in html and "index of <strong>50</strong>" in html
    assert "Customer strategy" in html and "Established (50 of 100)" in html


def test_form_posts_without_the_right_csrf_token_are_refused(client: TestClient, tenant: Tenant) -> None:
    _, token = _link(tenant)
    _, other = _link(tenant, name="Initech")
    question = _shown(client.get(f"/r/{token}/page/1").text)[0]
    forged = form_token(client.get(f"/r/{other}/page/1").text)  # a real token, of another link
    for csrf in (None, "forged", forged):
        data = {"shown": question, f"answer-{question}": "3"} | ({"csrf_token": csrf} if csrf else {})
        response = client.post(f"/r/{token}/page/1", data=data)
        assert response.status_code == 403 and "did not come from this site" in response.text
        assert _post_form(client, token, "/submit", csrf).status_code == 403
    assert _saved(client, token)["answers"] == {}


def test_closed_not_yet_open_and_unknown_links_get_a_clear_page(client: TestClient, tenant: Tenant) -> None:
    assessment_id, token = _link(tenant)
    csrf = form_token(client.get(f"/r/{token}/page/1").text)
    assert tenant.post(f"/assessments/{assessment_id}/close").status_code == 200
    for path in ("", "/page/1", "/review"):
        closed = client.get(f"/r/{token}{path}")
        assert closed.status_code == 409 and "This assessment is closed" in closed.text
        assert "Traceback" not in closed.text and closed.headers["content-type"].startswith("text/html")
    assert _post_form(client, token, "/page/1", csrf).status_code == 409
    assert _post_form(client, token, "/submit", csrf).status_code == 409

    draft = tenant.assessment(tenant.organization("Umbrella")["id"])
    (waiting,) = tenant.invite(draft["id"], ("frontline", "service"))
    not_open = client.get(f"/r/{waiting}")
    assert not_open.status_code == 409 and "has not opened yet" in not_open.text

    for path in ("", "/page/1", "/review", "/thanks"):
        unknown = client.get(f"/r/not-a-real-link{path}")
        assert unknown.status_code == 404 and "This link does not work" in unknown.text
    assert _post_form(client, "not-a-real-link", "/submit", "x").status_code == 404
    assert client.get(f"/r/{waiting}/page/99").status_code in (404, 409)
    _, live = _link(tenant, name="Hooli")
    assert client.get(f"/r/{live}/page/99").status_code == 404
